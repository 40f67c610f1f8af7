import { GodotError, errorName } from '../godot/constants.js';
import { WebRTCPeerConnection } from '../api/peer-connection.js';
import type { Inspector } from '../api/machine-handle.js';
import type { DispatchMode } from '../api/signal-queue.js';
import { describe, isInteger } from '../api/arguments.js';
import {
  describeMultiplayerPeerEvent,
  webrtcMultiplayerPeerGuardReasons as reasons,
  webrtcMultiplayerPeerMachine,
  type NetworkModeName,
  type WebRTCMultiplayerPeerContext,
  type WebRTCMultiplayerPeerEvent,
} from '../machines/webrtc-multiplayer-peer.js';
import type { TransferMode } from '../godot3/constants.js';
import { RemotePeer, makeChannels, type ExtraChannel } from '../multiplayer/remote-peer.js';
import { MultiplayerPeerBase } from '../multiplayer/multiplayer-peer-base.js';
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
export class WebRTCMultiplayerPeer extends MultiplayerPeerBase<typeof webrtcMultiplayerPeerMachine, 'webrtcMultiplayerPeer', WebRTCMultiplayerPeerContext> implements MultiplayerPeer4 {
  protected readonly map = new PeerMap(this.machine, this.events, this);
  protected readonly packets = new PeerPackets(() => this.map.peers, this.counters, (method, code, machine, reason, peer) => this.refuse(method, code, machine, reason, peer));
  /** create_*'s channels_config, as the channels add_peer makes after the three. */
  private extra: ExtraChannel[] = [];

  constructor(options: WebRTCMultiplayerPeerOptions = {}) {
    super(options.id ?? `mp4-${nextPeerNumber++}`, options, webrtcMultiplayerPeerMachine, describeMultiplayerPeerEvent, {
      machine: 'webrtcMultiplayerPeer',
      noUniqueId: 'there is no unique id while disconnected (1 is returned, as Godot 4 does)',
    });
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

  /** Closes peer `peer_id`'s connection: the next poll removes it (with peer_disconnected). `force`: out of the map at once, with no signal (§1.4). */
  disconnect_peer(peer_id: number, force = false): GodotError {
    if (typeof force !== 'boolean') return this.refuseArgument('disconnect_peer', `force must be a bool, not ${describe(force)}`);
    const entry = this.map.find(peer_id);
    if (entry === undefined) return this.refuseMissing('disconnect_peer', peer_id);
    if (force) this.map.remove(entry, { type: 'remove_peer' }, true);
    else entry.closeConnection();
    return GodotError.OK;
  }

  /** Closes every peer's connection, clears the map and channels_config; id 0, MODE_NONE, DISCONNECTED. No signal, and queued ones are dropped. */
  override close(): void {
    super.close();
    this.extra = [];
  }

  // ---- MultiplayerPeer

  /** The next packet's transfer channel: 0 for the three reserved channels, k + 1 for channels_config[k]. */
  get_packet_channel(): number {
    return this.packets.packetChannel();
  }

  get_packet_mode(): TransferMode {
    return this.packets.packetMode();
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

  /** Server and client: SceneMultiplayer relays through the server; a mesh: no. */
  is_server_relay_supported(): boolean {
    const { mode } = this.context;
    return mode === 'server' || mode === 'client';
  }

  // ---- beyond Godot

  get_stats(): MultiplayerPeerStats {
    const { id, state, connection_status, unique_id, ...figures } = this.baseStats();
    return { id, state, connection_status, unique_id, mode: this.context.mode, extra_channels: this.extra.length, ...figures };
  }

  // ---- internal

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
}

type GuardName = keyof typeof webrtcMultiplayerPeerMachine.implementations.guards;

/** The first of `guards` (the machine's own) that refuses `event`, so that a refusal names the check Godot makes first (the machine's guard is their conjunction). */
function firstFailing(guards: readonly GuardName[], context: WebRTCMultiplayerPeerContext, event: WebRTCMultiplayerPeerEvent): GuardName | null {
  const implementations = webrtcMultiplayerPeerMachine.implementations.guards as Record<string, (args: { context: WebRTCMultiplayerPeerContext; event: WebRTCMultiplayerPeerEvent }) => boolean>;
  for (const name of guards) if (!implementations[name]!({ context, event })) return name;
  return null;
}
