import { describe, isInteger } from '../api/arguments.js';
import { firstMissingMember } from '../multiplayer/peer-members.js';
import { GodotError, errorName } from '../godot/constants.js';
import { Signal } from '../godot/signal.js';
import { log } from '../log.js';
import { cutText } from '../records/cut.js';
import { ConnectionStatus, TransferMode } from './constants.js';
import type { NetworkedMultiplayerPeer } from './networked-peer.js';
import { PathGetCache, PathSendCache } from './path-cache.js';
import { processPacket, type ReceiveContext } from './rpc-receive.js';
import { MultiplayerNodes } from './rpc-calls.js';
import { RpcCounters, type DropReason, type MultiplayerAPIStats } from './rpc-stats.js';

export type { MultiplayerAPIStats } from './rpc-stats.js';
export type { ExposedMethod, ExposedNodeInit, ExposedProperty } from './rpc-nodes.js';

export interface MultiplayerAPIOptions {
  /**
   * `poll` (Godot's, the default): packets are read by `poll()`. `events`: also as soon as the
   * peer emits `packets_available` (the peer must have event dispatch too), so no poll loop is needed.
   */
  dispatch?: 'poll' | 'events';
  /** Godot's `allow_object_decoding`: OBJECT values sent in full are decoded (off: only instance ids). */
  allowObjectDecoding?: boolean;
  /** Received REALs as `Real` wrappers (decode → encode byte-identical), not plain numbers. */
  exactReals?: boolean;
}

/** A drop's reason in a record is cut to this, whatever the remote sent. */
const MAX_DROP_TEXT = 400;
const PEER_METHODS = ['poll', 'put_packet', 'get_packet', 'get_packet_peer', 'get_packet_error', 'get_available_packet_count', 'set_target_peer', 'set_transfer_mode', 'get_unique_id', 'is_server', 'get_connection_status'] as const;
const PEER_SIGNALS = ['peer_connected', 'peer_disconnected', 'connection_succeeded', 'connection_failed', 'server_disconnected', 'packets_available'] as const;

/**
 * Godot 3's `MultiplayerAPI` (core/io/multiplayer_api.cpp, 3.2) over a NetworkedMultiplayerPeer:
 * RAW, REMOTE_CALL, REMOTE_SET and the node path cache, byte for byte as Godot, with the rpc/rset
 * methods of Node taking the node's wire path (see rpc-calls.ts). Every method returns a
 * GodotError where Godot returns one or nothing; a refused call changes nothing and is recorded by
 * the peer (`refuseFor`) or logged. A remote's bad packet is dropped, counted, recorded once per
 * reason and peer.
 */
export class MultiplayerAPI extends MultiplayerNodes {
  readonly network_peer_connected = new Signal<[id: number]>('network_peer_connected');
  readonly network_peer_disconnected = new Signal<[id: number]>('network_peer_disconnected');
  readonly network_peer_packet = new Signal<[id: number, packet: Uint8Array]>('network_peer_packet', (error, signal) => this.handlerThrew(signal, error));
  readonly connected_to_server = new Signal<[]>('connected_to_server');
  readonly connection_failed = new Signal<[]>('connection_failed');
  readonly server_disconnected = new Signal<[]>('server_disconnected');

  readonly dispatch: 'poll' | 'events';
  private allowObjectDecoding: boolean;
  private readonly exactReals: boolean;
  private receiving = false;
  private receiveScheduled = false;
  private readonly relays: Record<(typeof PEER_SIGNALS)[number], (...args: never[]) => void> = {
    peer_connected: (id: number) => this.addPeer(id),
    peer_disconnected: (id: number) => this.delPeer(id),
    connection_succeeded: () => this.connected_to_server.emit(),
    connection_failed: () => this.connection_failed.emit(),
    server_disconnected: () => this.server_disconnected.emit(),
    packets_available: () => this.receiveFromEvents(),
  };

