/**
 * A Node peer in a Godot 4.x webrtc_signaling lobby, in multiplayer mode: what the 4.x demo's
 * `client/multiplayer_client.gd` does (§3.5 of the reference), over a SignalingClient speaking
 * protocol 4 and a WebRTCMultiplayerPeer.
 *
 * - ID → `rtc_mp.create_mesh(id)` in a mesh lobby; else `create_server()` for the host (1), else
 *   `create_client(id)`; then the optional SceneMultiplayer takes the peer (`multiplayer_peer = rtc_mp`).
 * - PEER_CONNECT → `rtc_mp.add_peer(pc, id)` before any offer; the higher id offers, the host never
 *   does (the 4.x rule, which SignalingClient applies). A client of a client/server lobby meets the
 *   host only (SignalingClient ignores the other members, whose add_peer Godot refuses).
 * - PEER_DISCONNECT → `remove_peer(id)` if the map has it.
 * - The socket closing before a SEAL → the demo's `stop()`: `multiplayer.multiplayer_peer = null`,
 *   `rtc_mp.close()` (no signals, as in Godot 4); after a SEAL the mesh outlives the socket.
 *
 * As for the 3.x lobby peer (src/godot3/lobby-peer.ts), SignalingClient has no event for the ID
 * frame; the server sends ID, then the PEER_CONNECTs, then JOIN, so the first `peer_added` or
 * `joined` is where ID was taken and the peer is created there, before any add_peer.
 *
 * Nothing here throws: every failure is a Godot Error returned or, inside a listener, logged.
 */
import { ConnectionState, GodotError, errorName } from '../godot/constants.js';
import type { WebRTCPeerConnection, PeerConnectionOptions } from '../api/peer-connection.js';
import type { Configuration } from '../api/configuration.js';
import { describe, isPlainObject } from '../api/arguments.js';
import { log } from '../log.js';
import { SignalingClient } from '../signaling/client.js';
import { ConnectionStatus } from '../godot3/constants.js';
import { WebRTCMultiplayerPeer, type WebRTCMultiplayerPeerOptions } from './webrtc-multiplayer-peer.js';

/** What the lobby peer needs of a SceneMultiplayer: to take the peer once it is created, and to let it go at stop(). */
export interface MultiplayerPeerHolder {
  set_multiplayer_peer(peer: WebRTCMultiplayerPeer | null): GodotError;
}

export interface MultiplayerLobbyPeerOptions {
  /** The signaling server, `ws://` or `wss://`. */
  url: string;
  /** The lobby to join; `''` (the default) creates one, and this peer is its host (id 1). */
  lobby?: string;
  /** When creating: a mesh lobby (true, the demo's default) or a client/server one. The server's ID says which a joined lobby is. */
  mesh?: boolean;
  /** create_*'s channels_config: one transfer mode per extra channel (default none, as the demo). */
  channelsConfig?: readonly number[];
  /** The WebRTCMultiplayerPeer's own options; its dispatch defaults to the multiplayer's when that is 'events'. */
  peer?: WebRTCMultiplayerPeerOptions;
  /** Each WebRTC connection's `initialize` dictionary (default `{ iceServers: [] }`). */
  configuration?: Configuration;
  /** Given to each `new WebRTCPeerConnection` (after `dispatch: 'events'`); an `id` becomes `<id>-<peer id>`. */
  peerOptions?: PeerConnectionOptions;
  /** A SceneMultiplayer that takes the peer once it is created. */
  multiplayer?: MultiplayerPeerHolder;
  /** Ms from `join()` to the server's JOIN (default 10 000). */
  joinTimeoutMs?: number;
}

/** The network mode ID gave: what create_* was called. */
export type LobbyNetworkMode = 'mesh' | 'server' | 'client';

function optionsProblem(options: unknown): string | null {
  if (!isPlainObject(options)) return `options must be an object with a url, not ${describe(options)}`;
  const { channelsConfig, multiplayer, peer } = options as Record<string, unknown>;
  if (peer !== undefined && !isPlainObject(peer)) return `options.peer must be WebRTCMultiplayerPeer options (an object), not ${describe(peer)}`;
  if (channelsConfig !== undefined && !Array.isArray(channelsConfig)) return `options.channelsConfig must be an array of transfer modes, not ${describe(channelsConfig)}`;
  if (multiplayer !== undefined && (multiplayer === null || typeof (multiplayer as MultiplayerPeerHolder).set_multiplayer_peer !== 'function')) {
    return `options.multiplayer must be a SceneMultiplayer (with set_multiplayer_peer), not ${describe(multiplayer)}`;
  }
  return null;
}

/** A multiplayer with event dispatch gets a peer with event dispatch unless told otherwise. */
function peerOptions(given: Partial<MultiplayerLobbyPeerOptions>): WebRTCMultiplayerPeerOptions | undefined {
  const dispatch = (given.multiplayer as { dispatch?: unknown } | undefined)?.dispatch;
  if (given.peer?.dispatch !== undefined || dispatch !== 'events') return given.peer;
  return { ...given.peer, dispatch: 'events' };
}

let nextLobbyPeerNumber = 1;

