import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { DIAGRAM_MACHINES, InspectorModel, drawnTransition, labelOverlaps, machineGraph, placeDiagram, renderSvg } from '../src/inspector/index.js';
import { escape } from '../src/inspector/graph.js';
import type { TransitionRecord } from '../src/records/record.js';

type Definition = Array<{ state: string | null; event: string; to: string; guard: unknown }>;

/** Every transition of a machine's definition, read without the inspector's code: its states' and its root's. */
function definition(machine: AnyStateMachine): Definition {
  const rows: Definition = [];
  const add = (state: string | null, on: Record<string, Array<{ target?: Array<{ key: string }>; guard?: unknown }>>) => {
    for (const [event, transitions] of Object.entries(on)) {
      for (const transition of transitions) rows.push({ state, event, to: transition.target?.[0]?.key ?? state ?? '', guard: transition.guard });
    }
  };
  add(null, machine.root.on as never);
  for (const [state, node] of Object.entries(machine.root.states)) add(state, node.on as never);
  return rows;
}

/** The event as a record spells it when this transition is taken (describeEvent's format). */
function recordEvent(event: string, guard: unknown): string[] {
  const params = (guard as { params?: { state?: string } } | undefined)?.params;
  if (params?.state !== undefined) return [`${event}(${params.state})`];
  if (typeof guard === 'string' && event.endsWith('_description')) return [`${event}(${['offer', 'answer', 'pranswer', 'rollback'].find((t) => guard.split('_').includes(t))})`];
  if (event === 'limit_exceeded') return ['limit_exceeded(maxQueuedPackets)'];
  if (event === 'timed_out') return ['timed_out(setup)', 'timed_out(keepalive)'];
  return [event];
}

const count = (text: string, part: string) => text.split(part).length - 1;

describe('the inspector lights the element of the transition taken', () => {
  it('every transition of every machine lights one drawn element of its own, present once in the picture', () => {
    for (const [name, machine] of Object.entries(DIAGRAM_MACHINES)) {
      const graph = machineGraph(machine);
      const svg = renderSvg(graph);
      const states = Object.keys(machine.root.states);
      const lit = new Map<string, string>();
      for (const row of definition(machine)) {
        for (const from of row.state === null ? states : [row.state]) {
          // A root transition is taken only where the state has none of its own for that event.
          if (row.state === null && (machine.root.states[from]!.on as Record<string, unknown>)[row.event] !== undefined) continue;
          const to = row.to;
          for (const event of recordEvent(row.event, row.guard)) {
            const drawn = drawnTransition(graph, from, event, to);
            expect(drawn, `${name}: ${from} → ${to} on ${event}`).not.toBeNull();
            expect(drawn!.event).toBe(row.event);
            expect(count(svg, `data-drawn="${escape(drawn!.element)}"`), `${name}: ${drawn!.element} drawn once`).toBe(1);
            // Two different transitions of one state never share an element and a line.
            const id = `${drawn!.element} ${drawn!.key}`;
            const owner = `${row.state ?? '*'} ${row.event} ${JSON.stringify(row.guard)} → ${to}`;
            expect(lit.get(id) ?? owner, `${name}: ${id}`).toBe(owner);
            lit.set(id, owner);
          }
        }
      }
    }
  });

  it("add_ice_candidate lights its own loop, not the one of create_data_channel/create_offer; initialize lights its note, not an arrow", () => {
    const graph = machineGraph(DIAGRAM_MACHINES.signaling);
    expect(drawnTransition(graph, 'stable', 'add_ice_candidate', 'stable')).toMatchObject({ element: 'stable/add_ice_candidate', text: 'add_ice_candidate()' });
    expect(drawnTransition(graph, 'stable', 'create_offer', 'stable')).toMatchObject({ element: 'stable/create_offer', text: 'create_offer()' });
    expect(drawnTransition(graph, 'stable', 'create_data_channel', 'stable')?.element).toBe('stable/create_data_channel');
    expect(drawnTransition(graph, 'haveLocalOffer', 'initialize', 'stable')).toMatchObject({ element: '*/initialize', text: 'initialize()' });
    expect(drawnTransition(graph, 'stable', 'initialize', 'stable')?.element).toBe('*/initialize');
    expect(drawnTransition(graph, 'haveLocalOffer', 'set_remote_description(answer)', 'stable')).toMatchObject({ element: 'haveLocalOffer->stable', key: 'set_remote_description(answer)' });
    expect(drawnTransition(graph, 'haveLocalOffer', 'set_remote_description(rollback)', 'stable')?.key).toBe('set_remote_description(rollback)');
    // Not in the definition: nothing lit.
    expect(drawnTransition(graph, 'stable', 'set_remote_description(answer)', 'stable')).toBeNull();

    const model = new InspectorModel();
    const record = (seq: number, from: string, event: string, to: string): TransitionRecord => ({ kind: 'transition', seq, time: 0, monotonic: 0, connection: 'pc-x', machine: 'signaling', from, event, to });
    model.apply(record(1, 'stable', 'create_data_channel', 'stable'));
    model.apply(record(2, 'stable', 'add_ice_candidate', 'stable'));
    expect(model.get('pc-x')!.last.signaling).toMatchObject({ drawn: 'stable/add_ice_candidate', key: 'add_ice_candidate' });
    model.apply(record(3, 'stable', 'initialize', 'stable'));
    expect(model.get('pc-x')!.last.signaling).toMatchObject({ drawn: '*/initialize', key: 'initialize' });
  });

  it("a description call's argument read from its guard's name is the one the guard takes", () => {
    const machine = DIAGRAM_MACHINES.signaling;
    const guards = (machine.implementations as { guards: Record<string, (args: unknown, params: unknown) => boolean> }).guards;
    const contexts = (['offer', 'answer', null] as const).map((generated) => ({ created: true, generated, remoteApplied: false, channels: 1 }));
    const graph = machineGraph(machine);
    const transitions = [...graph.edges.flatMap((edge) => edge.transitions), ...Object.values(graph.loopTransitions).flat()].filter((t) => t.event.endsWith('_description'));
    expect(transitions.length).toBeGreaterThan(8);
    for (const transition of transitions) {
      const guard = guards[/\[(.+)\]/.exec(transition.label)![1]!]!;
      for (const type of ['offer', 'answer', 'pranswer', 'rollback']) {
        const takes = contexts.some((context) => guard({ context, event: { type: transition.event, sdpType: type } }, undefined));
        expect(takes, `${transition.label} with ${type}`).toBe(type === transition.argument);
      }
    }
  });
});

