/**
 * Damped (exponentially decayed) incremental statistics per host and channel, Kitsune-style.
 * Allocates nothing per packet.
 */
package dev.vigil.features.damped;
