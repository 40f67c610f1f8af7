/**
 * What the server must do with a sequence of frames from one fresh socket, derived from the pure
 * codecs (frames.ts, text-frames.ts, protocol.ts) and the session rules, not from the server:
 * the frames it sends back, and whether it keeps the socket open or closes it, with which close.
 *
 * The socket may only make a lobby of its own (a JOIN by name is for a lobby that does not exist:
 * the arbitraries never name a real one), so it is alone there, its host: its wire id is 1, and a
 * relay to 1 comes back to it, from 1 (server.js: `destId = id === 1 ? lobby.host : id`).
 */
import { decodeFrame, encodeFrame, MessageType, type FrameRefusal } from '../../../src/signaling/frames.js';
import { decodeClientTextFrame, encodeTextFrame } from '../../../src/signaling/text-frames.js';
import { detectProtocol } from '../../../src/signaling/protocol.js';
import { SIGNALING_CLOSES, type SignalingCloseName } from '../../../src/machines/signaling-session.js';
import type { OutgoingFrame } from './probe.js';

/** A frame the server sends back: exact text, or its JOIN naming the new lobby (a name the server draws). */
export type ExpectedFrame = { exact: string } | { lobbyJoin: 3 | 4 };

/**
 * The closes ws makes by itself, before the server sees a frame: a frame over ws's maxPayload
 * (the server sets twice maxFrameBytes) is 1009 with no reason.
 */
export const WS_CLOSES = { wsMessageTooBig: { code: 1009, reason: '' } } as const;
export type HostileCloseName = SignalingCloseName | keyof typeof WS_CLOSES;

export function closeOf(name: HostileCloseName): { code: number; reason: string } {
  return name === 'wsMessageTooBig' ? WS_CLOSES[name] : SIGNALING_CLOSES[name];
}

export type HostileEnd =
  /** Every frame taken; in a lobby, not sealed: the socket stays open. */
  | { open: true; protocol: 3 | 4 }
  /** Closed by the server: for frame `at` (its index), or by a timer (`at: -1`: no lobby yet, or the seal's end). */
  | { open: false; close: HostileCloseName; at: number };

export interface HostileOutcome {
  frames: ExpectedFrame[];
  end: HostileEnd;
}

export interface ModelOptions {
  maxFrameBytes: number;
  /** ws's maxPayload: a longer frame closes 1009 before the server reads it. */
  wsMaxPayload?: number;
  /** How many lobbies are open before this socket's (for maxLobbies). */
  openLobbies?: number;
  maxLobbies?: number;
}

const CLOSE_BY_REASON = new Map<string, SignalingCloseName>(
  (Object.entries(SIGNALING_CLOSES) as Array<[SignalingCloseName, { reason: string }]>).map(([name, close]) => [close.reason, name]),
);

function closeNamed(reason: string): SignalingCloseName {
  const name = CLOSE_BY_REASON.get(reason);
  if (name === undefined) throw new Error(`no SIGNALING_CLOSES entry says ${JSON.stringify(reason)}`);
  return name;
}

interface Session {
  protocol: 'json' | 'text' | null;
  inLobby: boolean;
  sealed: boolean;
}

/** The close for a codec refusal, after the checks server.js makes before it (the sender is alone in its lobby, its wire id 1). */
function refusalClose(refused: FrameRefusal, session: Session): SignalingCloseName {
  if (refused.checkedAfter === 'none') return closeNamed(refused.reason);
  if (!session.inLobby) return 'notInLobby';
  if (refused.checkedAfter === 'destination' && refused.dest !== 1) return 'invalidDestination';
  return closeNamed(refused.reason);
}

function payloadOf(frame: OutgoingFrame): string | Buffer {
  return 'text' in frame ? frame.text : Buffer.from(frame.binary);
}

