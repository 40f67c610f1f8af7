import type { Signal } from '../godot/signal.js';
import type { MachineHandle } from '../api/machine-handle.js';
import type { webrtcMultiplayerMachine } from '../machines/webrtc-multiplayer.js';
import type { MultiplayerStateName } from '../machines/multiplayer-peer-map.js';
import { PeerMap, type PeerSignals } from '../multiplayer/peer-map.js';
import type { RemotePeer } from '../multiplayer/remote-peer.js';
import { TARGET_PEER_SERVER } from './constants.js';

/** The five Godot 3 signals the peer map queues. */
export interface PeerMapSignals extends PeerSignals {
  readonly connection_succeeded: Signal<[]>;
  readonly connection_failed: Signal<[]>;
  readonly server_disconnected: Signal<[]>;
}

/**
 * A WebRTCMultiplayer's peer map: the shared one (multiplayer/peer-map.ts) with what Godot 3's poll
 * and remove_peer add: a `server_compatibility` client says nothing until its server's link is
 * up, then connection_succeeded; losing that link says server_disconnected, or, before it was up,
 * connection_failed.
 */
export class MultiplayerPeerMap extends PeerMap<MachineHandle<typeof webrtcMultiplayerMachine>, PeerMapSignals> {
  protected override announceOpened(opened: readonly RemotePeer[], before: MultiplayerStateName): void {
    for (const entry of opened) {
      // Announced at once when connected; a server_compatibility client says nothing until its server's link is up.
      if (before === 'connected') this.announce(entry);
      if (before === 'connecting' && this.isServerLink(entry.id)) {
        // The server, then connection_succeeded, then every peer that connected meanwhile (those opened now too).
        this.announce(entry);
        this.events.queue(() => this.signals.connection_succeeded.emit());
        for (const other of this.peers) if (other.id !== TARGET_PEER_SERVER && other.connected) this.announce(other);
        break;
      }
    }
  }

  /** A client's server link gone: server_disconnected, or, if it never came up, connection_failed (after its peer_disconnected). */
  protected override removed(before: MultiplayerStateName): void {
    if (before === 'disconnected' || this.state !== 'disconnected') return;
    const by = this.machine.snapshot.context.ended?.by;
    if (by === 'server_disconnected') this.events.queue(() => this.signals.server_disconnected.emit());
    else if (by === 'connection_failed') this.events.queue(() => this.signals.connection_failed.emit());
  }

  private isServerLink(id: number): boolean {
    const { serverCompatibility, uniqueId } = this.machine.snapshot.context;
    return serverCompatibility && uniqueId !== TARGET_PEER_SERVER && id === TARGET_PEER_SERVER;
  }
}
