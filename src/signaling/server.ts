/**
 * The Godot webrtc_signaling demo's server (server.js) on ws 8, speaking both demo protocols:
 * Godot 4's JSON frames and Godot 3.x's text frames, chosen per client by its first frame. Each
 * client socket is a session actor and each lobby a lobby actor (src/machines/), whose
 * transitions and refusals go into records (`session-<id>`, `lobby-<n>`) like a connection's.
 * Relays are counted per session (`sessions()[i].relayed`), never recorded one by one.
 *
 * Where it differs from server.js (each rule server.js lacks closes 4000 in its style):
 * - ids are drawn with crypto in 2..2^31−1 and unique among the open sockets (server.js: may be
 *   0, 1 or 2^31, never checked); lobby names with crypto, unique (server.js: Math.random).
 * - a lobby speaks its creator's protocol; a client of the other: `Lobby speaks another protocol version`.
 * - in a client/server lobby a client gets PEER_CONNECT and PEER_DISCONNECT of the host only and
 *   may relay only to it (`Invalid destination`), as the demo's GDScript server does.
 * - any JOIN while in a lobby: `Already in a lobby` (server.js moves the socket, or lists it twice).
 * - a second SEAL changes nothing (server.js broadcasts SEAL again and arms a second timer).
 * - ID, PEER_CONNECT and PEER_DISCONNECT from a client: `Invalid command`, as server.js.
 * - binary frames are told by ws 8's `isBinary` (server.js's string check refuses every frame on ws 8).
 * - a frame over `maxFrameBytes` (64 KiB): `Message too large`, its sender only; past twice that,
 *   ws's own `maxPayload`, ws closes 1009 itself (recorded as the same frame_too_large).
 * - a socket that did not answer the previous ping is terminated (1006) and its lobby hears
 *   PEER_DISCONNECT (server.js pings and never looks for the pong).
 * - a reader that leaves more than `maxBufferedBytes` (16 MiB) unsent: `Too slow reading, disconnecting`.
 * - nothing is sent to a socket that is closing; a member the server closes leaves its lobby at
 *   once (server.js waits for the socket's close event).
 * - `close()` closes every socket 1001 `Server shutting down`.
 * - the decoders' own differences: frames.ts and text-frames.ts.
 *
 * @example
 * ```ts
 * const server = new SignalingServer({ port: 9080 });
 * if ((await server.listen()) !== GodotError.OK) throw new Error('port taken');
 * // ... Godot 3 and Godot 4 demo clients connect to server.url ...
 * await server.close();
 * ```
 */
import { createServer, type Server } from 'node:http';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { GodotError } from '../godot/constants.js';
import { log } from '../log.js';
import { type SignalingCloseName, type SignalingSessionEvent } from '../machines/signaling-session.js';
import { handleFrame, type SignalingService } from './dispatch.js';
import { Lobby } from './lobby.js';
import { drawPeerId } from './registry.js';
import { Session, closeQuietly } from './session.js';
import { lobbyView, sessionView, type SignalingLobbyView, type SignalingSessionView } from './server-views.js';
import { validOptions, type ResolvedOptions, type SignalingServerOptions } from './server-options.js';
import { SafeEmitter, type Listener } from './safe-emitter.js';

export type { SignalingServerOptions } from './server-options.js';
export type { SignalingLobbyView, SignalingSessionView } from './server-views.js';

export interface SignalingServerEvents {
  [event: string]: unknown[];
  session_opened: [SignalingSessionView];
  session_closed: [SignalingSessionView];
  lobby_opened: [SignalingLobbyView];
  lobby_closed: [SignalingLobbyView];
}

const live = new Set<SignalingServer>();

/** The servers listening in this process, for the inspector. */
export function liveSignalingServers(): SignalingServer[] {
  return [...live];
}

/** How long `close()` waits for clients to answer the 1001 close before it terminates their sockets. */
const CLOSE_GRACE_MS = 2000;

export class SignalingServer {
  private readonly options: ResolvedOptions | null;
  private http: Server | null = null;
  private wss: WebSocketServer | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;
  /** Every accepted socket's session by raw id, from connect until its socket has closed. */
  private readonly sessionsById = new Map<number, Session>();
  /** Sockets refused at connect (too many peers), until they have closed. */
  private readonly refused = new Set<WebSocket>();
  private readonly lobbyMap = new Map<string, Lobby>();
  private boundPort = 0;
  /** What frame dispatch sees of the server. */
  private readonly service: SignalingService;
  /** Its events: a listener that throws is logged, and the others still run. */
  private readonly events = new SafeEmitter<SignalingServerEvents>('SignalingServer');

