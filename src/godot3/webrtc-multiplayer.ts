import { GodotError, errorName } from '../godot/constants.js';
import { Signal } from '../godot/signal.js';
import { WebRTCPeerConnection } from '../api/peer-connection.js';
import { MachineHandle, type Inspector } from '../api/machine-handle.js';
import { DISPATCH_MODES, type DispatchMode } from '../api/signal-queue.js';
import { describe, isInteger } from '../api/arguments.js';
import { Recorder } from '../records/recorder.js';
import type { ConnectionRecord } from '../records/record.js';
import {
  describeMultiplayerEvent,
  webrtcMultiplayerGuardReasons as reasons,
  webrtcMultiplayerMachine,
  type WebRTCMultiplayerContext,
  type WebRTCMultiplayerEvent,
  type WebRTCMultiplayerStateName,
} from '../machines/webrtc-multiplayer.js';
import { MAX_PEER_ID } from '../machines/signaling-lobby.js';
import { ConnectionStatus, GODOT3_MAX_PACKET_SIZE, TARGET_PEER_BROADCAST, TARGET_PEER_SERVER, TransferMode } from './constants.js';
import type { NetworkedMultiplayerPeer } from './networked-peer.js';
import { RemotePeer, makeChannels, type MultiplayerPeerInfo } from '../multiplayer/remote-peer.js';
import { MultiplayerPeerMap } from './multiplayer-peer-map.js';
import { MultiplayerDispatch } from '../multiplayer/dispatch.js';
import { MultiplayerCounters } from '../multiplayer/stats.js';
import type { MultiplayerStats } from './multiplayer-stats.js';
import { MultiplayerPacketPaths } from './multiplayer-packets.js';

export type { MultiplayerPeerInfo } from '../multiplayer/remote-peer.js';
export type { MultiplayerStats, ModeCounts } from './multiplayer-stats.js';

export interface WebRTCMultiplayerOptions {
  /** Its name in records (`connection`); `mp-1`, `mp-2`, ... by default. */
  id?: string;
  /** `poll` (Godot's, the default): signals only from poll(). `events`: its poll step also runs from a task after a connection, channel or packet reported. */
  dispatch?: DispatchMode;
  /** xstate's inspection observer, given to its machine and its remote peers'. */
  inspect?: Inspector;
  /** How many records get_records() keeps (default 256). */
  recordCapacity?: number;
}

type RefusingMachine = 'webrtcMultiplayer' | 'arguments';

const STATUS: Record<WebRTCMultiplayerStateName, ConnectionStatus> = {
  disconnected: ConnectionStatus.CONNECTION_DISCONNECTED,
  connecting: ConnectionStatus.CONNECTION_CONNECTING,
  connected: ConnectionStatus.CONNECTION_CONNECTED,
};
const MAX_LIFETIME = 65535;

let nextMultiplayerNumber = 1;

/**
 * Godot 3's `WebRTCMultiplayer` (modules/webrtc/webrtc_multiplayer.cpp, 3.2), a
 * NetworkedMultiplayerPeer over WebRTCPeerConnections: a peer map by id, three negotiated channels
 * per peer, Godot 3's signals in Godot 3's order. Its connection status and peer map are a
 * `webrtcMultiplayerMachine`, each peer a `multiplayerRemoteMachine` (`peer <id>` in the records);
 * packets go straight between the channels and the caller (multiplayer-packets.ts).
 * The README's "WebRTCMultiplayer (Godot 3)" lists where it differs from Godot 3.
 */
export class WebRTCMultiplayer implements NetworkedMultiplayerPeer {
  static readonly TRANSFER_MODE_UNRELIABLE = TransferMode.TRANSFER_MODE_UNRELIABLE;
  static readonly TRANSFER_MODE_UNRELIABLE_ORDERED = TransferMode.TRANSFER_MODE_UNRELIABLE_ORDERED;
  static readonly TRANSFER_MODE_RELIABLE = TransferMode.TRANSFER_MODE_RELIABLE;
  static readonly CONNECTION_DISCONNECTED = ConnectionStatus.CONNECTION_DISCONNECTED;
  static readonly CONNECTION_CONNECTING = ConnectionStatus.CONNECTION_CONNECTING;
  static readonly CONNECTION_CONNECTED = ConnectionStatus.CONNECTION_CONNECTED;
  static readonly TARGET_PEER_BROADCAST = TARGET_PEER_BROADCAST;
  static readonly TARGET_PEER_SERVER = TARGET_PEER_SERVER;

