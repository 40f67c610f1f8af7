import type { AnyStateMachine } from 'xstate';

/**
 * A flat machine read from its own definition (`machine.root`): its states, and its
 * transitions grouped by the pair of states they join. Nothing is drawn by hand: the inspector's
 * pictures come from this.
 *
 * @example
 * ```ts
 * const graph = machineGraph(connectionMachine);
 * graph.edges.find((e) => e.from === 'connecting' && e.to === 'connected')?.labels; // ['stack.connection_state(connected)']
 * ```
 */
export interface MachineGraph {
  id: string;
  initial: string;
  /** State names, in definition order. */
  states: string[];
  /** Transitions between two different states, one edge per ordered pair, with every event that takes it. */
  edges: GraphEdge[];
  /** Per state, the events that leave it where it is (a self-transition or a targetless one). */
  loops: Record<string, string[]>;
  /** The part of `loops` drawn as labels (the rest is in `notes`). */
  shownLoops: Record<string, string[]>;
  /** Transitions defined on the machine's root: taken from any state. */
  global: Array<{ label: string; to: string | null }>;
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
  /** `event`, `event(state)` for a guard with a state parameter, `event [guard]` for a named guard. */
  labels: string[];
  /** The labels drawn on the arrow (the others are in `notes`). */
  shown: string[];
  /** Every label of the arrow is one taken from every state (drawn faint). */
  faint: boolean;
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
  for (const name of states) {
    loops[name] = [];
    const node = root.states[name]!;
    for (const [event, transitions] of Object.entries(node.on as Record<string, TransitionLike[]>)) {
      for (const transition of transitions) {
        const label = transitionLabel(event, transition.guard);
        const to = transition.target?.[0]?.key;
        if (to === undefined || to === name) {
          pushUnique(loops[name]!, label);
          continue;
        }
        const key = `${name}->${to}`;
        const edge = edges.get(key) ?? { from: name, to, labels: [], shown: [], faint: false };
        pushUnique(edge.labels, label);
        edges.set(key, edge);
      }
    }
  }
  const global: MachineGraph['global'] = [];
  for (const [event, transitions] of Object.entries(root.on as Record<string, TransitionLike[]>)) {
    for (const transition of transitions) global.push({ label: transitionLabel(event, transition.guard), to: transition.target?.[0]?.key ?? null });
  }
  const shownLoops = Object.fromEntries(Object.entries(loops).map(([state, labels]) => [state, [...labels]]));
  const graph: MachineGraph = { id: machine.id, initial, states, edges: [...edges.values()], loops, shownLoops, global, notes: [] };
  summarize(graph);
  return graph;
}

/** Fills `notes`, each edge's `shown`/`faint`, and `shownLoops` with what the notes do not say. */
function summarize(graph: MachineGraph): void {
  const active = graph.states.filter((state) => graph.edges.some((edge) => edge.from === state) || graph.loops[state]!.length > 0);
  const hidden = new Map<GraphEdge, Set<string>>(graph.edges.map((edge) => [edge, new Set()]));
  // An event whose argument names where it leads, on every arrow it labels: event(s) → s.
  const byEvent = new Map<string, Array<[GraphEdge, string | null]>>();
  for (const edge of graph.edges) {
    for (const label of edge.labels) {
      const match = /^(.+)\((.+)\)$/.exec(label);
      const event = match ? match[1]! : label;
      byEvent.set(event, [...(byEvent.get(event) ?? []), [edge, match && match[2] === edge.to ? label : null]]);
    }
  }
  for (const [event, uses] of byEvent) {
    if (uses.length < 2 || uses.some(([, label]) => label === null)) continue;
    graph.notes.push(`${event}(s) → s: the arrows it labels are unlabelled`);
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
    graph.notes.push(`from every other state: ${everywhere.join(', ')} → ${target} (the dashed arrows)`);
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
      graph.notes.push(`in every state${idle.length > 0 ? ` but ${idle.join(', ')}` : ''}, without moving: ${staying.join(', ')}`);
      for (const state of active) graph.shownLoops[state] = graph.loops[state]!.filter((label) => !staying.includes(label));
    }
  }
  for (const edge of graph.edges) {
    edge.shown = edge.labels.filter((label) => !hidden.get(edge)!.has(label));
    edge.faint = fanIn.has(edge);
  }
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

function pushUnique(list: string[], item: string): void {
  if (!list.includes(item)) list.push(item);
}

// ---- layout

export interface NodeBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Layout {
  width: number;
  height: number;
  nodes: Record<string, NodeBox>;
}

const NODE_HEIGHT = 30;
const CHAR = 7.2;
const LABEL_CHAR = 5.8;
const COLUMN_GAP = 150;
const ROW_GAP = 120;
const MARGIN = 40;
const NOTE_LINE = 15;

