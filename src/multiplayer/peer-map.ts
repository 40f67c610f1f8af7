import type { Signal } from '../godot/signal.js';
import type { MultiplayerStateName, PeerMapEvent } from '../machines/multiplayer-peer-map.js';
import type { MultiplayerDispatch } from './dispatch.js';
import type { RemotePeer, RemovalEvent } from './remote-peer.js';

/** The two signals every peer map queues (Godot 4's MultiplayerPeer has no others). */
export interface PeerSignals {
  readonly peer_connected: Signal<[id: number]>;
  readonly peer_disconnected: Signal<[id: number]>;
}

/** What a peer map needs of its multiplayer machine's handle. */
export interface PeerMapMachine {
  readonly state: string;
  send(event: PeerMapEvent): boolean;
}

/**
 * A multiplayer peer's map (ascending ids, as Godot's Map) and what poll, remove_peer,
 * disconnect_peer and close do to it: each change goes to the multiplayer machine and the peer's
 * remote machine, each signal to the dispatch's queue (emitted at the end of poll() or by the event
 * dispatch, never here). As Godot 4 (§1.4), a peer is announced as soon as it counts as connected
 * and its removal says nothing more; Godot 3's map (godot3/multiplayer-peer-map.ts) overrides both.
 */
export class PeerMap<M extends PeerMapMachine = PeerMapMachine, S extends PeerSignals = PeerSignals> {
  /** Ascending by id; the multiplayer machine's `peers` names the same ids. */
  peers: RemotePeer[] = [];

  constructor(
    protected readonly machine: M,
    protected readonly events: MultiplayerDispatch,
    protected readonly signals: S,
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

  /** Godot's poll: every connection polled; then in id order, the ended links removed, the opened ones counted as connected and announced. */
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
    this.announceOpened(opened, before);
  }

  /** Out of the map: peer_disconnected(id) if it was announced (unless `silent`, Godot 4's disconnect_peer with force), then its connection closed. */
  remove(entry: RemotePeer, event: RemovalEvent, silent = false): void {
    const before = this.state;
    const id = entry.id;
    entry.machine.send(event);
    this.machine.send({ type: 'peer_removed', id });
    this.peers = this.peers.filter((other) => other !== entry);
    this.detach(entry);
    if (entry.announced && !silent) this.events.queue(() => this.signals.peer_disconnected.emit(id));
    this.removed(before);
    entry.closeConnection();
  }

  /** close(): every remote takes `close` and leaves the map, then the multiplayer machine; the connections are closed last. */
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

  protected get state(): MultiplayerStateName {
    return this.machine.state as MultiplayerStateName;
  }

  /** The peers a step found opened (now connected in the machine, which was in `before` ahead of them): each announced. */
  protected announceOpened(opened: readonly RemotePeer[], _before: MultiplayerStateName): void {
    for (const entry of opened) this.announce(entry);
  }

  /** After a removal's peer_disconnected is queued (the machine was in `before` ahead of it): nothing more, as Godot 4. */
  protected removed(_before: MultiplayerStateName): void {}

  protected announce(entry: RemotePeer): void {
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
