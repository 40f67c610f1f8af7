import { GodotError, errorName } from '../godot/constants.js';
import { Signal } from '../godot/signal.js';
import { WebRTCPeerConnection } from '../api/peer-connection.js';
import { MachineHandle, type Inspector } from '../api/machine-handle.js';
import { DISPATCH_MODES, type DispatchMode } from '../api/signal-queue.js';
import { describe, isInteger } from '../api/arguments.js';
import { Recorder } from '../records/recorder.js';
import type { ConnectionRecord } from '../records/record.js';
import {
  describeMultiplayerPeerEvent,
  webrtcMultiplayerPeerGuardReasons as reasons,
  webrtcMultiplayerPeerMachine,
  type NetworkModeName,
  type WebRTCMultiplayerPeerContext,
  type WebRTCMultiplayerPeerEvent,
  type WebRTCMultiplayerPeerStateName,
} from '../machines/webrtc-multiplayer-peer.js';
import { ConnectionStatus, GODOT3_MAX_PACKET_SIZE, TARGET_PEER_BROADCAST, TARGET_PEER_SERVER, TransferMode } from '../godot3/constants.js';
import { RemotePeer, makeChannels, type ExtraChannel, type MultiplayerPeerInfo } from '../multiplayer/remote-peer.js';
import { MultiplayerDispatch } from '../multiplayer/dispatch.js';
import { MultiplayerCounters } from '../multiplayer/stats.js';
import type { MultiplayerStats } from '../godot3/multiplayer-stats.js';
import { PeerMap } from '../multiplayer/peer-map.js';
import { PeerPackets } from './peer-packets.js';
import { RESERVED_MODES } from '../multiplayer/packets.js';
import { parseChannelsConfig } from './peer-channels.js';
import type { MultiplayerPeer4 } from './multiplayer-peer.js';

export type { MultiplayerPeerInfo } from '../multiplayer/remote-peer.js';

export interface WebRTCMultiplayerPeerOptions {
  /** Its name in records (`connection`); `mp4-1`, `mp4-2`, ... by default. */
  id?: string;
  /** `poll` (Godot's, the default): signals only from poll(). `events`: its poll step also runs from a task after a connection, channel or packet reported. */
  dispatch?: DispatchMode;
  inspect?: Inspector;
  /** How many records get_records() keeps (default 256). */
  recordCapacity?: number;
}

/** Not Godot: get_stats(), Godot 3's figures plus the network mode and how many extra channels. */
export interface MultiplayerPeerStats extends MultiplayerStats {
  mode: NetworkModeName;
  extra_channels: number;
}

type RefusingMachine = 'webrtcMultiplayerPeer' | 'arguments';

const STATUS: Record<WebRTCMultiplayerPeerStateName, ConnectionStatus> = {
  disconnected: ConnectionStatus.CONNECTION_DISCONNECTED,
  connecting: ConnectionStatus.CONNECTION_CONNECTING,
  connected: ConnectionStatus.CONNECTION_CONNECTED,
};
const MAX_LIFETIME = 65535;
/** The transfer_channel property's hint is 0..255 (§1.1). */
const MAX_TRANSFER_CHANNEL = 255;

let nextPeerNumber = 1;

/**
 * Godot 4's `WebRTCMultiplayerPeer` (§1 of the reference; 4.3+): a MultiplayerPeer over
 * WebRTCPeerConnections in server, client or mesh mode, three negotiated channels per peer plus
 * one per `channels_config` entry (ids 4 + k). Its status and peer map are a
 * `webrtcMultiplayerPeerMachine`, each peer a `multiplayerRemoteMachine` (`peer <id>`); packets go
 * straight between the channels and the caller (peer-packets.ts).
 */
export class WebRTCMultiplayerPeer implements MultiplayerPeer4 {
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
  readonly machine: MachineHandle<typeof webrtcMultiplayerPeerMachine>;

  private readonly recorder: Recorder;
  private readonly inspect: Inspector | undefined;
  private readonly events: MultiplayerDispatch;
  private readonly map: PeerMap;
  private readonly counters = new MultiplayerCounters();
  private readonly packets: PeerPackets;
  /** create_*'s channels_config, as the channels add_peer makes after the three. */
  private extra: ExtraChannel[] = [];

