/**
 * Issue 13: property-based tests with fast-check on Godot 4's WebRTCMultiplayerPeer.
 *
 * Random sequences of create_server / create_client / create_mesh (with random channels_config),
 * add_peer / remove_peer / disconnect_peer (force or not) / put_packet / get_packet /
 * set_target_peer / set_transfer_mode / set_transfer_channel / set_refuse_new_connections /
 * get_peer / poll / close, with bad arguments mixed in (wrong types, NaN, out-of-range ids, a
 * connection already added or closed, objects that are no connection, channels_config entries
 * that are no TransferMode). Most runs use connections that never connect (fast); some link the
 * peer to far WebRTCMultiplayerPeers over loopback (test/support `peer()`/`wire()`) so that peers
 * really connect, send and leave while the sequence runs. After every call: nothing threw; a
 * method that returns an Error returned a GodotError; has_peer(id) ⇔ id is a key of get_peers();
 * get_connection_status() is the machine's state; a refused call changed nothing (state, context,
 * peer map, target / mode / channel) and added exactly one refusal record;
 * get_available_packet_count() ≥ 0; close() leaves DISCONNECTED with no peer and emits nothing.
 * Signals are only ever emitted inside poll() (never inside close(), any other call, or a native
 * callback). Each run's records verify by replay through the machines (verifyTrail).
 *
 * Bounded: a fixed seed and a few dozen runs by default; PROPERTY_RUNS=1000 PROPERTY_SEED=random
 * for more. A failure prints the seed; rerun with PROPERTY_SEED=<seed>.
 */
import '../support/loopback.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GodotError } from '../../src/godot/constants.js';
import { WebRTCMultiplayerPeer } from '../../src/godot4/webrtc-multiplayer-peer.js';
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
  hostile,
  id,
  linkedMix,
  mode,
  runPeerSequence,
  type CommonOp,
  type PeerSubject,
} from '../support/multiplayer-property.js';

// ---- arguments

const channel = fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 4 }) as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: fc.oneof(fc.constantFrom<unknown>(255, 256, -1), hostile) });
/** channels_config: mostly a short list of TransferModes; sometimes a bad entry, or no Array at all. */
const channelsConfig = fc.oneof(
  { weight: 6, arbitrary: fc.array(fc.constantFrom(0, 1, 2), { maxLength: 3 }) as fc.Arbitrary<unknown> },
  { weight: 1, arbitrary: fc.array(mode, { minLength: 1, maxLength: 3 }) as fc.Arbitrary<unknown> },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 'abc', {}, new Array(256).fill(2)) },
);

type Op =
  | CommonOp
  | { call: 'create_server'; config: unknown }
  | { call: 'create_client'; id: unknown; config: unknown }
  | { call: 'create_mesh'; id: unknown; config: unknown }
  /** Linked runs only: add_peer of a connection wired to a far peer created as `id` (1 for a client's server). */
  | { call: 'link'; id: number }
  | { call: 'disconnect_peer'; id: unknown; force: unknown }
  | { call: 'set_transfer_channel'; channel: unknown };

const common: Array<fc.Arbitrary<Op>> = [
  fc.record({ call: fc.constant('create_server' as const), config: channelsConfig }),
  fc.record({ call: fc.constant('create_client' as const), id, config: channelsConfig }),
  fc.record({ call: fc.constant('create_mesh' as const), id, config: channelsConfig }),
  fc.record({ call: fc.constant('disconnect_peer' as const), id, force: flag }),
  fc.record({ call: fc.constant('set_transfer_channel' as const), channel }),
  ...commonOps,
];
const offlineOps = fc.array(fc.oneof(...common), { minLength: 1, maxLength: 40 });
/** A linked run starts created (server, client 5 or mesh 5) with a link, waits until it connects, reads what the far end sends, then goes on at random. */
const created = fc.oneof(
  fc.record({ call: fc.constant('create_server' as const), config: fc.array(fc.constantFrom(0, 1, 2), { maxLength: 2 }) as fc.Arbitrary<unknown> }),
  fc.record({ call: fc.constant('create_client' as const), id: fc.constant<unknown>(5), config: fc.array(fc.constantFrom(0, 1, 2), { maxLength: 2 }) as fc.Arbitrary<unknown> }),
  fc.record({ call: fc.constant('create_mesh' as const), id: fc.constant<unknown>(5), config: fc.array(fc.constantFrom(0, 1, 2), { maxLength: 2 }) as fc.Arbitrary<unknown> }),
) as fc.Arbitrary<Op>;
const linkedOps = fc
  .tuple(
    created,
    fc.record({ call: fc.constant('link' as const), id: fc.constantFrom(2, 3) }),
    fc.record({ call: fc.constant('far_send' as const), mode: fc.constantFrom(0 as const, 1 as const, 2 as const) }),
    linkedMix(common, fc.record({ call: fc.constant('link' as const), id: fc.constantFrom(2, 3, 4) })),
  )
  .map(([create, link, send, rest]): Op[] => [create, link, { call: 'pause', ms: 5000, until: 'connected' }, send, { call: 'get_packet' }, ...rest]);