export function hostileOutcome(frames: readonly OutgoingFrame[], options: ModelOptions): HostileOutcome {
  const decode = { maxBytes: options.maxFrameBytes };
  const session: Session = { protocol: null, inLobby: false, sealed: false };
  const out: ExpectedFrame[] = [];
  const closed = (close: HostileCloseName, at: number): HostileOutcome => ({ frames: out, end: { open: false, close, at } });

  for (const [at, frame] of frames.entries()) {
    const raw = payloadOf(frame);
    if (Buffer.byteLength(raw) > (options.wsMaxPayload ?? Infinity)) return closed('wsMessageTooBig', at);
    if (session.protocol === null) {
      const detected = detectProtocol(raw, decode);
      if (!detected.ok) return closed(refusalClose(detected, session), at);
      session.protocol = detected.protocol;
    }
    const step = session.protocol === 'json' ? jsonStep(raw, session, decode, options) : textStep(raw, session, decode, options);
    if (typeof step === 'string') return closed(step, at);
    out.push(...step);
  }
  if (session.sealed) return closed('sealComplete', -1);
  if (!session.inLobby) return closed('noLobby', -1);
  return { frames: out, end: { open: true, protocol: session.protocol === 'json' ? 4 : 3 } };
}

type Step = ExpectedFrame[] | SignalingCloseName;

function create(session: Session, options: ModelOptions): SignalingCloseName | null {
  if (session.inLobby) return 'alreadyInLobby';
  if ((options.openLobbies ?? 0) >= (options.maxLobbies ?? Infinity)) return 'tooManyLobbies';
  session.inLobby = true;
  return null;
}

function seal(session: Session, sealFrame: string): Step {
  if (!session.inLobby) return 'notInLobby';
  if (session.sealed) return [];
  session.sealed = true;
  return [{ exact: sealFrame }];
}

function jsonStep(raw: string | Buffer, session: Session, decode: { maxBytes: number }, options: ModelOptions): Step {
  const decoded = decodeFrame(raw, decode);
  if (!decoded.ok) return refusalClose(decoded, session);
  const { type, id, data } = decoded.message;
  switch (type) {
    case MessageType.JOIN: {
      if (data !== '') return session.inLobby ? 'alreadyInLobby' : 'lobbyMissing';
      const refused = create(session, options);
      if (refused) return refused;
      return [{ exact: encodeFrame({ type: MessageType.ID, id: 1, data: id === 0 ? 'true' : '' }) }, { lobbyJoin: 4 }];
    }
    case MessageType.SEAL:
      return seal(session, encodeFrame({ type: MessageType.SEAL, id: 0 }));
    case MessageType.OFFER:
    case MessageType.ANSWER:
    case MessageType.CANDIDATE:
      if (!session.inLobby) return 'notInLobby';
      return id === 1 ? [{ exact: encodeFrame({ type, id: 1, data }) }] : 'invalidDestination';
    default:
      return session.inLobby ? 'invalidCommand' : 'notInLobby';
  }
}

function textStep(raw: string | Buffer, session: Session, decode: { maxBytes: number }, options: ModelOptions): Step {
  const decoded = decodeClientTextFrame(raw, decode);
  if (!decoded.ok) return refusalClose(decoded, session);
  const message = decoded.message;
  switch (message.command) {
    case 'J': {
      if (message.lobby !== '') return session.inLobby ? 'alreadyInLobby' : 'lobbyMissing';
      const refused = create(session, options);
      if (refused) return refused;
      return [{ exact: encodeTextFrame({ command: 'I', id: 1 }) }, { lobbyJoin: 3 }];
    }
    case 'S':
      return seal(session, encodeTextFrame({ command: 'S' }));
    default:
      if (!session.inLobby) return 'notInLobby';
      return message.id === 1 ? [{ exact: encodeTextFrame({ command: message.command, id: 1, payload: message.payload }) }] : 'invalidDestination';
  }
}

/** A lobby's name as server.js draws it: 16 ALFNUM characters. */
const LOBBY_NAME = '[A-Za-z0-9]{16}';
const LOBBY_JOIN: Record<3 | 4, RegExp> = {
  3: new RegExp(`^J: ${LOBBY_NAME}\\n$`),
  4: new RegExp(`^\\{"type":0,"id":0,"data":"${LOBBY_NAME}"\\}$`),
};