  constructor(options: WebRTCMultiplayerPeerOptions = {}) {
    this.id = options.id ?? `mp4-${nextPeerNumber++}`;
    const dispatch = options.dispatch ?? 'poll';
    this.dispatch = DISPATCH_MODES.includes(dispatch) ? dispatch : 'poll';
    this.inspect = options.inspect;
    this.recorder = new Recorder(this.id, options.recordCapacity ?? 256);
    this.machine = new MachineHandle('webrtcMultiplayerPeer', webrtcMultiplayerPeerMachine, this.recorder, {
      describe: describeMultiplayerPeerEvent,
      ...(this.inspect ? { inspect: this.inspect } : {}),
    });
    this.events = new MultiplayerDispatch(this.dispatch, () => this.dispatched(false));
    this.map = new PeerMap(this.machine, this.events, this);
    this.packets = new PeerPackets(() => this.map.peers, this.counters, (method, code, machine, reason, peer) => this.refuse(method, code, machine, reason, peer));
    if (this.dispatch !== dispatch) {
      this.refuseArgument('constructor', `options.dispatch must be ${DISPATCH_MODES.map((mode) => `"${mode}"`).join(' or ')}, not ${describe(dispatch)}; "poll" is used`);
    }
  }

  // ---- WebRTCMultiplayerPeer

  /** Peer 1, CONNECTED at once; it adds clients (never 1). */
  create_server(channels_config: readonly number[] = []): GodotError {
    return this.create('create_server', 'server', 1, channels_config);
  }

  /** Peer `peer_id` (not 1), CONNECTING until its server, peer 1, counts as connected. */
  create_client(peer_id: number, channels_config: readonly number[] = []): GodotError {
    return this.create('create_client', 'client', peer_id, channels_config);
  }

  /** Peer `peer_id` (1 allowed) of a mesh, CONNECTED at once; it adds anyone. */
  create_mesh(peer_id: number, channels_config: readonly number[] = []): GodotError {
    return this.create('create_mesh', 'mesh', peer_id, channels_config);
  }

  /** Adds `peer` (a WebRTCPeerConnection in STATE_NEW) as `peer_id` and makes its negotiated channels; connect it afterwards. §1.3's checks, in order, then ours. */
  add_peer(peer: WebRTCPeerConnection, peer_id: number, unreliable_lifetime = 1): GodotError {
    const method = 'add_peer';
    const event: WebRTCMultiplayerPeerEvent = { type: 'add_peer', id: peer_id };
    const context = this.context;
    if (this.state === 'disconnected') return this.refuse(method, GodotError.ERR_UNCONFIGURED, 'webrtcMultiplayerPeer', `${this.machine.explain(event)}: create_server(), create_client() or create_mesh() first`);
    if (typeof peer_id !== 'number') return this.refuseArgument(method, `peer_id must be an int, not ${describe(peer_id)}`);
    const wrongId = firstFailing(['client_adds_only_server', 'server_never_adds_1', 'peer_id_in_range'], context, event);
    if (wrongId !== null) return this.refuse(method, GodotError.ERR_INVALID_PARAMETER, 'webrtcMultiplayerPeer', reasons[wrongId]!(context, event));
    if (!isInteger(unreliable_lifetime) || unreliable_lifetime < 0 || unreliable_lifetime > MAX_LIFETIME) {
      return this.refuseArgument(method, `unreliable_lifetime must be a whole number of ms from 0 to ${MAX_LIFETIME}, not ${describe(unreliable_lifetime)}`);
    }
    if (context.refusing) return this.refuse(method, GodotError.ERR_UNAUTHORIZED, 'webrtcMultiplayerPeer', reasons.accepts_new_connections!(context, event));
    if (!(peer instanceof WebRTCPeerConnection)) return this.refuseArgument(method, `peer must be a WebRTCPeerConnection, not ${describe(peer)}`);
    const state = peer.get_connection_state();
    if (state !== WebRTCPeerConnection.STATE_NEW) {
      return this.refuseArgument(method, `the connection must be in STATE_NEW (0), before it connects, so that its channels can be made; ${peer.id} is in state ${state}`);
    }
    if (context.peers.includes(peer_id)) return this.refuse(method, GodotError.ERR_ALREADY_EXISTS, 'webrtcMultiplayerPeer', reasons.peer_id_unused!(context, event));
    const holder = this.map.peers.find((entry) => entry.connection === peer);
    if (holder !== undefined) return this.refuse(method, GodotError.ERR_ALREADY_IN_USE, 'arguments', `the connection ${peer.id} is in the peer map already, as peer ${holder.id}`);
    if (!this.machine.can(event)) return this.refuse(method, GodotError.ERR_INVALID_PARAMETER, 'webrtcMultiplayerPeer', this.machine.explain(event, reasons));
    const made = makeChannels(peer, unreliable_lifetime, this.extra);
    if (!made.ok) return this.refuse(method, GodotError.FAILED, 'arguments', `${made.reason} (${errorName(made.code)})`);
    this.machine.send(event);
    this.map.insert(new RemotePeer(peer_id, peer, made.channels, this.recorder, this.inspect));
    return GodotError.OK;
  }