/**
 * A layered layout, left to right: the initial state first, then each state one column after
 * the nearest state that leads to it; states with no way out (closed) in a last column of their
 * own. Within a column, states are ordered by where the states leading to them are (fewer
 * crossings), and columns are centred on each other. Columns are spaced for the longest label.
 */
export function layoutGraph(graph: MachineGraph): Layout {
  const outgoing = new Map<string, string[]>(graph.states.map((state) => [state, []]));
  for (const edge of graph.edges) outgoing.get(edge.from)!.push(edge.to);
  const sinks = new Set(graph.states.filter((state) => state !== graph.initial && outgoing.get(state)!.length === 0));
  const depth = new Map<string, number>([[graph.initial, 0]]);
  const queue = [graph.initial];
  while (queue.length > 0) {
    const state = queue.shift()!;
    for (const next of outgoing.get(state) ?? []) {
      if (depth.has(next) || sinks.has(next)) continue;
      depth.set(next, depth.get(state)! + 1);
      queue.push(next);
    }
  }
  let deepest = Math.max(0, ...depth.values());
  for (const state of graph.states) if (!depth.has(state) && !sinks.has(state)) depth.set(state, ++deepest);
  for (const state of sinks) depth.set(state, deepest + 1);
  const sparse: string[][] = [];
  for (const state of graph.states) (sparse[depth.get(state)!] ??= []).push(state);
  const columns = sparse.filter((column) => column !== undefined);
  // Order each column by the mean row of the states in earlier columns that lead to it.
  const row = new Map<string, number>();
  columns.forEach((column, index) => {
    if (index > 0) {
      const weight = (state: string) => {
        const rows = graph.edges.filter((edge) => edge.to === state && row.has(edge.from)).map((edge) => row.get(edge.from)! - (columns[depth.get(edge.from)!]?.length ?? 1) / 2);
        return rows.length === 0 ? 0 : rows.reduce((a, b) => a + b, 0) / rows.length;
      };
      const weights = new Map(column.map((state) => [state, weight(state)]));
      column.sort((a, b) => weights.get(a)! - weights.get(b)!);
    }
    column.forEach((state, place) => row.set(state, place));
  });
  const width = Math.max(...graph.states.map((state) => state.length)) * CHAR + 24;
  const longest = Math.max(0, ...graph.edges.flatMap((edge) => edge.shown.flatMap(splitLabel).map((label) => label.length)));
  const gap = Math.max(COLUMN_GAP, longest * LABEL_CHAR + 30);
  const tallest = Math.max(...columns.map((column) => column.length));
  const loopRoom = Math.max(0, ...Object.values(graph.shownLoops).map((labels) => labels.length)) * 11 + 30;
  const top = MARGIN + loopRoom;
  const nodes: Record<string, NodeBox> = {};
  columns.forEach((column, index) => {
    const first = top + ((tallest - column.length) * ROW_GAP) / 2;
    column.forEach((state, place) => {
      nodes[state] = { x: MARGIN + index * (width + gap), y: first + place * ROW_GAP, width, height: NODE_HEIGHT };
    });
  });
  const notes = graph.global.length + graph.notes.length;
  return {
    width: MARGIN * 2 + columns.length * width + (columns.length - 1) * gap,
    height: top + (tallest - 1) * ROW_GAP + NODE_HEIGHT + (tallest > 1 ? loopRoom : 0) + 30 + notes * NOTE_LINE,
    nodes,
  };
}

// ---- SVG

