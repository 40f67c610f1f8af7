import type { AnyStateMachine } from 'xstate';
import { SDP_TYPES } from '../machines/events.js';

/**
 * A flat machine read from its own definition (`machine.root`): its states, and its
 * transitions grouped by the pair of states they join. Nothing is drawn by hand: the inspector's
 * pictures come from this.
 *
 * @example
 * ```ts
 * const graph = machineGraph(signalingMachine);
 * graph.edges.find((e) => e.from === 'haveLocalOffer' && e.to === 'stable')?.transitions.map((t) => t.text);
 * // ['set_local_description("rollback")', 'set_remote_description("answer")', 'set_remote_description("rollback")']
 * drawnTransition(graph, 'stable', 'add_ice_candidate', 'stable')?.element; // 'stable/add_ice_candidate'
 * ```
 */
export interface MachineGraph {
  id: string;
  initial: string;
  /** State names, in definition order. */
  states: string[];
  /** Transitions between two different states, one edge per ordered pair, with every event that takes it. */
  edges: GraphEdge[];
  /** Per state, the labels of the events that leave it where it is (a self-transition or a targetless one). */
  loops: Record<string, string[]>;
  /** The same, one entry per label of `loops` and in its order: each is drawn as a loop of its own. */
  loopTransitions: Record<string, GraphTransition[]>;
  /** The part of `loops` whose labels are always drawn (the rest are in `notes`, and drawn faint). */
  shownLoops: Record<string, string[]>;
  /** Transitions defined on the machine's root: taken from any state. */
  global: Array<{ label: string; to: string | null }>;
  /** The same, one entry per item of `global`: each is a line of the notes. */
  globalTransitions: GraphTransition[];
  /**
   * What the picture says once instead of on every arrow, read from the same definition: an event
   * that leads to one state from every other state, an event every state takes without moving,
   * an event whose argument names the state it leads to. The arrows stay; their labels go.
   */
  notes: string[];
}

export interface GraphEdge {
  from: string;
  to: string;
  /** The machine's own words: `event`, `event(state)` for a guard with a state parameter, `event [guard]` for a named guard. */
  labels: string[];
  /** One per label, in its order. */
  transitions: GraphTransition[];
  /** The labels drawn on the arrow (the others are in `notes`). */
  shown: string[];
  /** Every label of the arrow is one taken from every state (drawn faint). */
  faint: boolean;
}

/** One transition of the definition, and where the picture draws it. */
export interface GraphTransition {
  /** The event's type: `set_remote_description`. */
  event: string;
  /** The argument that picks this transition (`answer`, `connected`); null when the type is enough. */
  argument: string | null;
  /** The machine's own words (`set_remote_description [remote_answer]`), as in `GraphEdge.labels`. */
  label: string;
  /** As an application developer meets it: `set_remote_description("answer")`, `stack: connected`. */
  text: string;
  /** What a named guard asks beyond the call itself, for the tooltip; null when the text says it all. */
  condition: string | null;
  /** The drawn element that stands for it (`data-drawn`): `from->to`, `state/key` for a loop, `*\/key` for a transition from any state. */
  element: string;
  /** Its line within that element (`data-key`): the record's event spelling, `set_remote_description(answer)`, or the type alone. */
  key: string;
}

interface TransitionLike {
  target?: ReadonlyArray<{ key: string }> | undefined;
  guard?: unknown;
}

