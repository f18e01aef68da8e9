/**
 * Packet parsing into flat metadata (addresses, ports, flags, application hints, payload entropy)
 * without allocation; malformed input is counted as a parse error, never thrown per packet.
 */
package dev.vigil.features.packet;
