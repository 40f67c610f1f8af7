import { describe, isInteger } from '../api/arguments.js';
import { GodotError, errorName } from '../godot/constants.js';
import { Signal } from '../godot/signal.js';
import { log } from '../log.js';
import { cutText } from '../records/cut.js';
import { ConnectionStatus, SysCommand, TransferMode } from './constants.js';
import { missingPeer4Member, type MultiplayerPeer4 } from './multiplayer-peer.js';
import { PendingPeers } from './scene-admission.js';
import { SceneDispatch } from './scene-dispatch.js';
import { processScenePacket, type SceneReceiveContext } from './scene-receive.js';
import { ReceivedPaths, SceneCounters, type SceneDropReason, type SceneMultiplayerStats } from './scene-stats.js';
import { putTo, sendCommand, sendSys } from './scene-send.js';
import { encodeAuth, encodeAuthComplete, encodeRaw } from './scene-wire.js';

export type { SceneMultiplayerStats, SceneDropReason } from './scene-stats.js';

export type AuthCallback = (id: number, data: Uint8Array) => void;

export interface SceneMultiplayerOptions {
  /** `poll` (Godot's, the default): packets are read by poll(). `events`: also when the peer emits `packets_available` (the peer needs event dispatch too). */
  dispatch?: 'poll' | 'events';
  /** Godot's `auth_callback`: set, every new peer is pending until both sides complete_auth (§2.1, §2.4). */
  auth_callback?: AuthCallback | null;
  /** Godot's `auth_timeout`, in seconds (default 3; 0 never times out). */
  auth_timeout?: number;
  /** Godot's `server_relay` (default true). */
  server_relay?: boolean;
}

const MAX_DROP_TEXT = 400;
/** What Godot's send_auth and complete_auth return once a side completed. */
const ERR_FILE_CANT_WRITE = GodotError.ERR_FILE_CANT_WRITE;
const RELIABLE = TransferMode.TRANSFER_MODE_RELIABLE;

/**
 * Godot 4's `SceneMultiplayer` (modules/multiplayer/scene_multiplayer.cpp, 4.3+; reference §2.1–§2.7)
 * for a Node process over a MultiplayerPeer4: admission with optional authentication, the relay
 * server's ADD_PEER / DEL_PEER / RELAY and a client's RELAY wrapping, RAW packets, and SIMPLIFY_PATH
 * answered with CONFIRM_PATH. A Node process has no scene tree: REMOTE_CALL, SPAWN, DESPAWN and
 * SYNC are dropped and counted. Methods return a GodotError; a refusal changes nothing and is
 * recorded by the peer (`refuseFor`). A remote's bad packet is dropped, counted, recorded once per
 * reason and peer; nothing a remote sends throws.
 */
export class SceneMultiplayer {
  readonly peer_connected = new Signal<[id: number]>('peer_connected', (error, signal) => this.handlerThrew(signal, error));
  readonly peer_disconnected = new Signal<[id: number]>('peer_disconnected', (error, signal) => this.handlerThrew(signal, error));
  readonly connected_to_server = new Signal<[]>('connected_to_server', (error, signal) => this.handlerThrew(signal, error));
  readonly connection_failed = new Signal<[]>('connection_failed', (error, signal) => this.handlerThrew(signal, error));
  readonly server_disconnected = new Signal<[]>('server_disconnected', (error, signal) => this.handlerThrew(signal, error));
  readonly peer_authenticating = new Signal<[id: number]>('peer_authenticating', (error, signal) => this.handlerThrew(signal, error));
  readonly peer_authentication_failed = new Signal<[id: number]>('peer_authentication_failed', (error, signal) => this.handlerThrew(signal, error));
  readonly peer_packet = new Signal<[id: number, packet: Uint8Array]>('peer_packet', (error, signal) => this.handlerThrew(signal, error));

  readonly dispatch: 'poll' | 'events';
  private peer: MultiplayerPeer4 | null = null;
  private lastStatus: ConnectionStatus = ConnectionStatus.CONNECTION_DISCONNECTED;
  private readonly connected = new Set<number>();
  private readonly pending = new PendingPeers();
  private readonly paths = new ReceivedPaths();
  private readonly counters = new SceneCounters();
  private authCallback: AuthCallback | null;
  private authTimeoutMs: number;
  private relay: boolean;
  private remoteSenderId = 0;
  private receiving = false;
  private context: SceneReceiveContext | null = null;
  private readonly events: SceneDispatch;
  private readonly onPeerConnected = (id: number) => {
    this.addPeer(id);
    this.events.scheduleStatus();
  };
  private readonly onPeerDisconnected = (id: number) => {
    this.delPeer(id);
    this.events.scheduleStatus();
  };
  private readonly onPacketsAvailable = () => this.receiveFromEvents();