  readonly peer_connected = new Signal<[id: number]>('peer_connected');
  readonly peer_disconnected = new Signal<[id: number]>('peer_disconnected');
  readonly connection_succeeded = new Signal<[]>('connection_succeeded');
  readonly connection_failed = new Signal<[]>('connection_failed');
  readonly server_disconnected = new Signal<[]>('server_disconnected');
  readonly packets_available = new Signal<[]>('packets_available');

  readonly id: string;
  readonly dispatch: DispatchMode;
  readonly machine: MachineHandle<typeof webrtcMultiplayerMachine>;

  private readonly recorder: Recorder;
  private readonly inspect: Inspector | undefined;
  private readonly events: MultiplayerDispatch;
  private readonly map: MultiplayerPeerMap;
  private readonly counters = new MultiplayerCounters();
  private readonly packets: MultiplayerPacketPaths;

  constructor(options: WebRTCMultiplayerOptions = {}) {
    this.id = options.id ?? `mp-${nextMultiplayerNumber++}`;
    const dispatch = options.dispatch ?? 'poll';
    this.dispatch = DISPATCH_MODES.includes(dispatch) ? dispatch : 'poll';
    this.inspect = options.inspect;
    this.recorder = new Recorder(this.id, options.recordCapacity ?? 256);
    this.machine = new MachineHandle('webrtcMultiplayer', webrtcMultiplayerMachine, this.recorder, {
      describe: describeMultiplayerEvent,
      ...(this.inspect ? { inspect: this.inspect } : {}),
    });
    this.events = new MultiplayerDispatch(this.dispatch, () => this.dispatched(false));
    this.map = new MultiplayerPeerMap(this.machine, this.events, this);
    this.packets = new MultiplayerPacketPaths(() => this.map.peers, this.counters, (method, code, machine, reason, peer) => this.refuse(method, code, machine, reason, peer));
    if (this.dispatch !== dispatch) {
      this.refuseArgument('constructor', `options.dispatch must be ${DISPATCH_MODES.map((mode) => `"${mode}"`).join(' or ')}, not ${describe(dispatch)}; "poll" is used`);
    }
  }

  // ---- WebRTCMultiplayer

  /** `peer_id` 1..2^31−1; a `server_compatibility` client (id ≠ 1) is CONNECTING until its link to 1 is up, anyone else CONNECTED at once. */
  initialize(peer_id: number, server_compatibility = false): GodotError {
    if (typeof peer_id !== 'number') return this.refuseArgument('initialize', `peer_id must be an int, not ${describe(peer_id)}`);
    if (typeof server_compatibility !== 'boolean') return this.refuseArgument('initialize', `server_compatibility must be a bool, not ${describe(server_compatibility)}`);
    const event: WebRTCMultiplayerEvent = { type: 'initialize', id: peer_id, serverCompatibility: server_compatibility };
    if (this.state !== 'disconnected') {
      return this.refuse('initialize', GodotError.ERR_ALREADY_IN_USE, 'webrtcMultiplayer', `it is initialized already, as peer ${this.context.uniqueId} (${this.state}): close() it first (Godot 3 initializes again without a word, keeping its peers)`);
    }
    if (!this.machine.can(event)) return this.refuse('initialize', GodotError.ERR_INVALID_PARAMETER, 'webrtcMultiplayer', this.machine.explain(event, reasons));
    this.machine.send(event);
    return GodotError.OK;
  }

