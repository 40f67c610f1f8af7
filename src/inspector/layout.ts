import type { GraphEdge, GraphTransition, MachineGraph } from './graph.js';

export interface Point {
  x: number;
  y: number;
}

export interface NodeBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type Box = NodeBox;

export interface Layout {
  width: number;
  height: number;
  nodes: Record<string, NodeBox>;
}

/** A label and where it goes: one line per transition of the element it belongs to. */
export interface PlacedLabel {
  /** The drawn element's `data-drawn`. */
  element: string;
  lines: Array<{ key: string; text: string }>;
  box: Box;
  /** Drawn only while its element is lit (the loops the notes speak for). */
  hidden: boolean;
}

export interface PlacedEdge {
  edge: GraphEdge;
  start: Point;
  control: Point;
  end: Point;
  label: PlacedLabel | null;
}

/** One loop per transition that stays in its state, side by side on the state's edge. */
export interface PlacedLoop {
  state: string;
  transition: GraphTransition;
  /** Its label is always drawn (not one the notes speak for). */
  shown: boolean;
  /** A cubic from `start` through `c1`, `c2` to `end`. */
  start: Point;
  c1: Point;
  c2: Point;
  end: Point;
  label: PlacedLabel;
}

export interface PlacedNote {
  text: string;
  /** The `data-drawn` of the transition from any state it describes, or null. */
  element: string | null;
  key: string | null;
  box: Box;
}

/** Everything the picture draws, with its coordinates. */
export interface Diagram {
  layout: Layout;
  edges: PlacedEdge[];
  loops: PlacedLoop[];
  notes: PlacedNote[];
}

const NODE_HEIGHT = 30;
/** State names: 12px sans-serif; DejaVu Sans measures 7.3 px a character. */
const CHAR = 7.4;
/** Labels: 10px monospace (0.55–0.61 em a character in the common ones, bold as wide). */
export const LABEL_CHAR = 6.2;
export const LABEL_LINE = 12;
/** Notes: 11px sans-serif (DejaVu Sans 5.6 px a character). */
export const NOTE_CHAR = 6.2;
export const NOTE_LINE = 15;
const COLUMN_GAP = 150;
const ROW_GAP = 120;
const MARGIN = 40;
export const NOTE_X = 14;
const LOOP_REACH = 24;

/**
 * A layered layout, left to right: the initial state first, then each state one column after
 * the nearest state that leads to it; states with no way out (closed) in a last column of their
 * own. Within a column, states are ordered by where the states leading to them are (fewer
 * crossings), and columns are centred on each other. Columns are spaced for the longest label;
 * `spread` adds room everywhere (placeDiagram uses it when labels do not fit).
 */
export function layoutGraph(graph: MachineGraph, spread = 0): Layout {
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
  const longest = Math.max(0, ...graph.edges.flatMap((edge) => shownTransitions(edge).map((transition) => transition.text.length)));
  const gap = Math.max(COLUMN_GAP, longest * LABEL_CHAR + 30) + spread * 40;
  const rowGap = ROW_GAP + spread * 16;
  const tallest = Math.max(...columns.map((column) => column.length));
  const loopLabels = Math.max(0, ...Object.values(graph.loopTransitions).map((loops) => loops.length));
  const loopRoom = loopLabels * (LABEL_LINE + 3) + LOOP_REACH + 12 + spread * LABEL_LINE;
  const top = MARGIN + loopRoom;
  const nodes: Record<string, NodeBox> = {};
  columns.forEach((column, index) => {
    const first = top + ((tallest - column.length) * rowGap) / 2;
    column.forEach((state, place) => {
      nodes[state] = { x: MARGIN + index * (width + gap), y: first + place * rowGap, width, height: NODE_HEIGHT };
    });
  });
  const notes = noteLines(graph);
  const notesWidth = NOTE_X + Math.max(0, ...notes.map((note) => note.text.length)) * NOTE_CHAR + 10;
  return {
    width: Math.max(MARGIN * 2 + columns.length * width + (columns.length - 1) * gap, notesWidth),
    height: top + (tallest - 1) * rowGap + NODE_HEIGHT + (tallest > 1 ? loopRoom : 0) + 30 + notes.length * NOTE_LINE,
    nodes,
  };
}

/**
 * The picture's every element placed: loops side by side on their state, arrows bent around the
 * states between, and labels placed one by one where they overlap no state, no note and no label
 * placed before them. When some label finds no free place, the layout is spread and placed again
 * (a few times at most); `labelOverlaps` says what still overlaps.
 */
