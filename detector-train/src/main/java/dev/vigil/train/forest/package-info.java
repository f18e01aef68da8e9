/**
 * Isolation Forest training with Smile and its copy into detector-core's flat forest, plus the
 * stand-alone forest model and threshold helpers the evaluation uses.
 */
package dev.vigil.train.forest;
