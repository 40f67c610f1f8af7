import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import {
  SIGNALING_CLOSES,
  SIGNALING_DEFAULTS,
  signalingRefusal,
  signalingSessionGuardCloses,
  signalingSessionMachine,
  wireId,
  type SignalingSessionEvent,
  type SignalingSessionStateName,
} from '../../src/machines/signaling-session.js';
import { explainRefusal } from '../../src/machines/explain.js';

const ID = 123_456;
const CREATE = { type: 'create_lobby', name: 'ABCDEFGHIJKLMNOP', mesh: true, protocol: 4, openLobbies: 0 } as const;
const JOIN = { type: 'join_lobby', name: 'ABCDEFGHIJKLMNOP', protocol: 4, lobbyExists: true } as const;

/** A session walked into `state` by the events a server would send, as host or member. */
function sessionIn(state: Exclude<SignalingSessionStateName, 'closed'>, role: 'host' | 'member' = 'member', maxLobbies?: number) {
  const actor = createActor(signalingSessionMachine, { input: { id: ID, maxLobbies } }).start();
  if (state !== 'connected') actor.send(role === 'host' ? CREATE : JOIN);
  if (state === 'sealed') actor.send({ type: 'lobby_sealed' });
  expect(actor.getSnapshot().value).toBe(state);
  return actor;
}

function refusal(actor: ReturnType<typeof sessionIn>, event: SignalingSessionEvent) {
  return signalingRefusal(signalingSessionMachine, actor.getSnapshot(), event, signalingSessionGuardCloses);
}

/** The frame is refused with `close`, and the session is exactly as it was. */
function expectRefused(actor: ReturnType<typeof sessionIn>, event: SignalingSessionEvent, close: keyof typeof SIGNALING_CLOSES) {
  const before = actor.getSnapshot();
  expect(before.can(event)).toBe(false);
  expect(refusal(actor, event)).toMatchObject({ close, ...SIGNALING_CLOSES[close] });
  actor.send(event);
  expect(actor.getSnapshot().value).toBe(before.value);
  expect(actor.getSnapshot().context).toEqual(before.context);
}

describe('the signaling session machine: joining', () => {
  it('starts connected, in no lobby, with the id the server drew and the default lobby limit', () => {
    const { value, context } = sessionIn('connected').getSnapshot();
    expect(value).toBe('connected');
    expect(context).toEqual({ id: ID, maxLobbies: SIGNALING_DEFAULTS.maxLobbies, lobby: null, host: false, protocol: null, closed: null });
    expect(SIGNALING_DEFAULTS).toEqual({ maxPeers: 4096, maxLobbies: 1024, noLobbyTimeoutMs: 1000, sealCloseTimeoutMs: 10_000, pingIntervalMs: 10_000 });
  });

  it('a JOIN with an empty name creates a lobby: the session is its host, 1 on the wire', () => {
    const actor = sessionIn('connected');
    actor.send({ ...CREATE, protocol: 3 });
    const { value, context } = actor.getSnapshot();
    expect(value).toBe('inLobby');
    expect(context).toMatchObject({ lobby: CREATE.name, host: true, protocol: 3 });
    expect(wireId(context)).toBe(1);
  });

  it('a JOIN with a name enters that lobby as a member, its own id on the wire', () => {
    const actor = sessionIn('connected');
    actor.send(JOIN);
    const { value, context } = actor.getSnapshot();
    expect(value).toBe('inLobby');
    expect(context).toMatchObject({ lobby: JOIN.name, host: false, protocol: 4 });
    expect(wireId(context)).toBe(ID);
  });

  it('creating a lobby when MAX_LOBBIES are open is refused: Too many lobbies open, disconnecting', () => {
    expectRefused(sessionIn('connected'), { ...CREATE, openLobbies: 1024 }, 'tooManyLobbies');
    const actor = sessionIn('connected');
    actor.send({ ...CREATE, openLobbies: 1023 });
    expect(actor.getSnapshot().value).toBe('inLobby');
  });

  it('the lobby limit is configurable', () => {
    expectRefused(sessionIn('connected', 'member', 2), { ...CREATE, openLobbies: 2 }, 'tooManyLobbies');
    const actor = sessionIn('connected', 'member', 2);
    actor.send({ ...CREATE, openLobbies: 1 });
    expect(actor.getSnapshot().value).toBe('inLobby');
  });

  it('joining a lobby that is not open is refused: Lobby does not exists', () => {
    expectRefused(sessionIn('connected'), { ...JOIN, lobbyExists: false }, 'lobbyMissing');
  });

  it('before a lobby, SEAL, relays and unknown commands are refused: Invalid message when not in a lobby', () => {
    const actor = sessionIn('connected');
    expectRefused(actor, { type: 'seal' }, 'notInLobby');
    for (const kind of ['offer', 'answer', 'candidate'] as const) expectRefused(actor, { type: 'relay', kind }, 'notInLobby');
    expectRefused(actor, { type: 'unknown_command', command: 9 }, 'notInLobby');
  });

  it('the no-lobby timer closes a session still in no lobby: 4000 Have not joined lobby yet', () => {
    const actor = sessionIn('connected');
    actor.send({ type: 'no_lobby_timeout' });
    expect(actor.getSnapshot().value).toBe('closed');
    expect(actor.getSnapshot().context.closed).toEqual({ by: 'server', code: 4000, reason: 'Have not joined lobby yet', from: 'connected' });
  });

  it('the no-lobby timer is not taken once the session is in a lobby (the server cleared it)', () => {
    for (const state of ['inLobby', 'sealed'] as const) {
      const actor = sessionIn(state);
      expect(actor.getSnapshot().can({ type: 'no_lobby_timeout' })).toBe(false);
      expect(refusal(actor, { type: 'no_lobby_timeout' })).toBeNull();
    }
  });
});

