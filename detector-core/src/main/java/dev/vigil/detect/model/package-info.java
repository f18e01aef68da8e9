/**
 * The detection model a gateway runs: the ensemble scorer, per-entity state, scored vectors
 * explained, and model bundles (read and write). Holds no training code and depends on no training
 * library.
 */
package dev.vigil.detect.model;
