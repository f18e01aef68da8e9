/**
 * The mitigator backends (nftables, iproute2, exec, MQTT, webhook, log). They only apply and remove
 * decisions; choosing whom to block is the policy's job.
 */
package dev.vigil.mitigate.backend;
