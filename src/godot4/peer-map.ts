import type { Signal } from '../godot/signal.js';
import type { MachineHandle } from '../api/machine-handle.js';
import type { webrtcMultiplayerPeerMachine } from '../machines/webrtc-multiplayer-peer.js';
import type { MultiplayerDispatch } from '../multiplayer/dispatch.js';
import type { RemotePeer, RemovalEvent } from '../multiplayer/remote-peer.js';

/** Godot 4's two MultiplayerPeer signals. */
export interface PeerSignals {
  readonly peer_connected: Signal<[id: number]>;
  readonly peer_disconnected: Signal<[id: number]>;
}

/**
 * A WebRTCMultiplayerPeer's peer map (ascending ids) and what Godot 4's poll, remove_peer and
 * disconnect_peer do to it (§1.4): each change goes to the peer machine and the remote's machine,
 * each signal to the dispatch's queue (emitted at the end of poll() or by the event dispatch).
 * Unlike Godot 3 there is no waiting for the server: a peer is announced as soon as it counts as
 * connected, and a client's status follows from its machine.
 */
export class PeerMap {
  peers: RemotePeer[] = [];

  constructor(
    private readonly machine: MachineHandle<typeof webrtcMultiplayerPeerMachine>,
    private readonly events: MultiplayerDispatch,
    private readonly signals: PeerSignals,
  ) {}

  find(id: number): RemotePeer | undefined {
    for (const entry of this.peers) if (entry.id === id) return entry;
    return undefined;
  }

  insert(entry: RemotePeer): void {
    const at = this.peers.findIndex((other) => other.id > entry.id);
    this.peers.splice(at < 0 ? this.peers.length : at, 0, entry);
    this.attach(entry);
  }

  /** Godot 4's poll: every connection polled; then the ended links removed, then the opened ones announced, in id order. */
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
    for (const entry of opened) {
      entry.machine.send({ type: 'channels_open' });
      this.machine.send({ type: 'peer_connected', id: entry.id });
      entry.announced = true;
      const id = entry.id;
      this.events.queue(() => this.signals.peer_connected.emit(id));
    }
  }

  /** Out of the map: peer_disconnected(id) if it counted as connected (unless `silent`, disconnect_peer's force), then its connection closed. */
  remove(entry: RemotePeer, event: RemovalEvent, silent = false): void {
    const id = entry.id;
    entry.machine.send(event);
    this.machine.send({ type: 'peer_removed', id });
    this.peers = this.peers.filter((other) => other !== entry);
    this.detach(entry);
    if (entry.announced && !silent) this.events.queue(() => this.signals.peer_disconnected.emit(id));
    entry.closeConnection();
  }

  /** close(): every remote takes `close` and leaves the map, then the peer machine; the connections are closed last. */
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

  /** Under event dispatch, the peer's connection and channels report to the dispatch. */
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
