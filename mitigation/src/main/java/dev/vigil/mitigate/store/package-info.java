/** The durable SQLite store of decisions and alerts, so a restart or SIGKILL loses no decision. */
package dev.vigil.mitigate.store;
