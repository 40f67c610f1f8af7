import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import {
  MAX_PEER_ID,
  lobbyWireId,
  peersSeenBy,
  relayTarget,
  relayDeparted,
  DEPARTED_MEMORY,
  signalingLobbyGuardCloses,
  signalingLobbyMachine,
  type SignalingLobbyEvent,
  type SignalingLobbyInput,
} from '../../src/machines/signaling-lobby.js';
import { SIGNALING_CLOSES, signalingRefusal, type SignalingCloseName } from '../../src/machines/signaling-session.js';

const HOST = 700_001;
const A = 700_002;
const B = 700_003;

function lobby(input: Partial<SignalingLobbyInput> = {}, members: number[] = []) {
  const actor = createActor(signalingLobbyMachine, { input: { name: 'ROOM', mesh: true, protocol: 4, host: HOST, ...input } }).start();
  const protocol = input.protocol ?? 4;
  for (const id of members) actor.send({ type: 'join', id, protocol });
  expect(actor.getSnapshot().context.members).toEqual([input.host ?? HOST, ...members]);
  return actor;
}

function sealed(input: Partial<SignalingLobbyInput> = {}, members: number[] = [A]) {
  const actor = lobby(input, members);
  actor.send({ type: 'seal', id: input.host ?? HOST });
  expect(actor.getSnapshot().value).toBe('sealed');
  return actor;
}

function expectRefused(actor: ReturnType<typeof lobby>, event: SignalingLobbyEvent, close: SignalingCloseName) {
  const before = actor.getSnapshot();
  expect(before.can(event)).toBe(false);
  expect(signalingRefusal(signalingLobbyMachine, before, event, signalingLobbyGuardCloses)).toMatchObject({ close, ...SIGNALING_CLOSES[close] });
  actor.send(event);
  expect(actor.getSnapshot().value).toBe(before.value);
  expect(actor.getSnapshot().context).toEqual(before.context);
}

describe('the signaling lobby machine: joining', () => {
  it('opens with its host as its only member, speaking the protocol of the client that created it', () => {
    const { value, context } = lobby({ mesh: false }).getSnapshot();
    expect(value).toBe('open');
    expect(context).toEqual({ name: 'ROOM', mesh: false, protocol: 4, host: HOST, members: [HOST], departed: [], sealed: false, closed: null });
  });

  it('a Godot 3.x lobby is always a mesh (its JOIN has no mesh flag)', () => {
    expect(lobby({ protocol: 3, mesh: false }).getSnapshot().context.mesh).toBe(true);
  });

  it('a client of the same protocol joins; members are kept in the order they joined', () => {
    const actor = lobby({}, [A]);
    actor.send({ type: 'join', id: B, protocol: 4 });
    expect(actor.getSnapshot().value).toBe('open');
    expect(actor.getSnapshot().context.members).toEqual([HOST, A, B]);
  });

  it('a client of the other protocol is refused, both ways', () => {
    expectRefused(lobby({ protocol: 4 }), { type: 'join', id: A, protocol: 3 }, 'otherProtocol');
    expectRefused(lobby({ protocol: 3 }), { type: 'join', id: A, protocol: 4 }, 'otherProtocol');
  });

  it('a joiner id of 0, 1, above 2^31−1, negative or not an integer is refused; 2 and 2^31−1 are taken', () => {
    for (const id of [0, 1, MAX_PEER_ID + 1, 2 ** 31, -5, 2.5, Number.NaN]) expectRefused(lobby(), { type: 'join', id, protocol: 4 }, 'invalidPeerId');
    const actor = lobby();
    actor.send({ type: 'join', id: 2, protocol: 4 });
    actor.send({ type: 'join', id: MAX_PEER_ID, protocol: 4 });
    expect(actor.getSnapshot().context.members).toEqual([HOST, 2, MAX_PEER_ID]);
  });

  it("an id already in the lobby (the host's or a member's) is refused", () => {
    expectRefused(lobby({}, [A]), { type: 'join', id: A, protocol: 4 }, 'duplicatePeerId');
    expectRefused(lobby({}, [A]), { type: 'join', id: HOST, protocol: 4 }, 'duplicatePeerId');
  });

  it('the protocol is checked before the id: a wrong-protocol client is told so whatever its id', () => {
    expectRefused(lobby(), { type: 'join', id: 0, protocol: 3 }, 'otherProtocol');
  });

  it('a sealed lobby refuses every JOIN: Lobby is sealed', () => {
    expectRefused(sealed(), { type: 'join', id: B, protocol: 4 }, 'lobbySealed');
  });
});