export class MultiplayerLobbyPeer {
  /** The name in log lines. */
  readonly name = `lobby-peer4-${nextLobbyPeerNumber++}`;
  readonly signaling: SignalingClient;
  /** The demo's `rtc_mp`. */
  readonly peer: WebRTCMultiplayerPeer;
  readonly multiplayer: MultiplayerPeerHolder | null;
  /** What ID made this peer; null before it. */
  mode: LobbyNetworkMode | null = null;
  private readonly channelsConfig: readonly number[];
  /** Why the options were refused; join() then gives ERR_INVALID_PARAMETER. */
  private readonly invalid: string | null;
  private attached = false;
  /** A failure of create_* or set_multiplayer_peer at ID: join() gives it instead of OK. */
  private failure: GodotError | null = null;
  private closing = false;

  constructor(options: MultiplayerLobbyPeerOptions) {
    this.invalid = optionsProblem(options);
    if (this.invalid !== null) log('error', 'library', `new MultiplayerLobbyPeer (4.x): ${this.invalid}; join() will give ERR_INVALID_PARAMETER`);
    const given: Partial<MultiplayerLobbyPeerOptions> = this.invalid === null ? options : {};
    this.channelsConfig = given.channelsConfig ?? [];
    this.multiplayer = given.multiplayer ?? null;
    this.peer = new WebRTCMultiplayerPeer(peerOptions(given));
    this.signaling = new SignalingClient({
      url: isPlainObject(options) ? (options.url as string) : '',
      lobby: given.lobby,
      protocol: 4,
      mesh: given.mesh,
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
   * peer created and every member announced so far added; else SignalingClient's code
   * (ERR_CANT_CONNECT, ERR_TIMEOUT, ERR_CONNECTION_ERROR, ...) or create_*'s. Never rejects.
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

  /** The demo's `stop()`: the multiplayer lets the peer go, `rtc_mp.close()`, the socket closed; the connections are closed too, sealed or not. */
  close(): void {
    this.closing = true;
    const connections = [...this.signaling.peers.values()];
    this.stop();
    this.signaling.close();
    // After a seal SignalingClient keeps the links; Godot frees them with the map rtc_mp.close() cleared.
    for (const pc of connections) if (pc.get_connection_state() !== ConnectionState.STATE_CLOSED) pc.close();
  }

  /** The demo's `connected(id, use_mesh)`: create_mesh / create_server / create_client, once, before the first add_peer. */
  private identified(): void {
    if (this.mode !== null || this.closing) return;
    const id = this.signaling.id;
    if (id === null) return;
    this.mode = this.signaling.mesh ? 'mesh' : id === 1 ? 'server' : 'client';
    const code =
      this.mode === 'mesh' ? this.peer.create_mesh(id, this.channelsConfig) : this.mode === 'server' ? this.peer.create_server(this.channelsConfig) : this.peer.create_client(id, this.channelsConfig);
    if (code !== GodotError.OK) {
      this.fail(`create_${this.mode}`, code, `create_${this.mode}(${this.mode === 'server' ? '' : id}) refused`);
      return;
    }
    if (this.multiplayer === null) return;
    const attached = this.multiplayer.set_multiplayer_peer(this.peer);
    if (attached !== GodotError.OK) {
      this.fail('set_multiplayer_peer', attached, 'the SceneMultiplayer refused the peer');
      return;
    }
    this.attached = true;
  }

  /** The demo's `_create_peer(id)` after its WebRTCPeerConnection.new(): add_peer before any offer. */
  private peerAdded(id: number, pc: WebRTCPeerConnection): void {
    this.identified();
    if (this.failure !== null || this.closing) {
      pc.close();
      return;
    }
    const code = this.peer.add_peer(pc, id);
    if (code === GodotError.OK) return;
    // Godot drops the connection add_peer refused (nothing holds it): close it so that it neither lingers nor negotiates.
    log('warn', 'library', `${this.name}: add_peer(${id}) refused (${errorName(code)}); its connection is closed`);
    pc.close();
  }

  private peerDisconnected(id: number): void {
    // The socket's own end stops the peer at once (socketClosed): no per-peer signals, as the demo's stop().
    if (this.signaling.state === 'closed' && !this.signaling.sealed) return;
    if (this.peer.has_peer(id)) this.peer.remove_peer(id);
  }

  private socketClosed(code: number, reason: string): void {
    if (this.signaling.sealed) {
      log('info', 'library', `${this.name}: the signaling socket closed after the seal (${code} ${JSON.stringify(reason)}); the mesh stays`);
      return;
    }
    if (!this.closing) log('info', 'library', `${this.name}: the signaling socket closed before a seal (${code} ${JSON.stringify(reason)}): the peer is closed`);
    this.stop();
  }

  /** `multiplayer.multiplayer_peer = null` (if it took the peer), then rtc_mp.close() when there is something to close (else a refusal record). */
  private stop(): void {
    if (this.attached) {
      this.attached = false;
      const detached = this.multiplayer!.set_multiplayer_peer(null);
      if (detached !== GodotError.OK) log('warn', 'library', `${this.name}: set_multiplayer_peer(null) refused (${errorName(detached)})`);
    }
    const live = this.peer.get_connection_status() !== ConnectionStatus.CONNECTION_DISCONNECTED;
    if (live || Object.keys(this.peer.get_peers()).length > 0) this.peer.close();
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
