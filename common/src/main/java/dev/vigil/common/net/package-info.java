/**
 * The one text form of IPv4 and IPv6 addresses (RFC 5952), shared by packet features and mitigation
 * targets.
 */
package dev.vigil.common.net;
