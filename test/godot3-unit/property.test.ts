/**
 * Issue 12: property-based tests with fast-check on Godot 3's WebRTCMultiplayer.
 *
 * Random sequences of initialize / add_peer / remove_peer / put_packet / get_packet /
 * set_target_peer / set_transfer_mode / set_refuse_new_connections / get_peer / poll / close, with
 * bad arguments mixed in (wrong types, NaN, out-of-range ids, a connection already added or
 * closed, objects that are no connection). Most runs use connections that never connect (fast);
 * some link the multiplayer to far WebRTCMultiplayers over loopback (test/support `peer()`/`wire()`)
 * so that peers really connect, send and leave while the sequence runs. After every call:
 * nothing threw; a method that returns an Error returned a GodotError; has_peer(id) ⇔ id is a
 * key of get_peers(); get_connection_status() is the machine's state; a refused call changed
 * nothing (state, context, peer map, unique id) and added exactly one refusal record;
 * get_available_packet_count() ≥ 0; close() leaves DISCONNECTED with no peer. Signals are only
 * ever emitted inside poll() (never inside close(), any other call, or a native callback). Each
 * run's records verify by replay through the machines.
 *
 * Bounded: a fixed seed and a few dozen runs by default; PROPERTY_RUNS=1000 PROPERTY_SEED=random
 * for more. A failure prints the seed; rerun with PROPERTY_SEED=<seed>.
 */
import '../support/loopback.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GodotError } from '../../src/godot/constants.js';
import { WebRTCMultiplayer } from '../../src/godot3/webrtc-multiplayer.js';
import { wire } from '../support/loopback.js';
import {
  LINKED_RUNS,
  PeerRun,
  RUNS,
  SEED,
  callCommon,
  check,
  commonOps,
  expectLinkedRunsConnected,
  flag,
  id,
  linkedMix,
  runPeerSequence,
  type CommonOp,
  type PeerSubject,
} from '../support/multiplayer-property.js';

type Op =
  | CommonOp
  | { call: 'initialize'; id: unknown; serverCompatibility: unknown }
  /** Linked runs only: add_peer of a connection wired to a far multiplayer initialized as `id`. */
  | { call: 'link'; id: unknown };

const common: Array<fc.Arbitrary<Op>> = [fc.record({ call: fc.constant('initialize' as const), id, serverCompatibility: flag }), ...commonOps];
const offlineOps = fc.array(fc.oneof(...common), { minLength: 1, maxLength: 40 });
/** A linked run starts initialized with a link (so that peers do connect), then goes on at random. */
const linkedOps = fc
  .tuple(
    fc.record({ call: fc.constant('initialize' as const), id: fc.constantFrom<unknown>(1, 5), serverCompatibility: fc.boolean() as fc.Arbitrary<unknown> }),
    fc.record({ call: fc.constant('link' as const), id: fc.constantFrom<unknown>(1, 2) }),
    linkedMix(common, fc.record({ call: fc.constant('link' as const), id: fc.constantFrom<unknown>(1, 2, 3) })),
  )
  .map(([initialize, link, rest]): Op[] => [initialize, link, { call: 'pause', ms: 5000, until: 'connected' }, ...rest]);

// ---- the run

/** Calls `op`; returns the Error it returned, if it is a method that returns one. */
async function call(run: PeerRun<WebRTCMultiplayer>, op: Op): Promise<GodotError | undefined> {
  const { mp } = run;
  switch (op.call) {
    case 'initialize':
      return mp.initialize(op.id as number, op.serverCompatibility as boolean);
    case 'link': {
      const self = mp.get_stats().unique_id;
      const ours = run.pc();
      const code = mp.add_peer(ours, op.id as number);
      if (code !== GodotError.OK) return code;
      run.added.push(ours);
      const far = new WebRTCMultiplayer();
      run.fars.push(far);
      const theirs = run.pc();
      expect(far.initialize(op.id as number)).toBe(GodotError.OK);
      expect(far.add_peer(theirs, self)).toBe(GodotError.OK);
      wire(ours, theirs);
      (self < (op.id as number) ? ours : theirs).create_offer();
      return code;
    }
    default:
      return callCommon(run, op);
  }
}

const SIGNALS = ['peer_connected', 'peer_disconnected', 'connection_succeeded', 'connection_failed', 'server_disconnected', 'packets_available'];
const subject: PeerSubject<WebRTCMultiplayer, Op> = {
  run: () => new PeerRun(new WebRTCMultiplayer({ recordCapacity: 4096 }), SIGNALS),
  call,
  picture: (mp) => ({ state: mp.machine.state, context: mp.machine.snapshot.context, peers: Object.keys(mp.get_peers()), unique: mp.get_stats().unique_id }),
  // A broadcast put_packet a channel refused is that channel's refusal (on its connection's records).
  channelRefused: (run, op, refusals) => op.call === 'put_packet' && run.mp.get_target_peer() <= 0 && refusals.length === 0,
};

describe(`WebRTCMultiplayer, property-based (fast-check seed ${SEED}, ${RUNS} runs)`, () => {
  it('random calls on connections that never connect: nothing throws, refusals change nothing and are recorded, the getters agree with the machine, signals only in poll()', async () => {
    await check('offline', fc.asyncProperty(offlineOps, (ops) => runPeerSequence(subject, ops, false)), RUNS);
  }, 120_000);

  it('random calls while far multiplayers connect over loopback, send and leave: the same properties', async () => {
    await check('linked', fc.asyncProperty(linkedOps, (ops) => runPeerSequence(subject, ops, true)), LINKED_RUNS);
    expectLinkedRunsConnected();
  }, 120_000);
});
