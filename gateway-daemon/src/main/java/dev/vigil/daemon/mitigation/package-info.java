/**
 * The daemon's wiring of the mitigation module: the factory that builds its runtime and the bearer
 * token, the mapping of alerts to policy input, and the worker that applies decisions off the
 * detection thread. Choosing whom to block is the policy's job, never this package's.
 */
package dev.vigil.daemon.mitigation;
