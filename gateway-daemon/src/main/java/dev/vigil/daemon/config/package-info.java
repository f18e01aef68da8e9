/**
 * Reading and validating the daemon's YAML configuration into records, all problems reported at
 * once; a configuration is applied whole or not at all.
 */
package dev.vigil.daemon.config;