interface Point {
  x: number;
  y: number;
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const LINE = 11;

/**
 * The machine as an SVG: a `<g class="state" data-state>` per state, a `<g class="edge"
 * data-edge="from->to">` per arrow, a `<g class="loop" data-loop>` per state that takes events
 * without moving, and the notes below. The page marks the current state and the last transition
 * taken with classes (`current`, `taken`). Labels are placed one by one where they overlap no
 * state and no label placed before them (along the arrow, on either side).
 */
export function renderSvg(graph: MachineGraph, layout: Layout = layoutGraph(graph)): string {
  const arrow = `url(#arrow-${escape(graph.id)})`;
  const taken: Box[] = Object.values(layout.nodes).map((box) => pad(box, 3));
  const center = (box: NodeBox): Point => ({ x: box.x + box.width / 2, y: box.y + box.height / 2 });
  const pairs = new Set(graph.edges.map((edge) => `${edge.from}->${edge.to}`));
  const boxes = Object.values(layout.nodes);
  const middle = (Math.min(...boxes.map((box) => box.y)) + Math.max(...boxes.map((box) => box.y + box.height))) / 2;

  // Loops first: their place is fixed, above a state (below one in the lower half).
  const loops: string[] = [];
  for (const state of graph.states) {
    const box = layout.nodes[state]!;
    const all = graph.loops[state] ?? [];
    if (all.length === 0) continue;
    const shown = graph.shownLoops[state] ?? [];
    const cx = box.x + box.width / 2;
    const under = box.y + box.height / 2 > middle + 1;
    const edgeY = under ? box.y + box.height : box.y;
    const reach = under ? 26 : -26;
    let text = '';
    if (shown.length > 0) {
      const size = labelSize(shown);
      const x = Math.min(Math.max(2, cx - size.width / 2), layout.width - size.width - 2);
      const label = { x, y: under ? edgeY + 24 : edgeY - 24 - size.height, ...size };
      taken.push(pad(label, 2));
      text = labelText(shown, label);
    }
    loops.push(
      `<g class="loop${shown.length === 0 ? ' faint' : ''}" data-loop="${escape(state)}"><title>${escape(`stays in ${state}: ${all.join(', ')}`)}</title>` +
        `<path d="M${fixed(cx - 10)},${fixed(edgeY)} C${fixed(cx - 22)},${fixed(edgeY + reach)} ${fixed(cx + 22)},${fixed(edgeY + reach)} ${fixed(cx + 10)},${fixed(edgeY)}" marker-end="${arrow}"/>` +
        text +
        `</g>`,
    );
  }

  const edges: string[] = [];
  for (const edge of graph.edges) {
    const a = layout.nodes[edge.from]!;
    const b = layout.nodes[edge.to]!;
    const ca = center(a);
    const cb = center(b);
    const dx = cb.x - ca.x;
    const dy = cb.y - ca.y;
    const length = Math.hypot(dx, dy) || 1;
    // Bend every arrow to its left, so that a→b and b→a never overlap; more when both exist.
    const bend = pairs.has(`${edge.to}->${edge.from}`) ? 22 : 10;
    const normal = { x: -dy / length, y: dx / length };
    let control = { x: (ca.x + cb.x) / 2 + normal.x * bend * 2, y: (ca.y + cb.y) / 2 + normal.y * bend * 2 };
    // An arrow that skips a column goes around the states between, above or below them.
    const between = boxes.filter((box) => box !== a && box !== b && box.x > Math.min(a.x, b.x) && box.x < Math.max(a.x, b.x));
    let outward = normal;
    if (!edge.faint && between.length > 0) {
      const top = Math.min(...between.map((box) => box.y));
      const bottom = Math.max(...between.map((box) => box.y + box.height));
      const above = (ca.y + cb.y) / 2 <= (top + bottom) / 2;
      const y = above ? Math.min(ca.y, cb.y, top) * 2 - (ca.y + cb.y) / 2 - 40 : Math.max(ca.y, cb.y, bottom) * 2 - (ca.y + cb.y) / 2 + 40;
      control = { x: (ca.x + cb.x) / 2, y };
      outward = { x: 0, y: above ? -1 : 1 };
    }
    const start = clip(a, ca, control);
    const end = clip(b, cb, control);
    const shown = edge.shown.flatMap(splitLabel);
    let text = '';
    if (shown.length > 0) {
      const label = placeLabel(labelSize(shown), (t) => quadratic(start, control, end, t), outward, taken, layout);
      taken.push(pad(label, 2));
      text = labelText(shown, label);
    }
    edges.push(
      `<g class="edge${edge.faint ? ' faint' : ''}" data-edge="${escape(`${edge.from}->${edge.to}`)}"><title>${escape(`${edge.from} → ${edge.to}: ${edge.labels.join(', ')}`)}</title>` +
        `<path d="M${fixed(start.x)},${fixed(start.y)} Q${fixed(control.x)},${fixed(control.y)} ${fixed(end.x)},${fixed(end.y)}" marker-end="${arrow}"/>` +
        text +
        `</g>`,
    );
  }

  const states = graph.states.map((state) => {
    const box = layout.nodes[state]!;
    return (
      `<g class="state${state === graph.initial ? ' initial' : ''}" data-state="${escape(state)}"><title>${escape(state)}</title>` +
      `<rect x="${fixed(box.x)}" y="${fixed(box.y)}" width="${fixed(box.width)}" height="${box.height}" rx="8"/>` +
      `<text x="${fixed(box.x + box.width / 2)}" y="${fixed(box.y + box.height / 2 + 4)}" text-anchor="middle">${escape(state)}</text></g>`
    );
  });
  const initialBox = layout.nodes[graph.initial];
  const entry = initialBox
    ? `<g class="entry"><circle cx="${fixed(initialBox.x - 24)}" cy="${fixed(initialBox.y + initialBox.height / 2)}" r="4"/>` +
      `<path d="M${fixed(initialBox.x - 20)},${fixed(initialBox.y + initialBox.height / 2)} L${fixed(initialBox.x - 2)},${fixed(initialBox.y + initialBox.height / 2)}" marker-end="${arrow}"/></g>`
    : '';
  const notes = [...graph.global.map((transition) => `from any state: ${transition.label}${transition.to ? ` → ${transition.to}` : ''}`), ...graph.notes];
  const noteText = notes.map((note, index) => `<text class="note" x="${MARGIN - 26}" y="${fixed(layout.height - 12 - (notes.length - 1 - index) * NOTE_LINE)}">${escape(note)}</text>`);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="machine" data-machine-definition="${escape(graph.id)}" viewBox="0 0 ${fixed(layout.width)} ${fixed(layout.height)}" width="${fixed(layout.width)}" height="${fixed(layout.height)}">` +
    `<defs><marker id="arrow-${escape(graph.id)}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>` +
    edges.join('') +
    loops.join('') +
    states.join('') +
    entry +
    noteText.join('') +
    `</svg>`
  );
}

