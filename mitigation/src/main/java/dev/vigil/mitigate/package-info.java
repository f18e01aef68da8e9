/**
 * Decisions from alerts: the decision manager that applies, expires and restores them through
 * mitigators. The subpackages hold the plug-in API, backends, policy and store.
 */
package dev.vigil.mitigate;
