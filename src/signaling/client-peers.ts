/**
 * The WebRTC side of a SignalingClient: one WebRTCPeerConnection per member the server announced,
 * driven as the demo client of the protocol version drives it (§3.5, §3.8 of the reference):
 * `session_description_created` → `set_local_description`, then OFFER/ANSWER to that member;
 * `ice_candidate_created` → CANDIDATE `"\n<mid>\n<index>\n<candidate>"`; a relayed OFFER or ANSWER
 * → `set_remote_description`, a CANDIDATE → `add_ice_candidate`. Relays from members it does not
 * know are ignored (as the demo's `has_peer` check does) and counted; relays a connection refuses
 * are counted and logged with the connection's Godot Error, never thrown. No SDP or candidate text
 * goes into a log line.
 */
import { ConnectionState, GodotError, errorName } from '../godot/constants.js';
import { WebRTCPeerConnection, type PeerConnectionOptions } from '../api/peer-connection.js';
import type { Configuration } from '../api/configuration.js';
import { log } from '../log.js';
import { MESSAGE_TYPE_NAMES, MessageType, type SignalMessage } from './frames.js';
import { buildCandidatePayload, parseCandidatePayload } from './protocol.js';
import type { ProtocolVersion, RelayType } from './client-wire.js';

/**
 * Whether this peer (`ownId`) creates the offer to `peerId`, by the demo client's rule: 4.x
 * `if id < get_unique_id(): create_offer()` (the higher id offers, the host 1 never does); 3.x
 * `if id > get_unique_id(): create_offer()` (the lower id offers, the host offers to everyone).
 */
export function offersTo(protocol: ProtocolVersion, ownId: number, peerId: number): boolean {
  return protocol === 4 ? peerId < ownId : peerId > ownId;
}

/** What the peers report to their client, which sends the frames and emits the events. */
export interface ClientPeerHooks {
  send(type: RelayType, destination: number, data: string): void;
  /** The connection exists and is wired, before any offer or answer: the application creates its channels now. */
  added(id: number, pc: WebRTCPeerConnection): void;
  connected(id: number, pc: WebRTCPeerConnection): void;
  /** The connection was dropped (PEER_DISCONNECT, its own end, or the client closing). */
  removed(id: number): void;
}

export interface ClientPeerOptions {
  /** The client's name in log lines. */
  owner: string;
  protocol: ProtocolVersion;
  configuration: Configuration;
  peerOptions: PeerConnectionOptions | undefined;
  maxPeers: number;
}

/** How many relays were not applied, and why. */
export interface RelayCounts {
  /** From an id with no connection here (the demo ignores them too). */
  ignored: number;
  /** Refused by the connection (a Godot Error other than OK) or unreadable (a bad candidate payload). */
  refused: number;
}

/** The reason of the connection's last record, when it has one (a refusal's). */
function lastReason(pc: WebRTCPeerConnection): string {
  const last = pc.get_records().at(-1);
  return last !== undefined && 'reason' in last && typeof last.reason === 'string' ? last.reason : 'no reason recorded';
}

const ENDED_STATES: readonly ConnectionState[] = [ConnectionState.STATE_DISCONNECTED, ConnectionState.STATE_FAILED, ConnectionState.STATE_CLOSED];

export class ClientPeers {
  readonly connections = new Map<number, WebRTCPeerConnection>();
  readonly relays: RelayCounts = { ignored: 0, refused: 0 };

  constructor(
    private readonly options: ClientPeerOptions,
    private readonly hooks: ClientPeerHooks,
  ) {}

  /** PEER_CONNECT(peerId): makes, wires and hands over the connection, then offers if this side offers. */
  add(ownId: number, peerId: number): void {
    const { owner, protocol } = this.options;
    if (peerId === ownId || this.connections.has(peerId)) {
      log('warn', 'library', `${owner}: PEER_CONNECT for ${peerId === ownId ? 'its own id' : 'a member it already has'} (${peerId}) ignored`);
      return;
    }
    if (this.connections.size >= this.options.maxPeers) {
      log('warn', 'library', `${owner}: PEER_CONNECT ${peerId} ignored: already ${this.connections.size} peers (maxPeers)`);
      return;
    }
    const pc = this.create(peerId);
    if (pc === null) return;
    this.connections.set(peerId, pc);
    this.hooks.added(peerId, pc);
    // The peer_added listener may have dropped it (a multiplayer that refused add_peer closes it): nothing to offer then.
    if (this.connections.get(peerId) !== pc || pc.get_connection_state() === ConnectionState.STATE_CLOSED || !offersTo(protocol, ownId, peerId)) return;
    const code = pc.create_offer();
    if (code !== GodotError.OK) log('warn', 'library', `${owner}: create_offer to ${peerId} refused: ${errorName(code)} (${lastReason(pc)}); peer_added is where channels are created`);
  }