describe("the inspector's labels", () => {
  it('say the calls as an application makes them, with no guard names; a guard that asks more says it in the tooltip', () => {
    for (const [name, machine] of Object.entries(DIAGRAM_MACHINES)) {
      const svg = renderSvg(machineGraph(machine));
      const drawnText = [...svg.matchAll(/<(?:tspan|text)[^>]*>([^<]+)</g)].map((match) => match[1]!);
      for (const text of drawnText) expect(text, `${name}: ${text}`).not.toMatch(/\[/);
    }
    const signaling = renderSvg(machineGraph(DIAGRAM_MACHINES.signaling));
    for (const call of ['set_remote_description("answer")', 'set_local_description("offer")', 'set_local_description("rollback")', 'create_offer()', 'add_ice_candidate()']) {
      expect(signaling).toContain(`>${escape(call)}<`);
    }
    expect(signaling).toContain(escape('stays in stable: create_offer(), once, with at least one data channel'));
    expect(signaling).toContain(escape('from every other state: close(), limit exceeded, timed out → closed'));
    expect(renderSvg(machineGraph(DIAGRAM_MACHINES.dataChannel))).toContain('>stack: open<');
  });

  it('overlap nothing, in every diagram: no two label, state or note boxes of the layout intersect, all inside the picture', () => {
    for (const [name, machine] of Object.entries(DIAGRAM_MACHINES)) {
      const diagram = placeDiagram(machineGraph(machine));
      expect(labelOverlaps(diagram), name).toEqual([]);
      const labels = [...diagram.edges.flatMap((edge) => (edge.label ? [edge.label] : [])), ...diagram.loops.map((loop) => loop.label)];
      // The connection's arrows are all said by its notes; the signaling has the most labels.
      expect(labels.length, name).toBeGreaterThanOrEqual(({ signaling: 15, connection: 0, gathering: 0, dataChannel: 8, signalingSession: 8, signalingLobby: 4, webrtcMultiplayer: 12, multiplayerRemote: 3, webrtcMultiplayerPeer: 12 } as Record<string, number>)[name]!);
      for (const { box, element } of labels) {
        expect(box.x >= 0 && box.y >= 0 && box.x + box.width <= diagram.layout.width && box.y + box.height <= diagram.layout.height, `${name}: ${element} inside`).toBe(true);
      }
    }
  });
});
