/**
 * A Node peer in a lobby of the Godot webrtc_signaling demo's server (ours, server.js, or any that
 * speaks the protocol): it joins or creates a lobby over a WebSocket and, for every member the
 * server announces, makes a WebRTCPeerConnection and drives it as the demo client of that
 * protocol version does (client-peers.ts). After the host's SEAL the WebRTC links outlive the
 * socket; otherwise the socket's end closes them all, as the demo's `stop()` does.
 *
 * @example
 * ```ts
 * const host = new SignalingClient({ url: 'ws://127.0.0.1:9080' });
 * host.on('peer_added', (id, pc) => pc.create_data_channel('chat', { negotiated: true, id: 1 }));
 * if ((await host.join()) === GodotError.OK) console.log(`lobby ${host.lobby}, id ${host.id}`);
 * ```
 */
import { WebSocket, type RawData } from 'ws';
import { GodotError, errorName } from '../godot/constants.js';
import type { WebRTCPeerConnection } from '../api/peer-connection.js';
import { log } from '../log.js';
import { MessageType, type SignalMessage } from './frames.js';
import { SafeEmitter, type Listener } from './safe-emitter.js';
import { ClientPeers, type RelayCounts } from './client-peers.js';
import { checkClientOptions, type ResolvedClientOptions, type SignalingClientOptions } from './client-options.js';
import { messageBytes } from './protocol.js';
import { decodeServerFrame, encodeJoin, encodeRelay, encodeSeal, type ProtocolVersion, type RelayType } from './client-wire.js';

export { offersTo } from './client-peers.js';
export type { RelayCounts } from './client-peers.js';
export { checkClientOptions, DEFAULT_JOIN_TIMEOUT_MS, DEFAULT_CLIENT_MAX_FRAME_BYTES, DEFAULT_CLIENT_MAX_PEERS, type SignalingClientOptions } from './client-options.js';
export type { ProtocolVersion } from './client-wire.js';

/** How the signaling socket ended: the WebSocket close code and reason (1006 and `''` when it never opened or broke). */
export interface SignalingCloseInfo {
  code: number;
  reason: string;
}

export interface SignalingClientEvents {
  [event: string]: unknown[];
  /** PEER_CONNECT: the connection exists, before any offer or answer (create channels here). */
  peer_added: [id: number, pc: WebRTCPeerConnection];
  peer_connected: [id: number, pc: WebRTCPeerConnection];
  peer_disconnected: [id: number];
  joined: [lobby: string, id: number, mesh: boolean];
  sealed: [];
  closed: [info: SignalingCloseInfo];
}

/** `new`: join() not called; `connecting`: the socket is opening; `joining`: JOIN sent; `joined`: the server's JOIN came; `closed`: the socket ended. */
export type SignalingClientState = 'new' | 'connecting' | 'joining' | 'joined' | 'closed';


/** How long close() waits for the server's closing handshake before dropping the socket. */
const CLOSE_HANDSHAKE_MS = 3000;
let nextClientNumber = 1;

export class SignalingClient {
  /** The name in log lines. */
  readonly name = `signaling-client-${nextClientNumber++}`;
  readonly protocol: ProtocolVersion;
  /** The id the server gave (1: the host); null before its ID. */
  id: number | null = null;
  /** The lobby asked for, then the one the server's JOIN names. */
  lobby: string;
  /** The mesh flag asked for, then the one the server's ID says. */
  mesh: boolean;
  sealed = false;
  state: SignalingClientState = 'new';
  /** How the socket ended; null while it is open (or was never made). */
  closeInfo: SignalingCloseInfo | null = null;

  private readonly options: ResolvedClientOptions | null;
  private readonly events = new SafeEmitter<SignalingClientEvents>('SignalingClient');
  private readonly members: ClientPeers | null;
  private socket: WebSocket | null = null;
  private settleJoin: ((code: GodotError) => void) | null = null;
  private joinTimer: NodeJS.Timeout | null = null;
  private sealAsked = false;
  private closedEmitted = false;

  constructor(options: SignalingClientOptions) {
    const checked = checkClientOptions(options);
    this.options = checked.ok ? checked.value : null;
    if (!checked.ok) log('error', 'library', `new SignalingClient: ${checked.reason}; join() will give ERR_INVALID_PARAMETER`);
    this.protocol = this.options?.protocol ?? 4;
    this.lobby = this.options?.lobby ?? '';
    this.mesh = this.options?.mesh ?? true;
    this.members = this.options === null ? null : new ClientPeers(
      { owner: this.name, protocol: this.protocol, configuration: this.options.configuration, peerOptions: this.options.peerOptions, maxPeers: this.options.maxPeers },
      {
        send: (type, destination, data) => this.sendRelay(type, destination, data),
        added: (id, pc) => this.events.emit('peer_added', id, pc),
        connected: (id, pc) => this.events.emit('peer_connected', id, pc),
        removed: (id) => this.events.emit('peer_disconnected', id),
      },
    );
  }