// ---- the run

/** One run; `config` is the channels_config of the last create_* that succeeded, which a far peer must share. */
class Run extends PeerRun<WebRTCMultiplayerPeer> {
  config: number[] = [];

  constructor() {
    super(new WebRTCMultiplayerPeer({ recordCapacity: 4096 }), ['peer_connected', 'peer_disconnected', 'packets_available']);
  }
}

/** Calls `op`; returns the Error it returned, if it is a method that returns one. */
async function call(run: Run, op: Op): Promise<GodotError | undefined> {
  const { mp } = run;
  switch (op.call) {
    case 'create_server':
    case 'create_client':
    case 'create_mesh': {
      const code =
        op.call === 'create_server' ? mp.create_server(op.config as number[]) : op.call === 'create_client' ? mp.create_client(op.id as number, op.config as number[]) : mp.create_mesh(op.id as number, op.config as number[]);
      if (code === GodotError.OK) run.config = [...(op.config as number[])];
      return code;
    }
    case 'link': {
      const self = mp.machine.snapshot.context.uniqueId;
      const ourMode = mp.machine.snapshot.context.mode;
      const farId = ourMode === 'client' ? 1 : op.id;
      const ours = run.pc();
      const code = mp.add_peer(ours, farId);
      if (code !== GodotError.OK) return code;
      run.added.push(ours);
      const far = new WebRTCMultiplayerPeer();
      run.fars.push(far);
      const theirs = run.pc();
      const made = ourMode === 'client' ? far.create_server(run.config) : ourMode === 'server' ? far.create_client(farId, run.config) : far.create_mesh(farId, run.config);
      expect(made).toBe(GodotError.OK);
      expect(far.add_peer(theirs, self)).toBe(GodotError.OK);
      wire(ours, theirs);
      (self < farId ? ours : theirs).create_offer();
      return code;
    }
    case 'disconnect_peer':
      return mp.disconnect_peer(op.id as number, op.force as boolean);
    case 'set_transfer_channel':
      return mp.set_transfer_channel(op.channel as number);
    default:
      return callCommon(run, op);
  }
}

const subject: PeerSubject<WebRTCMultiplayerPeer, Op> = {
  run: () => new Run(),
  call: (run, op) => call(run as Run, op),
  picture: (mp) => ({
    state: mp.machine.state,
    context: mp.machine.snapshot.context,
    peers: Object.keys(mp.get_peers()),
    target: mp.get_target_peer(),
    mode: mp.get_transfer_mode(),
    channel: mp.get_transfer_channel(),
  }),
  // A put_packet to a connected peer whose channel refused is that channel's refusal (on its connection's records, not the peer's).
  channelRefused: (_run, op, refusals) => op.call === 'put_packet' && refusals.length === 0,
};

describe(`WebRTCMultiplayerPeer (Godot 4), property-based (fast-check seed ${SEED}, ${RUNS} runs)`, () => {
  it('random calls on connections that never connect: nothing throws, refusals change nothing and are recorded, the getters agree with the machine, signals only in poll()', async () => {
    await check('offline', fc.asyncProperty(offlineOps, (ops) => runPeerSequence(subject, ops, false)), RUNS);
  }, 120_000);

  it('random calls while far peers connect over loopback, send and leave: the same properties', async () => {
    await check('linked', fc.asyncProperty(linkedOps, (ops) => runPeerSequence(subject, ops, true)), LINKED_RUNS);
    expectLinkedRunsConnected();
  }, 120_000);
});
