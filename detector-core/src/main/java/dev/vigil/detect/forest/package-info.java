/**
 * The flat Isolation Forest: trees packed into arrays and scored without allocation. Reads and
 * writes its own format; knows nothing of Smile (detector-train copies Smile's trees in).
 */
package dev.vigil.detect.forest;
