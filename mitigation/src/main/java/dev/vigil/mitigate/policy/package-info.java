/**
 * Policies that turn alerts into verdicts: rules, allowlists, escalation, the surge guard and the
 * gateway's own identity (never blocked).
 */
package dev.vigil.mitigate.policy;