/** Whether `received` is exactly `expected`, frame by frame. */
export function framesMatch(received: readonly string[], expected: readonly ExpectedFrame[]): boolean {
  return received.length === expected.length && expected.every((frame, i) => ('exact' in frame ? received[i] === frame.exact : LOBBY_JOIN[frame.lobbyJoin].test(received[i]!)));
}

export function describeEnd(end: HostileEnd): string {
  if (end.open) return `open (${end.protocol}.x, in its lobby)`;
  const { code, reason } = closeOf(end.close);
  return `closed ${code} '${reason}' (${end.close}) ${end.at < 0 ? 'by a timer' : `at frame ${end.at}`}`;
}

/** A hostile member's lobby: the host (1 on the wire), one well-behaved peer, and the member itself. */
export interface MemberLobby {
  protocol: 3 | 4;
  mesh: boolean;
  selfId: number;
  peerId: number;
}

export interface MemberOutcome {
  toSelf: string[];
  toHost: string[];
  toPeer: string[];
  end: HostileEnd;
}

/**
 * What the server must do with frames from a member (not the host) of a lobby: a relay goes to
 * the host (1) always, to the peer or back to the member itself only in a mesh
 * (`relayTarget`); a SEAL is `Only host can seal the lobby`; a JOIN `Already in a lobby`.
 */
export function memberOutcome(frames: readonly OutgoingFrame[], lobby: MemberLobby, options: ModelOptions): MemberOutcome {
  const decode = { maxBytes: options.maxFrameBytes };
  const outcome: MemberOutcome = { toSelf: [], toHost: [], toPeer: [], end: { open: true, protocol: lobby.protocol } };
  const reachable = (dest: number) => dest === 1 || (lobby.mesh && (dest === lobby.peerId || dest === lobby.selfId));
  const relay = (dest: number, encoded: string): HostileCloseName | null => {
    if (!reachable(dest)) return 'invalidDestination';
    (dest === 1 ? outcome.toHost : dest === lobby.peerId ? outcome.toPeer : outcome.toSelf).push(encoded);
    return null;
  };
  for (const [at, frame] of frames.entries()) {
    const raw = payloadOf(frame);
    let close: HostileCloseName | null;
    if (Buffer.byteLength(raw) > (options.wsMaxPayload ?? Infinity)) close = 'wsMessageTooBig';
    else if (lobby.protocol === 4) {
      const decoded = decodeFrame(raw, decode);
      if (!decoded.ok) close = memberRefusal(decoded, reachable);
      else {
        const { type, id, data } = decoded.message;
        if (type === MessageType.JOIN) close = 'alreadyInLobby';
        else if (type === MessageType.SEAL) close = 'onlyHostSeals';
        else if (type === MessageType.OFFER || type === MessageType.ANSWER || type === MessageType.CANDIDATE) close = relay(id, encodeFrame({ type, id: lobby.selfId, data }));
        else close = 'invalidCommand';
      }
    } else {
      const decoded = decodeClientTextFrame(raw, decode);
      if (!decoded.ok) close = memberRefusal(decoded, reachable);
      else {
        const message = decoded.message;
        if (message.command === 'J') close = 'alreadyInLobby';
        else if (message.command === 'S') close = 'onlyHostSeals';
        else close = relay(message.id, encodeTextFrame({ command: message.command, id: lobby.selfId, payload: message.payload }));
      }
    }
    if (close !== null) {
      outcome.end = { open: false, close, at };
      return outcome;
    }
  }
  return outcome;
}

function memberRefusal(refused: FrameRefusal, reachable: (dest: number) => boolean): HostileCloseName {
  if (refused.checkedAfter === 'destination' && !reachable(refused.dest ?? 0)) return 'invalidDestination';
  return closeNamed(refused.reason);
}
