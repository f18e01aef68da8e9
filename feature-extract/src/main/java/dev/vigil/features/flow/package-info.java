/**
 * Flow trackers that watch conversations across windows: beacons to peers never seen while
 * learning, and refused MQTT logins. Bounded tables, no allocation per packet.
 */
package dev.vigil.features.flow;
