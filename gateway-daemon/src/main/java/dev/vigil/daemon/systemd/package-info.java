/**
 * The daemon's side of its systemd unit ({@code Type=notify}, {@code WatchdogSec=}): {@link
 * dev.vigil.daemon.systemd.SdNotify} sends the notification datagrams, {@link
 * dev.vigil.daemon.systemd.Watchdog} feeds the watchdog only while detection makes progress. Both
 * do nothing when the daemon is not started by systemd.
 */
package dev.vigil.daemon.systemd;