  constructor(options: MultiplayerAPIOptions = {}) {
    const counters = new RpcCounters();
    super(new PathSendCache(), counters);
    const dispatch = options?.dispatch ?? 'poll';
    this.dispatch = dispatch === 'events' ? 'events' : 'poll';
    this.allowObjectDecoding = options?.allowObjectDecoding === true;
    this.exactReals = options?.exactReals === true;
    if (dispatch !== 'poll' && dispatch !== 'events') log('warn', 'library', `MultiplayerAPI: options.dispatch must be "poll" or "events", not ${describe(dispatch)}; "poll" is used`);
  }

  // ---- Godot methods

  /** Godot's `network_peer`: replacing it forgets the connected peers and both path caches (`clear()`). */
  set_network_peer(peer: NetworkedMultiplayerPeer | null): GodotError {
    if (peer === this.peer) return GodotError.OK;
    if (peer !== null) {
      const missing = missingMember(peer);
      if (missing !== null) return this.refuse('set_network_peer', GodotError.ERR_INVALID_PARAMETER, `peer must be a NetworkedMultiplayerPeer (a WebRTCMultiplayer), not ${describe(peer)}: it has no ${missing}`);
      if (peer.get_connection_status() === ConnectionStatus.CONNECTION_DISCONNECTED) {
        return this.refuseOn(peer, 'set_network_peer', GodotError.ERR_UNCONFIGURED, 'Supplied NetworkedMultiplayerPeer must be connecting or connected (initialize it first)');
      }
      if (this.dispatch === 'events' && peer.dispatch !== 'events') {
        return this.refuseOn(peer, 'set_network_peer', GodotError.ERR_INVALID_PARAMETER, "this MultiplayerAPI has dispatch 'events', and a peer with dispatch 'poll' never emits packets_available: give the peer dispatch 'events' too, or the API 'poll'");
      }
    }
    if (this.peer !== null) {
      for (const name of PEER_SIGNALS) this.peer[name].disconnect(this.relays[name] as () => void);
      this.clear();
    }
    this.peer = peer;
    if (peer !== null) for (const name of PEER_SIGNALS) peer[name].connect(this.relays[name] as () => void);
    return GodotError.OK;
  }

  get_network_peer(): NetworkedMultiplayerPeer | null {
    return this.peer;
  }

  has_network_peer(): boolean {
    return this.peer !== null;
  }

  /**
   * Polls the peer, then reads and processes the packets queued when the read started (the ones
   * that arrive meanwhile wait for the next poll). Without a peer there is nothing to do: OK.
   * Godot skips a disconnected peer altogether; this one is still polled, because a peer of this
   * library emits from its poll what Godot's emits at once (remove_peer's peer_disconnected, a
   * client's server_disconnected), but its packets are not read, as in Godot.
   */
  poll(): GodotError {
    if (this.receiving) return this.refuse('poll', GodotError.ERR_BUSY, 'poll() was called from a packet handler (an exposed method, a setter or a network_peer_packet listener) while this API reads packets');
    const peer = this.peer;
    if (peer === null) return GodotError.OK;
    const disconnected = peer.get_connection_status() === ConnectionStatus.CONNECTION_DISCONNECTED;
    peer.poll();
    if (this.peer !== peer) return GodotError.OK;
    this.forgetUnannounced(peer);
    if (!disconnected) this.readPackets(peer);
    return GodotError.OK;
  }

  /**
   * A sender never announced (a client's other peer before its server connected) whose packets
   * filled a path cache here, and that has left the peer map, gets no peer_disconnected: what was
   * kept for it is forgotten here, or it would stay until clear() (Godot 3 keeps it for ever).
   */
  private forgetUnannounced(peer: NetworkedMultiplayerPeer): void {
    if (peer.has_peer === undefined) return;
    for (const id of [...this.getCache.senders(), ...this.counters.recordedPeers()]) {
      if (this.connected.has(id) || peer.has_peer(id)) continue;
      this.getCache.dropPeer(id);
      this.counters.forgetPeer(id);
    }
  }

  /** Godot's `clear()`: forgets the connected peers and both path caches (the counters stay). */
  clear(): void {
    this.connected.clear();
    this.getCache.clear();
    this.sendCache.clear();
  }

  get_network_unique_id(): number {
    return this.peer?.get_unique_id() ?? 0;
  }

  is_network_server(): boolean {
    return this.peer?.is_server() ?? false;
  }