export function placeDiagram(graph: MachineGraph, layout?: Layout): Diagram {
  if (layout !== undefined) return place(graph, layout);
  let diagram!: Diagram;
  for (let spread = 0; spread < 6; spread++) {
    diagram = place(graph, layoutGraph(graph, spread));
    if (labelOverlaps(diagram).length === 0) break;
  }
  return diagram;
}

/** Every pair of labels, states and notes whose boxes intersect, by name. */
export function labelOverlaps(diagram: Diagram): Array<[string, string]> {
  const boxes: Array<[string, Box]> = [
    ...Object.entries(diagram.layout.nodes).map(([state, box]): [string, Box] => [`state ${state}`, box]),
    ...diagram.notes.map((note): [string, Box] => [`note ${note.text}`, note.box]),
    ...diagram.edges.flatMap((edge) => (edge.label ? [[`label ${edge.label.element}`, edge.label.box] as [string, Box]] : [])),
    ...diagram.loops.map((loop): [string, Box] => [`label ${loop.label.element}`, loop.label.box]),
  ];
  const overlaps: Array<[string, string]> = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) if (overlapArea(boxes[i]![1], boxes[j]![1]) > 0) overlaps.push([boxes[i]![0], boxes[j]![0]]);
  }
  return overlaps;
}

function noteLines(graph: MachineGraph): Array<Omit<PlacedNote, 'box'>> {
  return [
    ...graph.globalTransitions.map((transition, index) => {
      const to = graph.global[index]!.to;
      return { text: `from any state: ${transition.text}${to ? ` → ${to}` : ''}`, element: transition.element, key: transition.key };
    }),
    ...graph.notes.map((text) => ({ text, element: null, key: null })),
  ];
}

function shownTransitions(edge: GraphEdge): GraphTransition[] {
  return edge.transitions.filter((transition) => edge.shown.includes(transition.label));
}

function place(graph: MachineGraph, layout: Layout): Diagram {
  const taken: Box[] = Object.values(layout.nodes).map((box) => pad(box, 3));
  const lines = noteLines(graph);
  const notes: PlacedNote[] = lines.map((line, index) => {
    const baseline = layout.height - 12 - (lines.length - 1 - index) * NOTE_LINE;
    return { ...line, box: { x: NOTE_X, y: baseline - 11, width: line.text.length * NOTE_CHAR, height: 14 } };
  });
  taken.push(...notes.map((note) => note.box));
  const boxes = Object.values(layout.nodes);
  const middle = (Math.min(...boxes.map((box) => box.y)) + Math.max(...boxes.map((box) => box.y + box.height))) / 2;

  // Loops: side by side above a state (below one in the lower half).
  const loops: PlacedLoop[] = [];
  for (const state of graph.states) {
    const box = layout.nodes[state]!;
    const transitions = graph.loopTransitions[state] ?? [];
    const spacing = transitions.length > 1 ? Math.min(26, (box.width - 20) / (transitions.length - 1)) : 0;
    const under = box.y + box.height / 2 > middle + 1;
    const edgeY = under ? box.y + box.height : box.y;
    const reach = under ? LOOP_REACH : -LOOP_REACH;
    transitions.forEach((transition, index) => {
      const cx = box.x + box.width / 2 + (index - (transitions.length - 1) / 2) * spacing;
      const shown = (graph.shownLoops[state] ?? []).includes(transition.label);
      const lines = [{ key: transition.key, text: transition.text }];
      loops.push({
        state,
        transition,
        shown,
        start: { x: cx - 7, y: edgeY },
        c1: { x: cx - 16, y: edgeY + reach },
        c2: { x: cx + 16, y: edgeY + reach },
        end: { x: cx + 7, y: edgeY },
        label: { element: transition.element, lines, box: { x: cx, y: edgeY + reach, ...labelSize(lines) }, hidden: !shown },
      });
    });
  }
  // The loops' own room: no label goes over one.
  for (const loop of loops) {
    const ys = [loop.start.y, loop.start.y + (loop.c1.y - loop.start.y) * 0.75];
    taken.push({ x: loop.c1.x + 4, y: Math.min(...ys), width: loop.c2.x - loop.c1.x - 8, height: Math.abs(ys[1]! - ys[0]!) + 2 });
  }
  const placeLoop = (loop: PlacedLoop) => {
    const apex = { x: (loop.start.x + loop.end.x) / 2, y: loop.start.y + (loop.c1.y - loop.start.y) * 0.75 };
    const under = loop.c1.y > loop.start.y;
    loop.label.box = placeNear(loop.label.box, apex, under, taken, layout);
    taken.push(pad(loop.label.box, 2));
  };
  for (const loop of loops) if (loop.shown) placeLoop(loop);

  const pairs = new Set(graph.edges.map((edge) => `${edge.from}->${edge.to}`));
  const center = (box: NodeBox): Point => ({ x: box.x + box.width / 2, y: box.y + box.height / 2 });
  const edges: PlacedEdge[] = [];
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
    const lines = shownTransitions(edge).map((transition) => ({ key: transition.key, text: transition.text }));
    let label: PlacedLabel | null = null;
    if (lines.length > 0) {
      const box = placeAlong(labelSize(lines), (t) => quadratic(start, control, end, t), outward, taken, layout);
      taken.push(pad(box, 2));
      label = { element: `${edge.from}->${edge.to}`, lines, box, hidden: false };
    }
    edges.push({ edge, start, control, end, label });
  }
  // The labels drawn only while lit take what room is left near their loop.
  for (const loop of loops) if (!loop.shown) placeLoop(loop);
  return { layout, edges, loops, notes };
}