describe('the signaling lobby machine: seal, leave, end', () => {
  it('only the host seals it: Only host can seal the lobby', () => {
    expectRefused(lobby({}, [A]), { type: 'seal', id: A }, 'onlyHostSeals');
    expectRefused(sealed(), { type: 'seal', id: A }, 'onlyHostSeals');
  });

  it("the host's SEAL seals it; a second one changes nothing", () => {
    const actor = sealed();
    expect(actor.getSnapshot().context.sealed).toBe(true);
    const before = actor.getSnapshot().context;
    expect(actor.getSnapshot().can({ type: 'seal', id: HOST })).toBe(true);
    actor.send({ type: 'seal', id: HOST });
    expect(actor.getSnapshot().value).toBe('sealed');
    expect(actor.getSnapshot().context).toEqual(before);
  });

  it('a member leaving is removed and the lobby stays as it was, open or sealed', () => {
    for (const make of [() => lobby({}, [A, B]), () => sealed({}, [A, B])]) {
      const actor = make();
      const state = actor.getSnapshot().value;
      actor.send({ type: 'leave', id: A });
      expect(actor.getSnapshot().value).toBe(state);
      expect(actor.getSnapshot().context.members).toEqual([HOST, B]);
    }
  });

  it('the host leaving closes the lobby, open or sealed', () => {
    for (const [make, from] of [[() => lobby({}, [A]), 'open'], [() => sealed(), 'sealed']] as const) {
      const actor = make();
      actor.send({ type: 'leave', id: HOST });
      expect(actor.getSnapshot().value).toBe('closed');
      expect(actor.getSnapshot().status).toBe('done');
      expect(actor.getSnapshot().context.closed).toEqual({ by: 'host_left', from });
    }
  });

  it('the host leaving an otherwise empty lobby closes it', () => {
    const actor = lobby();
    actor.send({ type: 'leave', id: HOST });
    expect(actor.getSnapshot().context.closed).toEqual({ by: 'host_left', from: 'open' });
  });

  it('a leave of someone not in the lobby is not taken', () => {
    expect(lobby({}, [A]).getSnapshot().can({ type: 'leave', id: B })).toBe(false);
  });

  it('the seal completing closes a sealed lobby, and only a sealed one', () => {
    const actor = sealed();
    actor.send({ type: 'seal_complete' });
    expect(actor.getSnapshot().context.closed).toEqual({ by: 'seal_complete', from: 'sealed' });
    expect(lobby().getSnapshot().can({ type: 'seal_complete' })).toBe(false);
  });
});

