/**
 * One client socket of the signaling server: its session actor (a MachineHandle of the pure
 * session machine, recorded as `session-<id>`), its no-lobby timer, its pong flag, its relay
 * counters, and every write to the socket. The rules themselves are dispatch.ts's and the
 * lobby's; this module only carries out what they decide.
 */
import { WebSocket } from 'ws';
import { GodotError, errorName } from '../godot/constants.js';
import { MachineHandle, type Inspector } from '../api/machine-handle.js';
import { Recorder } from '../records/recorder.js';
import { log } from '../log.js';
import {
  SIGNALING_CLOSES,
  signalingSessionMachine,
  type SignalingCloseName,
  type SignalingProtocol,
  type SignalingSessionEvent,
} from '../machines/signaling-session.js';
import type { SignalingServiceMachineName } from '../records/record.js';
import type { Lobby } from './lobby.js';
import { wireOf, type RelayType, type ServerWire } from './wire.js';
import { MessageType } from './frames.js';

/**
 * ws writes every frame with a writev of its own, and that syscall is most of a relay's cost
 * (60–70 % of the server's CPU in bench/signaling.ts). Corking a socket from its second frame of
 * an event-loop turn until the turn's I/O is done sends the rest in one writev (1.85 times
 * server.js's relays per CPU-second); the first goes at once, so a lone relay waits for nothing. ws has no public cork: `_socket` is the net.Socket under it (ws 7 and 8;
 * test/signaling/server-cork.test.ts pins it), and ws's own cork/uncork around each frame nests
 * inside ours.
 */
type Tcp = { cork(): void; uncork(): void };
/** Sockets written to in this turn, and whether each is corked. */
const touched = new Map<Tcp, boolean>();
let uncorking = false;

/** The first frame of a turn goes out at once (no latency added); from a socket's second frame in the same turn on, it is corked until the turn's I/O is done. */
function corkForThisTurn(socket: WebSocket): void {
  const tcp = (socket as unknown as { _socket?: Tcp })._socket;
  if (tcp === undefined || typeof tcp.cork !== 'function') return;
  const corked = touched.get(tcp);
  if (corked === true) return;
  if (corked === false) {
    tcp.cork();
    touched.set(tcp, true);
    return;
  }
  touched.set(tcp, false);
  if (!uncorking) {
    uncorking = true;
    setImmediate(uncorkAll);
  }
}

function uncorkAll(): void {
  uncorking = false;
  for (const [tcp, corked] of touched) {
    if (!corked) continue;
    try {
      tcp.uncork();
    } catch (error) {
      log('warn', 'library', 'signaling: uncorking a socket failed', error);
    }
  }
  touched.clear();
}

/** Relayed frames, counted, never recorded one by one. `bytes`: the frames' sizes as received, in UTF-8 bytes. */
export interface RelayCounts {
  offer: number;
  answer: number;
  candidate: number;
  bytes: number;
  /** Relays to a member who had just left: dropped, not sent, and the sender not closed. */
  dropped: number;
}

/** The Godot error a refusal record gives for each close: a rule of who may do what, a bad argument, or bad data. */
const REFUSAL_CODES: Partial<Record<SignalingCloseName, GodotError>> = {
  onlyHostSeals: GodotError.ERR_UNAUTHORIZED,
  alreadyInLobby: GodotError.ERR_UNAUTHORIZED,
  notInLobby: GodotError.ERR_UNAUTHORIZED,
  lobbySealed: GodotError.ERR_UNAUTHORIZED,
  otherProtocol: GodotError.ERR_UNAUTHORIZED,
  tooManyLobbies: GodotError.ERR_INVALID_PARAMETER,
  lobbyMissing: GodotError.ERR_INVALID_PARAMETER,
  lobbyNotFound: GodotError.ERR_INVALID_PARAMETER,
  invalidDestination: GodotError.ERR_INVALID_PARAMETER,
  invalidPeerId: GodotError.ERR_INVALID_PARAMETER,
  duplicatePeerId: GodotError.ERR_INVALID_PARAMETER,
};

export function refusalCode(close: SignalingCloseName): GodotError {
  return REFUSAL_CODES[close] ?? GodotError.ERR_INVALID_DATA;
}

/** What a refusal record says: which frame, which machine and guard refused it, and the close it gets. */
export interface Refused {
  method: string;
  machine: SignalingServiceMachineName;
  guard: string;
  close: SignalingCloseName;
}

export interface SessionOptions {
  recordCapacity: number;
  maxLobbies: number;
  maxBufferedBytes: number;
  /** Called (from setImmediate, never inside a write) once a write found the socket's buffer over `maxBufferedBytes`. */
  onOverflow: (session: Session) => void;
  inspect?: Inspector;
}

