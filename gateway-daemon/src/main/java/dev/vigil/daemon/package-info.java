/**
 * The daemon a gateway runs: its Micronaut application context. The subpackages hold configuration,
 * the detection pipeline, REST, alerts and mitigation wiring.
 */
package dev.vigil.daemon;
