/** Readers of public data sets (NSL-KDD) into feature rows with labels. */
package dev.vigil.eval.data;
