/**
 * Packet capture: live interfaces and pcap files through libpcap (Pcap4J), into a bounded frame
 * ring. Allocates nothing per packet after start.
 */
package dev.vigil.features.capture;
