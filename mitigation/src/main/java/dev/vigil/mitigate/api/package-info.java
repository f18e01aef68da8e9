/**
 * What other modules and plug-ins may use: decisions, targets, the {@code Mitigator} interface and
 * its registry (loaded by ServiceLoader, unknown or duplicate types rejected at start).
 */
package dev.vigil.mitigate.api;