  constructor(options: SceneMultiplayerOptions = {}) {
    this.dispatch = options.dispatch === 'events' ? 'events' : 'poll';
    if (options.dispatch !== undefined && options.dispatch !== 'poll' && options.dispatch !== 'events') log('warn', 'library', `SceneMultiplayer: options.dispatch must be "poll" or "events", not ${describe(options.dispatch)}; "poll" is used`);
    this.authCallback = typeof options.auth_callback === 'function' ? options.auth_callback : null;
    const timeout = options.auth_timeout ?? 3;
    this.authTimeoutMs = typeof timeout === 'number' && Number.isFinite(timeout) && timeout >= 0 ? Math.round(timeout * 1000) : 3000;
    this.relay = options.server_relay !== false;
    this.events = new SceneDispatch(this.dispatch, {
      receive: () => this.receiveFromEvents(),
      status: () => {
        if (!this.receiving) this.updateStatus();
      },
      expire: () => {
        if (this.receiving) return this.armTimeout();
        this.dropExpired();
      },
    });
  }

  // ---- properties

  get server_relay(): boolean {
    return this.relay;
  }

  set server_relay(enable: boolean) {
    this.set_server_relay_enabled(enable);
  }

  /** Godot refuses the change while a peer is active (connecting or connected). */
  set_server_relay_enabled(enable: boolean): GodotError {
    if (typeof enable !== 'boolean') return this.refuse('set_server_relay_enabled', GodotError.ERR_INVALID_PARAMETER, `enable must be a bool, not ${describe(enable)}`);
    if (this.peer !== null && this.peer.get_connection_status() !== ConnectionStatus.CONNECTION_DISCONNECTED) {
      return this.refuse('set_server_relay_enabled', GodotError.ERR_ALREADY_IN_USE, 'Cannot change the server relay option while the multiplayer peer is active.');
    }
    this.relay = enable;
    return GodotError.OK;
  }

  is_server_relay_enabled(): boolean {
    return this.relay;
  }

  set_auth_callback(callback: AuthCallback | null): GodotError {
    if (callback !== null && typeof callback !== 'function') return this.refuse('set_auth_callback', GodotError.ERR_INVALID_PARAMETER, `callback must be a function or null, not ${describe(callback)}`);
    this.authCallback = callback;
    return GodotError.OK;
  }

  get_auth_callback(): AuthCallback | null {
    return this.authCallback;
  }

  /** Seconds, as Godot's property (0: pending peers never time out). */
  set_auth_timeout(seconds: number): GodotError {
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return this.refuse('set_auth_timeout', GodotError.ERR_INVALID_PARAMETER, `seconds must be a number ≥ 0, not ${describe(seconds)}`);
    this.authTimeoutMs = Math.round(seconds * 1000);
    this.armTimeout();
    return GodotError.OK;
  }

  get_auth_timeout(): number {
    return this.authTimeoutMs / 1000;
  }

  // ---- the peer

  /** Godot's `multiplayer_peer`: a DISCONNECTED peer is refused; replacing one forgets every peer (`clear()`), with no signal. */
  set_multiplayer_peer(peer: MultiplayerPeer4 | null): GodotError {
    if (peer === this.peer) return GodotError.OK;
    if (peer !== null) {
      const missing = missingPeer4Member(peer);
      if (missing !== null) return this.refuse('set_multiplayer_peer', GodotError.ERR_INVALID_PARAMETER, `peer must be a MultiplayerPeer (a WebRTCMultiplayerPeer), not ${describe(peer)}: it has no ${missing}`);
      if (peer.get_connection_status() === ConnectionStatus.CONNECTION_DISCONNECTED) {
        return this.refuseOn(peer, 'set_multiplayer_peer', GodotError.ERR_UNCONFIGURED, 'Supplied MultiplayerPeer must be connecting or connected.');
      }
      if (this.dispatch === 'events' && peer.dispatch !== 'events') {
        return this.refuseOn(peer, 'set_multiplayer_peer', GodotError.ERR_INVALID_PARAMETER, "this SceneMultiplayer has dispatch 'events', and a peer with dispatch 'poll' never emits packets_available: give the peer dispatch 'events' too, or this 'poll'");
      }
    }
    if (this.peer !== null) {
      this.peer.peer_connected.disconnect(this.onPeerConnected);
      this.peer.peer_disconnected.disconnect(this.onPeerDisconnected);
      this.peer.packets_available.disconnect(this.onPacketsAvailable);
      this.clear();
    }
    this.peer = peer;
    this.watchConnecting();
    if (peer !== null) {
      peer.peer_connected.connect(this.onPeerConnected);
      peer.peer_disconnected.connect(this.onPeerDisconnected);
      peer.packets_available.connect(this.onPacketsAvailable);
    }
    this.updateStatus();
    return GodotError.OK;
  }

