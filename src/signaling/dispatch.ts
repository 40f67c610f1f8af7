/**
 * What the server does with one frame from a client: the size and transfer-mode checks, protocol
 * detection by the first frame, decoding in that protocol, and then the rules, asked of the
 * machines before anything is done. A frame a rule refuses becomes a refusal record (in the trail
 * of the machine that refused it) and closes its sender, and only its sender.
 */
import type { RawData } from 'ws';
import { CloseReason, MESSAGE_TYPE_NAMES, MessageType, decodeFrame, type FrameRefusal } from './frames.js';
import { RELAY_TYPES, decodeClientTextFrame } from './text-frames.js';
import { detectProtocol, messageBytes } from './protocol.js';
import {
  SIGNALING_CLOSES,
  signalingRefusal,
  signalingSessionGuardCloses,
  signalingSessionMachine,
  type SignalingCloseName,
  type SignalingSessionEvent,
} from '../machines/signaling-session.js';
import { relayDeparted, relayTarget, signalingLobbyGuardCloses, signalingLobbyMachine, type SignalingLobbyEvent } from '../machines/signaling-lobby.js';
import { drawLobbyName } from './registry.js';
import type { Session } from './session.js';
import type { Lobby } from './lobby.js';
import type { RelayType } from './wire.js';

/** What dispatch needs of the server. */
export interface SignalingService {
  readonly maxFrameBytes: number;
  readonly sealCloseTimeoutMs: number;
  readonly lobbies: ReadonlyMap<string, Lobby>;
  /** Creates and registers a lobby with `host` in it, and welcomes the host. */
  openLobby(name: string, host: Session, mesh: boolean): void;
  /** Ends a session the server closes: sends it `event`, takes it out of its lobby, closes its socket with `close`. */
  endSession(session: Session, event: SignalingSessionEvent, close: SignalingCloseName): void;
}

const CLOSE_BY_REASON = new Map<string, SignalingCloseName>(
  Object.entries(SIGNALING_CLOSES).map(([name, close]) => [close.reason, name as SignalingCloseName]),
);

function closeNamed(reason: string): SignalingCloseName {
  return CLOSE_BY_REASON.get(reason) ?? 'invalidFormat';
}

const RELAY_EVENTS: Record<RelayType, SignalingSessionEvent> = {
  4: { type: 'relay', kind: 'offer' },
  5: { type: 'relay', kind: 'answer' },
  6: { type: 'relay', kind: 'candidate' },
};

/** Handles one frame from `session`; never throws (the caller's handler wraps it as well). */
export function handleFrame(service: SignalingService, session: Session, data: RawData, isBinary: boolean): void {
  if (session.ended) return;
  const buffer = messageBytes(data);
  const bytes = buffer.byteLength;
  if (bytes > service.maxFrameBytes) {
    session.recordRefusal(session.recorder, { method: 'frame', machine: 'signalingSession', guard: 'frame_size', close: 'frameTooLarge' }, session.state);
    return service.endSession(session, { type: 'frame_too_large' }, 'frameTooLarge');
  }
  if (isBinary) return refuseBySession(service, session, 'frame', 'text_frame', 'binaryFrame');
  const text = buffer.toString('utf8');
  if (session.protocol === null) {
    const detected = detectProtocol(text);
    if (!detected.ok) return refuseCodec(service, session, 'frame', detected);
    session.speak(detected.protocol === 'text' ? 3 : 4);
  }
  if (session.protocol === 4) jsonFrame(service, session, text, bytes);
  else textFrame(service, session, text, bytes);
}

function jsonFrame(service: SignalingService, session: Session, text: string, bytes: number): void {
  const decoded = decodeFrame(text);
  if (!decoded.ok) return refuseCodec(service, session, 'frame', decoded);
  const { type, id, data } = decoded.message;
  switch (type) {
    case MessageType.JOIN:
      return join(service, session, data, id === 0);
    case MessageType.SEAL:
      return seal(service, session);
    case MessageType.OFFER:
    case MessageType.ANSWER:
    case MessageType.CANDIDATE:
      return relay(service, session, type, id, data, bytes);
    default:
      return refuseCommand(service, session, MESSAGE_TYPE_NAMES[type] ?? 'frame', type);
  }
}

function textFrame(service: SignalingService, session: Session, text: string, bytes: number): void {
  const decoded = decodeClientTextFrame(text);
  if (!decoded.ok) return refuseCodec(service, session, 'frame', decoded);
  const message = decoded.message;
  switch (message.command) {
    case 'J':
      return join(service, session, message.lobby, true);
    case 'S':
      return seal(service, session);
    default:
      return relay(service, session, RELAY_TYPES[message.command], message.id, message.payload, bytes);
  }
}

function join(service: SignalingService, session: Session, name: string, mesh: boolean): void {
  const protocol = session.protocol!;
  if (name === '') {
    const event = { type: 'create_lobby' as const, name: '', mesh, protocol, openLobbies: service.lobbies.size };
    if (refuseIfSessionSays(service, session, 'JOIN', event)) return;
    const drawn = drawLobbyName(service.lobbies);
    if (drawn === null) return refuseBySession(service, session, 'JOIN', 'lobby_name_drawn', 'tooManyLobbies');
    event.name = drawn;
    session.send(event);
    session.clearTimers();
    return service.openLobby(drawn, session, mesh);
  }
  const lobby = service.lobbies.get(name);
  if (refuseIfSessionSays(service, session, 'JOIN', { type: 'join_lobby', name, protocol, lobbyExists: lobby !== undefined })) return;
  if (lobby === undefined) return;
  if (refuseIfLobbySays(service, session, lobby, 'JOIN', { type: 'join', id: session.id, protocol })) return;
  session.send({ type: 'join_lobby', name, protocol, lobbyExists: true });
  session.clearTimers();
  lobby.admit(session);
}

