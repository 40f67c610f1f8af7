/**
 * Issue 3, part 3: property-based tests with fast-check, on pairs of real connections
 * (node-datachannel over 127.0.0.1).
 *
 * 1. Random sequences of API calls on both connections of a pair and their channels, with valid
 *    and hostile arguments (wrong types, null, undefined, NaN, negative and huge numbers, huge
 *    strings, symbols, bigints, malformed SDP, another session's SDP, candidates for another
 *    mid, unknown types and options), calls after `close()` and `initialize()`, and pauses that
 *    let the stack's events in. After every call: nothing threw; the result is a GodotError, null
 *    or a channel (void for close/set_write_mode, bytes for get_packet); a result other than OK
 *    came with exactly one refusal record and a refused call changed no state of either
 *    connection or any channel; every getter equals its machine's snapshot.
 * 2. The docs' handshake, started at a random point of a random sequence of hostile calls
 *    (every one refused, or a candidate for another mid held and rejected later): the pair
 *    connects and a packet crosses.
 *
 * Bounded: a fixed seed and a few dozen runs in `npm test`; `npm run test:property` runs many
 * more with a new seed. A failure prints the seed (and fast-check prints the shrunk sequence);
 * rerun it with PROPERTY_SEED=<seed>.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../support/loopback.js';
import { GodotError, WebRTCDataChannel, WebRTCPeerConnection, WriteMode, type ConnectionRecord } from '../../src/index.js';
import { scriptedCandidate, scriptedSdp, snapshotDisagreements } from '../../src/testing/index.js';
import { sleep } from './support/rig.js';

const seedSetting = process.env.PROPERTY_SEED ?? '20260603';
const SEED = seedSetting === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(seedSetting);
const RUNS = Number(process.env.PROPERTY_RUNS ?? 40);
const HANDSHAKE_RUNS = Math.max(8, Math.round(RUNS / 4));
const GODOT_ERRORS = new Set<number>(Object.values(GodotError));

// ---- arguments

/** A big argument, made when the call is made and printed by name in a counterexample. */
class Big {
  constructor(
    readonly name: string,
    readonly make: () => unknown,
  ) {}
  [fc.toStringMethod](): string {
    return this.name;
  }
}
const HUGE = 'x'.repeat(300_000);
const HUGE_STRING = new Big('<a String of 300000 characters>', () => HUGE);
const resolve = (value: unknown): unknown => (value instanceof Big ? value.make() : value);

const hostile = fc.oneof(
  fc.constantFrom<unknown>(null, undefined, Number.NaN, -1, -(2 ** 31), 2 ** 53, Infinity, 0.5, '', HUGE_STRING, true, [], {}, Symbol('hostile'), 10n, () => 1, new Uint8Array(3)),
  fc.string({ maxLength: 40 }),
  fc.integer({ min: -70_000, max: 70_000 }),
  fc.double(),
  fc.object({ maxDepth: 1 }),
);
const sdpType = fc.oneof(fc.constantFrom<unknown>('offer', 'answer', 'pranswer', 'rollback', 'Offer', 'ROLLBACK'), hostile);
const label = fc.oneof(fc.string({ maxLength: 12 }), hostile);
const channelOptions = fc.oneof(
  fc.constant<unknown>({}),
  fc.record({ negotiated: fc.constant(true), id: fc.integer({ min: -3, max: 1030 }) }),
  fc.record({ ordered: fc.boolean(), maxRetransmits: fc.integer({ min: -2, max: 70_000 }) }, { requiredKeys: [] }),
  fc.record({ maxPacketLifeTime: fc.oneof(fc.integer({ min: -2, max: 70_000 }), hostile), protocol: fc.oneof(fc.string({ maxLength: 8 }), hostile) }, { requiredKeys: [] }),
  fc.constantFrom<unknown>({ maxRetransmits: 1, maxPacketLifeTime: 1 }, { negotiated: true }, { id: 3 }, { maxRetransmit: 1 }),
  hostile,
);
/** Where an SDP argument comes from: a description a connection made, or something else. */
const sdpSource = fc.oneof(
  fc.constantFrom('own', 'other', 'other', 'foreign', 'malformed', 'nul', 'huge', 'empty'),
  hostile.map((value) => ({ value })),
);
const candidateSource = fc.oneof(
  fc.constantFrom('other', 'other', 'another-mid', 'malformed', 'end-of-candidates', 'huge'),
  hostile.map((value) => ({ value })),
);
const mediaArg = fc.oneof(fc.constantFrom<unknown>('0', '0', '7', new Big('<a mid of 300 characters>', () => 'm'.repeat(300))), hostile);
const indexArg = fc.oneof(fc.constantFrom<unknown>(0, 0, 1, -1, Number.NaN, 0.5), hostile);
const packet = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((bytes) => bytes as unknown),
  fc.constantFrom<unknown>(new Big('<300 KiB of bytes>', () => new Uint8Array(300 * 1024)), new Uint8Array([0xc3, 0x28]), new TextEncoder().encode('hello\0world')),
  hostile,
);