  get_multiplayer_peer(): MultiplayerPeer4 | null {
    return this.peer;
  }

  has_multiplayer_peer(): boolean {
    return this.peer !== null;
  }

  /** Godot's poll: status, the peer's poll, status, then (connected) every packet queued when the read starts, then the auth timeouts. */
  poll(): GodotError {
    if (this.receiving) return this.refuse('poll', GodotError.ERR_BUSY, 'poll() was called from a packet handler (peer_packet or the auth_callback) while this SceneMultiplayer reads packets');
    this.updateStatus();
    const peer = this.peer;
    if (peer === null || this.lastStatus === ConnectionStatus.CONNECTION_DISCONNECTED) return GodotError.OK;
    peer.poll();
    if (this.peer !== peer) return GodotError.OK;
    this.updateStatus();
    if (this.lastStatus !== ConnectionStatus.CONNECTION_CONNECTED) return GodotError.OK;
    this.readPackets(peer);
    this.dropExpired();
    return GodotError.OK;
  }

  /** Godot's `clear()`: forgets connected and pending peers and the received paths, with no signal (the counts stay). */
  clear(): void {
    this.lastStatus = ConnectionStatus.CONNECTION_DISCONNECTED;
    this.connected.clear();
    this.pending.clear();
    this.counters.forgetPeers();
    this.paths.clear();
    this.events.stop();
    this.context = null; // it holds the peer: set_multiplayer_peer(null) must let it go
  }

  /** 1 with no peer (Godot's default peer is an OfflineMultiplayerPeer, id 1). */
  get_unique_id(): number {
    return this.peer === null ? 1 : this.peer.get_unique_id();
  }

  is_server(): boolean {
    return this.get_unique_id() === 1;
  }

  /** The admitted peers, in the order they were admitted. */
  get_peers(): number[] {
    return [...this.connected];
  }

  get_authenticating_peers(): number[] {
    return this.pending.ids();
  }

  /** The peer whose packet is being processed (0 outside one); a relayed packet's source. */
  get_remote_sender_id(): number {
    return this.remoteSenderId;
  }

  /** Godot's: the peer's disconnect_peer; peer_disconnected (or peer_authentication_failed) follows from a later poll. */
  disconnect_peer(id: number): GodotError {
    const peer = this.peer;
    if (peer === null || peer.get_connection_status() !== ConnectionStatus.CONNECTION_CONNECTED) return this.refuse('disconnect_peer', GodotError.ERR_UNCONFIGURED, 'No connected multiplayer peer.');
    if (!isInteger(id) || (!this.connected.has(id) && !this.pending.has(id))) return this.refuse('disconnect_peer', GodotError.ERR_INVALID_PARAMETER, `${describe(id)} is not a connected or authenticating peer`);
    return peer.disconnect_peer(id);
  }

  // ---- authentication (§2.4)

  /** `07 00 · data` to a pending peer, reliable on channel 0; refused unless the peer is CONNECTED, and once either side completed. */
  send_auth(id: number, data: Uint8Array): GodotError {
    const peer = this.peer;
    // Godot checks the status first: a peer closed since the last poll still has its pending peers here, and must not be sent to.
    if (peer === null || peer.get_connection_status() !== ConnectionStatus.CONNECTION_CONNECTED) return this.refuse('send_auth', GodotError.ERR_UNCONFIGURED, 'No connected multiplayer peer.');
    const pending = this.pending.get(id);
    if (pending === undefined) return this.refuse('send_auth', GodotError.ERR_INVALID_PARAMETER, `${describe(id)} is not a peer in authentication`);
    const packet = encodeAuth(data);
    if (!packet.ok) return this.refuse('send_auth', GodotError.ERR_INVALID_PARAMETER, packet.reason);
    if (pending.local) return this.refuse('send_auth', ERR_FILE_CANT_WRITE, 'The authentication session was previously marked as completed, no more authentication data can be sent.');
    if (pending.remote) return this.refuse('send_auth', ERR_FILE_CANT_WRITE, 'The remote peer notified that the authentication session was completed, no more authentication data can be sent.');
    return this.putTo(peer, id, packet.value, RELIABLE, 0);
  }

