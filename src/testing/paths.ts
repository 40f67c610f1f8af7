import { getAdjacencyMap, getShortestPaths, getSimplePaths } from 'xstate/graph';
import { initialTransition, transition, type AnyStateMachine, type EventFromLogic, type EventObject, type SnapshotFrom } from 'xstate';
import { stateName } from '../machines/explain.js';
import { describeEvent } from '../api/machine-handle.js';
import { eventsOf, libraryCanSend } from './events.js';

/**
 * Paths through a machine, generated with `xstate/graph`, in a form a test can replay: each
 * step is an event and the state the machine is in after it. Works on any flat machine (this
 * library's four, or a service's own); for this library's machines the event alphabet is known
 * (`MODEL_EVENTS`), for another machine give `events`.
 */

/** One step: the event, its label as transition records write it, and the states around it. */
export interface ModelStep<E extends EventObject = EventObject> {
  event: E;
  /** `set_remote_description(offer)`, `stack.connection_state(connected)`, `close`: as `TransitionRecord.event`. */
  label: string;
  from: string;
  to: string;
}

export interface ModelPath<E extends EventObject = EventObject> {
  /** The machine's id. */
  machine: string;
  /** `new → connecting → connected`, with the events. */
  description: string;
  steps: Array<ModelStep<E>>;
  /** The state the path ends in. */
  end: string;
  /** The machine's snapshot at the end (its context included). */
  endSnapshot: SnapshotFrom<AnyStateMachine>;
}

/** A transition of a machine between two of its states, as one event takes it. */
export interface ModelEdge<E extends EventObject = EventObject> {
  /** `stable --set_local_description(offer)--> haveLocalOffer` */
  key: string;
  from: string;
  label: string;
  to: string;
  event: E;
}

/**
 * `transitions` (the default): for every transition of the machine, the shortest path to its
 * source state followed by it, so that every transition is taken by some path (paths that are a
 * prefix of another are dropped). `shortest`: the shortest path to every state. `simple`: every
 * path that visits no state twice (only for small machines: their number grows fast), each
 * extended by every transition out of its last state, so that every transition is taken after
 * every simple way of reaching its source.
 */
export type PathStrategy = 'transitions' | 'shortest' | 'simple';

export interface GeneratePathsOptions<E extends EventObject = EventObject> {
  strategy?: PathStrategy;
  /** The events to try in every state (the machine's `can()` decides which are taken). */
  events?: readonly E[];
  /**
   * Leave out an event in a state (on top of `can()` and, for this library's machines,
   * `libraryCanSend`), e.g. an event your environment cannot cause.
   */
  filter?: (snapshot: SnapshotFrom<AnyStateMachine>, event: E) => boolean;
  /**
   * What makes two snapshots the same vertex: by default the state value and the context, as
   * `xstate/graph` does; give a coarser key when the context can grow without bound.
   */
  serializeState?: (snapshot: SnapshotFrom<AnyStateMachine>) => string;
  /** Fail instead of generating more paths than this (default 10 000). */
  maxPaths?: number;
  /**
   * Keep a path that is the beginning of another (by default such paths are dropped: replaying
   * the longer one takes the same steps). With `shortest`, keeping them gives one path to every
   * state, the empty path to the initial state included.
   */
  keepPrefixes?: boolean;
}

/** `stack.connection_state(connected)`: an event as transition records write it. */
export function eventLabel(event: EventObject): string {
  return describeEvent(event);
}

/** The names of a flat machine's states, in definition order. */
export function machineStates(machine: AnyStateMachine): string[] {
  return Object.keys(machine.root.states);
}

