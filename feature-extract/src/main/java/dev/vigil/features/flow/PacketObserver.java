package dev.vigil.features.flow;

import dev.vigil.features.packet.PacketMeta;

/**
 * Something that watches every well-formed packet beside the window features (the beacon and
 * authentication-failure trackers). Called on the parsing thread with the reused {@link
 * PacketMeta}: copy what you keep; allocate nothing per packet.
 */
@FunctionalInterface
public interface PacketObserver {
  /** Takes one parsed packet. */
  void update(PacketMeta m);
}