  /** Whether this peer is the lobby's host (id 1). */
  get host(): boolean {
    return this.id === 1;
  }

  /** The members with a WebRTC connection here, by id (1: the host). */
  get peers(): ReadonlyMap<number, WebRTCPeerConnection> {
    return this.members?.connections ?? new Map();
  }

  /** Relays not applied: from ids without a connection, or refused by theirs. */
  get relays(): Readonly<RelayCounts> {
    return { ...(this.members?.relays ?? { ignored: 0, refused: 0 }) };
  }

  on<E extends keyof SignalingClientEvents>(event: E, listener: Listener<SignalingClientEvents[E]>): this {
    this.events.on(event, listener);
    return this;
  }

  once<E extends keyof SignalingClientEvents>(event: E, listener: Listener<SignalingClientEvents[E]>): this {
    this.events.once(event, listener);
    return this;
  }

  off<E extends keyof SignalingClientEvents>(event: E, listener: Listener<SignalingClientEvents[E]>): this {
    this.events.off(event, listener);
    return this;
  }

  /**
   * Opens the socket and joins: OK once the server's ID and JOIN came (its PEER_CONNECTs in
   * between); ERR_CANT_CONNECT when the socket cannot open, ERR_TIMEOUT after joinTimeoutMs,
   * ERR_CONNECTION_ERROR when the socket closed first (`closeInfo` says how). Never rejects.
   */
  join(): Promise<GodotError> {
    if (this.options === null) return Promise.resolve(this.refuse('join', GodotError.ERR_INVALID_PARAMETER, 'its options were refused (see the first log line)'));
    if (this.state === 'connecting' || this.state === 'joining') return Promise.resolve(this.refuse('join', GodotError.ERR_BUSY, 'it is already joining'));
    if (this.state === 'joined') return Promise.resolve(this.refuse('join', GodotError.ERR_ALREADY_IN_USE, `it is already in lobby ${this.lobby}`));
    if (this.state === 'closed') return Promise.resolve(this.refuse('join', GodotError.ERR_UNAVAILABLE, 'it is closed: a SignalingClient joins once, make a new one'));
    const { url, maxFrameBytes, joinTimeoutMs } = this.options;
    this.state = 'connecting';
    const joined = new Promise<GodotError>((resolve) => (this.settleJoin = resolve));
    try {
      this.socket = new WebSocket(url, { maxPayload: maxFrameBytes, perMessageDeflate: false });
    } catch (error) {
      log('warn', 'library', `${this.name}: cannot open a socket to ${url}`, error);
      this.state = 'closed';
      this.settle(GodotError.ERR_CANT_CONNECT);
      return joined;
    }
    this.listen(this.socket);
    this.joinTimer = setTimeout(() => this.joinTimedOut(), joinTimeoutMs);
    return joined;
  }

  /** The host seals the lobby: no one else may join, and the server then closes every socket (1000 `Seal complete`). */
  seal(): GodotError {
    if (this.state !== 'joined') return this.refuse('seal', GodotError.ERR_UNCONFIGURED, 'it is not in a lobby');
    if (!this.host) return this.refuse('seal', GodotError.ERR_UNAUTHORIZED, 'only the host (id 1) can seal the lobby');
    if (this.sealed || this.sealAsked) return this.refuse('seal', GodotError.ERR_ALREADY_IN_USE, 'the lobby is already sealed or sealing');
    if (!this.send(encodeSeal(this.protocol))) return this.refuse('seal', GodotError.ERR_CONNECTION_ERROR, 'the socket is not open');
    this.sealAsked = true;
    return GodotError.OK;
  }

  /** Closes the socket (1000); closes the WebRTC connections unless the lobby was sealed. */
  close(): void {
    if (this.state === 'new') {
      this.state = 'closed';
      return;
    }
    if (!this.sealed) this.members?.removeAll();
    const socket = this.socket;
    if (socket === null || socket.readyState === WebSocket.CLOSED) return;
    try {
      socket.close(1000);
    } catch (error) {
      log('warn', 'library', `${this.name}: closing the socket failed`, error);
    }
    setTimeout(() => {
      if (socket.readyState !== WebSocket.CLOSED) socket.terminate();
    }, CLOSE_HANDSHAKE_MS).unref();
  }

