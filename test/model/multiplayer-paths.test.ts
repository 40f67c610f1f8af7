/**
 * Issue 12: the WebRTCMultiplayer's and its remote peers' machines, walked with `xstate/graph`.
 * Every state and every transition of each definition (each guarded branch) is reached, and
 * every path of the transition cover replays on a real actor, step by step, to the snapshot
 * the walk says. (Their replay on the real `WebRTCMultiplayer` class is in
 * `multiplayer-class-paths.test.ts`.)
 */
import { describe, expect, it } from 'vitest';
import { createActor, type EventObject } from 'xstate';
import { getSimplePaths } from 'xstate/graph';
import { stateName } from '../../src/machines/explain.js';
import { machineStates } from '../../src/testing/paths.js';
import { MULTIPLAYER_WALK, REMOTE_WALK, adjacency, definedTransitions, transitionCover, transitionKey, type Walked } from './multiplayer-walk.js';

describe.each([
  { name: 'webrtcMultiplayer', walked: MULTIPLAYER_WALK as Walked<EventObject> },
  { name: 'multiplayerRemote', walked: REMOTE_WALK as Walked<EventObject> },
])('the $name machine, walked with xstate/graph', ({ walked }) => {
  const vertices = adjacency(walked);
  const cover = transitionCover(walked);

  it('reaches every state it defines, and takes every transition of its definition (each guarded branch)', () => {
    expect(new Set(vertices.map((vertex) => stateName(vertex.state)))).toEqual(new Set(machineStates(walked.machine)));
    const taken = new Set(vertices.flatMap((vertex) => Object.values(vertex.transitions).map(({ event, state }) => transitionKey(stateName(vertex.state), event.type, stateName(state)))));
    const defined = definedTransitions(walked.machine);
    expect([...defined].filter((key) => !taken.has(key)), 'defined but never taken').toEqual([]);
    expect([...taken].filter((key) => !defined.has(key)), 'taken but not defined').toEqual([]);
  });

  it('its transition cover takes every edge of the walk (every snapshot × every event it takes)', () => {
    const edges = new Set(vertices.flatMap((vertex) => Object.values(vertex.transitions).map(({ event }) => `${JSON.stringify(vertex.state.context)}|${vertex.state.value}|${JSON.stringify(event)}`)));
    const walkedEdges = new Set<string>();
    for (const path of cover) {
      const actor = createActor(walked.machine, { input: walked.input } as never).start();
      for (const step of path.steps) {
        const before = actor.getSnapshot();
        walkedEdges.add(`${JSON.stringify(before.context)}|${before.value}|${JSON.stringify(step.event)}`);
        expect(before.can(step.event), `${path.description}: ${step.label} in ${step.from}`).toBe(true);
        actor.send(step.event);
        expect(actor.getSnapshot().value).toBe(step.to);
        expect(actor.getSnapshot().context).toEqual(step.after.context);
      }
      actor.stop();
    }
    expect([...edges].filter((edge) => !walkedEdges.has(edge))).toEqual([]);
    expect(cover.length).toBeLessThan(2000);
  });

});

// Simple paths only for the remote machine: the multiplayer's 96 snapshots have far too many.
it('the multiplayerRemote machine has a simple path into every state', () => {
  const { machine, input, events } = REMOTE_WALK;
  const paths = getSimplePaths(machine, { input, events, filterEvents: (s: { can(e: EventObject): boolean }, e: EventObject) => s.can(e) } as never) as unknown as Array<{ state: { value: unknown } }>;
  expect(new Set(paths.map((path) => String(path.state.value)))).toEqual(new Set(machineStates(machine)));
  expect(paths.length).toBeLessThan(50);
});

describe('what the walk says of the multiplayer machine', () => {
  const vertices = adjacency(MULTIPLAYER_WALK);
  const refusedEverywhere = (event: EventObject & Record<string, unknown>) => vertices.every((vertex) => !vertex.state.can(event));

  it('refuses an id out of range everywhere (initialize(0), add_peer(0))', () => {
    expect(refusedEverywhere({ type: 'initialize', id: 0, serverCompatibility: false })).toBe(true);
    expect(refusedEverywhere({ type: 'add_peer', id: 0 })).toBe(true);
  });

  it('never holds a connected peer that is not in the map, nor a peer while uninitialized unless a client lost its server', () => {
    for (const { state } of vertices) {
      const { peers, connected, uniqueId, ended } = state.context as { peers: number[]; connected: number[]; uniqueId: number; ended: { by: string } | null };
      expect(connected.every((id) => peers.includes(id))).toBe(true);
      if (state.value === 'disconnected' && peers.length > 0) expect(ended?.by === 'server_disconnected' || ended?.by === 'connection_failed').toBe(true);
      if (state.value === 'disconnected' && ended?.by === 'close') expect({ peers, uniqueId }).toEqual({ peers: [], uniqueId: 0 });
    }
  });

  it('a server_compatibility client reaches connected only through peer 1, and leaves it when 1 goes', () => {
    for (const vertex of vertices) {
      for (const { event, state } of Object.values(vertex.transitions)) {
        if (vertex.state.value === 'connecting' && state.value === 'connected') expect(event).toEqual({ type: 'peer_connected', id: 1 });
        if (vertex.state.value !== 'disconnected' && state.value === 'disconnected') expect(['close', 'peer_removed']).toContain(event.type);
        if (vertex.state.value !== 'disconnected' && state.value === 'disconnected' && event.type === 'peer_removed') expect(event).toEqual({ type: 'peer_removed', id: 1 });
      }
    }
  });
});