function labelSize(lines: Array<{ text: string }>): { width: number; height: number } {
  return { width: Math.max(...lines.map((line) => line.text.length)) * LABEL_CHAR + 4, height: lines.length * LABEL_LINE + 2 };
}

const overlapOf = (candidate: Box, taken: Box[], layout: Layout) =>
  taken.reduce((sum, box) => sum + overlapArea(candidate, box), 0) +
  (candidate.x < 2 || candidate.y < 2 || candidate.x + candidate.width > layout.width - 2 || candidate.y + candidate.height > layout.height - 2 ? 1e6 : 0);

/** The first free place above (below) a loop's apex, stacking outward, centred or to either side. */
function placeNear(size: Box, apex: Point, under: boolean, taken: Box[], layout: Layout): Box {
  let best: Box | null = null;
  let bestOverlap = Infinity;
  for (let level = 0; level < 8; level++) {
    const y = under ? apex.y + 4 + level * (size.height + 5) : apex.y - 4 - size.height - level * (size.height + 5);
    for (const x of [apex.x - size.width / 2, apex.x - size.width + 10, apex.x - 10]) {
      const candidate = { x, y, width: size.width, height: size.height };
      const overlap = overlapOf(candidate, taken, layout);
      if (overlap === 0) return candidate;
      if (overlap < bestOverlap) [best, bestOverlap] = [candidate, overlap];
    }
  }
  return best!;
}

/**
 * The first place along the arrow (from its middle outward, on its outer side first, then the
 * other, then beside it) where a label overlaps nothing taken; the least overlapping one if none.
 */
function placeAlong(size: { width: number; height: number }, at: (t: number) => Point, outward: Point, taken: Box[], layout: Layout): Box {
  let best: Box | null = null;
  let bestOverlap = Infinity;
  const sides = [outward, { x: -outward.x, y: -outward.y }];
  for (const distance of [4, 16]) {
    for (const t of [0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.18, 0.82]) {
      const p = at(t);
      const candidates: Box[] = [];
      for (const side of sides) {
        if (Math.abs(side.y) >= Math.abs(side.x)) {
          const y = side.y < 0 ? p.y - distance - size.height : p.y + distance;
          candidates.push({ x: p.x - size.width / 2, y, ...size });
        } else {
          const x = side.x < 0 ? p.x - distance - 2 - size.width : p.x + distance + 2;
          candidates.push({ x, y: p.y - size.height / 2, ...size });
        }
      }
      candidates.push({ x: p.x + distance + 2, y: p.y - size.height / 2, ...size }, { x: p.x - distance - 2 - size.width, y: p.y - size.height / 2, ...size });
      for (const candidate of candidates) {
        const overlap = overlapOf(candidate, taken, layout);
        if (overlap === 0) return candidate;
        if (overlap < bestOverlap) [best, bestOverlap] = [candidate, overlap];
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

/** Where the line from the box's centre toward `toward` leaves the box. */
function clip(box: NodeBox, from: Point, toward: Point): Point {
  const dx = toward.x - from.x;
  const dy = toward.y - from.y;
  const sx = dx === 0 ? Infinity : box.width / 2 / Math.abs(dx);
  const sy = dy === 0 ? Infinity : box.height / 2 / Math.abs(dy);
  const s = Math.min(sx, sy, 1);
  return { x: from.x + dx * s, y: from.y + dy * s };
}