type Side = 'a' | 'b';
const side = fc.constantFrom<Side>('a', 'b');

type Command =
  | { op: 'create_data_channel'; side: Side; label: unknown; options: unknown }
  | { op: 'create_offer'; side: Side }
  | { op: 'set_local_description'; side: Side; type: unknown; sdp: unknown }
  | { op: 'set_remote_description'; side: Side; type: unknown; sdp: unknown }
  | { op: 'add_ice_candidate'; side: Side; media: unknown; index: unknown; name: unknown }
  | { op: 'poll'; side: Side }
  | { op: 'close'; side: Side }
  | { op: 'initialize'; side: Side; configuration: unknown }
  | { op: 'put_packet'; channel: number; packet: unknown }
  | { op: 'channel.close'; channel: number }
  | { op: 'get_packet'; channel: number }
  | { op: 'set_write_mode'; channel: number; mode: unknown }
  | { op: 'wait'; ms: number };

const configuration = fc.oneof(
  fc.constantFrom<unknown>({}, { iceServers: [] }, { iceServers: [{ urls: 'stun:127.0.0.1:3478' }] }, { iceServers: [{ urls: 'turn:127.0.0.1' }] }, { iceServers: 'stun:x' }),
  hostile,
);
const channelIndex = fc.nat({ max: 6 });

const anyCommand: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('create_data_channel' as const), side, label, options: channelOptions }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('create_offer' as const), side }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('set_local_description' as const), side, type: sdpType, sdp: sdpSource }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('set_remote_description' as const), side, type: sdpType, sdp: sdpSource }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('add_ice_candidate' as const), side, media: mediaArg, index: indexArg, name: candidateSource }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('poll' as const), side }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('close' as const), side }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('initialize' as const), side, configuration }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('put_packet' as const), channel: channelIndex, packet }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('channel.close' as const), channel: channelIndex }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('get_packet' as const), channel: channelIndex }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('set_write_mode' as const), channel: channelIndex, mode: fc.oneof(fc.constantFrom<unknown>(0, 1, 2, -1), hostile) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 30 }) }) },
);

/** Not a description type: a rollback (which takes any sdp) would be a valid call, not a hostile one. */
const notAnSdpType = hostile.filter((value) => !['offer', 'answer', 'pranswer', 'rollback'].includes(value as string));
const notRollback = fc.oneof(fc.constantFrom<unknown>('offer', 'answer', 'pranswer', 'Offer', 'ROLLBACK'), notAnSdpType);

/** Hostile calls only: each one must be refused (or is a candidate for another mid, held and rejected later). */
const hostileCommand: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ op: fc.constant('create_data_channel' as const), side, label: hostile.filter((v) => typeof v !== 'string' && !(v instanceof Big)), options: channelOptions }),
  fc.record({ op: fc.constant('set_local_description' as const), side, type: notRollback, sdp: fc.constantFrom('malformed', 'nul', 'huge', 'foreign') }),
  fc.record({ op: fc.constant('set_remote_description' as const), side, type: notRollback, sdp: fc.constantFrom('malformed', 'nul', 'huge', 'empty') }),
  fc.record({ op: fc.constant('set_remote_description' as const), side, type: notAnSdpType, sdp: sdpSource }),
  fc.record({ op: fc.constant('add_ice_candidate' as const), side, media: hostile.filter((v) => typeof v !== 'string' && !(v instanceof Big)), index: indexArg, name: candidateSource }),
  fc.record({ op: fc.constant('add_ice_candidate' as const), side, media: fc.constant('0'), index: fc.constant(0), name: fc.constantFrom('malformed', 'end-of-candidates', 'huge') }),
  fc.record({ op: fc.constant('add_ice_candidate' as const), side, media: fc.constant('7'), index: fc.constant(0), name: fc.constant('other') }),
  fc.record({ op: fc.constant('initialize' as const), side, configuration: fc.constantFrom<unknown>('stun:x', { iceServers: 'stun:x' }, { iceServers: [{ urls: 'http://x' }] }, null, 42) }),
  fc.record({ op: fc.constant('put_packet' as const), channel: channelIndex, packet: hostile.filter((v) => !(v instanceof Uint8Array)) }),
  fc.record({ op: fc.constant('set_write_mode' as const), channel: channelIndex, mode: fc.constantFrom<unknown>(2, -1, 'TEXT', null, Number.NaN) }),
  fc.record({ op: fc.constant('get_packet' as const), channel: channelIndex }),
  fc.record({ op: fc.constant('poll' as const), side }),
  fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 10 }) }),
);