  private listen(socket: WebSocket): void {
    socket.on('open', () => {
      if (this.state !== 'connecting') return;
      this.state = 'joining';
      this.send(encodeJoin(this.protocol, this.lobby, this.mesh));
    });
    socket.on('message', (data: RawData, isBinary: boolean) => {
      const bytes = messageBytes(data);
      this.receive(isBinary ? bytes : bytes.toString('utf8'));
    });
    socket.on('error', (error) => log('info', 'library', `${this.name}: socket error: ${error.message}`));
    socket.on('close', (code: number, reason: Buffer) => this.socketClosed(code, reason.toString('utf8')));
  }

  private receive(frame: string | Buffer): void {
    const decoded = decodeServerFrame(this.protocol, frame, { maxBytes: this.options!.maxFrameBytes });
    if (!decoded.ok) {
      log('warn', 'library', `${this.name}: a server frame ignored: ${decoded.reason}`);
      return;
    }
    const message = decoded.message;
    if (message.type !== MessageType.ID && this.id === null) {
      log('warn', 'library', `${this.name}: a server frame of type ${message.type} before its ID ignored`);
      return;
    }
    switch (message.type) {
      case MessageType.ID:
        return this.identified(message);
      case MessageType.JOIN:
        return this.joinedLobby(message.data);
      case MessageType.PEER_CONNECT:
        return this.peerConnected(message.id);
      case MessageType.PEER_DISCONNECT:
        if (!this.members!.remove(message.id)) log('info', 'library', `${this.name}: PEER_DISCONNECT for ${message.id}, which it has no connection with`);
        return;
      case MessageType.OFFER:
      case MessageType.ANSWER:
      case MessageType.CANDIDATE:
        return this.members!.relay(message);
      case MessageType.SEAL:
        if (this.sealed) return;
        this.sealed = true;
        this.events.emit('sealed');
        return;
    }
  }

  private identified(message: SignalMessage): void {
    if (this.id !== null || this.state !== 'joining') {
      log('warn', 'library', `${this.name}: a second ID ignored`);
      return;
    }
    this.id = message.id;
    this.mesh = message.data === 'true';
  }

  private joinedLobby(lobby: string): void {
    if (this.state !== 'joining') return;
    this.lobby = lobby;
    this.state = 'joined';
    this.clearJoinTimer();
    this.events.emit('joined', lobby, this.id!, this.mesh);
    this.settle(GodotError.OK);
  }

  private peerConnected(peerId: number): void {
    // In a client/server lobby a client connects to the host only (Godot's create_client refuses other peers).
    if (!this.mesh && !this.host && peerId !== 1) {
      log('info', 'library', `${this.name}: PEER_CONNECT ${peerId} ignored: a client of a client/server lobby connects to the host only`);
      return;
    }
    this.members!.add(this.id!, peerId);
  }

  private sendRelay(type: RelayType, destination: number, data: string): void {
    if (!this.send(encodeRelay(this.protocol, type, destination, data))) {
      log('info', 'library', `${this.name}: a relay to ${destination} not sent: the socket is not open`);
    }
  }

  /** Sends one text frame; whether the socket took it. */
  private send(frame: string): boolean {
    const socket = this.socket;
    if (socket === null || socket.readyState !== WebSocket.OPEN) return false;
    try {
      socket.send(frame);
      return true;
    } catch (error) {
      log('warn', 'library', `${this.name}: sending a frame failed`, error);
      return false;
    }
  }

  private joinTimedOut(): void {
    this.joinTimer = null;
    if (this.state !== 'connecting' && this.state !== 'joining') return;
    log('warn', 'library', `${this.name}: no JOIN from ${this.options!.url} within ${this.options!.joinTimeoutMs} ms`);
    this.settle(GodotError.ERR_TIMEOUT);
    this.close();
  }

  private socketClosed(code: number, reason: string): void {
    const opened = this.state !== 'connecting';
    this.state = 'closed';
    this.closeInfo = { code, reason };
    this.clearJoinTimer();
    this.settle(opened ? GodotError.ERR_CONNECTION_ERROR : GodotError.ERR_CANT_CONNECT);
    if (!this.sealed) this.members?.removeAll();
    if (this.closedEmitted) return;
    this.closedEmitted = true;
    this.events.emit('closed', { code, reason });
  }

  private settle(code: GodotError): void {
    const settle = this.settleJoin;
    this.settleJoin = null;
    settle?.(code);
  }

  private clearJoinTimer(): void {
    if (this.joinTimer !== null) clearTimeout(this.joinTimer);
    this.joinTimer = null;
  }

  private refuse(method: string, code: GodotError, reason: string): GodotError {
    log('warn', 'library', `${this.name}.${method}() refused (${errorName(code)}): ${reason}`);
    return code;
  }
}
