import { GodotError } from '../godot/constants.js';
import { Signal } from '../godot/signal.js';
import { WebRTCPeerConnection } from '../api/peer-connection.js';
import type { Inspector } from '../api/machine-handle.js';
import type { DispatchMode } from '../api/signal-queue.js';
import { describe, isInteger } from '../api/arguments.js';
import {
  describeMultiplayerEvent,
  webrtcMultiplayerGuardReasons as reasons,
  webrtcMultiplayerMachine,
  type WebRTCMultiplayerContext,
  type WebRTCMultiplayerEvent,
} from '../machines/webrtc-multiplayer.js';
import { MAX_PEER_ID } from '../machines/signaling-lobby.js';
import type { TransferMode } from './constants.js';
import type { NetworkedMultiplayerPeer } from './networked-peer.js';
import { RemotePeer, makeChannels } from '../multiplayer/remote-peer.js';
import { MultiplayerPeerMap } from './multiplayer-peer-map.js';
import { MultiplayerPeerBase } from '../multiplayer/multiplayer-peer-base.js';
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
export class WebRTCMultiplayer extends MultiplayerPeerBase<typeof webrtcMultiplayerMachine, 'webrtcMultiplayer', WebRTCMultiplayerContext> implements NetworkedMultiplayerPeer {
  readonly connection_succeeded = new Signal<[]>('connection_succeeded');
  readonly connection_failed = new Signal<[]>('connection_failed');
  readonly server_disconnected = new Signal<[]>('server_disconnected');

  protected readonly map: MultiplayerPeerMap = new MultiplayerPeerMap(this.machine, this.events, this);
  protected readonly packets = new MultiplayerPacketPaths(() => this.map.peers, this.counters, (method, code, machine, reason, peer) => this.refuse(method, code, machine, reason, peer));

  constructor(options: WebRTCMultiplayerOptions = {}) {
    super(options.id ?? `mp-${nextMultiplayerNumber++}`, options, webrtcMultiplayerMachine, describeMultiplayerEvent, {
      machine: 'webrtcMultiplayer',
      noUniqueId: 'there is no unique id while disconnected: initialize() first (1 is returned, as Godot 3 does)',
    });
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

  // ---- NetworkedMultiplayerPeer

  get_packet_mode(): TransferMode {
    return this.packets.lastMode;
  }

  // ---- beyond Godot

  get_stats(): MultiplayerStats {
    return this.baseStats();
  }
}