  /** Sends the 2-byte `07 00` (refused unless the peer is CONNECTED); the peer is admitted now if its own completion already arrived, else when its next packet does. */
  complete_auth(id: number): GodotError {
    const peer = this.peer;
    if (peer === null || peer.get_connection_status() !== ConnectionStatus.CONNECTION_CONNECTED) return this.refuse('complete_auth', GodotError.ERR_UNCONFIGURED, 'No connected multiplayer peer.');
    const pending = this.pending.get(id);
    if (pending === undefined) return this.refuse('complete_auth', GodotError.ERR_INVALID_PARAMETER, `${describe(id)} is not a peer in authentication`);
    if (pending.local) return this.refuse('complete_auth', ERR_FILE_CANT_WRITE, 'The authentication session was already marked as completed.');
    pending.local = true;
    const code = this.putTo(peer, id, encodeAuthComplete(), RELIABLE, 0);
    if (pending.remote && this.pending.delete(id)) this.admitPeer(id);
    return code;
  }

  // ---- RAW (§2.5)

  /** `03 · bytes` to `id` (0 every admitted peer, -n all but n), through the server's relay from a client. */
  send_bytes(bytes: Uint8Array, id = 0, mode: TransferMode = RELIABLE, channel = 0): GodotError {
    if (!(bytes instanceof Uint8Array)) return this.refuse('send_bytes', GodotError.ERR_INVALID_PARAMETER, `bytes must be a Uint8Array (PackedByteArray), not ${describe(bytes)}`);
    if (!isInteger(id) || Math.abs(id) > 0x7fffffff) return this.refuse('send_bytes', GodotError.ERR_INVALID_PARAMETER, `id must be a peer id (0 every peer, -n all but n), not ${describe(id)}`);
    if (mode !== 0 && mode !== 1 && mode !== 2) return this.refuse('send_bytes', GodotError.ERR_INVALID_PARAMETER, `mode must be a TransferMode (0, 1 or 2), not ${describe(mode)}`);
    if (!isInteger(channel) || channel < 0 || channel > 255) return this.refuse('send_bytes', GodotError.ERR_INVALID_PARAMETER, `channel must be an int from 0 to 255, not ${describe(channel)}`);
    const packet = encodeRaw(bytes);
    if (!packet.ok) return this.refuse('send_bytes', GodotError.ERR_INVALID_DATA, 'Trying to send an empty raw packet.');
    const peer = this.peer;
    if (peer === null) return this.refuse('send_bytes', GodotError.ERR_UNCONFIGURED, 'Trying to send a raw packet while no multiplayer peer is active.');
    if (peer.get_connection_status() !== ConnectionStatus.CONNECTION_CONNECTED) return this.refuse('send_bytes', GodotError.ERR_UNCONFIGURED, 'Trying to send a raw packet via a multiplayer peer which is not connected.');
    return this.sendCommand(peer, id, packet.value, mode, channel, 'send_bytes');
  }

  /** Not Godot: what this API received, sent, relayed and dropped (by reason). */
  get_stats(): SceneMultiplayerStats {
    const c = this.counters;
    return {
      received: c.received,
      sent: c.sent,
      raw_received: c.rawReceived,
      relayed: c.relayed,
      dropped: c.droppedCounts(),
      handler_errors: c.handlerErrors,
      connected_peers: this.get_peers(),
      authenticating_peers: this.pending.ids(),
      received_paths: this.paths.counts(),
    };
  }

  // ---- status and peers (§2.1)

  private updateStatus(): void {
    const status = this.peer === null ? ConnectionStatus.CONNECTION_DISCONNECTED : this.peer.get_connection_status();
    if (status === this.lastStatus) return;
    const last = this.lastStatus;
    if (status === ConnectionStatus.CONNECTION_DISCONNECTED) {
      if (last === ConnectionStatus.CONNECTION_CONNECTING) this.connection_failed.emit();
      else this.server_disconnected.emit();
      this.clear();
    }
    this.lastStatus = status;
    this.watchConnecting();
  }