// ---- the pair

let pairNumber = 0;

class Pair {
  readonly a = new WebRTCPeerConnection({ id: `prop-a-${++pairNumber}` });
  readonly b = new WebRTCPeerConnection({ id: `prop-b-${pairNumber}` });
  readonly channels: WebRTCDataChannel[] = [];
  readonly made: Record<Side, string | null> = { a: null, b: null };
  readonly candidates: Record<Side, Array<[string, number, string]>> = { a: [], b: [] };

  constructor() {
    for (const s of ['a', 'b'] as const) {
      const pc = this[s];
      pc.session_description_created.connect((_type, sdp) => (this.made[s] = sdp));
      pc.ice_candidate_created.connect((media, index, name) => this.candidates[s].push([media, index, name]));
      pc.data_channel_received.connect((channel) => this.channels.push(channel));
    }
  }

  other(s: Side): Side {
    return s === 'a' ? 'b' : 'a';
  }

  sdp(s: Side, source: unknown): unknown {
    if (typeof source === 'object' && source !== null && 'value' in source) return resolve((source as { value: unknown }).value);
    switch (source) {
      case 'own':
        return this.made[s] ?? scriptedSdp('offer');
      case 'other':
        return this.made[this.other(s)] ?? scriptedSdp('offer');
      case 'foreign':
        return scriptedSdp('answer');
      case 'malformed':
        return 'v=0\r\nthis is not sdp\r\n';
      case 'nul':
        return `${scriptedSdp('offer')}\0`;
      case 'huge':
        return `v=0\r\n${'a=x\r\n'.repeat(60_000)}`;
      default:
        return '';
    }
  }

  candidate(s: Side, source: unknown): unknown {
    if (typeof source === 'object' && source !== null && 'value' in source) return resolve((source as { value: unknown }).value);
    switch (source) {
      case 'other':
        return this.candidates[this.other(s)].at(-1)?.[2] ?? scriptedCandidate();
      case 'another-mid':
        return scriptedCandidate(40_000);
      case 'malformed':
        return 'candidate:garbage';
      case 'end-of-candidates':
        return 'a=end-of-candidates';
      default:
        return HUGE;
    }
  }

  /** Everything a refused call must leave as it was. */
  state(): unknown {
    return {
      a: this.a.get_machine_states(),
      b: this.b.get_machine_states(),
      channels: this.channels.map((channel) => [channel.get_ready_state(), channel.get_available_packet_count(), channel.get_write_mode()]),
    };
  }

  disagreements(): string[] {
    return [...snapshotDisagreements(this.a, this.channels), ...snapshotDisagreements(this.b, [])];
  }

  close(): void {
    for (const pc of [this.a, this.b]) if (pc.get_connection_state() !== WebRTCPeerConnection.STATE_CLOSED) pc.close();
  }
}

function describeCommand(command: Command): string {
  return JSON.stringify(command, (_key, value) =>
    typeof value === 'string' && value.length > 60 ? `<${value.length} chars>` : typeof value === 'bigint' || typeof value === 'symbol' || typeof value === 'function' ? String(value) : value instanceof Uint8Array ? `<${value.length} bytes>` : value,
  );
}