function traversal<E extends EventObject>(machine: AnyStateMachine, options: GeneratePathsOptions<E>) {
  const events = (options.events ?? (eventsOf(machine) as readonly E[] | undefined)) as readonly E[] | undefined;
  if (!events) throw new Error(`generatePaths: no event alphabet for machine ${machine.id}: give options.events`);
  const filter = options.filter;
  const serializeState = options.serializeState ?? defaultSerialize(machine);
  return {
    events,
    // Only what the machine takes (xstate/graph would otherwise record an unhandled event as a
    // self-loop) and what the library can send it there (no stack report after a shut-down).
    filterEvents: (snapshot: SnapshotFrom<AnyStateMachine>, event: E) =>
      (snapshot as { can(event: EventObject): boolean }).can(event) && libraryCanSend(machine, snapshot, event) && (!filter || filter(snapshot, event)),
    serializeState: (snapshot: SnapshotFrom<AnyStateMachine>) => serializeState(snapshot),
  };
}

function defaultSerialize(machine: AnyStateMachine): (snapshot: SnapshotFrom<AnyStateMachine>) => string {
  // The signaling machine counts channels; whether there is one is all its guards ask.
  if (machine.id === 'signaling') {
    return (snapshot) => {
      const { channels, ...rest } = (snapshot as { context: { channels: number } }).context;
      return JSON.stringify({ value: snapshot.value, context: { ...rest, channels: Math.min(channels, 1) } });
    };
  }
  return (snapshot) => JSON.stringify({ value: snapshot.value, context: (snapshot as { context?: unknown }).context });
}

/**
 * Every transition of a machine that some reachable snapshot takes with some event of the
 * alphabet, once per (from, event, to). A transition defined on the root (say `initialize`)
 * counts once per state it leaves. This is what the coverage figures count.
 */
export function machineEdges<M extends AnyStateMachine, E extends EventObject = EventFromLogic<M>>(
  machine: M,
  options: Omit<GeneratePathsOptions<E>, 'strategy' | 'maxPaths' | 'keepPrefixes'> = {},
): Array<ModelEdge<E>> {
  const adjacency = getAdjacencyMap(machine, traversal(machine, options) as never);
  const edges = new Map<string, ModelEdge<E>>();
  for (const vertex of Object.values(adjacency) as Array<{ state: SnapshotFrom<AnyStateMachine>; transitions: Record<string, { event: E; state: SnapshotFrom<AnyStateMachine> }> }>) {
    const from = stateName(vertex.state);
    for (const { event, state } of Object.values(vertex.transitions)) {
      const edge = toEdge(from, event, stateName(state));
      if (!edges.has(edge.key)) edges.set(edge.key, edge);
    }
  }
  return [...edges.values()];
}

export function edgeKey(from: string, label: string, to: string): string {
  return `${from} --${label}--> ${to}`;
}

function toEdge<E extends EventObject>(from: string, event: E, to: string): ModelEdge<E> {
  const label = eventLabel(event);
  return { key: edgeKey(from, label, to), from, label, to, event };
}

type RawPath<E> = { steps: Array<{ event: E | { type: 'xstate.init' }; state: SnapshotFrom<AnyStateMachine> }> };

/** Paths through `machine` (see `PathStrategy`), ready to replay. */
export function generatePaths<M extends AnyStateMachine, E extends EventObject = EventFromLogic<M>>(machine: M, options: GeneratePathsOptions<E> = {}): Array<ModelPath<E>> {
  const strategy = options.strategy ?? 'transitions';
  const maxPaths = options.maxPaths ?? 10_000;
  const config = traversal(machine, options);
  let raw: Array<Array<ModelStep<E>>>;
  if (strategy === 'shortest') {
    raw = (getShortestPaths(machine, config as never) as unknown as Array<RawPath<E>>).map(toSteps);
  } else if (strategy === 'simple') {
    const simple = (getSimplePaths(machine, config as never) as unknown as Array<RawPath<E>>).map(toSteps);
    if (simple.length > maxPaths) throw new Error(`generatePaths: ${simple.length} simple paths through ${machine.id}, more than ${maxPaths}`);
    raw = simple.flatMap((steps) => extendByOneEdge(machine, config, steps));
  } else {
    raw = transitionCover(machine, config);
  }
  const kept = options.keepPrefixes ? raw : dropPrefixes(raw);
  const paths = kept.map((steps) => toPath(machine, steps));
  if (paths.length > maxPaths) throw new Error(`generatePaths: ${paths.length} paths through ${machine.id}, more than ${maxPaths}`);
  return paths;
}

