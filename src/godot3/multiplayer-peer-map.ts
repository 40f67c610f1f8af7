import type { Signal } from '../godot/signal.js';
import type { MachineHandle } from '../api/machine-handle.js';
import type { webrtcMultiplayerMachine, WebRTCMultiplayerStateName } from '../machines/webrtc-multiplayer.js';
import { TARGET_PEER_SERVER } from './constants.js';
import type { MultiplayerDispatch } from '../multiplayer/dispatch.js';
import type { RemotePeer, RemovalEvent } from '../multiplayer/remote-peer.js';

/** The five Godot 3 signals the peer map queues. */
export interface PeerMapSignals {
  readonly peer_connected: Signal<[id: number]>;
  readonly peer_disconnected: Signal<[id: number]>;
  readonly connection_succeeded: Signal<[]>;
  readonly connection_failed: Signal<[]>;
  readonly server_disconnected: Signal<[]>;
}

/**
 * A WebRTCMultiplayer's peer map (ascending ids, as Godot 3's Map) and what Godot 3's poll and
 * remove_peer do to it: each change goes to the multiplayer machine and the peer's remote
 * machine, each signal to the dispatch's queue (emitted at the end of poll() or by the event
 * dispatch, never here).
 */
export class MultiplayerPeerMap {
  /** Ascending by id; the multiplayer machine's `peers` names the same ids. */
  peers: RemotePeer[] = [];

  constructor(
    private readonly machine: MachineHandle<typeof webrtcMultiplayerMachine>,
    private readonly events: MultiplayerDispatch,
    private readonly signals: PeerMapSignals,
  ) {}

  find(id: number): RemotePeer | undefined {
    for (const entry of this.peers) if (entry.id === id) return entry;
    return undefined;
  }

  /** A peer add_peer made (the machine has taken add_peer). */
  insert(entry: RemotePeer): void {
    const at = this.peers.findIndex((other) => other.id > entry.id);
    this.peers.splice(at < 0 ? this.peers.length : at, 0, entry);
    this.attach(entry);
  }

  /** Godot 3's poll: every connection polled; then in id order, the ended links removed, the opened ones announced. */
  step(): void {
    if (this.peers.length === 0) return;
    // A connection's signals run user code (its signaling): the map may change under it.
    for (const entry of [...this.peers]) entry.connection.poll();
    const ended: Array<[RemotePeer, 'connection' | 'channel']> = [];
    const opened: RemotePeer[] = [];
    for (const entry of this.peers) {
      const seen = entry.check();
      if (seen === 'opened') opened.push(entry);
      else if (seen !== null) ended.push([entry, seen.ended]);
    }
    for (const [entry, cause] of ended) this.remove(entry, { type: 'link_ended', cause });
    const before = this.state;
    for (const entry of opened) {
      entry.machine.send({ type: 'channels_open' });
      this.machine.send({ type: 'peer_connected', id: entry.id });
    }
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

  /** As Godot 3's remove_peer (peer_disconnected if announced; a client's server link: server_disconnected, or ours, connection_failed), then its connection closed. */
  remove(entry: RemotePeer, event: RemovalEvent): void {
    const before = this.state;
    const id = entry.id;
    entry.machine.send(event);
    this.machine.send({ type: 'peer_removed', id });
    this.peers = this.peers.filter((other) => other !== entry);
    this.detach(entry);
    if (entry.announced) this.events.queue(() => this.signals.peer_disconnected.emit(id));
    if (before !== 'disconnected' && this.state === 'disconnected') {
      const by = this.machine.snapshot.context.ended?.by;
      if (by === 'server_disconnected') this.events.queue(() => this.signals.server_disconnected.emit());
      else if (by === 'connection_failed') this.events.queue(() => this.signals.connection_failed.emit());
    }
    entry.closeConnection();
  }

  /** close(): every remote takes `close` and leaves the map, then the multiplayer; the connections are closed last. */
  clear(): void {
    const closing = this.peers;
    this.peers = [];
    for (const entry of closing) {
      entry.machine.send({ type: 'close' });
      this.detach(entry);
    }
    this.machine.send({ type: 'close' });
    for (const entry of closing) entry.closeConnection();
  }

  private get state(): WebRTCMultiplayerStateName {
    return this.machine.state as WebRTCMultiplayerStateName;
  }

  private isServerLink(id: number): boolean {
    const { serverCompatibility, uniqueId } = this.machine.snapshot.context;
    return serverCompatibility && uniqueId !== TARGET_PEER_SERVER && id === TARGET_PEER_SERVER;
  }

  private announce(entry: RemotePeer): void {
    entry.announced = true;
    const id = entry.id;
    this.events.queue(() => this.signals.peer_connected.emit(id));
  }

  /** Under event dispatch, the peer's connection and channels report to the dispatch (a connection with poll dispatch reports only when polled). */
  private attach(entry: RemotePeer): void {
    if (this.events.mode !== 'events') return;
    entry.connection.connection_state_changed.connect(this.events.reported);
    for (const channel of entry.channels) {
      channel.ready_state_changed.connect(this.events.reported);
      channel.onPacketQueued = this.events.packet;
    }
  }

  private detach(entry: RemotePeer): void {
    if (this.events.mode !== 'events') return;
    entry.connection.connection_state_changed.disconnect(this.events.reported);
    for (const channel of entry.channels) {
      channel.ready_state_changed.disconnect(this.events.reported);
      if (channel.onPacketQueued === this.events.packet) channel.onPacketQueued = null;
    }
  }
}