describe('the signaling session machine: in a lobby', () => {
  it('a second JOIN is refused in a lobby, created or named, sealed or not: Already in a lobby', () => {
    for (const state of ['inLobby', 'sealed'] as const) {
      for (const role of ['host', 'member'] as const) {
        const actor = sessionIn(state, role);
        expectRefused(actor, CREATE, 'alreadyInLobby');
        expectRefused(actor, JOIN, 'alreadyInLobby');
      }
    }
  });

  it('relays are allowed in a lobby and after its seal, and change nothing', () => {
    for (const state of ['inLobby', 'sealed'] as const) {
      const actor = sessionIn(state);
      for (const kind of ['offer', 'answer', 'candidate'] as const) {
        const before = actor.getSnapshot();
        expect(before.can({ type: 'relay', kind })).toBe(true);
        actor.send({ type: 'relay', kind });
        expect(actor.getSnapshot().value).toBe(state);
        expect(actor.getSnapshot().context).toEqual(before.context);
      }
    }
  });

  it('a command the protocol does not have is refused in a lobby: Invalid command', () => {
    for (const state of ['inLobby', 'sealed'] as const) expectRefused(sessionIn(state), { type: 'unknown_command', command: 8 }, 'invalidCommand');
  });

  it('only the host may seal: a member is refused with Only host can seal the lobby', () => {
    for (const state of ['inLobby', 'sealed'] as const) expectRefused(sessionIn(state, 'member'), { type: 'seal' }, 'onlyHostSeals');
  });

  it("the host's SEAL is taken and leaves the session in the lobby until the lobby says it is sealed", () => {
    const actor = sessionIn('inLobby', 'host');
    expect(actor.getSnapshot().can({ type: 'seal' })).toBe(true);
    actor.send({ type: 'seal' });
    expect(actor.getSnapshot().value).toBe('inLobby');
    actor.send({ type: 'lobby_sealed' });
    expect(actor.getSnapshot().value).toBe('sealed');
    actor.send({ type: 'seal' });
    expect(actor.getSnapshot().value).toBe('sealed');
  });

  it('every member, host included, goes sealed when the lobby is sealed', () => {
    for (const role of ['host', 'member'] as const) {
      const actor = sessionIn('inLobby', role);
      actor.send({ type: 'lobby_sealed' });
      expect(actor.getSnapshot().value).toBe('sealed');
    }
  });

  it('the seal timer closes every member: 1000 Seal complete', () => {
    const actor = sessionIn('sealed');
    actor.send({ type: 'seal_complete' });
    expect(actor.getSnapshot().context.closed).toEqual({ by: 'server', code: 1000, reason: 'Seal complete', from: 'sealed' });
    expect(sessionIn('inLobby').getSnapshot().can({ type: 'seal_complete' })).toBe(false);
  });

  it('the host leaving closes the members, before or after the seal: 4000 Room host has disconnected', () => {
    for (const state of ['inLobby', 'sealed'] as const) {
      const actor = sessionIn(state);
      actor.send({ type: 'host_left' });
      expect(actor.getSnapshot().context.closed).toEqual({ by: 'server', code: 4000, reason: 'Room host has disconnected', from: state });
    }
    expect(sessionIn('connected').getSnapshot().can({ type: 'host_left' })).toBe(false);
  });
});