  /** The peers announced by `peer_connected` and not yet by `peer_disconnected`, in id order. */
  get_network_connected_peers(): number[] {
    return this.connectedPeers();
  }

  /** The peer whose packet is being processed (0 outside a call); our own id during a local `*sync` call. */
  get_rpc_sender_id(): number {
    return this.rpcSenderId;
  }

  set_refuse_new_network_connections(refuse: boolean): GodotError {
    if (typeof refuse !== 'boolean') return this.refuse('set_refuse_new_network_connections', GodotError.ERR_INVALID_PARAMETER, `refuse must be a bool, not ${describe(refuse)}`);
    if (this.peer === null) return this.refuse('set_refuse_new_network_connections', GodotError.ERR_UNCONFIGURED, "No network peer is assigned. Unable to set 'refuse_new_connections'.");
    return this.peer.set_refuse_new_connections(refuse);
  }

  is_refusing_new_network_connections(): boolean {
    return this.peer?.is_refusing_new_connections() ?? false;
  }

  /** Godot's `allow_object_decoding`: received OBJECTs in full form are decoded (else only instance ids are). */
  set_allow_object_decoding(enable: boolean): GodotError {
    if (typeof enable !== 'boolean') return this.refuse('set_allow_object_decoding', GodotError.ERR_INVALID_PARAMETER, `enable must be a bool, not ${describe(enable)}`);
    this.allowObjectDecoding = enable;
    return GodotError.OK;
  }

  is_object_decoding_allowed(): boolean {
    return this.allowObjectDecoding;
  }

  /** `04 | bytes` to `id` (0 every peer, -n every peer but n) in `mode`'s channel. */
  send_bytes(bytes: Uint8Array, id = 0, mode: TransferMode = TransferMode.TRANSFER_MODE_RELIABLE): GodotError {
    if (!(bytes instanceof Uint8Array)) return this.refuse('send_bytes', GodotError.ERR_INVALID_PARAMETER, `bytes must be a Uint8Array (PoolByteArray), not ${describe(bytes)}`);
    if (!isInteger(id) || Math.abs(id) > 0x7fffffff) return this.refuse('send_bytes', GodotError.ERR_INVALID_PARAMETER, `id must be a peer id (0 every peer, -n all but n), not ${describe(id)}`);
    if (mode !== 0 && mode !== 1 && mode !== 2) return this.refuse('send_bytes', GodotError.ERR_INVALID_PARAMETER, `mode must be a TransferMode (0, 1 or 2), not ${describe(mode)}`);
    if (bytes.byteLength === 0) return this.refuse('send_bytes', GodotError.ERR_INVALID_DATA, 'Trying to send an empty raw packet.');
    const peer = this.peer;
    if (peer === null) return this.refuse('send_bytes', GodotError.ERR_UNCONFIGURED, 'Trying to send a raw packet while no network peer is active.');
    if (peer.get_connection_status() !== ConnectionStatus.CONNECTION_CONNECTED) {
      return this.refuse('send_bytes', GodotError.ERR_UNCONFIGURED, 'Trying to send a raw packet via a network peer which is not connected.');
    }
    const packet = new Uint8Array(bytes.byteLength + 1);
    packet[0] = 4; // NETWORK_COMMAND_RAW: the payload follows verbatim
    packet.set(bytes, 1);
    peer.set_target_peer(id);
    peer.set_transfer_mode(mode);
    const code = peer.put_packet(packet);
    if (code === GodotError.OK) this.counters.countSent('raw', packet.byteLength);
    return code;
  }

  /** Not Godot: what this API sent, received and dropped, and its path cache both ways. */
  get_stats(): MultiplayerAPIStats {
    return this.counters.snapshot({ sent: this.sendCache.snapshot(), received: this.getCache.snapshot() }, this.connectedPeers());
  }

  // ---- the peer's signals (Godot's _add_peer, _del_peer, ...)

  private addPeer(id: number): void {
    this.connected.add(id);
    this.getCache.open(id);
    this.network_peer_connected.emit(id);
  }

  private delPeer(id: number): void {
    this.connected.delete(id);
    this.getCache.dropPeer(id);
    this.sendCache.dropPeer(id);
    this.counters.forgetPeer(id);
    this.network_peer_disconnected.emit(id);
  }