  private watchConnecting(): void {
    this.events.watchConnecting(this.peer !== null && this.lastStatus === ConnectionStatus.CONNECTION_CONNECTING);
  }

  private relaying(peer: MultiplayerPeer4): boolean {
    return this.relay && peer.is_server_relay_supported();
  }

  private addPeer(id: number): void {
    if (this.peer === null) return;
    if (this.authCallback !== null) {
      this.pending.add(id);
      this.armTimeout();
      this.peer_authenticating.emit(id);
      return;
    }
    this.admitPeer(id);
  }

  private admitPeer(id: number): void {
    const peer = this.peer;
    if (peer === null) return;
    if (this.connected.has(id)) return;
    if (peer.get_unique_id() === 1 && this.relaying(peer)) {
      for (const other of this.connected) {
        this.sendSys(peer, other, SysCommand.ADD_PEER, id);
        this.sendSys(peer, id, SysCommand.ADD_PEER, other);
      }
    }
    this.connected.add(id);
    if (id === 1) this.connected_to_server.emit();
    this.peer_connected.emit(id);
  }

  private delPeer(id: number): void {
    const peer = this.peer;
    if (peer === null) return;
    if (this.pending.delete(id)) {
      this.counters.forgetPeer(id);
      this.peer_authentication_failed.emit(id);
      return;
    }
    if (!this.connected.has(id)) return;
    if (peer.get_unique_id() === 1 && this.relaying(peer)) {
      for (const other of this.connected) if (other !== id) this.sendSys(peer, other, SysCommand.DEL_PEER, id);
    }
    this.connected.delete(id);
    this.paths.dropPeer(id);
    this.counters.forgetPeer(id);
    this.peer_disconnected.emit(id);
  }

  private dropExpired(): void {
    const peer = this.peer;
    if (peer === null) return;
    const expired = this.pending.expired(this.authTimeoutMs);
    for (const id of expired) peer.disconnect_peer(id);
    for (const id of expired) {
      if (this.peer !== peer) return;
      if (!this.pending.delete(id)) continue; // a signal listener already dropped it
      this.counters.forgetPeer(id);
      this.peer_authentication_failed.emit(id);
    }
    this.armTimeout();
  }

  private armTimeout(): void {
    this.events.armDeadline(this.pending.nextDeadline(this.authTimeoutMs));
  }

  // ---- sending

  private putTo(peer: MultiplayerPeer4, to: number, packet: Uint8Array, mode: TransferMode, channel: number): GodotError {
    return putTo(peer, this.counters, to, packet, mode, channel);
  }

  private sendSys(peer: MultiplayerPeer4, to: number, cmd: SysCommand, about: number): void {
    sendSys(peer, this.counters, to, cmd, about);
  }

  private sendCommand(peer: MultiplayerPeer4, to: number, packet: Uint8Array, mode: TransferMode, channel: number, method: string): GodotError {
    const sent = sendCommand(peer, this.counters, this.connected, this.relaying(peer), to, packet, mode, channel);
    return 'code' in sent ? sent.code : this.refuse(method, sent.refused, sent.reason);
  }

  // ---- receiving (§2.3)

  private readPackets(peer: MultiplayerPeer4): void {
    const context = this.receiveContext(peer);
    const budget = peer.get_available_packet_count();
    this.receiving = true;
    try {
      for (let read = 0; read < budget && this.peer === peer; read++) {
        // 0: no packet left (a handler took some). Cheaper than get_available_packet_count(), which counts every peer's channels.
        const from = peer.get_packet_peer();
        if (from === 0) break;
        const channel = peer.get_packet_channel();
        const mode = peer.get_packet_mode();
        const bytes = peer.get_packet();
        if (peer.get_packet_error() !== GodotError.OK) {
          this.drop(peer, from, 'packet_error', `get_packet() failed (${errorName(peer.get_packet_error())})`);
          break;
        }
        this.counters.received++;
        try {
          this.receive(context, from, bytes, mode, channel);
        } catch (error) {
          log('error', 'library', `SceneMultiplayer: processing a packet from ${from} threw`, error);
        } finally {
          this.remoteSenderId = 0;
        }
      }
    } finally {
      this.receiving = false;
    }
  }

