/**
 * What the 3.x and 4.x lobby peers (src/godot3/lobby-peer.ts, src/godot4/lobby-peer.ts) share: a
 * Node peer in a webrtc_signaling lobby, in multiplayer mode, as the demo's
 * `client/multiplayer_client.gd` is, over a SignalingClient and the demo's `rtc_mp`.
 *
 * - ID → the version's `create` (3.x `initialize`, 4.x `create_*`), then its `attach` (the
 *   optional multiplayer takes the peer).
 * - PEER_CONNECT → `rtc_mp.add_peer(pc, id)` before any offer (SignalingClient applies the
 *   version's rule of who offers).
 * - PEER_DISCONNECT → `remove_peer(id)` if the map has it.
 * - The socket closing before a SEAL → the demo's `stop()`: the version's `detach`, then
 *   `rtc_mp.close()` (no signals, as in Godot); after a SEAL the mesh outlives the socket.
 *
 * SignalingClient has no event for the ID frame; the server always sends ID first, then the
 * PEER_CONNECTs, then JOIN, so the first `peer_added` or `joined` is where ID was taken (the
 * id is already on the client) and the peer is made there, before any add_peer.
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

/** The options both versions take; each adds its multiplayer's. */
export interface LobbyPeerOptions {
  /** The signaling server, `ws://` or `wss://`. */
  url: string;
  /** The lobby to join; `''` (the default) creates one, and this peer is its host (id 1). */
  lobby?: string;
  /** Each WebRTC connection's `initialize` dictionary (default `{ iceServers: [] }`). */
  configuration?: Configuration;
  /** Given to each `new WebRTCPeerConnection` (after `dispatch: 'events'`); an `id` becomes `<id>-<peer id>`. */
  peerOptions?: PeerConnectionOptions;
  /** Ms from `join()` to the server's JOIN (default 10 000). */
  joinTimeoutMs?: number;
}

/** What the lobby peer calls on the demo's `rtc_mp`: WebRTCMultiplayer (3.x) and WebRTCMultiplayerPeer (4.x) alike. */
export interface LobbyRtcMultiplayer {
  add_peer(peer: WebRTCPeerConnection, peer_id: number): GodotError;
  has_peer(peer_id: number): boolean;
  remove_peer(peer_id: number): GodotError;
  get_connection_status(): ConnectionStatus;
  get_peers(): Record<number, unknown>;
  close(): void;
}

/** Where a version's options keep the rtc_mp's own options and the multiplayer that takes it, for the refusal texts. */
export interface LobbyOptionKeys {
  /** The key of the rtc_mp's own options and its class: `multiplayer`, `WebRTCMultiplayer`. */
  own: readonly [key: string, className: string];
  /** The key of the multiplayer that takes the peer, its class and the method it needs: `api`, `MultiplayerAPI`, `set_network_peer`. */
  holder: readonly [key: string, className: string, method: string];
}

/** Options refused, with why, or taken as given. */
export interface CheckedLobbyOptions<O> {
  invalid: string | null;
  /** The options, or nothing of them when refused (the peer is made with the defaults and join() refuses). */
  given: Partial<O>;
}

/**
 * Checks a version's options: an object with a url, the rtc_mp's own options an object, the
 * holder with its method, then the version's `others`. A refusal is logged under `className`.
 */
export function checkLobbyPeerOptions<O extends LobbyPeerOptions>(
  options: O,
  className: string,
  keys: LobbyOptionKeys,
  others: (options: Record<string, unknown>) => string | null,
): CheckedLobbyOptions<O> {
  const invalid = optionsProblem(options, keys, others);
  if (invalid !== null) log('error', 'library', `new ${className}: ${invalid}; join() will give ERR_INVALID_PARAMETER`);
  return { invalid, given: invalid === null ? options : {} };
}

function optionsProblem(options: unknown, { own, holder }: LobbyOptionKeys, others: (options: Record<string, unknown>) => string | null): string | null {
  if (!isPlainObject(options)) return `options must be an object with a url, not ${describe(options)}`;
  const ownOptions = options[own[0]];
  if (ownOptions !== undefined && !isPlainObject(ownOptions)) return `options.${own[0]} must be ${own[1]} options (an object), not ${describe(ownOptions)}`;
  const problem = others(options);
  if (problem !== null) return problem;
  const taker = options[holder[0]];
  if (taker !== undefined && (taker === null || typeof (taker as Record<string, unknown>)[holder[2]] !== 'function')) {
    return `options.${holder[0]} must be a ${holder[1]} (with ${holder[2]}), not ${describe(taker)}`;
  }
  return null;
}

/** The rtc_mp's options: a holder with event dispatch gets an rtc_mp with event dispatch unless told otherwise (it refuses a 'poll' one). */
export function dispatchAsHolder<T extends { dispatch?: unknown }>(own: T | undefined, holder: unknown): T | undefined {
  const dispatch = (holder as { dispatch?: unknown } | undefined)?.dispatch;
  if (own?.dispatch !== undefined || dispatch !== 'events') return own;
  return { ...own, dispatch: 'events' } as T;
}

/** A Godot call made at ID, for join() and the log when it failed. */
export interface LobbyCall {
  method: string;
  code: GodotError;
  /** What the log says when the call failed. */
  failed: string;
}

/** How a version's lobby peer is made, besides its options. */
export interface LobbyPeerSetup {
  /** The name in log lines. */
  name: string;
  protocol: 3 | 4;
  /** The mesh flag SignalingClient sends when it creates a lobby. */
  mesh: boolean | undefined;
  rtcMultiplayer: LobbyRtcMultiplayer;
  /** What the log says the socket's end before a seal closes: `the multiplayer peer`, `the peer`. */
  closedPeer: string;
}

