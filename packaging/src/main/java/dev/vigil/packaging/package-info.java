/**
 * Build-time tools of the Debian packages, run by {@code scripts/package} and never shipped: man
 * pages and bash completion from the daemon's picocli command line ({@link
 * dev.vigil.packaging.ManPages}), and the machine-readable copyright file of every jar the package
 * holds ({@link dev.vigil.packaging.Copyright}).
 */
package dev.vigil.packaging;