function labelSize(lines: string[]): { width: number; height: number } {
  return { width: Math.max(...lines.map((line) => line.length)) * LABEL_CHAR + 4, height: lines.length * LINE + 2 };
}

function labelText(lines: string[], box: Box): string {
  const x = fixed(box.x + box.width / 2);
  return (
    `<text x="${x}" y="${fixed(box.y + LINE - 1)}" text-anchor="middle">` +
    lines.map((line, index) => `<tspan x="${x}" dy="${index === 0 ? 0 : LINE}">${escape(line)}</tspan>`).join('') +
    `</text>`
  );
}

/**
 * The first place along the arrow (from its middle outward, on its outer side first, then the
 * other, then beside it) where a label overlaps nothing taken; the least overlapping one if none.
 */
function placeLabel(size: { width: number; height: number }, at: (t: number) => Point, outward: Point, taken: Box[], layout: Layout): Box {
  let best: Box | null = null;
  let bestOverlap = Infinity;
  const sides = [outward, { x: -outward.x, y: -outward.y }];
  for (const t of [0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74]) {
    const p = at(t);
    const candidates: Box[] = [];
    for (const side of sides) {
      if (Math.abs(side.y) >= Math.abs(side.x)) {
        const y = side.y < 0 ? p.y - 4 - size.height : p.y + 4;
        candidates.push({ x: p.x - size.width / 2, y, ...size });
      } else {
        const x = side.x < 0 ? p.x - 6 - size.width : p.x + 6;
        candidates.push({ x, y: p.y - size.height / 2, ...size });
      }
    }
    candidates.push({ x: p.x + 6, y: p.y - size.height / 2, ...size }, { x: p.x - 6 - size.width, y: p.y - size.height / 2, ...size });
    for (const candidate of candidates) {
      const outside = candidate.x < 2 || candidate.y < 2 || candidate.x + candidate.width > layout.width - 2 || candidate.y + candidate.height > layout.height - 2;
      const overlap = taken.reduce((sum, box) => sum + overlapArea(candidate, box), 0) + (outside ? 1e6 : 0);
      if (overlap === 0) return candidate;
      if (overlap < bestOverlap) {
        best = candidate;
        bestOverlap = overlap;
      }
    }
  }
  return best!;
}

function quadratic(a: Point, c: Point, b: Point, t: number): Point {
  const u = 1 - t;
  return { x: u * u * a.x + 2 * u * t * c.x + t * t * b.x, y: u * u * a.y + 2 * u * t * c.y + t * t * b.y };
}

function overlapArea(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

function pad(box: Box, by: number): Box {
  return { x: box.x - by, y: box.y - by, width: box.width + 2 * by, height: box.height + 2 * by };
}

/** A long `event [guard]` label on two lines. */
function splitLabel(label: string): string[] {
  const guard = label.indexOf(' [');
  return label.length > 26 && guard > 0 ? [label.slice(0, guard), label.slice(guard + 1)] : [label];
}

/** Where the line from the box's centre toward `toward` leaves the box. */
function clip(box: NodeBox, from: { x: number; y: number }, toward: { x: number; y: number }): { x: number; y: number } {
  const dx = toward.x - from.x;
  const dy = toward.y - from.y;
  const sx = dx === 0 ? Infinity : box.width / 2 / Math.abs(dx);
  const sy = dy === 0 ? Infinity : box.height / 2 / Math.abs(dy);
  const s = Math.min(sx, sy, 1);
  return { x: from.x + dx * s, y: from.y + dy * s };
}

function fixed(value: number): string {
  return (Math.round(value * 10) / 10).toString();
}

export function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