  /** An OFFER, ANSWER or CANDIDATE relayed from member `message.id`. */
  relay(message: SignalMessage): void {
    const { owner } = this.options;
    const name = MESSAGE_TYPE_NAMES[message.type];
    const pc = this.connections.get(message.id);
    if (pc === undefined) {
      this.relays.ignored++;
      log('info', 'library', `${owner}: ${name} from ${message.id}, which it has no connection with, ignored`);
      return;
    }
    let code: GodotError;
    if (message.type === MessageType.CANDIDATE) {
      const parts = parseCandidatePayload(message.data);
      if (!parts.ok) {
        this.relays.refused++;
        log('warn', 'library', `${owner}: CANDIDATE from ${message.id} ignored: ${parts.reason}`);
        return;
      }
      code = pc.add_ice_candidate(parts.value.mid, parts.value.index, parts.value.candidate);
    } else {
      code = pc.set_remote_description(message.type === MessageType.OFFER ? 'offer' : 'answer', message.data);
    }
    if (code === GodotError.OK) return;
    this.relays.refused++;
    log('warn', 'library', `${owner}: ${name} from ${message.id} refused by ${pc.id}: ${errorName(code)} (${lastReason(pc)})`);
  }

  /** Closes and drops the connection with `peerId`; whether there was one. */
  remove(peerId: number): boolean {
    const pc = this.connections.get(peerId);
    if (pc === undefined) return false;
    this.connections.delete(peerId);
    // A connection that ended by itself is already closed: closing it again would be refused (and recorded).
    if (pc.get_connection_state() !== ConnectionState.STATE_CLOSED) pc.close();
    this.hooks.removed(peerId);
    return true;
  }

  /** The demo's `stop()`: every connection closed and dropped. */
  removeAll(): void {
    for (const peerId of [...this.connections.keys()]) this.remove(peerId);
  }

  private create(peerId: number): WebRTCPeerConnection | null {
    const { owner, configuration, peerOptions } = this.options;
    const named = peerOptions?.id !== undefined ? { id: `${peerOptions.id}-${peerId}` } : {};
    const pc = new WebRTCPeerConnection({ dispatch: 'events', ...peerOptions, ...named });
    const initialized = pc.initialize(configuration);
    if (initialized !== GodotError.OK) {
      log('error', 'library', `${owner}: the connection to ${peerId} could not be initialized: ${errorName(initialized)}`);
      pc.close();
      return null;
    }
    const current = () => this.connections.get(peerId) === pc;
    pc.session_description_created.connect((type, sdp) => {
      if (!current()) return;
      const code = pc.set_local_description(type, sdp);
      if (code !== GodotError.OK) {
        log('warn', 'library', `${owner}: set_local_description(${type}) for ${peerId} refused: ${errorName(code)}; not sent`);
        return;
      }
      this.hooks.send(type === 'offer' ? MessageType.OFFER : MessageType.ANSWER, peerId, sdp);
    });
    pc.ice_candidate_created.connect((mid, index, candidate) => {
      if (!current()) return;
      const payload = buildCandidatePayload(mid, index, candidate);
      if (payload.ok) this.hooks.send(MessageType.CANDIDATE, peerId, payload.value);
      else log('info', 'library', `${owner}: a local candidate for ${peerId} not sent: ${payload.reason}`);
    });
    let connected = false;
    pc.connection_state_changed.connect((state) => {
      if (!current()) return;
      if (state === ConnectionState.STATE_CONNECTED && !connected) {
        connected = true;
        this.hooks.connected(peerId, pc);
      } else if (ENDED_STATES.includes(state)) {
        // As Godot's WebRTCMultiplayerPeer: a connection that is no longer connecting or connected is removed.
        this.remove(peerId);
      }
    });
    return pc;
  }
}