function seal(service: SignalingService, session: Session): void {
  if (refuseIfSessionSays(service, session, 'SEAL', { type: 'seal' })) return;
  const lobby = session.lobby;
  if (lobby === null) return refuseBySession(service, session, 'SEAL', 'in_lobby', 'notInLobby');
  if (refuseIfLobbySays(service, session, lobby, 'SEAL', { type: 'seal', id: session.id })) return;
  session.send({ type: 'seal' });
  lobby.seal(session, service.sealCloseTimeoutMs);
}

/**
 * The hot path: no event to either machine and no record. A session is in a lobby exactly when
 * its machine is in inLobby or sealed, where the session machine takes every relay; the lobby's
 * rule is `relayTarget`, the function its `destination_reachable` guard calls, and a relay to a
 * member who has just left is dropped and counted (`relayDeparted`, its `destination_departed`).
 */
function relay(service: SignalingService, session: Session, type: RelayType, to: number, data: string, bytes: number): void {
  const lobby = session.lobby;
  if (lobby === null) {
    refuseIfSessionSays(service, session, MESSAGE_TYPE_NAMES[type]!, RELAY_EVENTS[type]);
    return;
  }
  const context = lobby.context;
  const target = relayTarget(context, session.id, to);
  const destination = target === null ? undefined : lobby.members.get(target);
  if (destination === undefined) {
    if (target === null && relayDeparted(context, session.id, to)) return session.countDropped(bytes);
    if (!refuseIfLobbySays(service, session, lobby, MESSAGE_TYPE_NAMES[type]!, { type: 'relay', from: session.id, to })) {
      refuseByLobby(service, session, lobby, MESSAGE_TYPE_NAMES[type]!, 'destination_reachable', 'invalidDestination');
    }
    return;
  }
  session.count(type, bytes);
  destination.writeRelay(type, session.id === context.host ? 1 : session.id, data);
}

/** A type the client may not send (ID, PEER_CONNECT, PEER_DISCONNECT, or no type at all): the session's rules name the close. */
function refuseCommand(service: SignalingService, session: Session, method: string, command: number): void {
  if (!refuseIfSessionSays(service, session, method, { type: 'unknown_command', command })) {
    refuseBySession(service, session, method, 'known_command', 'invalidCommand');
  }
}

/**
 * A frame the codec refused. `checkedAfter` says which of server.js's checks come first: not in
 * a lobby is `Invalid message when not in a lobby` whatever else is wrong, and a 3.x frame with an
 * unknown letter is `Invalid destination` when its destination is not in the lobby.
 */
function refuseCodec(service: SignalingService, session: Session, method: string, refused: FrameRefusal): void {
  if (refused.checkedAfter === 'none') return refuseBySession(service, session, method, 'codec', closeNamed(refused.reason));
  const lobby = session.lobby;
  if (lobby === null) return refuseBySession(service, session, method, 'in_lobby', 'notInLobby');
  if (refused.reason === CloseReason.INVALID_CMD && refused.checkedAfter === 'lobby') return refuseCommand(service, session, method, -1);
  if (refused.checkedAfter === 'destination' && relayTarget(lobby.context, session.id, refused.dest ?? 0) === null) {
    return refuseByLobby(service, session, lobby, method, 'destination_reachable', 'invalidDestination');
  }
  refuseBySession(service, session, method, 'codec', closeNamed(refused.reason));
}

/** If the session machine's guards refuse `event`, records it, closes the session and says true. */
function refuseIfSessionSays(service: SignalingService, session: Session, method: string, event: SignalingSessionEvent): boolean {
  const snapshot = session.handle.snapshot;
  if (snapshot.can(event)) return false;
  const refused = signalingRefusal(signalingSessionMachine, snapshot, event, signalingSessionGuardCloses);
  if (refused === null) refuseBySession(service, session, method, 'state', 'invalidCommand');
  else refuseBySession(service, session, method, refused.guard, refused.close);
  return true;
}

function refuseIfLobbySays(service: SignalingService, session: Session, lobby: Lobby, method: string, event: SignalingLobbyEvent): boolean {
  const snapshot = lobby.handle.snapshot;
  if (snapshot.can(event)) return false;
  const refused = signalingRefusal(signalingLobbyMachine, snapshot, event, signalingLobbyGuardCloses);
  if (refused === null) refuseByLobby(service, session, lobby, method, 'state', 'lobbyNotFound');
  else refuseByLobby(service, session, lobby, method, refused.guard, refused.close);
  return true;
}

function refuseBySession(service: SignalingService, session: Session, method: string, guard: string, close: SignalingCloseName): void {
  session.recordRefusal(session.recorder, { method, machine: 'signalingSession', guard, close }, session.state);
  service.endSession(session, { type: 'bad_frame', close }, close);
}

function refuseByLobby(service: SignalingService, session: Session, lobby: Lobby, method: string, guard: string, close: SignalingCloseName): void {
  session.recordRefusal(lobby.recorder, { method, machine: 'signalingLobby', guard, close }, lobby.state, lobby.state);
  service.endSession(session, { type: 'bad_frame', close }, close);
}
