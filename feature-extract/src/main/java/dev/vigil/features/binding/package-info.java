/**
 * Who sent a host's traffic: IP-to-MAC bindings learned from ARP, NDP and DHCP ACKs, and per
 * address the link-layer senders of its recent packets, so that an alert on an address whose
 * packets came from another device's MAC (spoofed) names that device instead. Bounded, no
 * allocation per packet.
 */
package dev.vigil.features.binding;
