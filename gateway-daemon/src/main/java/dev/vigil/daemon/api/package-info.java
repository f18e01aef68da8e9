/**
 * Every REST controller of the daemon ({@code /health}, {@code /alerts}, {@code /decisions}, {@code
 * /metrics}) and the filter that guards the decision routes with the bearer token. Controllers
 * translate HTTP to calls on the pipeline and mitigation beans; they hold no detection or policy
 * logic.
 */
package dev.vigil.daemon.api;
