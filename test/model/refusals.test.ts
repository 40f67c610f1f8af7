/**
 * Issue 3, part 2: every refusal, generated from the machines.
 *
 * For every state the machines can reach over loopback (the signaling machine's states with
 * their context, the connection's and the channel's states), every public method the state does
 * not allow (`snapshot.can(event)` is false) is called on a real connection brought into that
 * state by replaying the generated path to it. Each call must return the code of its row in
 * `src/refusal-table.ts` (the README's table), change no state, and leave exactly one refusal
 * record whose reason is the machine's own explanation. Afterwards every "not allowed in this
 * state" row of the table must have been produced by some generated case, so the table and the
 * machines cannot drift apart. The method-by-state matrix in the README is generated from the
 * machines too, and checked here.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import '../support/loopback.js';
import { GodotError, type ConnectionRecord } from '../../src/index.js';
import { REFUSALS } from '../../src/refusal-table.js';
import { explainRefusal } from '../../src/machines/explain.js';
import { signalingGuardReasons } from '../../src/machines/signaling.js';
import { MACHINES, MODEL_EVENTS, edgeKey, eventLabel, generatePaths, scriptedCandidate, scriptedSdp, type ModelMachineName, type ModelPath } from '../../src/testing/index.js';
import { whyNotCausable } from './support/loopback-causes.js';
import { causedByPathReplay, planLoopback, replayOverLoopback, withNativeRetry } from './support/replay.js';
import type { LoopbackRig } from './support/rig.js';
import { methodMatrix } from './support/matrix.js';

type Event = { type: string; sdpType?: string };

/** The public method an event of a machine is, and the call that makes it with arguments that are all valid. */
const METHODS: Record<ModelMachineName, Record<string, ((rig: LoopbackRig, event: Event) => unknown) | null>> = {
  signaling: {
    create_data_channel: (rig) => rig.pc.create_data_channel('late', {}),
    create_offer: (rig) => rig.pc.create_offer(),
    set_local_description: (rig, event) => rig.pc.set_local_description(event.sdpType as never, rig.offer ?? rig.answer ?? scriptedSdp('offer')),
    set_remote_description: (rig, event) => rig.pc.set_remote_description(event.sdpType as never, event.sdpType === 'rollback' ? '' : scriptedSdp(event.sdpType === 'offer' ? 'offer' : 'answer')),
    add_ice_candidate: (rig) => rig.pc.add_ice_candidate('0', 0, scriptedCandidate()),
    // close belongs to the connection machine; initialize is allowed in every state.
    close: null,
    initialize: null,
  },
  connection: {
    close: (rig) => rig.pc.close(),
    initialize: null,
  },
  gathering: { initialize: null },
  dataChannel: {
    put_packet: (rig) => rig.channels[0]!.put_packet(new TextEncoder().encode('refused')),
    close: (rig) => rig.channels[0]!.close(),
  },
};

/** The row of the refusal table a machine refusal is: the method, and what about the state refuses it. */
function rowFor(machine: ModelMachineName, state: string, context: Record<string, unknown>, event: Event): string {
  const closed = state === 'closed';
  switch (`${machine}.${event.type}`) {
    case 'signaling.create_data_channel':
      return closed ? 'create_data_channel.closed' : 'create_data_channel.after-negotiation';
    case 'signaling.create_offer':
      return closed ? 'create_offer.closed' : context.created ? 'create_offer.twice' : 'create_offer.no-channel';
    case 'signaling.set_local_description':
      if (closed) return 'set_local_description.closed';
      return event.sdpType === 'rollback' && state === 'haveRemoteOffer' ? 'set_local_description.rollback-answered' : 'set_local_description.not-generated';
    case 'signaling.set_remote_description':
      return closed ? 'set_remote_description.closed' : 'set_remote_description.wrong-state';
    case 'signaling.add_ice_candidate':
      return 'add_ice_candidate.closed';
    case 'connection.close':
      return 'close.closed';
    case 'dataChannel.put_packet':
      return 'put_packet.not-open';
    case 'dataChannel.close':
      return 'channel.close.closed';
  }
  throw new Error(`no row of the refusal table for ${machine}.${eventLabel(event)} in ${state}`);
}

/** Rows of ERR_UNAVAILABLE that no machine state decides, with the reason. */
const NOT_MACHINE_ROWS: Record<string, string> = {
  'get_packet.empty': 'an empty receive queue, not a state: packets never pass through a machine',
};

interface Case {
  machine: ModelMachineName;
  path: ModelPath;
  event: Event;
  row: string;
}