  /** Removes peer `peer_id` (peer_disconnected if it counted as connected) and closes its connection. */
  remove_peer(peer_id: number): GodotError {
    const entry = this.map.find(peer_id);
    if (entry === undefined) return this.refuseMissing('remove_peer', peer_id);
    this.map.remove(entry, { type: 'remove_peer' });
    return GodotError.OK;
  }

  /** Closes peer `peer_id`'s connection: the next poll removes it (with peer_disconnected). `force`: out of the map at once, with no signal (§1.4). */
  disconnect_peer(peer_id: number, force = false): GodotError {
    if (typeof force !== 'boolean') return this.refuseArgument('disconnect_peer', `force must be a bool, not ${describe(force)}`);
    const entry = this.map.find(peer_id);
    if (entry === undefined) return this.refuseMissing('disconnect_peer', peer_id);
    if (force) this.map.remove(entry, { type: 'remove_peer' }, true);
    else entry.closeConnection();
    return GodotError.OK;
  }

  has_peer(peer_id: number): boolean {
    return this.context.peers.includes(peer_id);
  }

  /** `{ connection, connected, channels }` (3 + extras, in list order); null, with a refusal record, if it is not in the map. */
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

  /** Closes every peer's connection, clears the map and channels_config; id 0, MODE_NONE, DISCONNECTED. No signal, and queued ones are dropped. */
  close(): void {
    this.map.clear();
    this.packets.reset();
    this.extra = [];
    this.events.drop();
  }

  // ---- MultiplayerPeer

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

  /** The next packet's transfer channel: 0 for the three reserved channels, k + 1 for channels_config[k]. */
  get_packet_channel(): number {
    return this.packets.packetChannel();
  }

  get_packet_mode(): TransferMode {
    return this.packets.packetMode();
  }

  set_target_peer(id: number): GodotError {
    if (!isInteger(id) || id < -(2 ** 31) || id > 2 ** 31 - 1) return this.refuseArgument('set_target_peer', `id must be an int from -2147483648 to 2147483647, not ${describe(id)}`);
    this.packets.target = id;
    return GodotError.OK;
  }

  get_target_peer(): number {
    return this.packets.target;
  }

  /** Applies on transfer channel 0 only; on an extra channel its configured mode does (§1.6). */
  set_transfer_mode(mode: TransferMode): GodotError {
    if (mode !== 0 && mode !== 1 && mode !== 2) return this.refuseArgument('set_transfer_mode', `mode must be TRANSFER_MODE_UNRELIABLE (0), TRANSFER_MODE_UNRELIABLE_ORDERED (1) or TRANSFER_MODE_RELIABLE (2), not ${describe(mode)}`);
    this.packets.mode = mode;
    return GodotError.OK;
  }

  get_transfer_mode(): TransferMode {
    return this.packets.mode;
  }

  /** 0: the reserved channel of the transfer mode; k + 1: channels_config[k] (put_packet refuses one that does not exist). */
  set_transfer_channel(channel: number): GodotError {
    if (!isInteger(channel) || channel < 0 || channel > MAX_TRANSFER_CHANNEL) return this.refuseArgument('set_transfer_channel', `channel must be a whole number from 0 to ${MAX_TRANSFER_CHANNEL}, not ${describe(channel)}`);
    this.packets.channel = channel;
    return GodotError.OK;
  }

  get_transfer_channel(): number {
    return this.packets.channel;
  }

  /** create_*'s id; while DISCONNECTED 1, with a refusal record, as Godot 4 (which prints an error). */
  get_unique_id(): number {
    if (this.state !== 'disconnected') return this.context.uniqueId;
    this.refuse('get_unique_id', GodotError.ERR_UNCONFIGURED, 'webrtcMultiplayerPeer', 'there is no unique id while disconnected (1 is returned, as Godot 4 does)');
    return 1;
  }

  is_server(): boolean {
    return this.context.uniqueId === TARGET_PEER_SERVER;
  }

  /** Server and client: SceneMultiplayer relays through the server; a mesh: no. */
  is_server_relay_supported(): boolean {
    const { mode } = this.context;
    return mode === 'server' || mode === 'client';
  }

  get_connection_status(): ConnectionStatus {
    return STATUS[this.state];
  }

  set_refuse_new_connections(enable: boolean): GodotError {
    if (typeof enable !== 'boolean') return this.refuseArgument('set_refuse_new_connections', `enable must be a bool, not ${describe(enable)}`);
    this.machine.send({ type: 'set_refuse_new_connections', enable });
    return GodotError.OK;
  }