/** Runs one command and checks every invariant of a single call. */
async function step(pair: Pair, command: Command): Promise<void> {
  if (command.op === 'wait') {
    const until = Date.now() + command.ms;
    while (Date.now() < until) {
      pair.a.poll();
      pair.b.poll();
      await sleep(1);
    }
    expect(pair.disagreements(), `after waiting: getters against snapshots`).toEqual([]);
    return;
  }
  const refusals: ConnectionRecord[] = [];
  const listener = (record: ConnectionRecord) => refusals.push(record);
  pair.a.call_refused.connect(listener);
  pair.b.call_refused.connect(listener);
  const before = pair.state();
  let result: unknown;
  let kind: 'code' | 'channel' | 'void' | 'bytes' = 'code';
  try {
    const channel = 'channel' in command ? pair.channels[command.channel % Math.max(1, pair.channels.length)] : undefined;
    switch (command.op) {
      case 'create_data_channel': {
        kind = 'channel';
        result = pair[command.side].create_data_channel(resolve(command.label) as never, resolve(command.options) as never);
        if (result instanceof WebRTCDataChannel) pair.channels.push(result);
        break;
      }
      case 'create_offer':
        result = pair[command.side].create_offer();
        break;
      case 'set_local_description':
        result = pair[command.side].set_local_description(resolve(command.type) as never, pair.sdp(command.side, command.sdp) as never);
        break;
      case 'set_remote_description':
        result = pair[command.side].set_remote_description(resolve(command.type) as never, pair.sdp(command.side, command.sdp) as never);
        break;
      case 'add_ice_candidate':
        result = pair[command.side].add_ice_candidate(resolve(command.media) as never, resolve(command.index) as never, pair.candidate(command.side, command.name) as never);
        break;
      case 'poll':
        result = pair[command.side].poll();
        break;
      case 'close':
        kind = 'void';
        result = pair[command.side].close();
        break;
      case 'initialize':
        result = pair[command.side].initialize(resolve(command.configuration) as never);
        break;
      case 'put_packet':
        if (!channel) return;
        result = channel.put_packet(resolve(command.packet) as Uint8Array);
        break;
      case 'channel.close':
        if (!channel) return;
        kind = 'void';
        result = channel.close();
        break;
      case 'get_packet':
        if (!channel) return;
        kind = 'bytes';
        result = channel.get_packet();
        break;
      case 'set_write_mode':
        if (!channel) return;
        kind = 'void';
        result = channel.set_write_mode(resolve(command.mode) as WriteMode);
        break;
    }
  } catch (error) {
    throw new Error(`${describeCommand(command)} threw: ${error instanceof Error ? error.stack : String(error)}`);
  } finally {
    pair.a.call_refused.disconnect(listener);
    pair.b.call_refused.disconnect(listener);
  }
  const what = describeCommand(command);
  switch (kind) {
    case 'code':
      expect(typeof result === 'number' && GODOT_ERRORS.has(result), `${what} returned ${String(result)}: not a GodotError`).toBe(true);
      break;
    case 'channel':
      expect(result === null || result instanceof WebRTCDataChannel, `${what}: a channel or null`).toBe(true);
      break;
    case 'void':
      expect(result, `${what}: returns nothing`).toBeUndefined();
      break;
    case 'bytes':
      expect(result, `${what}: a packet`).toBeInstanceOf(Uint8Array);
      break;
  }
  const failed = (kind === 'code' && result !== GodotError.OK) || (kind === 'channel' && result === null);
  // poll() runs the signal handlers, whose own calls may be refused (they are checked as theirs).
  if (command.op === 'poll') return expect(pair.disagreements(), `${describeCommand(command)}: getters against snapshots`).toEqual([]);
  if (kind !== 'void' && kind !== 'bytes') expect(refusals.length, `${what}: one refusal record exactly when it fails (result ${String(result)})`).toBe(failed ? 1 : 0);
  if (refusals.length > 0) {
    expect(refusals).toHaveLength(1);
    expect(pair.state(), `${what} was refused and must change nothing`).toEqual(before);
    if (kind === 'code') expect(result).toBe((refusals[0] as { code: number }).code);
  }
  expect(pair.disagreements(), `${what}: getters against snapshots`).toEqual([]);
}

let discarded = 0;

/**
 * libdatachannel sometimes fails a fresh connection on its own when offer and answer are
 * exchanged within milliseconds (both peers in one process): both native connections go
 * connecting → failed → closed without ever gathering, and the offerer's setRemoteDescription
 * of the valid answer may throw "Got a remote candidate without ICE transport". Cause: an
 * offerer that answered the remote's ICE checks before it had the answer connects inside
 * setRemoteDescription, before the description is stored, and its DTLS fingerprint check fails
 * (libdatachannel 0.24.5; see src/adapters/setup-order.ts). Hostile sequences can still build
 * that order by hand. Such a run is discarded (fc.pre) and counted, never passed.
 */
function nativeRace(pair: Pair): boolean {
  return [pair.a, pair.b].some((pc) => {
    const records = pc.get_records();
    const failedBeforeGathering = records.some((r) => r.kind === 'transition' && r.machine === 'connection' && r.to === 'failed') && !records.some((r) => r.kind === 'transition' && r.machine === 'gathering' && r.event.startsWith('stack.'));
    const rejected = records.some((r) => r.kind === 'refusal' && r.method === 'set_remote_description' && r.machine === 'signaling' && /without ICE transport/.test(r.reason));
    return failedBeforeGathering || rejected;
  });
}