/** A path to every state each machine reaches over loopback (its context included), and the methods it refuses there. */
function generateCases(): Case[] {
  const cases: Case[] = [];
  for (const machine of Object.keys(MACHINES) as ModelMachineName[]) {
    const paths = generatePaths(MACHINES[machine], {
      strategy: 'shortest',
      keepPrefixes: true,
      // Only through transitions a path replay causes over loopback: the state is reached on a real connection.
      filter: (snapshot, event) => {
        if (!causedByPathReplay(machine, event)) return false;
        const [next] = transition(MACHINES[machine], snapshot as never, event as never);
        return whyNotCausable(machine, edgeKey(String(snapshot.value), eventLabel(event), String(next.value))) === null;
      },
    });
    for (const path of paths) {
      const snapshot = path.endSnapshot as unknown as { can(event: Event): boolean; context: Record<string, unknown> };
      for (const event of MODEL_EVENTS[machine] as readonly Event[]) {
        if (!METHODS[machine][event.type] || snapshot.can(event)) continue;
        cases.push({ machine, path, event, row: rowFor(machine, path.end, snapshot.context, event) });
      }
    }
  }
  return cases;
}

const cases = generateCases();
const produced = new Map<string, number>();

describe.concurrent('every method a state does not allow, on a real connection in that state', () => {
  it.each(cases.map((c) => [`${c.machine} ${c.path.description || c.path.end}: ${eventLabel(c.event)} → ${c.row}`, c] as const))('%s', async (_name, c) => {
    const row = REFUSALS.find((r) => r.id === c.row);
    expect(row, `the refusal table has a row ${c.row}`).toBeDefined();
    expect(row!.code).toBe(GodotError.ERR_UNAVAILABLE);
    expect(row!.method.replace(/^WebRTCDataChannel\./, '')).toBe(c.event.type);
    const plan = planLoopback(c.machine, c.path);
    if (!plan.ok) throw new Error(plan.reason);
    await withNativeRetry(() => replayOverLoopback(c.machine, c.path, plan, null, (rig) => {
      const channel = rig.channels[0];
      const handle = c.machine === 'dataChannel' ? channel!.machine : rig.pc[c.machine as 'signaling' | 'connection'];
      const before = { states: rig.pc.get_machine_states(), channels: rig.channels.map((ch) => ch.get_ready_state()) };
      const expectedReason = explainRefusal(MACHINES[c.machine], handle.snapshot, c.event, c.machine === 'signaling' ? signalingGuardReasons : {});
      const refusals: ConnectionRecord[] = [];
      const listener = (record: ConnectionRecord) => refusals.push(record);
      rig.pc.call_refused.connect(listener);
      const seq = rig.lastSeq();
      let result: unknown;
      expect(() => (result = METHODS[c.machine][c.event.type]!(rig, c.event))).not.toThrow();
      rig.pc.call_refused.disconnect(listener);

      if (c.event.type === 'create_data_channel') expect(result).toBeNull();
      else if (c.event.type !== 'close') expect(result).toBe(row!.code);
      expect({ states: rig.pc.get_machine_states(), channels: rig.channels.map((ch) => ch.get_ready_state()) }, 'no state changed').toEqual(before);
      expect(rig.recordsSince(seq).filter((record) => record.kind !== 'refusal'), 'no other record').toEqual([]);
      expect(refusals).toHaveLength(1);
      expect(refusals[0]).toMatchObject({
        kind: 'refusal',
        method: c.event.type,
        machine: c.machine,
        state: c.path.end,
        code: row!.code,
        codeName: 'ERR_UNAVAILABLE',
        reason: expectedReason,
      });
      if (c.machine === 'dataChannel') expect(refusals[0]!.channel).toBe('dc#1');
      produced.set(c.row, (produced.get(c.row) ?? 0) + 1);
    }));
  }, 30_000);
});

describe('the README', () => {
  it('has the matrix of methods by state, as the machines give it', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme, 'README.md must contain this matrix (generated from the machines)').toContain(methodMatrix());
  });

  it('shows test/model/example.test.ts as it is', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const example = readFileSync(new URL('./example.test.ts', import.meta.url), 'utf8').trimEnd();
    expect(readme).toContain(example);
  });
});

afterAll(() => {
  const stateRows = REFUSALS.filter((row) => row.code === GodotError.ERR_UNAVAILABLE && !(row.id in NOT_MACHINE_ROWS)).map((row) => row.id);
  const missing = stateRows.filter((id) => !produced.has(id));
  console.log(
    `\nGenerated refusals: ${cases.length} (state, method) cases on real connections; rows produced: ${[...produced.entries()].map(([id, n]) => `${id} ×${n}`).join(', ')}`,
  );
  expect(missing, 'rows of the refusal table (not allowed in this state) that no generated case produced').toEqual([]);
});