function toSteps<E extends EventObject>(path: RawPath<E>): Array<ModelStep<E>> {
  const steps: Array<ModelStep<E>> = [];
  // After xstate/graph's reshaping, steps[0] is the initial snapshot (xstate.init) and each later
  // step is an event with the snapshot it leads to.
  for (let i = 1; i < path.steps.length; i++) {
    const previous = path.steps[i - 1]!;
    const step = path.steps[i]!;
    steps.push({ ...toEdge(stateName(previous.state), step.event as E, stateName(step.state)), event: step.event as E });
  }
  return steps.map(({ event, label, from, to }) => ({ event, label, from, to }));
}

function transitionCover<E extends EventObject>(machine: AnyStateMachine, config: ReturnType<typeof traversal<E>>): Array<Array<ModelStep<E>>> {
  const shortest = getShortestPaths(machine, config as never) as unknown as Array<RawPath<E> & { state: SnapshotFrom<AnyStateMachine> }>;
  const paths: Array<Array<ModelStep<E>>> = [];
  const covered = new Set<string>();
  for (const path of shortest) {
    const steps = toSteps(path);
    for (const step of steps) covered.add(edgeKey(step.from, step.label, step.to));
  }
  for (const path of shortest) {
    const prefix = toSteps(path);
    for (const next of outgoing(machine, config, path.state)) {
      const key = edgeKey(next.from, next.label, next.to);
      if (covered.has(key)) continue;
      covered.add(key);
      paths.push([...prefix, next]);
    }
  }
  return [...shortest.map(toSteps), ...paths];
}

function outgoing<E extends EventObject>(machine: AnyStateMachine, config: ReturnType<typeof traversal<E>>, snapshot: SnapshotFrom<AnyStateMachine>): Array<ModelStep<E>> {
  const steps: Array<ModelStep<E>> = [];
  const from = stateName(snapshot);
  for (const event of config.events) {
    if (!config.filterEvents(snapshot, event)) continue;
    const [next] = transition(machine, snapshot as never, event as never);
    const edge = toEdge(from, event, stateName(next));
    steps.push({ event, label: edge.label, from, to: edge.to });
  }
  return steps;
}

function extendByOneEdge<E extends EventObject>(machine: AnyStateMachine, config: ReturnType<typeof traversal<E>>, steps: Array<ModelStep<E>>): Array<Array<ModelStep<E>>> {
  // Recompute the end snapshot by replaying the steps (simple paths give values, not contexts we keep).
  let [snapshot] = initialTransition(machine);
  for (const step of steps) [snapshot] = transition(machine, snapshot, step.event as never);
  const extended = outgoing(machine, config, snapshot).map((next) => [...steps, next]);
  return extended.length > 0 ? extended : [steps];
}

/** Drops empty paths, duplicates, and paths that are the beginning of another. */
function dropPrefixes<E extends EventObject>(paths: Array<Array<ModelStep<E>>>): Array<Array<ModelStep<E>>> {
  const stepKey = (step: ModelStep<E>) => `${step.from}|${JSON.stringify(step.event)}`;
  const unique = new Map<string, Array<ModelStep<E>>>();
  const prefixes = new Set<string>();
  for (const steps of paths) {
    const keys = steps.map(stepKey);
    for (let i = 1; i < keys.length; i++) prefixes.add(keys.slice(0, i).join(' '));
    if (keys.length > 0) unique.set(keys.join(' '), steps);
  }
  return [...unique.entries()].filter(([key]) => !prefixes.has(key)).map(([, steps]) => steps);
}

function toPath<E extends EventObject>(machine: AnyStateMachine, steps: Array<ModelStep<E>>): ModelPath<E> {
  let [snapshot] = initialTransition(machine);
  for (const step of steps) [snapshot] = transition(machine, snapshot, step.event as never);
  const first = steps[0]?.from ?? stateName(snapshot);
  const description = [first, ...steps.map((step) => `-${step.label}-> ${step.to}`)].join(' ');
  return { machine: machine.id, description, steps, end: stateName(snapshot), endSnapshot: snapshot };
}