/** Runs a property with the suite's seed; on failure says how to run it again. */
async function check<T>(name: string, property: fc.IAsyncPropertyWithHooks<[T]>, numRuns: number): Promise<void> {
  try {
    await fc.assert(property, { seed: SEED, numRuns, endOnFailure: process.env.PROPERTY_NO_SHRINK === "1" });
  } catch (error) {
    console.error(`property "${name}" failed with seed ${SEED}: rerun with PROPERTY_SEED=${SEED} PROPERTY_RUNS=${numRuns}`);
    throw error;
  }
}

describe(`property-based (fast-check seed ${SEED}, ${RUNS} runs)`, () => {
  it('random calls with random and hostile arguments: nothing throws, results are codes/null/channels, refusals change nothing, getters are the snapshots', async () => {
    console.log(`property seed: ${SEED} (PROPERTY_SEED to replay), runs: ${RUNS}`);
    await check(
      'random calls',
      fc.asyncProperty(fc.array(anyCommand, { minLength: 1, maxLength: 40 }), async (commands) => {
        const pair = new Pair();
        try {
          for (const command of commands) await step(pair, command);
          // Whatever happened, closing twice is fine and leaves everything closed.
          for (const pc of [pair.a, pair.b]) {
            expect(() => pc.close()).not.toThrow();
            expect(() => pc.close()).not.toThrow();
            expect(pc.get_connection_state()).toBe(WebRTCPeerConnection.STATE_CLOSED);
          }
          expect(pair.disagreements()).toEqual([]);
        } finally {
          pair.close();
        }
      }),
      RUNS,
    );
  }, 240_000);

  it('a handshake among hostile calls: the pair connects and a packet crosses', async () => {
    await check(
      'handshake among hostile calls',
      fc.asyncProperty(
        fc.record({ before: fc.array(hostileCommand, { maxLength: 15 }), after: fc.array(hostileCommand, { maxLength: 15 }) }),
        async ({ before, after }) => {
          const pair = new Pair();
          try {
            const chA = pair.a.create_data_channel('chat', { negotiated: true, id: 1 })!;
            const chB = pair.b.create_data_channel('chat', { negotiated: true, id: 1 })!;
            pair.channels.push(chA, chB);
            // The docs' wiring.
            for (const [self, other] of [['a', 'b'], ['b', 'a']] as const) {
              pair[self].session_description_created.connect((type, sdp) => pair[self].set_local_description(type, sdp));
              pair[self].session_description_created.connect((type, sdp) => pair[other].set_remote_description(type, sdp));
              pair[self].ice_candidate_created.connect((media, index, name) => pair[other].add_ice_candidate(media, index, name));
            }
            for (const command of before) await step(pair, command);
            expect(pair.a.create_offer()).toBe(GodotError.OK);
            for (const command of after) await step(pair, command);
            const started = Date.now();
            const connected = (pc: WebRTCPeerConnection) => pc.get_connection_state() === WebRTCPeerConnection.STATE_CONNECTED;
            // The channel's open and the connection's state are separate reports of the stack: wait for all four.
            const gone = (pc: WebRTCPeerConnection) => pc.get_connection_state() >= WebRTCPeerConnection.STATE_FAILED;
            while (!(chA.get_ready_state() === WebRTCDataChannel.STATE_OPEN && chB.get_ready_state() === WebRTCDataChannel.STATE_OPEN && connected(pair.a) && connected(pair.b))) {
              if (Date.now() - started > 10_000 || gone(pair.a) || gone(pair.b)) {
                if (nativeRace(pair)) {
                  // libdatachannel itself failed the connection (see nativeRace): not this library's doing.
                  discarded++;
                  fc.pre(false);
                }
                throw new Error(`the pair did not connect: ${JSON.stringify([pair.a.get_machine_states(), pair.b.get_machine_states()])}`);
              }
              pair.a.poll();
              pair.b.poll();
              await sleep(1);
            }
            expect(chA.put_packet(new TextEncoder().encode('crossed'))).toBe(GodotError.OK);
            while (chB.get_available_packet_count() === 0) {
              if (Date.now() - started > 10_000) throw new Error('the packet did not cross');
              await sleep(1);
            }
            expect(new TextDecoder().decode(chB.get_packet())).toBe('crossed');
            expect(pair.disagreements()).toEqual([]);
          } finally {
            pair.close();
          }
        },
      ),
      HANDSHAKE_RUNS,
    );
    if (discarded > 0) console.log(`handshake runs discarded because libdatachannel failed the connection by itself: ${discarded}`);
  }, 240_000);
});