  private receive(context: SceneReceiveContext, from: number, bytes: Uint8Array, mode: TransferMode, channel: number): void {
    const pending = this.pending.get(from);
    if (pending !== undefined) {
      if (pending.local) {
        // Both completions are needed; once ours is sent, the remote's first packet admits it (Godot does the same).
        this.pending.delete(from);
        this.admitPeer(from);
      } else {
        if (bytes.length < 2 || (bytes[0]! & 7) !== 7 || bytes[1] !== SysCommand.AUTH) return this.drop(context.peer, from, 'not_authenticated', `a ${bytes.length}-byte packet (first byte ${bytes[0] ?? 'none'}) before authentication completed`);
        if (bytes.length > 2) return this.callAuth(from, bytes.slice(2));
        pending.remote = true;
        return;
      }
    }
    if (!this.connected.has(from)) return this.drop(context.peer, from, 'not_admitted', `a packet from ${from}, which is not an admitted peer`);
    processScenePacket(context, from, bytes, mode, channel);
  }

  private callAuth(from: number, data: Uint8Array): void {
    const callback = this.authCallback;
    if (callback === null) return;
    try {
      callback(from, data);
    } catch (error) {
      this.handlerThrew('auth_callback', error);
    }
  }

  /** The same object for every read from `peer` (made once: a read is per poll, and a context is a dozen closures). */
  private receiveContext(peer: MultiplayerPeer4): SceneReceiveContext {
    if (this.context?.peer !== peer) this.context = this.makeReceiveContext(peer);
    return this.context;
  }

  private makeReceiveContext(peer: MultiplayerPeer4): SceneReceiveContext {
    return {
      peer,
      connected: this.connected,
      paths: this.paths,
      counters: this.counters,
      relaying: () => this.relaying(peer),
      drop: (from, reason, detail) => this.drop(peer, from, reason, detail),
      setSender: (id) => (this.remoteSenderId = id),
      admit: (id) => this.admitPeer(id),
      remove: (id) => this.delPeer(id),
      put: (to, packet, mode, channel) => this.putTo(peer, to, packet, mode, channel),
      send: (to, packet, mode, channel) => this.sendCommand(peer, to, packet, mode, channel, 'confirm_path'),
      emitRaw: (from, payload) => this.peer_packet.emit(from, payload),
    };
  }

  /** Under event dispatch: read what `packets_available` announced; the rest in a later task (bounded work per task). */
  private receiveFromEvents(): void {
    const peer = this.peer;
    if (this.dispatch !== 'events' || peer === null) return;
    if (this.receiving) return this.events.scheduleReceive();
    this.updateStatus();
    if (this.peer !== peer || this.lastStatus !== ConnectionStatus.CONNECTION_CONNECTED) return;
    this.readPackets(peer);
    this.dropExpired();
    if (this.peer === peer && peer.get_available_packet_count() > 0) this.events.scheduleReceive();
  }

  private drop(peer: MultiplayerPeer4, from: number, reason: SceneDropReason, detail: string): void {
    if (!this.counters.drop(from, reason)) return;
    const text = cutText(`${reason}: ${detail}`, MAX_DROP_TEXT);
    try {
      if (typeof peer.recordDropped === 'function') return peer.recordDropped(from, text);
    } catch (error) {
      log('error', 'library', 'SceneMultiplayer: the peer’s recordDropped threw', error);
    }
    log('warn', 'library', `SceneMultiplayer dropped a packet from ${from}: ${text}`);
  }

  private handlerThrew(what: string, error: unknown): void {
    this.counters.handlerErrors++;
    log('error', 'listener', `SceneMultiplayer: ${what} threw`, error);
  }

  private refuse(method: string, code: GodotError, reason: string): GodotError {
    return this.refuseOn(this.peer, method, code, reason);
  }

  private refuseOn(peer: MultiplayerPeer4 | null, method: string, code: GodotError, reason: string): GodotError {
    try {
      if (peer !== null && typeof peer.refuseFor === 'function') return (peer.refuseFor(method, code, reason), code);
    } catch (error) {
      log('error', 'library', 'SceneMultiplayer: the peer’s refuseFor threw', error);
    }
    log('warn', 'library', `SceneMultiplayer.${method} refused (${errorName(code)}): ${reason}`);
    return code;
  }
}