  constructor(options: SignalingServerOptions = {}) {
    this.options = validOptions(options);
    const server = this;
    this.service = {
      maxFrameBytes: this.options?.maxFrameBytes ?? 0,
      sealCloseTimeoutMs: this.options?.sealCloseTimeoutMs ?? 0,
      lobbies: this.lobbyMap,
      openLobby: (name, host, mesh) => server.openLobby(name, host, mesh),
      endSession: (session, event, close) => server.endSession(session, event, close),
    };
  }

  on<E extends keyof SignalingServerEvents>(event: E, listener: Listener<SignalingServerEvents[E]>): this {
    this.events.on(event, listener);
    return this;
  }

  once<E extends keyof SignalingServerEvents>(event: E, listener: Listener<SignalingServerEvents[E]>): this {
    this.events.once(event, listener);
    return this;
  }

  off<E extends keyof SignalingServerEvents>(event: E, listener: Listener<SignalingServerEvents[E]>): this {
    this.events.off(event, listener);
    return this;
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    const host = this.options?.host ?? '127.0.0.1';
    return `ws://${host.includes(':') ? `[${host}]` : host}:${this.boundPort}`;
  }

  /** Starts listening: OK, ERR_ALREADY_IN_USE (the port is taken, or it already listens), ERR_INVALID_PARAMETER (bad options). Never rejects. */
  listen(): Promise<GodotError> {
    const options = this.options;
    if (options === null) return Promise.resolve(GodotError.ERR_INVALID_PARAMETER);
    if (this.http !== null || this.closing !== null) return Promise.resolve(GodotError.ERR_ALREADY_IN_USE);
    const http = createServer((_, response) => response.writeHead(426).end());
    this.http = http;
    return new Promise((resolve) => {
      const failed = (error: NodeJS.ErrnoException) => {
        this.http = null;
        log('warn', 'library', `signaling server could not listen on ${options.host}:${options.port}: ${error.code ?? error.message}`);
        resolve(error.code === 'EADDRINUSE' || error.code === 'EACCES' ? GodotError.ERR_ALREADY_IN_USE : GodotError.ERR_INVALID_PARAMETER);
      };
      http.once('error', failed);
      http.listen(options.port, options.host, () => {
        http.off('error', failed);
        http.on('error', (error) => log('error', 'library', 'signaling server error', error));
        const address = http.address();
        this.boundPort = typeof address === 'object' && address !== null ? address.port : options.port;
        // ws closes 1009 past maxPayload by itself; up to it, frames over maxFrameBytes close 4000 `Message too large`.
        const wss = new WebSocketServer({ server: http, maxPayload: 2 * options.maxFrameBytes, perMessageDeflate: false, clientTracking: false });
        wss.on('connection', (socket) => this.guarded('connection', () => this.accept(socket)));
        wss.on('error', (error) => log('error', 'library', 'signaling server error', error));
        this.wss = wss;
        this.pingTimer = setInterval(() => this.guarded('ping', () => this.pingRound()), options.pingIntervalMs);
        live.add(this);
        resolve(GodotError.OK);
      });
    });
  }

  sessions(): SignalingSessionView[] {
    return [...this.sessionsById.values()].map(sessionView);
  }

  lobbies(): SignalingLobbyView[] {
    return [...this.lobbyMap.values()].map(lobbyView);
  }

  /** Closes every socket (1001 `Server shutting down`), clears every timer, stops listening. Never rejects. */
  close(): Promise<void> {
    this.closing ??= this.shutdown().catch((error) => log('error', 'library', 'signaling server close failed', error));
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    live.delete(this);
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.pingTimer = null;
    for (const lobby of [...this.lobbyMap.values()]) lobby.shutdown();
    const sockets: WebSocket[] = [...this.refused];
    for (const session of this.sessionsById.values()) {
      sockets.push(session.socket);
      if (!session.ended) this.endSession(session, { type: 'server_shutdown' }, 'serverShutdown');
    }
    for (const socket of this.refused) closeQuietly(socket, 'serverShutdown');
    await allClosed(sockets, CLOSE_GRACE_MS);
    const wss = this.wss;
    const http = this.http;
    this.wss = null;
    if (wss !== null) await new Promise<void>((resolve) => wss.close(() => resolve()));
    if (http !== null) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  }