describe('the signaling lobby machine: who reaches whom', () => {
  it('in a mesh every member reaches every other; 1 means the host', () => {
    const actor = lobby({ mesh: true }, [A, B]);
    const { context } = actor.getSnapshot();
    expect(actor.getSnapshot().can({ type: 'relay', from: A, to: B })).toBe(true);
    expect(actor.getSnapshot().can({ type: 'relay', from: B, to: 1 })).toBe(true);
    expect(relayTarget(context, B, 1)).toBe(HOST);
    expect(relayTarget(context, HOST, A)).toBe(A);
    expect(peersSeenBy(context, A)).toEqual([HOST, B]);
    expect(peersSeenBy(context, HOST)).toEqual([A, B]);
  });

  it('in a client/server lobby a client reaches and sees only the host; the host every client', () => {
    const actor = lobby({ mesh: false }, [A, B]);
    const { context } = actor.getSnapshot();
    expectRefused(actor, { type: 'relay', from: A, to: B }, 'invalidDestination');
    expect(actor.getSnapshot().can({ type: 'relay', from: A, to: 1 })).toBe(true);
    expect(actor.getSnapshot().can({ type: 'relay', from: HOST, to: B })).toBe(true);
    expect(peersSeenBy(context, A)).toEqual([HOST]);
    expect(peersSeenBy(context, HOST)).toEqual([A, B]);
  });

  it('a destination not in the lobby, or a sender not in it, is refused: Invalid destination', () => {
    expectRefused(lobby({}, [A]), { type: 'relay', from: A, to: B }, 'invalidDestination');
    expectRefused(lobby({}, [A]), { type: 'relay', from: B, to: 1 }, 'invalidDestination');
    expectRefused(sealed({}, [A]), { type: 'relay', from: A, to: 0 }, 'invalidDestination');
  });

  it('a relay to a member who just left is taken and dropped (not refused); one who joins again with the id is no longer departed', () => {
    const actor = lobby({}, [A, B]);
    actor.send({ type: 'leave', id: B });
    expect(actor.getSnapshot().context.departed).toEqual([B]);
    expect(relayTarget(actor.getSnapshot().context, A, B)).toBeNull();
    expect(relayDeparted(actor.getSnapshot().context, A, B)).toBe(true);
    expect(actor.getSnapshot().can({ type: 'relay', from: A, to: B })).toBe(true);
    expectRefused(actor, { type: 'relay', from: A, to: 77 }, 'invalidDestination');
    actor.send({ type: 'leave', id: A });
    expect(relayDeparted(actor.getSnapshot().context, A, B)).toBe(false);
    actor.send({ type: 'join', id: B, protocol: 4 });
    expect(actor.getSnapshot().context.departed).toEqual([A]);
    for (let id = 100; id < 100 + 2 * DEPARTED_MEMORY; id++) {
      actor.send({ type: 'join', id, protocol: 4 });
      actor.send({ type: 'leave', id });
    }
    expect(actor.getSnapshot().context.departed).toHaveLength(DEPARTED_MEMORY);
  });

  it('a sealed lobby still relays', () => {
    expect(sealed({}, [A]).getSnapshot().can({ type: 'relay', from: A, to: 1 })).toBe(true);
  });

  it('the host is 1 on the wire, everyone else its own id', () => {
    const { context } = lobby({}, [A]).getSnapshot();
    expect(lobbyWireId(context, HOST)).toBe(1);
    expect(lobbyWireId(context, A)).toBe(A);
  });

  it('someone who left is seen by no one and reaches no one', () => {
    const actor = lobby({ mesh: true }, [A, B]);
    actor.send({ type: 'leave', id: A });
    const { context } = actor.getSnapshot();
    expect(peersSeenBy(context, HOST)).toEqual([B]);
    expect(relayTarget(context, A, 1)).toBeNull();
    expect(relayTarget(context, B, A)).toBeNull();
  });
});

describe("the lobby's guards and the closes", () => {
  it('every frame guard stands for a 4000 close, and every guard has one', () => {
    expect(Object.keys(signalingLobbyGuardCloses).sort()).toEqual(Object.keys(signalingLobbyMachine.implementations.guards).sort());
    for (const close of Object.values(signalingLobbyGuardCloses)) expect(SIGNALING_CLOSES[close].code).toBe(4000);
    expect(SIGNALING_CLOSES[signalingLobbyGuardCloses.not_sealed].reason).toBe('Lobby is sealed');
    expect(SIGNALING_CLOSES[signalingLobbyGuardCloses.destination_reachable].reason).toBe('Invalid destination');
  });
});