  is_refusing_new_connections(): boolean {
    return this.context.refusing;
  }

  /** 1200, as Godot 4 reports; not enforced (neither is it by Godot). */
  get_max_packet_size(): number {
    return GODOT3_MAX_PACKET_SIZE;
  }

  // ---- beyond Godot

  get_records(): ConnectionRecord[] {
    return this.recorder.list();
  }

  get_stats(): MultiplayerPeerStats {
    const { uniqueId, peers, connected, mode } = this.context;
    return {
      id: this.id,
      state: this.state,
      connection_status: this.get_connection_status(),
      unique_id: uniqueId,
      mode,
      extra_channels: this.extra.length,
      peers: [...peers],
      connected: [...connected],
      modes: this.counters.byMode(),
      packets_refused: this.counters.refused,
      packets_dropped: this.counters.dropped,
      queued_packets: this.packets.available(),
    };
  }

  /** A refusal made on this peer's behalf (by its SceneMultiplayer), recorded as its own; returns `code`. */
  refuseFor(method: string, code: GodotError, reason: string): GodotError {
    return this.refuse(method, code, 'arguments', reason);
  }

  /** A packet from `from` that the layer above dropped, with why: counted, and a `multiplayer.packet` stack_error record. */
  recordDropped(from: number, reason: string): void {
    this.counters.dropped++;
    this.recorder.add({ kind: 'stack_error', channel: `peer ${from}`, method: 'multiplayer.packet', code: GodotError.ERR_INVALID_DATA, codeName: errorName(GodotError.ERR_INVALID_DATA), reason: `a packet from peer ${from} was dropped: ${reason}` });
  }

  // ---- internal

  private get state(): WebRTCMultiplayerPeerStateName {
    return this.machine.state as WebRTCMultiplayerPeerStateName;
  }

  private get context(): WebRTCMultiplayerPeerContext {
    return this.machine.snapshot.context;
  }

  private create(method: string, mode: 'server' | 'client' | 'mesh', peer_id: number, channels_config: readonly number[]): GodotError {
    if (typeof peer_id !== 'number') return this.refuseArgument(method, `peer_id must be an int, not ${describe(peer_id)}`);
    if (this.state !== 'disconnected') {
      return this.refuse(method, GodotError.ERR_ALREADY_IN_USE, 'webrtcMultiplayerPeer', `it is initialized already, as ${this.context.mode} peer ${this.context.uniqueId} (${this.state}): close() it first (Godot 4 initializes again without a word, keeping its peers)`);
    }
    const event: WebRTCMultiplayerPeerEvent = { type: 'create', mode, id: peer_id };
    const wrongId = firstFailing(['clients_cannot_be_1', 'self_id_in_range', 'server_is_1'], this.context, event);
    if (wrongId !== null) return this.refuse(method, GodotError.ERR_INVALID_PARAMETER, 'webrtcMultiplayerPeer', reasons[wrongId]!(this.context, event));
    if (!this.machine.can(event)) return this.refuse(method, GodotError.ERR_INVALID_PARAMETER, 'webrtcMultiplayerPeer', this.machine.explain(event, reasons));
    const config = parseChannelsConfig(channels_config);
    if (!config.ok) return this.refuseArgument(method, config.reason);
    this.machine.send(event);
    this.extra = config.channels;
    this.packets.modes = [...RESERVED_MODES, ...config.modes];
    return GodotError.OK;
  }

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

  private refuseMissing(method: string, peer_id: number): GodotError {
    return this.refuse(method, GodotError.ERR_DOES_NOT_EXIST, 'webrtcMultiplayerPeer', `no peer with id ${describe(peer_id)} is in the peer map`);
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
      states: peer ? { webrtcMultiplayerPeer: state, multiplayerRemote: peer.machine.state } : { webrtcMultiplayerPeer: state },
      code,
      codeName: errorName(code),
      reason,
      ...(peer ? { channel: `peer ${peer.id}` } : {}),
    });
    return code;
  }
}

type GuardName = keyof typeof webrtcMultiplayerPeerMachine.implementations.guards;

/** The first of `guards` (the machine's own) that refuses `event`, so that a refusal names the check Godot makes first (the machine's guard is their conjunction). */
function firstFailing(guards: readonly GuardName[], context: WebRTCMultiplayerPeerContext, event: WebRTCMultiplayerPeerEvent): GuardName | null {
  const implementations = webrtcMultiplayerPeerMachine.implementations.guards as Record<string, (args: { context: WebRTCMultiplayerPeerContext; event: WebRTCMultiplayerPeerEvent }) => boolean>;
  for (const name of guards) if (!implementations[name]!({ context, event })) return name;
  return null;
}