export class Session {
  readonly recorder: Recorder;
  readonly handle: MachineHandle<typeof signalingSessionMachine>;
  /** The protocol its first frame spoke; null before it sent one. */
  protocol: SignalingProtocol | null = null;
  wire: ServerWire | null = null;
  /** The lobby it is in, set by the lobby; null before it joined and once the lobby ended. */
  lobby: Lobby | null = null;
  readonly relayed: RelayCounts = { offer: 0, answer: 0, candidate: 0, bytes: 0, dropped: 0 };
  /** Whether it answered the last ping (the server's ping round sets it false, a pong true). */
  alive = true;
  private noLobbyTimer: NodeJS.Timeout | null = null;
  /** Set once its buffer overflowed: nothing more is written to it. */
  private overflowed = false;
  private readonly maxBufferedBytes: number;
  private readonly onOverflow: (session: Session) => void;

  constructor(
    readonly id: number,
    readonly socket: WebSocket,
    options: SessionOptions,
  ) {
    this.maxBufferedBytes = options.maxBufferedBytes;
    this.onOverflow = options.onOverflow;
    this.recorder = new Recorder(`session-${id}`, options.recordCapacity);
    this.handle = new MachineHandle('signalingSession', signalingSessionMachine, this.recorder, {
      input: { id, maxLobbies: options.maxLobbies },
      ...(options.inspect ? { inspect: options.inspect } : {}),
    });
  }

  get name(): string {
    return this.recorder.connection;
  }

  get state(): string {
    return this.handle.state;
  }

  get ended(): boolean {
    return this.handle.snapshot.status === 'done';
  }

  /** Whether its lobby made it the host (1 on the wire). */
  get host(): boolean {
    return this.handle.snapshot.context.host;
  }

  armNoLobbyTimer(ms: number, onTimeout: (session: Session) => void): void {
    this.noLobbyTimer = setTimeout(onTimeout, ms, this);
  }

  clearTimers(): void {
    if (this.noLobbyTimer !== null) clearTimeout(this.noLobbyTimer);
    this.noLobbyTimer = null;
  }

  /** Sends one event the server decided on (never a relay); false if the machine does not take it now. */
  send(event: SignalingSessionEvent): boolean {
    return this.handle.send(event);
  }

  /**
   * Writes a frame if the socket is open; a socket that is closing gets nothing, and neither does
   * one whose reader left more than maxBufferedBytes unread (it is then closed, out of this call).
   */
  write(frame: string): void {
    if (this.socket.readyState !== WebSocket.OPEN || this.overflowed) return;
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      this.overflowed = true;
      setImmediate(this.onOverflow, this);
      return;
    }
    try {
      corkForThisTurn(this.socket);
      this.socket.send(frame);
    } catch (error) {
      log('warn', 'library', `signaling: a send to ${this.name} failed`, error);
    }
  }

  writeRelay(type: RelayType, from: number, data: string): void {
    if (this.wire !== null) this.write(this.wire.relay(type, from, data));
  }

  count(type: RelayType, bytes: number): void {
    if (type === MessageType.OFFER) this.relayed.offer++;
    else if (type === MessageType.ANSWER) this.relayed.answer++;
    else this.relayed.candidate++;
    this.relayed.bytes += bytes;
  }

  countDropped(bytes: number): void {
    this.relayed.dropped++;
    this.relayed.bytes += bytes;
  }

  /** The refusal record of a frame: its type, the guard, the close; never the frame's data. */
  recordRefusal(recorder: Recorder, refused: Refused, state: string, lobbyState?: string): void {
    const code = refusalCode(refused.close);
    const close = SIGNALING_CLOSES[refused.close];
    recorder.add({
      kind: 'refusal',
      method: refused.method,
      machine: refused.machine,
      state,
      states: { signalingSession: this.state, ...(lobbyState !== undefined ? { signalingLobby: lobbyState } : {}) },
      code,
      codeName: errorName(code),
      reason: `${close.code} ${close.reason}: ${refused.guard} refused ${refused.method} from ${this.name}`,
    });
  }

  /** Closes the socket with a close code and reason (a closing or closed socket is left alone). */
  closeSocket(close: SignalingCloseName): void {
    closeQuietly(this.socket, close, this.name);
  }

  terminate(): void {
    try {
      this.socket.terminate();
    } catch (error) {
      log('warn', 'library', `signaling: terminating ${this.name} failed`, error);
    }
  }

  speak(protocol: SignalingProtocol): void {
    this.protocol = protocol;
    this.wire = wireOf(protocol);
  }
}

/** Closes `socket` with a close code and reason, unless it is already closing or closed; terminates it if that throws. */
export function closeQuietly(socket: WebSocket, close: SignalingCloseName, name = 'a socket'): void {
  const { code, reason } = SIGNALING_CLOSES[close];
  if (socket.readyState !== WebSocket.OPEN && socket.readyState !== WebSocket.CONNECTING) return;
  try {
    socket.close(code, reason);
  } catch (error) {
    log('warn', 'library', `signaling: closing ${name} failed`, error);
    socket.terminate();
  }
}
