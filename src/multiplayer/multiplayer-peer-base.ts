import type { AnyStateMachine } from 'xstate';
import { GodotError, errorName } from '../godot/constants.js';
import { Signal } from '../godot/signal.js';
import { MachineHandle, type Inspector } from '../api/machine-handle.js';
import { DISPATCH_MODES, type DispatchMode } from '../api/signal-queue.js';
import { describe, isInteger } from '../api/arguments.js';
import { Recorder } from '../records/recorder.js';
import type { ConnectionRecord } from '../records/record.js';
import type { MultiplayerStateName, PeerMapContext, PeerMapEvent } from '../machines/multiplayer-peer-map.js';
import { ConnectionStatus, GODOT3_MAX_PACKET_SIZE, TARGET_PEER_BROADCAST, TARGET_PEER_SERVER, TransferMode } from '../godot3/constants.js';
import type { MultiplayerStats } from '../godot3/multiplayer-stats.js';
import type { RemotePeer, MultiplayerPeerInfo } from './remote-peer.js';
import { MultiplayerDispatch } from './dispatch.js';
import { MultiplayerCounters } from './stats.js';
import type { PeerMap } from './peer-map.js';
import type { PacketPaths } from './packets.js';

type MachineName = 'webrtcMultiplayer' | 'webrtcMultiplayerPeer';

/** Options both multiplayer peers take. */
export interface MultiplayerPeerBaseOptions {
  id?: string;
  dispatch?: DispatchMode;
  inspect?: Inspector;
  recordCapacity?: number;
}

/** What differs between Godot 3's and Godot 4's peer in what the base does. */
export interface MultiplayerPeerStyle<N extends MachineName> {
  /** The multiplayer machine's name, in records. */
  machine: N;
  /** get_unique_id's refusal while disconnected. */
  noUniqueId: string;
}

const STATUS: Record<MultiplayerStateName, ConnectionStatus> = {
  disconnected: ConnectionStatus.CONNECTION_DISCONNECTED,
  connecting: ConnectionStatus.CONNECTION_CONNECTING,
  connected: ConnectionStatus.CONNECTION_CONNECTED,
};

/**
 * What Godot 3's `WebRTCMultiplayer` and Godot 4's `WebRTCMultiplayerPeer` share: the constants,
 * the peer_connected / peer_disconnected / packets_available signals, the machine, records and
 * dispatch, the packet, target, transfer-mode, peer and status methods, and refusals. Each adds
 * how it is set up and how it adds peers; its peer map and packet paths are its own (abstract here).
 */
export abstract class MultiplayerPeerBase<M extends AnyStateMachine, N extends MachineName, C extends PeerMapContext> {
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
  /** Not Godot: under event dispatch, packets are waiting. */
  readonly packets_available = new Signal<[]>('packets_available');

  readonly id: string;
  readonly dispatch: DispatchMode;
  readonly machine: MachineHandle<M>;

  protected readonly recorder: Recorder;
  protected readonly inspect: Inspector | undefined;
  protected readonly events: MultiplayerDispatch;
  protected readonly counters = new MultiplayerCounters();
  protected abstract readonly map: PeerMap;
  protected abstract readonly packets: PacketPaths<N>;

  protected constructor(
    id: string,
    options: MultiplayerPeerBaseOptions,
    machine: M,
    describeEvent: (event: never) => string,
    private readonly style: MultiplayerPeerStyle<N>,
  ) {
    this.id = id;
    const dispatch = options.dispatch ?? 'poll';
    this.dispatch = DISPATCH_MODES.includes(dispatch) ? dispatch : 'poll';
    this.inspect = options.inspect;
    this.recorder = new Recorder(this.id, options.recordCapacity ?? 256);
    this.machine = new MachineHandle(style.machine, machine, this.recorder, {
      describe: describeEvent as never,
      ...(this.inspect ? { inspect: this.inspect } : {}),
    });
    this.events = new MultiplayerDispatch(this.dispatch, () => this.dispatched(false));
    if (this.dispatch !== dispatch) {
      this.refuseArgument('constructor', `options.dispatch must be ${DISPATCH_MODES.map((mode) => `"${mode}"`).join(' or ')}, not ${describe(dispatch)}; "poll" is used`);
    }
  }

