/**
 * A Node peer in a Godot 3.x webrtc_signaling lobby, in multiplayer mode: what the 3.x demo's
 * `client/multiplayer_client.gd` does, over a SignalingClient speaking protocol 3 and a
 * WebRTCMultiplayer.
 *
 * - ID → `rtc_mp.initialize(id, true)` (server compatibility, as the demo), then the optional
 *   MultiplayerAPI takes the peer (`set_network_peer`, which Godot 3 refuses while disconnected).
 * - PEER_CONNECT → `rtc_mp.add_peer(pc, id)` before any offer; the lower id offers (the 3.x rule,
 *   which SignalingClient applies), so the host (1) offers to every member.
 * - PEER_DISCONNECT → `remove_peer(id)` if the map has it.
 * - The socket closing before a SEAL → the demo's `stop()`: `rtc_mp.close()` (no signals, as in
 *   Godot 3); after a SEAL the mesh outlives the socket.
 *
 * SignalingClient has no event for the ID frame; the server always sends ID first, then the
 * PEER_CONNECTs, then JOIN, so the first `peer_added` or `joined` is where ID was taken (the
 * id is already on the client) and the multiplayer is initialized there, before any add_peer.
 *
 * Nothing here throws: every failure is a Godot Error returned or, inside a listener, logged.
 */
import { ConnectionState, GodotError, errorName } from '../godot/constants.js';
import type { WebRTCPeerConnection, PeerConnectionOptions } from '../api/peer-connection.js';
import type { Configuration } from '../api/configuration.js';
import { describe, isPlainObject } from '../api/arguments.js';
import { log } from '../log.js';
import { SignalingClient } from '../signaling/client.js';
import { WebRTCMultiplayer } from './webrtc-multiplayer.js';
import type { NetworkedMultiplayerPeer } from './networked-peer.js';
import { ConnectionStatus } from './constants.js';

/** What the lobby peer needs of a MultiplayerAPI: to take the multiplayer peer once it is initialized. */
export interface NetworkPeerHolder {
  set_network_peer(peer: NetworkedMultiplayerPeer | null): GodotError;
}

export interface MultiplayerLobbyPeerOptions {
  /** The signaling server, `ws://` or `wss://`. */
  url: string;
  /** The lobby to join; `''` (the default) creates one, and this peer is its host (id 1). */
  lobby?: string;
  /** `initialize(id, serverCompatibility)`: true by default, as the demo (members are clients of 1 until it connects). */
  serverCompatibility?: boolean;
  /** The WebRTCMultiplayer's own options (record name, dispatch, inspector); its dispatch defaults to the api's when that is 'events'. */
  multiplayer?: ConstructorParameters<typeof WebRTCMultiplayer>[0];
  /** Each WebRTC connection's `initialize` dictionary (default `{ iceServers: [] }`). */
  configuration?: Configuration;
  /** Given to each `new WebRTCPeerConnection` (after `dispatch: 'events'`); an `id` becomes `<id>-<peer id>`. */
  peerOptions?: PeerConnectionOptions;
  /** A MultiplayerAPI that takes the multiplayer peer once it is initialized. */
  api?: NetworkPeerHolder;
  /** Ms from `join()` to the server's JOIN (default 10 000). */
  joinTimeoutMs?: number;
}

function optionsProblem(options: unknown): string | null {
  if (!isPlainObject(options)) return `options must be an object with a url, not ${describe(options)}`;
  const { serverCompatibility, api, multiplayer } = options as Record<string, unknown>;
  if (multiplayer !== undefined && !isPlainObject(multiplayer)) return `options.multiplayer must be WebRTCMultiplayer options (an object), not ${describe(multiplayer)}`;
  if (serverCompatibility !== undefined && typeof serverCompatibility !== 'boolean') return `options.serverCompatibility must be a boolean, not ${describe(serverCompatibility)}`;
  if (api !== undefined && (api === null || typeof (api as NetworkPeerHolder).set_network_peer !== 'function')) return `options.api must be a MultiplayerAPI (with set_network_peer), not ${describe(api)}`;
  return null;
}

/** The multiplayer's options; an API with event dispatch gets a multiplayer with event dispatch unless told otherwise (it refuses a 'poll' one). */
function multiplayerOptions(given: Partial<MultiplayerLobbyPeerOptions>): MultiplayerLobbyPeerOptions['multiplayer'] {
  const apiDispatch = (given.api as { dispatch?: unknown } | undefined)?.dispatch;
  if (given.multiplayer?.dispatch !== undefined || apiDispatch !== 'events') return given.multiplayer;
  return { ...given.multiplayer, dispatch: 'events' };
}

let nextLobbyPeerNumber = 1;

export class MultiplayerLobbyPeer {
  /** The name in log lines. */
  readonly name = `lobby-peer-${nextLobbyPeerNumber++}`;
  readonly signaling: SignalingClient;
  readonly multiplayer: WebRTCMultiplayer;
  readonly serverCompatibility: boolean;
  readonly api: NetworkPeerHolder | null;
  /** Why the options were refused; join() then gives ERR_INVALID_PARAMETER. */
  private readonly invalid: string | null;
  private initialized = false;
  /** A failure of initialize() or set_network_peer at ID: join() gives it instead of OK. */
  private failure: GodotError | null = null;
  private closing = false;