  /** Adds `peer` (a WebRTCPeerConnection in STATE_NEW) as `peer_id` and makes its three negotiated channels; connect it afterwards. */
  add_peer(peer: WebRTCPeerConnection, peer_id: number, unreliable_lifetime = 1): GodotError {
    const method = 'add_peer';
    const event: WebRTCMultiplayerEvent = { type: 'add_peer', id: peer_id };
    if (this.state === 'disconnected') return this.refuse(method, GodotError.ERR_UNCONFIGURED, 'webrtcMultiplayer', `${this.machine.explain(event)}: initialize() first`);
    if (typeof peer_id !== 'number') return this.refuseArgument(method, `peer_id must be an int, not ${describe(peer_id)}`);
    if (!isInteger(peer_id) || peer_id < 1 || peer_id > MAX_PEER_ID) return this.refuse(method, GodotError.ERR_INVALID_PARAMETER, 'webrtcMultiplayer', reasons.peer_id_in_range!(this.context, event));
    if (!isInteger(unreliable_lifetime) || unreliable_lifetime < 0 || unreliable_lifetime > MAX_LIFETIME) {
      return this.refuseArgument(method, `unreliable_lifetime must be a whole number of ms from 0 to ${MAX_LIFETIME}, not ${describe(unreliable_lifetime)}`);
    }
    if (this.context.refusing) return this.refuse(method, GodotError.ERR_UNAUTHORIZED, 'webrtcMultiplayer', reasons.accepts_new_connections!(this.context, event));
    if (!(peer instanceof WebRTCPeerConnection)) return this.refuseArgument(method, `peer must be a WebRTCPeerConnection, not ${describe(peer)}`);
    if (this.context.peers.includes(peer_id)) return this.refuse(method, GodotError.ERR_ALREADY_EXISTS, 'webrtcMultiplayer', `${reasons.peer_id_unused!(this.context, event)} (Godot 3 replaces it without a word)`);
    const holder = this.map.peers.find((entry) => entry.connection === peer);
    if (holder !== undefined) return this.refuse(method, GodotError.ERR_ALREADY_IN_USE, 'arguments', `the connection ${peer.id} is in the peer map already, as peer ${holder.id}`);
    const state = peer.get_connection_state();
    if (state !== WebRTCPeerConnection.STATE_NEW) {
      return this.refuseArgument(method, `the connection must be in STATE_NEW (0), before it connects, so that its channels can be made; ${peer.id} is in state ${state}`);
    }
    if (!this.machine.can(event)) return this.refuse(method, GodotError.ERR_INVALID_PARAMETER, 'webrtcMultiplayer', this.machine.explain(event, reasons));
    const made = makeChannels(peer, unreliable_lifetime);
    if (!made.ok) return this.refuse(method, made.code, 'arguments', made.reason);
    this.machine.send(event);
    this.map.insert(new RemotePeer(peer_id, peer, made.channels, this.recorder, this.inspect));
    return GodotError.OK;
  }

  /** Removes peer `peer_id` (peer_disconnected if it was announced) and closes its connection. */
  remove_peer(peer_id: number): GodotError {
    const entry = this.map.find(peer_id);
    if (entry === undefined) return this.refuse('remove_peer', GodotError.ERR_DOES_NOT_EXIST, 'webrtcMultiplayer', `no peer with id ${describe(peer_id)} is in the peer map`);
    this.map.remove(entry, { type: 'remove_peer' });
    return GodotError.OK;
  }

  has_peer(peer_id: number): boolean {
    return this.context.peers.includes(peer_id);
  }

  /** `{ connection, connected, channels }` of peer `peer_id`; null (with a refusal record) if it is not in the map. */
  get_peer(peer_id: number): MultiplayerPeerInfo | null {
    const entry = this.map.find(peer_id);
    if (entry !== undefined) return entry.info();
    this.refuse('get_peer', GodotError.ERR_DOES_NOT_EXIST, 'webrtcMultiplayer', `no peer with id ${describe(peer_id)} is in the peer map`);
    return null;
  }

  get_peers(): Record<number, MultiplayerPeerInfo> {
    const all: Record<number, MultiplayerPeerInfo> = {};
    for (const entry of this.map.peers) all[entry.id] = entry.info();
    return all;
  }

  /** Closes every peer's connection and clears the map; unique id and target 0, DISCONNECTED. No signal, and queued ones are dropped (as Godot 3). */
  close(): void {
    this.map.clear();
    this.packets.reset();
    this.events.drop();
  }

  // ---- NetworkedMultiplayerPeer

  /** Polls every peer's connection, removes the ended links, announces the opened ones, then emits the signals queued. */
  poll(): GodotError {
    this.dispatched(true);
    return GodotError.OK;
  }

  put_packet(buffer: Uint8Array): GodotError {
    return this.packets.put(buffer, this.state === 'disconnected');
  }

  get_packet(): Uint8Array {
    return this.packets.get();
  }

  get_packet_error(): GodotError {
    return this.packets.error;
  }

  get_available_packet_count(): number {
    return this.packets.available();
  }

  get_packet_peer(): number {
    return this.packets.packetPeer();
  }

  get_packet_mode(): TransferMode {
    return this.packets.lastMode;
  }

  set_target_peer(id: number): GodotError {
    if (!isInteger(id) || id < -(2 ** 31) || id > 2 ** 31 - 1) return this.refuseArgument('set_target_peer', `id must be an int from -2147483648 to 2147483647, not ${describe(id)}`);
    this.packets.target = id;
    return GodotError.OK;
  }

  get_target_peer(): number {
    return this.packets.target;
  }

