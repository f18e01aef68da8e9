/**
 * The plain-Java runtimes of the autoencoder and the LSTM, float and int8, and their weights' file
 * format. Allocates nothing per vector; never loads DL4J or nd4j.
 */
package dev.vigil.detect.nn;