  constructor(options: MultiplayerLobbyPeerOptions) {
    this.invalid = optionsProblem(options);
    if (this.invalid !== null) log('error', 'library', `new MultiplayerLobbyPeer: ${this.invalid}; join() will give ERR_INVALID_PARAMETER`);
    const given: Partial<MultiplayerLobbyPeerOptions> = this.invalid === null ? options : {};
    this.serverCompatibility = given.serverCompatibility ?? true;
    this.api = given.api ?? null;
    this.multiplayer = new WebRTCMultiplayer(multiplayerOptions(given));
    this.signaling = new SignalingClient({
      url: isPlainObject(options) ? (options.url as string) : '',
      lobby: given.lobby,
      protocol: 3,
      mesh: true,
      configuration: given.configuration,
      peerOptions: given.peerOptions,
      joinTimeoutMs: given.joinTimeoutMs,
    });
    this.signaling.on('peer_added', (id, pc) => this.peerAdded(id, pc));
    this.signaling.on('joined', () => this.identified());
    this.signaling.on('peer_disconnected', (id) => this.peerDisconnected(id));
    this.signaling.on('closed', ({ code, reason }) => this.socketClosed(code, reason));
  }

  /** The id the server gave (1: the host); null before its ID. */
  get id(): number | null {
    return this.signaling.id;
  }

  /** The lobby asked for, then the one the server's JOIN names. */
  get lobby(): string {
    return this.signaling.lobby;
  }

  get sealed(): boolean {
    return this.signaling.sealed;
  }

  /**
   * Opens the socket and joins (or creates) the lobby: OK once the server's JOIN came, with the
   * multiplayer initialized and every member announced so far added; else SignalingClient's
   * code (ERR_CANT_CONNECT, ERR_TIMEOUT, ERR_CONNECTION_ERROR, ...) or initialize()'s. Never rejects.
   */
  async join(): Promise<GodotError> {
    if (this.invalid !== null) return this.refuse('join', GodotError.ERR_INVALID_PARAMETER, this.invalid);
    if (this.closing) return this.refuse('join', GodotError.ERR_UNAVAILABLE, 'it is closed: a MultiplayerLobbyPeer joins once, make a new one');
    const joined = await this.signaling.join();
    return this.failure ?? joined;
  }

  /** The host seals the lobby: the server closes every socket (1000 `Seal complete`), the mesh stays. */
  seal(): GodotError {
    return this.signaling.seal();
  }

  /** The demo's `stop()`: `rtc_mp.close()` and the socket closed; the connections are closed too, sealed or not. */
  close(): void {
    this.closing = true;
    const connections = [...this.signaling.peers.values()];
    this.closeMultiplayer();
    this.signaling.close();
    // After a seal SignalingClient keeps the links; Godot frees them with the map rtc_mp.close() cleared.
    for (const pc of connections) if (pc.get_connection_state() !== ConnectionState.STATE_CLOSED) pc.close();
  }

  /** The demo's `connected(id)`: `rtc_mp.initialize(id, true)`, once, before the first add_peer. */
  private identified(): void {
    if (this.initialized || this.closing) return;
    const id = this.signaling.id;
    if (id === null) return;
    this.initialized = true;
    const code = this.multiplayer.initialize(id, this.serverCompatibility);
    if (code !== GodotError.OK) {
      this.fail('initialize', code, `multiplayer.initialize(${id}, ${this.serverCompatibility}) refused`);
      return;
    }
    if (this.api === null) return;
    const attached = this.api.set_network_peer(this.multiplayer);
    if (attached !== GodotError.OK) this.fail('set_network_peer', attached, 'the MultiplayerAPI refused the multiplayer peer');
  }

  /** The demo's `_create_peer(id)` after its WebRTCPeerConnection.new(): add_peer before any offer. */
  private peerAdded(id: number, pc: WebRTCPeerConnection): void {
    this.identified();
    if (this.failure !== null || this.closing) {
      pc.close();
      return;
    }
    const code = this.multiplayer.add_peer(pc, id);
    if (code === GodotError.OK) return;
    // Godot drops the connection add_peer refused (nothing holds it): close it so that it neither lingers nor negotiates.
    log('warn', 'library', `${this.name}: add_peer(${id}) refused (${errorName(code)}); its connection is closed`);
    pc.close();
  }

  private peerDisconnected(id: number): void {
    // The socket's own end closes the multiplayer at once (socketClosed): no per-peer signals, as Godot's stop().
    if (this.signaling.state === 'closed' && !this.signaling.sealed) return;
    if (this.multiplayer.has_peer(id)) this.multiplayer.remove_peer(id);
  }

  private socketClosed(code: number, reason: string): void {
    if (this.signaling.sealed) {
      log('info', 'library', `${this.name}: the signaling socket closed after the seal (${code} ${JSON.stringify(reason)}); the mesh stays`);
      return;
    }
    if (!this.closing) log('info', 'library', `${this.name}: the signaling socket closed before a seal (${code} ${JSON.stringify(reason)}): the multiplayer peer is closed`);
    this.closeMultiplayer();
  }

  /** rtc_mp.close(), when there is something to close (a close with nothing to clear would be a refusal record). */
  private closeMultiplayer(): void {
    const live = this.multiplayer.get_connection_status() !== ConnectionStatus.CONNECTION_DISCONNECTED;
    if (live || Object.keys(this.multiplayer.get_peers()).length > 0) this.multiplayer.close();
  }

  private fail(method: string, code: GodotError, reason: string): void {
    this.failure = code;
    log('error', 'library', `${this.name}: ${method} failed (${errorName(code)}): ${reason}; the lobby peer closes`);
    this.close();
  }

  private refuse(method: string, code: GodotError, reason: string): GodotError {
    log('warn', 'library', `${this.name}.${method}() refused (${errorName(code)}): ${reason}`);
    return code;
  }
}
