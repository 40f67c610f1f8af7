import { describe, expect, it } from 'vitest';
import { createActor, type AnyStateMachine, type EventObject } from 'xstate';
import { getAdjacencyMap, getShortestPaths, getSimplePaths } from 'xstate/graph';
import { signalingSessionMachine, signalingSessionGuardCloses, signalingRefusal, type SignalingSessionEvent } from '../../src/machines/signaling-session.js';
import { signalingLobbyMachine, type SignalingLobbyEvent } from '../../src/machines/signaling-lobby.js';
import { machineStates } from '../../src/testing/paths.js';

const HOST = 900;
const A = 901;
const B = 902;

/** Every kind of event each machine can be sent, with the arguments its guards tell apart. */
const SESSION_EVENTS: readonly SignalingSessionEvent[] = [
  { type: 'create_lobby', name: 'ROOM', mesh: true, protocol: 4, openLobbies: 0 },
  { type: 'create_lobby', name: 'ROOM', mesh: true, protocol: 4, openLobbies: 1024 },
  { type: 'join_lobby', name: 'ROOM', protocol: 4, lobbyExists: true },
  { type: 'join_lobby', name: 'ROOM', protocol: 4, lobbyExists: false },
  { type: 'seal' },
  { type: 'relay', kind: 'offer' },
  { type: 'relay', kind: 'answer' },
  { type: 'relay', kind: 'candidate' },
  { type: 'unknown_command', command: 8 },
  { type: 'no_lobby_timeout' },
  { type: 'lobby_sealed' },
  { type: 'host_left' },
  { type: 'seal_complete' },
  { type: 'socket_closed', code: 1000, reason: '' },
  { type: 'ping_missed' },
  { type: 'frame_too_large' },
  { type: 'server_shutdown' },
  { type: 'too_slow' },
  { type: 'bad_frame', close: 'invalidFormat' },
];

const LOBBY_EVENTS: readonly SignalingLobbyEvent[] = [
  { type: 'join', id: A, protocol: 4 },
  { type: 'join', id: B, protocol: 4 },
  { type: 'join', id: A, protocol: 3 },
  { type: 'join', id: 1, protocol: 4 },
  { type: 'seal', id: HOST },
  { type: 'seal', id: A },
  { type: 'relay', from: A, to: 1 },
  { type: 'relay', from: A, to: B },
  { type: 'relay', from: HOST, to: A },
  { type: 'leave', id: A },
  { type: 'leave', id: HOST },
  { type: 'seal_complete' },
  { type: 'shutdown' },
];

interface Walked {
  name: string;
  machine: AnyStateMachine;
  input: unknown;
  events: readonly EventObject[];
}

const MACHINES: Walked[] = [
  { name: 'session', machine: signalingSessionMachine, input: { id: A }, events: SESSION_EVENTS },
  { name: 'mesh lobby', machine: signalingLobbyMachine, input: { name: 'ROOM', mesh: true, protocol: 4, host: HOST }, events: LOBBY_EVENTS },
  { name: 'client/server lobby', machine: signalingLobbyMachine, input: { name: 'ROOM', mesh: false, protocol: 4, host: HOST }, events: LOBBY_EVENTS },
];

function traversal({ input, events }: Walked) {
  // Only what the machine takes: xstate/graph would otherwise record a refused event as a self-loop.
  return { input, events, filterEvents: (snapshot: { can(event: EventObject): boolean }, event: EventObject) => snapshot.can(event) } as never;
}

type Step = { event: EventObject; state: { value: unknown; context: unknown } };

describe.each(MACHINES)('the $name machine, walked with xstate/graph', (walked) => {
  const { machine, input } = walked;

  it('reaches every state it defines by a shortest path, and each path replays on a real actor', () => {
    const paths = getShortestPaths(machine, traversal(walked)) as unknown as Array<{ state: { value: unknown }; steps: Step[] }>;
    expect(new Set(paths.map((path) => String(path.state.value)))).toEqual(new Set(machineStates(machine)));
    for (const path of paths) {
      const actor = createActor(machine, { input } as never).start();
      for (const step of path.steps.slice(1)) {
        expect(actor.getSnapshot().can(step.event)).toBe(true);
        actor.send(step.event);
        expect(actor.getSnapshot().value).toEqual(step.state.value);
        expect(actor.getSnapshot().context).toEqual(step.state.context);
      }
    }
  });

  it('takes every event type of its alphabet somewhere (a frame every state refuses excepted, each with its close)', () => {
    const adjacency = getAdjacencyMap(machine, traversal(walked)) as unknown as Record<string, { state: { value: unknown; context: unknown; can(e: EventObject): boolean }; transitions: Record<string, { event: EventObject }> }>;
    const taken = new Set(Object.values(adjacency).flatMap((vertex) => Object.values(vertex.transitions).map(({ event }) => event.type)));
    const alphabet = new Set(walked.events.map((event) => event.type));
    const neverTaken = [...alphabet].filter((type) => !taken.has(type));
    if (machine === signalingSessionMachine) {
      expect(neverTaken).toEqual(['unknown_command']);
      const open = Object.values(adjacency).filter((vertex) => vertex.state.value !== 'closed');
      expect(open.length).toBeGreaterThan(0);
      for (const vertex of open) {
        const refusal = signalingRefusal(machine, vertex.state, { type: 'unknown_command', command: 8 }, signalingSessionGuardCloses);
        expect(['notInLobby', 'invalidCommand']).toContain(refusal?.close);
      }
    } else {
      expect(neverTaken).toEqual([]);
    }
  });

  it('has simple paths into every state, each ending where xstate/graph says', () => {
    const paths = getSimplePaths(machine, traversal(walked)) as unknown as Array<{ state: { value: unknown } }>;
    expect(paths.length).toBeLessThan(5000);
    expect(new Set(paths.map((path) => String(path.state.value)))).toEqual(new Set(machineStates(machine)));
  });
});

describe('the signaling machines stay pure', () => {
  for (const machine of [signalingSessionMachine, signalingLobbyMachine]) {
    it(`${machine.id}: no delayed transition, no invoked actor, no entry or exit action in any state`, () => {
      const nodes = [machine.root, ...Object.values(machine.root.states)];
      expect(nodes.length).toBe(1 + machineStates(machine).length);
      for (const node of nodes) {
        expect(node.after).toEqual([]);
        expect(node.invoke).toEqual([]);
        expect(node.entry).toEqual([]);
        expect(node.exit).toEqual([]);
      }
    });

    it(`${machine.id}: its only actions are assigns and the no-op accept`, () => {
      for (const [name, action] of Object.entries(machine.implementations.actions)) {
        if (name === 'accept') expect((action as () => unknown)()).toBeUndefined();
        else expect((action as { type?: string }).type).toBe('xstate.assign');
      }
    });
  }
});
