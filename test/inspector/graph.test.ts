import { describe, expect, it } from 'vitest';
import { layoutGraph, machineGraph, renderSvg } from '../../src/inspector/index.js';
import { connectionMachine, dataChannelMachine, gatheringMachine, signalingMachine } from '../../src/machines/index.js';

const machines = { signaling: signalingMachine, connection: connectionMachine, gathering: gatheringMachine, dataChannel: dataChannelMachine };

describe('diagrams drawn from the machines themselves', () => {
  it('every state is a node and every transition of the definition is on an arrow, a loop or a note', () => {
    for (const [name, machine] of Object.entries(machines)) {
      const graph = machineGraph(machine);
      expect(graph.states, name).toEqual(Object.keys(machine.root.states));
      for (const [state, node] of Object.entries(machine.root.states)) {
        for (const [event, transitions] of Object.entries(node.on as Record<string, Array<{ target?: Array<{ key: string }> }>>)) {
          for (const transition of transitions) {
            const target = transition.target?.[0]?.key;
            if (target === undefined || target === state) {
              expect(graph.loops[state]!.some((label) => label.startsWith(event)), `${name}: ${state} stays on ${event}`).toBe(true);
            } else {
              const edge = graph.edges.find((e) => e.from === state && e.to === target);
              expect(edge?.labels.some((label) => label.startsWith(event)), `${name}: ${state} → ${target} on ${event}`).toBe(true);
            }
          }
        }
      }
      const svg = renderSvg(graph);
      for (const state of graph.states) expect(svg).toContain(`data-state="${state}"`);
      for (const edge of graph.edges) expect(svg).toContain(`data-edge="${edge.from}-&#62;${edge.to}"`);
    }
  });

  it('labels say the event and what guards it', () => {
    const connection = machineGraph(connectionMachine);
    expect(connection.edges.find((e) => e.from === 'connecting' && e.to === 'connected')!.labels).toEqual(['stack.connection_state(connected)']);
    expect(connection.global).toEqual([{ label: 'initialize', to: 'new' }]);
    const signaling = machineGraph(signalingMachine);
    expect(signaling.edges.find((e) => e.from === 'haveLocalOffer' && e.to === 'stable')!.labels).toEqual([
      'set_local_description [local_rollback]',
      'set_remote_description [remote_answer]',
      'set_remote_description [remote_rollback]',
    ]);
    expect(signaling.loops.stable).toEqual(['create_data_channel [create_data_channel]', 'create_offer [create_offer]', 'add_ice_candidate']);
  });

  it('says once what holds for every state instead of on every arrow', () => {
    // The four ways a connection ends (the app, the stack, a limit, a timeout) close the signaling too, by the same events.
    expect(machineGraph(signalingMachine).notes).toEqual([
      'unlabelled solid arrows: stack: <the state they lead to>',
      'from every other state: close(), limit exceeded, timed out → closed (the dashed arrows)',
      'in every state but closed, without moving: add_ice_candidate() (the dashed loops)',
    ]);
    expect(machineGraph(connectionMachine).notes).toEqual([
      'unlabelled solid arrows: stack: <the state they lead to>',
      'from every other state: timed out → failed (the dashed arrows)',
      'from every other state: close(), limit exceeded → closed (the dashed arrows)',
    ]);
    expect(machineGraph(dataChannelMachine).notes).toContain('in every state, without moving: stack: error (the dashed loops)');
  });

  it('lays states out left to right from the initial state, with closed last', () => {
    const graph = machineGraph(signalingMachine);
    const { nodes, width } = layoutGraph(graph);
    expect(nodes.stable!.x).toBeLessThan(nodes.haveLocalOffer!.x);
    expect(nodes.haveLocalOffer!.x).toBe(nodes.haveRemoteOffer!.x);
    expect(nodes.haveLocalOffer!.x).toBeLessThan(nodes.haveLocalPranswer!.x);
    expect(nodes.closed!.x).toBeGreaterThan(nodes.haveLocalPranswer!.x);
    expect(nodes.closed!.x + nodes.closed!.width).toBeLessThan(width);
  });
});
