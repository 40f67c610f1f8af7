import { createActor, type AnyStateMachine } from 'xstate';
import { machines } from '../../src/index.js';
import { Recorder } from '../../src/records/recorder.js';
import { MachineHandle } from '../../src/api/machine-handle.js';
import { WebRTCPeerConnection, WebRTCDataChannel } from '../../src/index.js';
import { createScriptedStack, scriptedSdp } from '../../src/testing/scripted-stack.js';
import { round } from '../lib/stats.js';
import type { Mode } from '../lib/mode.js';

const { dataChannelMachine } = machines;

/** µs per item of `work(i)` over `count` items, best of three passes (after one warm-up pass). */
function micros(count: number, prepare: () => void, work: (i: number) => void): number {
  let best = Infinity;
  for (let pass = 0; pass < 4; pass++) {
    prepare();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < count; i++) work(i);
    const us = Number(process.hrtime.bigint() - t0) / 1000 / count;
    if (pass > 0) best = Math.min(best, us);
  }
  return round(best, 3);
}

/**
 * The lifecycle overhead, in µs per transition:
 * - a bare xstate send of the data channel machine (connecting → open → closing → closed);
 * - the same through MachineHandle, as the library sends it: can(), send, and the transition
 *   record into the connection's Recorder (every transition is recorded, kind `transition`);
 * - a whole connection driven through the scripted stack (no network): initialize, a channel,
 *   offer, local and remote descriptions, candidates, gathering, connecting, connected, channel
 *   open, close; the total time divided by the transitions it recorded;
 * - a refusal: a call the machine does not allow, with its explanation and its record.
 */
export function transitionsSuite(mode: Mode) {
  const n = mode.transitionIterations;
  const events = [{ type: 'stack.open' }, { type: 'close' }, { type: 'stack.closed' }] as const;

  let actors: Array<ReturnType<typeof createActor<typeof dataChannelMachine>>> = [];
  const bare = micros(
    n,
    () => (actors = Array.from({ length: Math.ceil(n / 3) }, () => createActor(dataChannelMachine).start())),
    (i) => actors[Math.floor(i / 3)]!.send(events[i % 3] as never),
  );

  let handles: Array<MachineHandle<typeof dataChannelMachine>> = [];
  let recorder = new Recorder('bench', 256);
  const recorded = micros(
    n,
    () => {
      recorder = new Recorder('bench', 256);
      handles = Array.from({ length: Math.ceil(n / 3) }, () => new MachineHandle('dataChannel', dataChannelMachine, recorder));
    },
    (i) => handles[Math.floor(i / 3)]!.send(events[i % 3] as never),
  );

  // A whole connection through the scripted stack.
  const scripted = createScriptedStack({ name: 'bench-scripted' });
  WebRTCPeerConnection.set_default_extension(scripted.factory);
  const sessions = Math.max(50, Math.floor(n / 100));
  let transitions = 0;
  const session = () => {
    const pc = new WebRTCPeerConnection();
    const channel = pc.create_data_channel('bench', { negotiated: true, id: 1 })!;
    pc.session_description_created.connect((type, sdp) => pc.set_local_description(type, sdp));
    pc.create_offer();
    pc.poll();
    const peer = scripted.latest();
    peer.gatheringState('gathering');
    peer.localCandidate();
    peer.gatheringState('complete');
    peer.connectionState('connecting');
    pc.set_remote_description('answer', scriptedSdp('answer'));
    pc.add_ice_candidate('0', 0, 'candidate:1 1 UDP 2114977791 127.0.0.1 40000 typ host');
    peer.connectionState('connected');
    peer.channels[0]!.open();
    pc.poll();
    if (channel.get_ready_state() !== WebRTCDataChannel.STATE_OPEN) throw new Error('scripted session did not open');
    pc.close();
    transitions += pc.get_records().filter((r) => r.kind === 'transition').length;
  };
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < sessions; i++) session();
  const sessionUs = Number(process.hrtime.bigint() - t0) / 1000 / sessions;
  const perSession = transitions / sessions;

  // A refusal: put_packet on a closed channel (the machine refuses, explains, records).
  const refusalPc = new WebRTCPeerConnection();
  const closed = refusalPc.create_data_channel('bench', { negotiated: true, id: 2 })!;
  refusalPc.close();
  const packet = new Uint8Array(8);
  const refusal = micros(Math.min(n, 50_000), () => {}, () => closed.put_packet(packet));

  const memory = heapBreakdown(scripted.factory);

  return {
    memory,
    bareXstateUs: bare,
    recordedTransitionUs: recorded,
    connectionSession: { transitions: round(perSession, 1), totalUs: round(sessionUs, 1), perTransitionUs: round(sessionUs / perSession, 2) },
    refusalUs: refusal,
  };
}

/**
 * Where a connection's heap goes, without the network (scripted stack, --expose-gc): a started
 * actor of each machine, and a WebRTCPeerConnection with one channel after a whole session's
 * transitions were recorded.
 */
function heapBreakdown(factory: Parameters<typeof WebRTCPeerConnection.set_default_extension>[0]) {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return null;
  const count = 1000;
  const measure = (make: () => unknown) => {
    const keep: unknown[] = [];
    gc();
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < count; i++) keep.push(make());
    gc();
    gc();
    const kb = (process.memoryUsage().heapUsed - before) / count / 1024;
    keep.length = 0;
    return round(kb, 2);
  };
  WebRTCPeerConnection.set_default_extension(factory);
  return {
    actorKB: Object.fromEntries(
      (['signalingMachine', 'connectionMachine', 'gatheringMachine', 'dataChannelMachine'] as const).map((name) => [name, measure(() => createActor(machines[name] as AnyStateMachine).start())]),
    ),
    idleConnectionWithChannelKB: measure(() => {
      const pc = new WebRTCPeerConnection();
      pc.create_data_channel('bench', { negotiated: true, id: 1 });
      return pc;
    }),
    idleInspectedConnectionWithChannelKB: measure(() => {
      const pc = new WebRTCPeerConnection({ inspect: () => {} });
      pc.create_data_channel('bench', { negotiated: true, id: 1 });
      return pc;
    }),
    recordKB: measure(() => ({ kind: 'transition', time: Date.now(), seq: 1, connection: 'pc-1', machine: 'signaling', from: 'stable', event: 'set_local_description(offer)', to: 'haveLocalOffer' })),
  };
}