export function machineGraph(machine: AnyStateMachine): MachineGraph {
  const root = machine.root;
  const states = Object.keys(root.states);
  const initial = root.initial?.target[0]?.key ?? states[0] ?? '';
  const edges = new Map<string, GraphEdge>();
  const loops: Record<string, string[]> = {};
  const loopTransitions: Record<string, GraphTransition[]> = {};
  for (const name of states) {
    loops[name] = [];
    loopTransitions[name] = [];
    const node = root.states[name]!;
    for (const [event, transitions] of Object.entries(node.on as Record<string, TransitionLike[]>)) {
      for (const transition of transitions) {
        const label = transitionLabel(event, transition.guard);
        const to = transition.target?.[0]?.key;
        if (to === undefined || to === name) {
          if (!loops[name]!.includes(label)) {
            loops[name]!.push(label);
            loopTransitions[name]!.push(describe(event, transition.guard, (key) => `${name}/${key}`, loopTransitions[name]!));
          }
          continue;
        }
        const key = `${name}->${to}`;
        const edge = edges.get(key) ?? { from: name, to, labels: [], transitions: [], shown: [], faint: false };
        if (!edge.labels.includes(label)) {
          edge.labels.push(label);
          edge.transitions.push(describe(event, transition.guard, () => key, edge.transitions));
        }
        edges.set(key, edge);
      }
    }
  }
  const global: MachineGraph['global'] = [];
  const globalTransitions: GraphTransition[] = [];
  for (const [event, transitions] of Object.entries(root.on as Record<string, TransitionLike[]>)) {
    for (const transition of transitions) {
      global.push({ label: transitionLabel(event, transition.guard), to: transition.target?.[0]?.key ?? null });
      globalTransitions.push(describe(event, transition.guard, (key) => `*/${key}`, globalTransitions));
    }
  }
  const shownLoops = Object.fromEntries(Object.entries(loops).map(([state, labels]) => [state, [...labels]]));
  const graph: MachineGraph = { id: machine.id, initial, states, edges: [...edges.values()], loops, loopTransitions, shownLoops, global, globalTransitions, notes: [] };
  summarize(graph);
  return graph;
}

/**
 * The drawn element and line that stand for a transition record (`from`, its `event` as the
 * record spells it, `to`), or null if the definition has no such transition. The state's own
 * transitions come first, as xstate takes them; then the root's.
 */