  private accept(socket: WebSocket): void {
    const options = this.options!;
    const id = this.sessionsById.size >= options.maxPeers || this.closing !== null ? null : drawPeerId(this.sessionsById);
    if (id === null) {
      socket.on('error', (error) => log('info', 'library', 'signaling: a refused socket failed', error));
      this.refused.add(socket);
      socket.once('close', () => this.refused.delete(socket));
      // A socket that comes in while the server shuts down is not waited for: no close handshake.
      if (this.closing !== null) socket.terminate();
      else closeQuietly(socket, 'tooManyPeers');
      return;
    }
    const session = new Session(id, socket, {
      recordCapacity: options.recordCapacity,
      maxLobbies: options.maxLobbies,
      maxBufferedBytes: options.maxBufferedBytes,
      onOverflow: (slow) => this.guarded('overflow', () => !slow.ended && this.endSession(slow, { type: 'too_slow' }, 'tooSlow')),
      ...(options.inspect ? { inspect: options.inspect } : {}),
    });
    this.sessionsById.set(id, session);
    session.armNoLobbyTimer(options.noLobbyTimeoutMs, (late) => this.guarded('no-lobby timer', () => this.endSession(late, { type: 'no_lobby_timeout' }, 'noLobby')));
    const service = this.service;
    // No closure per frame: the relay path runs tens of thousands of times a second.
    socket.on('message', (data: RawData, isBinary: boolean) => {
      try {
        handleFrame(service, session, data, isBinary);
      } catch (error) {
        log('error', 'library', `signaling server: the frame handler threw for ${session.name}`, error);
      }
    });
    socket.on('pong', () => void (session.alive = true));
    socket.on('error', (error) => this.guarded('socket error', () => this.socketFailed(session, error)));
    socket.once('close', (code: number, reason: Buffer) => this.guarded('close', () => this.closed(session, code, reason)));
    this.events.emit('session_opened', sessionView(session));
  }

  /**
   * ws found a frame it will not read and closes the socket itself: past maxPayload 1009 (the
   * session's frame_too_large, recorded like a frame over maxFrameBytes), bad UTF-8 1007, a
   * protocol error 1002 (the close event then records socket_closed with that code).
   */
  private socketFailed(session: Session, error: Error & { code?: string }): void {
    if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' && !session.ended) {
      session.recordRefusal(session.recorder, { method: 'frame', machine: 'signalingSession', guard: 'frame_size', close: 'frameTooLarge' }, session.state);
      this.finish(session, { type: 'frame_too_large' });
      return;
    }
    log('info', 'library', `signaling: ${session.name}'s socket failed`, error);
  }

  private closed(session: Session, code: number, reason: Buffer): void {
    if (!session.ended) this.finish(session, { type: 'socket_closed', code, reason: reason.toString('utf8') });
    session.clearTimers();
    this.sessionsById.delete(session.id);
    this.events.emit('session_closed', sessionView(session));
  }

  private openLobby(name: string, host: Session, mesh: boolean): void {
    const options = this.options!;
    const lobby = new Lobby(name, host, mesh, host.protocol!, { recordCapacity: options.recordCapacity, ...(options.inspect ? { inspect: options.inspect } : {}) }, (ended) =>
      this.lobbyEnded(ended),
    );
    this.lobbyMap.set(name, lobby);
    lobby.welcomeHost(host);
    this.events.emit('lobby_opened', lobbyView(lobby));
  }

  private lobbyEnded(lobby: Lobby): void {
    this.lobbyMap.delete(lobby.wireName);
    this.events.emit('lobby_closed', lobbyView(lobby));
  }

  private endSession(session: Session, event: SignalingSessionEvent, close: SignalingCloseName): void {
    this.finish(session, event);
    if (close === 'pingMissed') session.terminate();
    else session.closeSocket(close);
  }

  /** The session's machine takes its end; its timers stop; it leaves its lobby. */
  private finish(session: Session, event: SignalingSessionEvent): void {
    session.send(event);
    session.clearTimers();
    session.lobby?.leave(session);
  }

  /** One ping to every session; a session that did not answer the previous one is terminated. */
  private pingRound(): void {
    for (const session of this.sessionsById.values()) {
      if (session.ended) continue;
      if (!session.alive) {
        this.endSession(session, { type: 'ping_missed' }, 'pingMissed');
        continue;
      }
      session.alive = false;
      try {
        if (session.socket.readyState === WebSocket.OPEN) session.socket.ping();
      } catch (error) {
        log('warn', 'library', `signaling: a ping to ${session.name} failed`, error);
      }
    }
  }

  private guarded(what: string, run: () => void): void {
    try {
      run();
    } catch (error) {
      log('error', 'library', `signaling server: the ${what} handler threw`, error);
    }
  }
}

/** Resolves when every socket has closed; after `graceMs`, terminates the ones still open. */
function allClosed(sockets: WebSocket[], graceMs: number): Promise<void> {
  const open = sockets.filter((socket) => socket.readyState !== WebSocket.CLOSED);
  if (open.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    let left = open.length;
    const timer = setTimeout(() => {
      for (const socket of open) if (socket.readyState !== WebSocket.CLOSED) socket.terminate();
    }, graceMs);
    for (const socket of open) {
      socket.once('close', () => {
        if (--left > 0) return;
        clearTimeout(timer);
        resolve();
      });
    }
  });
}
