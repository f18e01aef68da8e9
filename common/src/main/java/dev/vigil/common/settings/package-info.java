/**
 * The one strict settings reader and the one duration parser, used by every configuration reader
 * (the daemon's YAML, policies, mitigator settings). Reads maps and strings only: no YAML library,
 * no I/O.
 */
package dev.vigil.common.settings;
