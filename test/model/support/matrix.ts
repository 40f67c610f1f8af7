import { initialTransition } from 'xstate';
import { MACHINES, MODEL_EVENTS, eventLabel, machineStates, type ModelMachineName } from '../../../src/testing/index.js';
import { getAdjacencyMap } from 'xstate/graph';

type Event = { type: string; sdpType?: string };

/** The public methods each machine decides (close belongs to the connection machine; initialize is always allowed). */
const DECIDES: Partial<Record<ModelMachineName, { title: string; methods: string[] }>> = {
  signaling: { title: 'WebRTCPeerConnection, by signaling state', methods: ['create_data_channel', 'create_offer', 'set_local_description', 'set_remote_description', 'add_ice_candidate'] },
  connection: { title: 'WebRTCPeerConnection, by connection state', methods: ['close'] },
  dataChannel: { title: 'WebRTCDataChannel, by channel state', methods: ['put_packet', 'close'] },
};

/** Every snapshot of a machine reachable with its alphabet (the signaling machine's channel count capped at 1). */
function reachable(machine: ModelMachineName): Array<{ value: unknown; can(event: Event): boolean }> {
  const logic = MACHINES[machine];
  const adjacency = getAdjacencyMap(logic as never, {
    events: MODEL_EVENTS[machine] as never,
    filterEvents: (snapshot: { can(event: unknown): boolean }, event: unknown) => snapshot.can(event),
    serializeState: (snapshot: { value: unknown; context: Record<string, unknown> }) =>
      JSON.stringify([snapshot.value, { ...snapshot.context, channels: Math.min(Number(snapshot.context.channels ?? 0), 1) }]),
    fromState: initialTransition(logic)[0],
  } as never);
  return Object.values(adjacency).map((vertex) => (vertex as { state: { value: unknown; can(event: Event): boolean } }).state);
}

/**
 * The README's matrix of which method each state allows, computed from the machines: "yes"
 * (allowed), "no" (refused with ERR_UNAVAILABLE), or "if" (allowed only in some of the contexts
 * the state is reached in: the guard decides, see the refusal table).
 */
export function methodMatrix(): string {
  const parts: string[] = [];
  for (const [machine, decides] of Object.entries(DECIDES) as Array<[ModelMachineName, { title: string; methods: string[] }]>) {
    const states = machineStates(MACHINES[machine]);
    const snapshots = reachable(machine);
    const lines = [`| ${decides.title} | ${states.join(' | ')} |`, `|---|${states.map(() => '---').join('|')}|`];
    for (const event of (MODEL_EVENTS[machine] as readonly Event[]).filter((e) => decides.methods.includes(e.type))) {
      const cells = states.map((state) => {
        const here = snapshots.filter((snapshot) => snapshot.value === state);
        const allowed = here.filter((snapshot) => snapshot.can(event)).length;
        return allowed === 0 ? 'no' : allowed === here.length ? 'yes' : 'if';
      });
      lines.push(`| \`${eventLabel(event).replace(/\((\w+)\)/, '("$1")')}\` | ${cells.join(' | ')} |`);
    }
    parts.push(lines.join('\n'));
  }
  return parts.join('\n\n');
}