export function drawnTransition(graph: MachineGraph, from: string, event: string, to: string): GraphTransition | null {
  const match = /^([^(]+)\((.*)\)$/.exec(event);
  const type = match ? match[1]! : event;
  const argument = match ? match[2]! : null;
  const fits = (transition: GraphTransition) => transition.event === type && (transition.argument === null || transition.argument === argument);
  const own =
    from === to
      ? graph.loopTransitions[from]?.find(fits)
      : graph.edges.find((edge) => edge.from === from && edge.to === to)?.transitions.find(fits);
  if (own) return own;
  return graph.globalTransitions.find((transition, index) => fits(transition) && (graph.global[index]!.to ?? from) === to) ?? null;
}

/** Fills `notes`, each edge's `shown`/`faint`, and `shownLoops` with what the notes do not say. */
function summarize(graph: MachineGraph): void {
  const active = graph.states.filter((state) => graph.edges.some((edge) => edge.from === state) || graph.loops[state]!.length > 0);
  const hidden = new Map<GraphEdge, Set<string>>(graph.edges.map((edge) => [edge, new Set()]));
  const textOf = (label: string) => [...graph.edges.flatMap((edge) => edge.transitions), ...Object.values(graph.loopTransitions).flat()].find((t) => t.label === label)!.text;
  // An event whose argument names where it leads, on every arrow it labels: event(s) → s.
  const byEvent = new Map<string, Array<[GraphEdge, string | null]>>();
  for (const edge of graph.edges) {
    edge.transitions.forEach((transition) => {
      byEvent.set(transition.event, [...(byEvent.get(transition.event) ?? []), [edge, transition.argument === edge.to ? transition.label : null]]);
    });
  }
  for (const [event, uses] of byEvent) {
    if (uses.length < 2 || uses.some(([, label]) => label === null)) continue;
    graph.notes.push(`unlabelled solid arrows: ${callText(event, '<the state they lead to>')}`);
    for (const [edge, label] of uses) hidden.get(edge)!.add(label!);
  }
  // An event that leads to T from every other state that takes events.
  const fanIn = new Set<GraphEdge>();
  for (const target of graph.states) {
    const into = graph.edges.filter((edge) => edge.to === target);
    const others = active.filter((state) => state !== target);
    if (others.length < 3) continue;
    const everywhere = [...new Set(into.flatMap((edge) => edge.labels))].filter(
      (label) => !into.some((edge) => hidden.get(edge)!.has(label)) && others.every((state) => into.some((edge) => edge.from === state && edge.labels.includes(label))),
    );
    if (everywhere.length === 0) continue;
    graph.notes.push(`from every other state: ${everywhere.map(textOf).join(', ')} → ${target} (the dashed arrows)`);
    for (const edge of into) {
      for (const label of everywhere) if (edge.labels.includes(label)) hidden.get(edge)!.add(label);
      if (edge.labels.some((label) => everywhere.includes(label)) && edge.labels.every((label) => hidden.get(edge)!.has(label))) fanIn.add(edge);
    }
  }
  // An event every state that takes events takes without moving.
  if (active.length >= 3) {
    const staying = [...new Set(active.flatMap((state) => graph.loops[state]!))].filter((label) => active.every((state) => graph.loops[state]!.includes(label)));
    if (staying.length > 0) {
      const idle = graph.states.filter((state) => !active.includes(state));
      graph.notes.push(`in every state${idle.length > 0 ? ` but ${idle.join(', ')}` : ''}, without moving: ${staying.map(textOf).join(', ')} (the dashed loops)`);
      for (const state of active) graph.shownLoops[state] = graph.loops[state]!.filter((label) => !staying.includes(label));
    }
  }
  for (const edge of graph.edges) {
    edge.shown = edge.labels.filter((label) => !hidden.get(edge)!.has(label));
    edge.faint = fanIn.has(edge);
  }
}

function describe(event: string, guard: unknown, element: (key: string) => string, siblings: GraphTransition[]): GraphTransition {
  const name = guardName(guard);
  const argument = guardArgument(event, guard);
  let key = argument === null ? event : `${event}(${argument})`;
  // Two transitions of one event that no argument tells apart (guards on the context only).
  if (siblings.some((sibling) => sibling.key === key)) key = `${key}#${siblings.length + 1}`;
  const condition = name === null ? null : (GUARD_CONDITIONS[name] ?? (argument === null ? `guard: ${name}` : null));
  return { event, argument, label: transitionLabel(event, guard), text: callText(event, argument), condition, element: element(key), key };
}

/** What a named guard asks beyond the call and its argument (shown in the arrow's tooltip). */
const GUARD_CONDITIONS: Record<string, string> = {
  create_data_channel: 'before create_offer or set_remote_description',
  create_offer: 'once, with at least one data channel',
  local_offer_created: 'with the offer create_offer made',
  local_answer_created: 'with the answer the stack made',
  local_pranswer_created: 'with the answer the stack made, as a pranswer',
};

/** Events the library itself sends (not a method, not the stack), in words. */
const LIBRARY_EVENTS: Record<string, string> = {
  limit_exceeded: 'limit exceeded',
  timed_out: 'timed out',
  peer_closed: 'connection closed',
};

/** `set_remote_description("answer")`, `create_offer()`, `stack: connected`, `limit exceeded`. */
export function callText(event: string, argument: string | null): string {
  if (event.startsWith('stack.')) return `stack: ${argument ?? event.slice('stack.'.length)}`;
  const words = LIBRARY_EVENTS[event];
  if (words !== undefined) return argument === null ? words : `${words} (${argument})`;
  return `${event}(${argument === null ? '' : JSON.stringify(argument)})`;
}

function guardName(guard: unknown): string | null {
  if (typeof guard === 'string') return guard;
  if (guard === undefined || guard === null) return null;
  const { type } = guard as { type?: unknown };
  return typeof type === 'string' ? type : 'guarded';
}

/**
 * The event argument a guard picks: its `state` parameter, or the description type a named guard
 * of a description call says (`remote_answer`, `local_pranswer_created`). Null when none.
 */
function guardArgument(event: string, guard: unknown): string | null {
  if (guard !== null && typeof guard === 'object') {
    const params = (guard as { params?: unknown }).params;
    if (params !== null && typeof params === 'object' && typeof (params as { state?: unknown }).state === 'string') return (params as { state: string }).state;
  }
  const name = guardName(guard);
  if (name === null || !event.endsWith('_description')) return null;
  return SDP_TYPES.find((type) => name.split('_').includes(type)) ?? null;
}

function transitionLabel(event: string, guard: unknown): string {
  if (guard === undefined || guard === null) return event;
  if (typeof guard === 'string') return `${event} [${guard}]`;
  const { type, params } = guard as { type?: unknown; params?: unknown };
  if (params !== null && typeof params === 'object' && typeof (params as { state?: unknown }).state === 'string') {
    return `${event}(${(params as { state: string }).state})`;
  }
  return typeof type === 'string' ? `${event} [${type}]` : `${event} [guarded]`;
}

export function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