  set_transfer_mode(mode: TransferMode): GodotError {
    if (mode !== 0 && mode !== 1 && mode !== 2) return this.refuseArgument('set_transfer_mode', `mode must be TRANSFER_MODE_UNRELIABLE (0), TRANSFER_MODE_UNRELIABLE_ORDERED (1) or TRANSFER_MODE_RELIABLE (2), not ${describe(mode)}`);
    this.packets.mode = mode;
    return GodotError.OK;
  }

  get_transfer_mode(): TransferMode {
    return this.packets.mode;
  }

  /** The id initialize() gave; while DISCONNECTED 1, with a refusal record, as Godot 3 (which prints an error). */
  get_unique_id(): number {
    if (this.state !== 'disconnected') return this.context.uniqueId;
    this.refuse('get_unique_id', GodotError.ERR_UNCONFIGURED, 'webrtcMultiplayer', 'there is no unique id while disconnected: initialize() first (1 is returned, as Godot 3 does)');
    return 1;
  }

  is_server(): boolean {
    return this.context.uniqueId === TARGET_PEER_SERVER;
  }

  get_connection_status(): ConnectionStatus {
    return STATUS[this.state];
  }

  /** While set, add_peer is refused (ERR_UNAUTHORIZED); nothing else changes. */
  set_refuse_new_connections(enable: boolean): GodotError {
    if (typeof enable !== 'boolean') return this.refuseArgument('set_refuse_new_connections', `enable must be a bool, not ${describe(enable)}`);
    this.machine.send({ type: 'set_refuse_new_connections', enable });
    return GodotError.OK;
  }

  is_refusing_new_connections(): boolean {
    return this.context.refusing;
  }

  /** 1200, as Godot 3 reports; not enforced (neither is it by Godot 3). */
  get_max_packet_size(): number {
    return GODOT3_MAX_PACKET_SIZE;
  }

  // ---- beyond Godot

  get_records(): ConnectionRecord[] {
    return this.recorder.list();
  }

  get_stats(): MultiplayerStats {
    const { uniqueId, peers, connected } = this.context;
    return {
      id: this.id,
      state: this.state,
      connection_status: this.get_connection_status(),
      unique_id: uniqueId,
      peers: [...peers],
      connected: [...connected],
      modes: this.counters.byMode(),
      packets_refused: this.counters.refused,
      packets_dropped: this.counters.dropped,
      queued_packets: this.packets.available(),
    };
  }

  /** A refusal made on this peer's behalf (by its MultiplayerAPI), recorded as its own; returns `code`. */
  refuseFor(method: string, code: GodotError, reason: string): GodotError {
    return this.refuse(method, code, 'arguments', reason);
  }

  /** A packet from `from` that the MultiplayerAPI dropped, with why: counted, and a `multiplayer.packet` stack_error record. */
  recordDropped(from: number, reason: string): void {
    this.counters.dropped++;
    this.recorder.add({ kind: 'stack_error', channel: `peer ${from}`, method: 'multiplayer.packet', code: GodotError.ERR_INVALID_DATA, codeName: errorName(GodotError.ERR_INVALID_DATA), reason: `a packet from peer ${from} was dropped: ${reason}` });
  }

  // ---- internal

  private get state(): WebRTCMultiplayerStateName {
    return this.machine.state as WebRTCMultiplayerStateName;
  }

  private get context(): WebRTCMultiplayerContext {
    return this.machine.snapshot.context;
  }

  /** poll() (`step`), or the event dispatch's task (a step only if a connection or channel reported). */
  private dispatched(step: boolean): void {
    if (step || this.events.stateReported) {
      this.events.stateReported = false;
      this.map.step();
    }
    this.events.drain();
    if (this.events.mode === 'events' && this.events.packetsArrived) {
      this.events.packetsArrived = false;
      if (this.packets.available() > 0) this.packets_available.emit();
    }
  }

  private refuseArgument(method: string, reason: string): GodotError {
    return this.refuse(method, GodotError.ERR_INVALID_PARAMETER, 'arguments', reason);
  }

  private refuse(method: string, code: GodotError, machine: RefusingMachine, reason: string, peer?: RemotePeer): GodotError {
    const state = this.state;
    this.recorder.add({
      kind: 'refusal',
      method,
      machine,
      state,
      states: peer ? { webrtcMultiplayer: state, multiplayerRemote: peer.machine.state } : { webrtcMultiplayer: state },
      code,
      codeName: errorName(code),
      reason,
      ...(peer ? { channel: `peer ${peer.id}` } : {}),
    });
    return code;
  }
}