describe('the signaling session machine: the end of a socket', () => {
  const STATES = ['connected', 'inLobby', 'sealed'] as const;

  it('the client closing ends the session in every state, with the code it closed with', () => {
    for (const from of STATES) {
      const actor = sessionIn(from);
      actor.send({ type: 'socket_closed', code: 1001, reason: 'going away' });
      expect(actor.getSnapshot().value).toBe('closed');
      expect(actor.getSnapshot().context.closed).toEqual({ by: 'client', code: 1001, reason: 'going away', from });
    }
  });

  it('a missed pong, an oversized frame and a bad frame close the session in every state, each with its close', () => {
    const cases: Array<[SignalingSessionEvent, keyof typeof SIGNALING_CLOSES]> = [
      [{ type: 'ping_missed' }, 'pingMissed'],
      [{ type: 'frame_too_large' }, 'frameTooLarge'],
      [{ type: 'bad_frame', close: 'invalidFormat' }, 'invalidFormat'],
      [{ type: 'bad_frame', close: 'binaryFrame' }, 'binaryFrame'],
      [{ type: 'bad_frame', close: 'invalidDestination' }, 'invalidDestination'],
    ];
    for (const from of STATES) {
      for (const [event, close] of cases) {
        const actor = sessionIn(from);
        actor.send(event);
        expect(actor.getSnapshot().context.closed).toEqual({ by: 'server', ...SIGNALING_CLOSES[close], from });
      }
    }
    expect(SIGNALING_CLOSES.frameTooLarge).toEqual({ code: 4000, reason: 'Message too large' });
    expect(SIGNALING_CLOSES.invalidFormat).toEqual({ code: 4000, reason: 'Invalid message format' });
  });

  it('a closed session is done and takes nothing more', () => {
    const actor = sessionIn('inLobby');
    actor.send({ type: 'socket_closed', code: 1000, reason: '' });
    expect(actor.getSnapshot().status).toBe('done');
    const closed = actor.getSnapshot().context.closed;
    for (const event of [{ type: 'host_left' }, { type: 'ping_missed' }, { type: 'relay', kind: 'offer' }, JOIN] as SignalingSessionEvent[]) {
      expect(actor.getSnapshot().can(event)).toBe(false);
      expect(refusal(actor, event)).toBeNull();
    }
    expect(closed).toEqual({ by: 'client', code: 1000, reason: '', from: 'inLobby' });
  });
});

describe("the session's guards and server.js's closes", () => {
  it("every guard stands for one of server.js's close texts, code 4000", () => {
    const serverJs = ['Have not joined lobby yet', 'Only host can seal the lobby', 'Already in a lobby', 'Lobby does not exists',
      'Invalid message when not in a lobby', 'Invalid command', 'Too many lobbies open, disconnecting'];
    for (const close of Object.values(signalingSessionGuardCloses)) {
      expect(SIGNALING_CLOSES[close].code).toBe(4000);
      expect(serverJs).toContain(SIGNALING_CLOSES[close].reason);
    }
    expect(Object.keys(signalingSessionGuardCloses).sort()).toEqual(Object.keys(signalingSessionMachine.implementations.guards).sort());
  });

  it("explain.ts reads the same reasons from the session's definition", () => {
    const reasons = Object.fromEntries(Object.entries(signalingSessionGuardCloses).map(([guard, close]) => [guard, () => SIGNALING_CLOSES[close].reason]));
    const actor = sessionIn('inLobby');
    expect(explainRefusal(signalingSessionMachine, actor.getSnapshot(), { type: 'seal' }, reasons)).toBe('Only host can seal the lobby');
    expect(explainRefusal(signalingSessionMachine, actor.getSnapshot(), JOIN, reasons)).toBe('Already in a lobby');
  });
});
