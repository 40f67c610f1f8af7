import { escape, type GraphTransition, type MachineGraph } from './graph.js';
import { LABEL_LINE, NOTE_X, placeDiagram, type Layout, type PlacedLabel } from './layout.js';

/** Labels are calls: monospace, so that their width is known before a browser measures them. */
export const LABEL_FONT = `ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace`;

/**
 * The machine as an SVG: a `<g class="state" data-state>` per state, a `<g class="edge"
 * data-edge="from->to">` per arrow, a `<g class="loop" data-loop="state">` per transition that
 * stays in its state (side by side), and the notes below. Every element that stands for
 * transitions has `data-drawn` (`GraphTransition.element`) and each of its label lines
 * `data-key`, so the page lights exactly the one a record names (`drawnTransition`); the page
 * marks the current state and that element with classes (`current`, `taken`). Labels are placed
 * by `placeDiagram`, where they overlap no state, no note and no other label.
 */
export function renderSvg(graph: MachineGraph, layout?: Layout): string {
  const diagram = placeDiagram(graph, layout);
  const { width, height, nodes } = diagram.layout;
  const arrow = `url(#arrow-${escape(graph.id)})`;
  const edges = diagram.edges.map(({ edge, start, control, end, label }) => {
    const title = `${edge.from} → ${edge.to}: ${edge.transitions.map(tooltip).join(', ')}`;
    return (
      `<g class="edge${edge.faint ? ' faint' : ''}" data-edge="${escape(`${edge.from}->${edge.to}`)}" data-drawn="${escape(`${edge.from}->${edge.to}`)}"><title>${escape(title)}</title>` +
      `<path d="M${fixed(start.x)},${fixed(start.y)} Q${fixed(control.x)},${fixed(control.y)} ${fixed(end.x)},${fixed(end.y)}" marker-end="${arrow}"/>` +
      (label ? labelText(label) : '') +
      `</g>`
    );
  });
  const loops = diagram.loops.map(({ state, transition, shown, start, c1, c2, end, label }) =>
    `<g class="loop${shown ? '' : ' faint'}" data-loop="${escape(state)}" data-drawn="${escape(transition.element)}" data-key="${escape(transition.key)}"><title>${escape(`stays in ${state}: ${tooltip(transition)}`)}</title>` +
      `<path d="M${fixed(start.x)},${fixed(start.y)} C${fixed(c1.x)},${fixed(c1.y)} ${fixed(c2.x)},${fixed(c2.y)} ${fixed(end.x)},${fixed(end.y)}" marker-end="${arrow}"/>` +
      labelText(label) +
      `</g>`,
  );
  const states = graph.states.map((state) => {
    const box = nodes[state]!;
    return (
      `<g class="state${state === graph.initial ? ' initial' : ''}" data-state="${escape(state)}"><title>${escape(state)}</title>` +
      `<rect x="${fixed(box.x)}" y="${fixed(box.y)}" width="${fixed(box.width)}" height="${box.height}" rx="8"/>` +
      `<text x="${fixed(box.x + box.width / 2)}" y="${fixed(box.y + box.height / 2 + 4)}" text-anchor="middle">${escape(state)}</text></g>`
    );
  });
  const initialBox = nodes[graph.initial];
  const entry = initialBox
    ? `<g class="entry"><circle cx="${fixed(initialBox.x - 24)}" cy="${fixed(initialBox.y + initialBox.height / 2)}" r="4"/>` +
      `<path d="M${fixed(initialBox.x - 20)},${fixed(initialBox.y + initialBox.height / 2)} L${fixed(initialBox.x - 2)},${fixed(initialBox.y + initialBox.height / 2)}" marker-end="${arrow}"/></g>`
    : '';
  const notes = diagram.notes.map(
    (note) =>
      `<text class="note" x="${NOTE_X}" y="${fixed(note.box.y + 11)}"${note.element ? ` data-drawn="${escape(note.element)}" data-key="${escape(note.key!)}"` : ''}>${escape(note.text)}</text>`,
  );
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="machine" data-machine-definition="${escape(graph.id)}" viewBox="0 0 ${fixed(width)} ${fixed(height)}" width="${fixed(width)}" height="${fixed(height)}">` +
    `<defs><marker id="arrow-${escape(graph.id)}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>` +
    edges.join('') +
    loops.join('') +
    states.join('') +
    entry +
    notes.join('') +
    `</svg>`
  );
}

function tooltip(transition: GraphTransition): string {
  return transition.condition === null ? transition.text : `${transition.text}, ${transition.condition}`;
}

function labelText(label: PlacedLabel): string {
  const x = fixed(label.box.x + label.box.width / 2);
  return (
    `<text class="label${label.hidden ? ' hidden' : ''}" x="${x}" y="${fixed(label.box.y + LABEL_LINE - 2)}" text-anchor="middle" font-family="${escape(LABEL_FONT)}" font-size="10">` +
    label.lines.map((line, index) => `<tspan x="${x}" dy="${index === 0 ? 0 : LABEL_LINE}" data-key="${escape(line.key)}">${escape(line.text)}</tspan>`).join('') +
    `</text>`
  );
}

function fixed(value: number): string {
  return (Math.round(value * 10) / 10).toString();
}