  // ---- receiving

  private readonly getCache = new PathGetCache();

  private readPackets(peer: NetworkedMultiplayerPeer): void {
    const context = this.receiveContext(peer);
    const budget = peer.get_available_packet_count();
    this.receiving = true;
    try {
      for (let read = 0; read < budget && this.peer === peer && peer.get_available_packet_count() > 0; read++) {
        const from = peer.get_packet_peer(); // before get_packet(), which moves on to the next peer
        const bytes = peer.get_packet();
        if (peer.get_packet_error() !== GodotError.OK) {
          this.drop(peer, from, 'packet_error', `get_packet() failed (${errorName(peer.get_packet_error())})`);
          break;
        }
        this.rpcSenderId = from;
        try {
          processPacket(context, from, bytes);
        } catch (error) {
          log('error', 'library', `MultiplayerAPI: processing a packet from ${from} threw`, error);
        } finally {
          this.rpcSenderId = 0;
        }
      }
    } finally {
      this.receiving = false;
    }
  }

  /** Under event dispatch: read what `packets_available` announced, and go on in a later task while some are left (bounded work per task). */
  private receiveFromEvents(): void {
    const peer = this.peer;
    if (this.dispatch !== 'events' || peer === null || this.receiving) return this.scheduleReceive();
    if (peer.get_connection_status() === ConnectionStatus.CONNECTION_DISCONNECTED) return; // as poll(): a disconnected peer's packets are not read
    this.readPackets(peer);
    if (this.peer === peer && peer.get_available_packet_count() > 0) this.scheduleReceive();
  }

  private scheduleReceive(): void {
    if (this.dispatch !== 'events' || this.receiveScheduled || this.peer === null) return;
    this.receiveScheduled = true;
    setImmediate(() => {
      this.receiveScheduled = false;
      this.receiveFromEvents();
    });
  }

  private receiveContext(peer: NetworkedMultiplayerPeer): ReceiveContext {
    return {
      peer,
      nodes: this.nodes,
      sendCache: this.sendCache,
      getCache: this.getCache,
      counters: this.counters,
      decodeOptions: { exact: this.exactReals, allowObjects: this.allowObjectDecoding },
      drop: (from, reason, detail) => this.drop(peer, from, reason, detail),
      emitRaw: (from, payload) => this.network_peer_packet.emit(from, payload),
      invoke: (what, run) => {
        try {
          run();
        } catch (error) {
          this.handlerThrew(what, error);
        }
      },
    };
  }

  private drop(peer: NetworkedMultiplayerPeer, from: number, reason: DropReason, detail: string): void {
    if (!this.counters.drop(from, reason)) return;
    const text = cutText(`${reason}: ${detail}`, MAX_DROP_TEXT);
    try {
      if (typeof peer.recordDropped === 'function') return peer.recordDropped(from, text);
    } catch (error) {
      log('error', 'library', 'MultiplayerAPI: the peer’s recordDropped threw', error);
    }
    log('warn', 'library', `MultiplayerAPI dropped a packet from ${from}: ${text}`);
  }

  private handlerThrew(what: string, error: unknown): void {
    this.counters.handlerErrors++;
    log('error', 'listener', `MultiplayerAPI: ${what} threw`, error);
  }

  // ---- refusals

  protected override refuse(method: string, code: GodotError, reason: string): GodotError {
    return this.refuseOn(this.peer, method, code, reason);
  }

  private refuseOn(peer: NetworkedMultiplayerPeer | null, method: string, code: GodotError, reason: string): GodotError {
    try {
      if (peer !== null && typeof peer.refuseFor === 'function') return (peer.refuseFor(method, code, reason), code);
    } catch (error) {
      log('error', 'library', 'MultiplayerAPI: the peer’s refuseFor threw', error);
    }
    log('warn', 'library', `MultiplayerAPI.${method} refused (${errorName(code)}): ${reason}`);
    return code;
  }
}

function missingMember(peer: unknown): string | null {
  return firstMissingMember(peer, PEER_METHODS, PEER_SIGNALS);
}