export abstract class LobbyPeer {
  /** The name in log lines. */
  readonly name: string;
  readonly signaling: SignalingClient;
  /** The demo's `rtc_mp`. */
  private readonly rtcMultiplayer: LobbyRtcMultiplayer;
  private readonly closedPeer: string;
  /** Why the options were refused; join() then gives ERR_INVALID_PARAMETER. */
  private readonly invalid: string | null;
  private identifiedOnce = false;
  /** A failure of create or attach at ID: join() gives it instead of OK. */
  private failure: GodotError | null = null;
  private closing = false;

  protected constructor(options: LobbyPeerOptions, { invalid, given }: CheckedLobbyOptions<LobbyPeerOptions>, setup: LobbyPeerSetup) {
    this.name = setup.name;
    this.invalid = invalid;
    this.rtcMultiplayer = setup.rtcMultiplayer;
    this.closedPeer = setup.closedPeer;
    this.signaling = new SignalingClient({
      url: isPlainObject(options) ? (options.url as string) : '',
      lobby: given.lobby,
      protocol: setup.protocol,
      mesh: setup.mesh,
      configuration: given.configuration,
      peerOptions: given.peerOptions,
      joinTimeoutMs: given.joinTimeoutMs,
    });
    this.signaling.on('peer_added', (id, pc) => this.peerAdded(id, pc));
    this.signaling.on('joined', () => this.identified());
    this.signaling.on('peer_disconnected', (id) => this.peerDisconnected(id));
    this.signaling.on('closed', ({ code, reason }) => this.socketClosed(code, reason));
  }

  /** The demo's `connected(id)`: 3.x `initialize(id, true)`, 4.x `create_mesh` / `create_server` / `create_client`. */
  protected abstract create(id: number): LobbyCall;

  /** The multiplayer takes the peer (`set_network_peer`, `multiplayer_peer = rtc_mp`); null without one. */
  protected abstract attach(): LobbyCall | null;

  /** Before `rtc_mp.close()` at stop(): the multiplayer lets the peer go, where the version's demo does. */
  protected detach(): void {}

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
   * peer made and every member announced so far added; else SignalingClient's code
   * (ERR_CANT_CONNECT, ERR_TIMEOUT, ERR_CONNECTION_ERROR, ...) or the version's create's. Never rejects.
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

  /** The demo's `stop()` and the socket closed; the connections are closed too, sealed or not. */
  close(): void {
    this.closing = true;
    const connections = [...this.signaling.peers.values()];
    this.stop();
    this.signaling.close();
    // After a seal SignalingClient keeps the links; Godot frees them with the map rtc_mp.close() cleared.
    for (const pc of connections) if (pc.get_connection_state() !== ConnectionState.STATE_CLOSED) pc.close();
  }

  /** The demo's `connected(id)`, once, before the first add_peer. */
  private identified(): void {
    if (this.identifiedOnce || this.closing) return;
    const id = this.signaling.id;
    if (id === null) return;
    this.identifiedOnce = true;
    const created = this.create(id);
    if (created.code !== GodotError.OK) {
      this.fail(created);
      return;
    }
    const attached = this.attach();
    if (attached !== null && attached.code !== GodotError.OK) this.fail(attached);
  }

  /** The demo's `_create_peer(id)` after its WebRTCPeerConnection.new(): add_peer before any offer. */
  private peerAdded(id: number, pc: WebRTCPeerConnection): void {
    this.identified();
    if (this.failure !== null || this.closing) {
      pc.close();
      return;
    }
    const code = this.rtcMultiplayer.add_peer(pc, id);
    if (code === GodotError.OK) return;
    // Godot drops the connection add_peer refused (nothing holds it): close it so that it neither lingers nor negotiates.
    log('warn', 'library', `${this.name}: add_peer(${id}) refused (${errorName(code)}); its connection is closed`);
    pc.close();
  }

  private peerDisconnected(id: number): void {
    // The socket's own end stops the peer at once (socketClosed): no per-peer signals, as the demo's stop().
    if (this.signaling.state === 'closed' && !this.signaling.sealed) return;
    if (this.rtcMultiplayer.has_peer(id)) this.rtcMultiplayer.remove_peer(id);
  }

  private socketClosed(code: number, reason: string): void {
    if (this.signaling.sealed) {
      log('info', 'library', `${this.name}: the signaling socket closed after the seal (${code} ${JSON.stringify(reason)}); the mesh stays`);
      return;
    }
    if (!this.closing) log('info', 'library', `${this.name}: the signaling socket closed before a seal (${code} ${JSON.stringify(reason)}): ${this.closedPeer} is closed`);
    this.stop();
  }

  /** The version's detach, then rtc_mp.close() when there is something to close (a close with nothing to clear would be a refusal record). */
  private stop(): void {
    this.detach();
    const live = this.rtcMultiplayer.get_connection_status() !== ConnectionStatus.CONNECTION_DISCONNECTED;
    if (live || Object.keys(this.rtcMultiplayer.get_peers()).length > 0) this.rtcMultiplayer.close();
  }

  private fail({ method, code, failed }: LobbyCall): void {
    this.failure = code;
    log('error', 'library', `${this.name}: ${method} failed (${errorName(code)}): ${failed}; the lobby peer closes`);
    this.close();
  }

  private refuse(method: string, code: GodotError, reason: string): GodotError {
    log('warn', 'library', `${this.name}.${method}() refused (${errorName(code)}): ${reason}`);
    return code;
  }
}
