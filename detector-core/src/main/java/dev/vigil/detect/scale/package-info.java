/**
 * Feature scaling learned on normal data and applied before scoring (min-max or z-score, optional
 * log compression).
 */
package dev.vigil.detect.scale;
