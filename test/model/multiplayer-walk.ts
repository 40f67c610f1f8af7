/**
 * The WebRTCMultiplayer's and its remote peers' machines walked with `xstate/graph`: their event
 * alphabets (every argument the guards tell apart), every reachable (snapshot, event) edge, and
 * a transition cover (the shortest path to each snapshot, and one more path for every edge those
 * paths do not take), each step named as the class's records name it.
 */
import { getAdjacencyMap, getShortestPaths } from 'xstate/graph';
import { initialTransition, transition, type AnyMachineSnapshot, type AnyStateMachine, type EventObject } from 'xstate';
import { stateName } from '../../src/machines/explain.js';
import { describeRemoteEvent, multiplayerRemoteMachine, type MultiplayerRemoteEvent } from '../../src/machines/multiplayer-remote.js';
import { describeMultiplayerEvent, webrtcMultiplayerMachine, type WebRTCMultiplayerEvent } from '../../src/machines/webrtc-multiplayer.js';

/** The ids the walk uses: 1 (the server, or a mesh peer), 2 (another peer), 3 (a client's own id), 0 (out of range). */
export const SELF_IDS = [1, 3] as const;
export const PEER_IDS = [1, 2] as const;

export const MULTIPLAYER_EVENTS: readonly WebRTCMultiplayerEvent[] = [
  ...SELF_IDS.flatMap((id) => [false, true].map((serverCompatibility) => ({ type: 'initialize', id, serverCompatibility }) as const)),
  { type: 'initialize', id: 0, serverCompatibility: false },
  { type: 'set_refuse_new_connections', enable: true },
  { type: 'set_refuse_new_connections', enable: false },
  ...[0, ...PEER_IDS].map((id) => ({ type: 'add_peer', id }) as const),
  ...PEER_IDS.map((id) => ({ type: 'peer_connected', id }) as const),
  ...PEER_IDS.map((id) => ({ type: 'peer_removed', id }) as const),
  { type: 'close' },
];

export const REMOTE_EVENTS: readonly MultiplayerRemoteEvent[] = [
  { type: 'channels_open' },
  { type: 'link_ended', cause: 'connection' },
  { type: 'link_ended', cause: 'channel' },
  { type: 'remove_peer' },
  { type: 'close' },
];

export interface Walked<E extends EventObject> {
  machine: AnyStateMachine;
  input?: unknown;
  events: readonly E[];
  describe: (event: E) => string;
}

export const MULTIPLAYER_WALK: Walked<WebRTCMultiplayerEvent> = { machine: webrtcMultiplayerMachine, events: MULTIPLAYER_EVENTS, describe: describeMultiplayerEvent };
export const REMOTE_WALK: Walked<MultiplayerRemoteEvent> = { machine: multiplayerRemoteMachine, input: { id: 2 }, events: REMOTE_EVENTS, describe: describeRemoteEvent };

export interface WalkStep<E extends EventObject> {
  event: E;
  /** As the transition record names it: `add_peer(2)`, `link_ended(channel)`. */
  label: string;
  from: string;
  to: string;
  /** The machine's snapshot after the step (its context: the peer map). */
  after: AnyMachineSnapshot;
}

export interface WalkPath<E extends EventObject> {
  description: string;
  steps: Array<WalkStep<E>>;
}

/** A taken transition as (state, event type, target): what tells apart every transition the definitions have. */
export const transitionKey = (from: string, type: string, to: string) => `${from} --${type}--> ${to}`;

function traversal<E extends EventObject>(walked: Walked<E>) {
  // Only what the machine takes: xstate/graph would otherwise record a refused event as a self-loop.
  return { input: walked.input, events: walked.events, filterEvents: (snapshot: { can(event: EventObject): boolean }, event: EventObject) => snapshot.can(event) } as never;
}

type Vertex = { state: AnyMachineSnapshot; transitions: Record<string, { event: EventObject; state: AnyMachineSnapshot }> };

/** Every reachable snapshot (as xstate/graph keys it) with the edges out of it. */
export function adjacency<E extends EventObject>(walked: Walked<E>): Vertex[] {
  return Object.values(getAdjacencyMap(walked.machine, traversal(walked)) as unknown as Record<string, Vertex>);
}

/** Every transition the machine's definition has, as `transitionKey`s (each guarded branch its own). */
export function definedTransitions(machine: AnyStateMachine): Set<string> {
  const keys = new Set<string>();
  for (const [name, node] of Object.entries(machine.root.states)) {
    for (const [type, candidates] of Object.entries(node.on)) {
      for (const candidate of candidates as Array<{ target?: Array<{ key: string }> }>) keys.add(transitionKey(name, type, candidate.target?.[0]?.key ?? name));
    }
  }
  return keys;
}

/** The shortest path to every reachable snapshot, then one path more for each edge none of them takes. */
export function transitionCover<E extends EventObject>(walked: Walked<E>): Array<WalkPath<E>> {
  const shortest = getShortestPaths(walked.machine, traversal(walked)) as unknown as Array<{ steps: Array<{ event: E; state: AnyMachineSnapshot }>; state: AnyMachineSnapshot }>;
  const paths = shortest.map((path) => path.steps.slice(1).map((step) => step.event)).filter((events) => events.length > 0);
  const covered = new Set<string>();
  const key = (events: readonly E[]) => events.map(walked.describe).join(' ');
  for (const events of paths) for (let i = 1; i <= events.length; i++) covered.add(key(events.slice(0, i)));
  const extra: E[][] = [];
  for (const path of shortest) {
    const prefix = path.steps.slice(1).map((step) => step.event);
    for (const event of walked.events) {
      if (!path.state.can(event) || covered.has(key([...prefix, event]))) continue;
      covered.add(key([...prefix, event]));
      extra.push([...prefix, event]);
    }
  }
  const all = [...paths, ...extra];
  // A path that is the beginning of another one adds nothing when replayed.
  const keys = all.map(key);
  const kept = all.filter((_, i) => !keys.some((other, j) => j !== i && other.startsWith(`${keys[i]} `)));
  return kept.map((events) => toPath(walked, events));
}

/** Replays `events` through the machine (pure `transition`): each step with the state before and after. */
export function toPath<E extends EventObject>(walked: Walked<E>, events: readonly E[]): WalkPath<E> {
  let [snapshot] = initialTransition(walked.machine, walked.input as never);
  const steps: Array<WalkStep<E>> = [];
  for (const event of events) {
    const from = stateName(snapshot);
    [snapshot] = transition(walked.machine, snapshot, event as never);
    steps.push({ event, label: walked.describe(event), from, to: stateName(snapshot), after: snapshot as AnyMachineSnapshot });
  }
  const first = steps[0]?.from ?? stateName(snapshot);
  return { description: [first, ...steps.map((step) => `-${step.label}-> ${step.to}`)].join(' '), steps };
}