  /** Removes peer `peer_id` (peer_disconnected if it counted as connected / was announced) and closes its connection. */
  remove_peer(peer_id: number): GodotError {
    const entry = this.map.find(peer_id);
    if (entry === undefined) return this.refuseMissing('remove_peer', peer_id);
    this.map.remove(entry, { type: 'remove_peer' });
    return GodotError.OK;
  }

  has_peer(peer_id: number): boolean {
    return this.context.peers.includes(peer_id);
  }

  /** `{ connection, connected, channels }` of peer `peer_id`; null, with a refusal record, if it is not in the map. */
  get_peer(peer_id: number): MultiplayerPeerInfo | null {
    const entry = this.map.find(peer_id);
    if (entry !== undefined) return entry.info();
    this.refuseMissing('get_peer', peer_id);
    return null;
  }

  get_peers(): Record<number, MultiplayerPeerInfo> {
    const all: Record<number, MultiplayerPeerInfo> = {};
    for (const entry of this.map.peers) all[entry.id] = entry.info();
    return all;
  }

  /** Closes every peer's connection and clears the map; DISCONNECTED. No signal, and queued ones are dropped. */
  close(): void {
    this.map.clear();
    this.packets.reset();
    this.events.drop();
  }

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

  /** The sender of the packet get_packet() returns next; 0 if none. */
  get_packet_peer(): number {
    return this.packets.packetPeer();
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

  /** The set-up id; while DISCONNECTED 1, with a refusal record, as Godot (which prints an error). */
  get_unique_id(): number {
    if (this.state !== 'disconnected') return this.context.uniqueId;
    this.refuse('get_unique_id', GodotError.ERR_UNCONFIGURED, this.style.machine, this.style.noUniqueId);
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
    const event: PeerMapEvent = { type: 'set_refuse_new_connections', enable };
    this.machine.send(event as never);
    return GodotError.OK;
  }

  is_refusing_new_connections(): boolean {
    return this.context.refusing;
  }

  /** 1200, as Godot reports; not enforced (neither is it by Godot). */
  get_max_packet_size(): number {
    return GODOT3_MAX_PACKET_SIZE;
  }

  // ---- beyond Godot

  get_records(): ConnectionRecord[] {
    return this.recorder.list();
  }

  /** A refusal made on this peer's behalf (by the multiplayer layer above), recorded as its own; returns `code`. */
  refuseFor(method: string, code: GodotError, reason: string): GodotError {
    return this.refuse(method, code, 'arguments', reason);
  }

  /** A packet from `from` that the layer above dropped, with why: counted, and a `multiplayer.packet` stack_error record. */
  recordDropped(from: number, reason: string): void {
    this.counters.dropped++;
    this.recorder.add({ kind: 'stack_error', channel: `peer ${from}`, method: 'multiplayer.packet', code: GodotError.ERR_INVALID_DATA, codeName: errorName(GodotError.ERR_INVALID_DATA), reason: `a packet from peer ${from} was dropped: ${reason}` });
  }

  // ---- internal

  /** get_stats()'s figures both Godots report. */
  protected baseStats(): MultiplayerStats {
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

  protected get state(): MultiplayerStateName {
    return this.machine.state as MultiplayerStateName;
  }

  protected get context(): C {
    return this.machine.snapshot.context as C;
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

  protected refuseMissing(method: string, peer_id: number): GodotError {
    return this.refuse(method, GodotError.ERR_DOES_NOT_EXIST, this.style.machine, `no peer with id ${describe(peer_id)} is in the peer map`);
  }

  protected refuseArgument(method: string, reason: string): GodotError {
    return this.refuse(method, GodotError.ERR_INVALID_PARAMETER, 'arguments', reason);
  }

  protected refuse(method: string, code: GodotError, machine: N | 'arguments', reason: string, peer?: RemotePeer): GodotError {
    const state = this.state;
    const name = this.style.machine;
    this.recorder.add({
      kind: 'refusal',
      method,
      machine,
      state,
      states: peer ? { [name]: state, multiplayerRemote: peer.machine.state } : { [name]: state },
      code,
      codeName: errorName(code),
      reason,
      ...(peer ? { channel: `peer ${peer.id}` } : {}),
    });
    return code;
  }
}
