/**
 * DL4J training of the autoencoder and the LSTM (one early-stopping loop for both) and their export
 * to detector-core's plain-Java runtimes.
 */
package dev.vigil.train.nn;
