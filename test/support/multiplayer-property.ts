/**
 * What the fast-check property tests of Godot 3's WebRTCMultiplayer, Godot 4's
 * WebRTCMultiplayerPeer and Godot 4's SceneMultiplayer share: the seed and run settings
 * (PROPERTY_SEED, PROPERTY_RUNS, PROPERTY_NO_SHRINK), hostile arguments, `check`, and for the two
 * peers the calls, the run loop and the invariants they have in common.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { verifyTrail } from '../../src/audit/verify.js';
import { GodotError } from '../../src/godot/constants.js';
import { ConnectionStatus } from '../../src/godot3/constants.js';
import { WebRTCPeerConnection, type ConnectionRecord } from '../../src/index.js';
import { peer } from './loopback.js';

const seedSetting = process.env.PROPERTY_SEED ?? '20261202';
export const SEED = seedSetting === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(seedSetting);
export const RUNS = Number(process.env.PROPERTY_RUNS ?? 40);
export const LINKED_RUNS = Math.max(4, Math.round(RUNS / 6));
export const GODOT_ERRORS = new Set<number>(Object.values(GodotError));
export const STATUS: Record<string, ConnectionStatus> = {
  disconnected: ConnectionStatus.CONNECTION_DISCONNECTED,
  connecting: ConnectionStatus.CONNECTION_CONNECTING,
  connected: ConnectionStatus.CONNECTION_CONNECTED,
};
/** Ids the checks ask has_peer about, beyond the map's own. */
const PROBED_IDS = [-1, 0, 1, 2, 3, 5, 7, 2 ** 31 - 1];

// ---- arguments

export const hostile = fc.constantFrom<unknown>(null, undefined, Number.NaN, Infinity, 0.5, -(2 ** 31), 2 ** 31, 2 ** 53, '', '2', true, [], {}, 10n, Symbol('hostile'));
export const id = fc.oneof({ weight: 6, arbitrary: fc.constantFrom<unknown>(1, 2, 3, 5) }, { weight: 2, arbitrary: fc.integer({ min: -2, max: 9 }) }, { weight: 1, arbitrary: hostile });
export const flag = fc.oneof({ weight: 5, arbitrary: fc.boolean() as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: hostile });
export const mode = fc.oneof({ weight: 5, arbitrary: fc.constantFrom<unknown>(0, 1, 2) }, { weight: 1, arbitrary: fc.oneof(fc.constantFrom<unknown>(3, -1), hostile) });
const lifetime = fc.oneof({ weight: 6, arbitrary: fc.constant<unknown>(1) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(0, 65535, 65536, -1, 2.5, null, '1') });
const packet = fc.oneof({ weight: 6, arbitrary: fc.uint8Array({ maxLength: 48 }) as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: fc.constantFrom<unknown>(new Uint8Array(0), [1, 2], 'bytes', null, new ArrayBuffer(3)) });
/** What add_peer is given: a fresh connection, one added already, a closed one, or no connection at all. */
const connection = fc.oneof(
  { weight: 6, arbitrary: fc.constant<unknown>('fresh') },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('reused', 'closed') },
  { weight: 1, arbitrary: hostile.map((value) => ({ value })) },
);

/** The calls both peers have, with the same arguments. */
export type CommonOp =
  | { call: 'add_peer'; connection: unknown; id: unknown; lifetime: unknown }
  | { call: 'remove_peer'; id: unknown }
  | { call: 'put_packet'; packet: unknown }
  | { call: 'get_packet' }
  | { call: 'set_target_peer'; id: unknown }
  | { call: 'set_transfer_mode'; mode: unknown }
  | { call: 'set_refuse_new_connections'; enable: unknown }
  | { call: 'get_peer'; id: unknown }
  | { call: 'poll' }
  /** Linked runs only: every far peer broadcasts a packet (in `mode`) to its peers, then a pause lets it arrive. */
  | { call: 'far_send'; mode: 0 | 1 | 2 }
  /** Linked runs only: polls for a few ms so that the stack's reports come in (`until` 'connected': the first link counted). */
  | { call: 'pause'; ms: number; until?: 'connected' | (() => boolean) }
  | { call: 'close' };

export const commonOps: Array<fc.Arbitrary<CommonOp>> = [
  fc.record({ call: fc.constant('add_peer' as const), connection, id, lifetime }),
  fc.record({ call: fc.constant('remove_peer' as const), id }),
  fc.record({ call: fc.constant('put_packet' as const), packet }),
  fc.constant({ call: 'get_packet' as const }),
  fc.record({ call: fc.constant('set_target_peer' as const), id: fc.oneof(id, fc.integer({ min: -5, max: 5 })) }),
  fc.record({ call: fc.constant('set_transfer_mode' as const), mode }),
  fc.record({ call: fc.constant('set_refuse_new_connections' as const), enable: flag }),
  fc.record({ call: fc.constant('get_peer' as const), id }),
  fc.constant({ call: 'poll' as const }),
  fc.constant({ call: 'close' as const }),
];

/** What a linked run mixes in besides the common calls: more links, pauses, far sends and reads. */
export function linkedMix<Op>(common: Array<fc.Arbitrary<Op>>, link: fc.Arbitrary<Op>): fc.Arbitrary<Op[]> {
  return fc.array(
    fc.oneof(
      ...common.map((arbitrary) => ({ weight: 2, arbitrary })),
      { weight: 4, arbitrary: link },
      { weight: 8, arbitrary: fc.record({ call: fc.constant('pause' as const), ms: fc.integer({ min: 10, max: 80 }) }) as fc.Arbitrary<Op> },
      { weight: 4, arbitrary: fc.record({ call: fc.constant('far_send' as const), mode: fc.constantFrom(0 as const, 1 as const, 2 as const) }) as fc.Arbitrary<Op> },
      { weight: 4, arbitrary: fc.constant({ call: 'get_packet' as const }) as fc.Arbitrary<Op> },
    ),
    { minLength: 5, maxLength: 30 },
  );
}

export const show = (op: unknown) => JSON.stringify(op, (_, value) => (typeof value === 'bigint' || typeof value === 'symbol' ? String(value) : Array.isArray(value) && value.length > 8 ? `[${value.length} entries]` : value));

/** Runs the property with the settings' seed; a failure prints how to rerun it. */
export async function check<T extends unknown[]>(name: string, property: fc.IAsyncPropertyWithHooks<T>, numRuns: number): Promise<void> {
  try {
    await fc.assert(property, { seed: SEED, numRuns, endOnFailure: process.env.PROPERTY_NO_SHRINK === '1' });
  } catch (error) {
    console.error(`property "${name}" failed with seed ${SEED}: rerun with PROPERTY_SEED=${SEED} PROPERTY_RUNS=${RUNS}`);
    throw error;
  }
}

// ---- the peers' runs

/** What Godot 3's WebRTCMultiplayer and Godot 4's WebRTCMultiplayerPeer both have. */
export interface PropertyPeer {
  readonly machine: { readonly state: string; readonly snapshot: { readonly context: { readonly peers: readonly number[]; readonly connected: readonly number[] } } };
  add_peer(pc: WebRTCPeerConnection, id: number, lifetime?: number): GodotError;
  remove_peer(id: number): GodotError;
  put_packet(bytes: Uint8Array): GodotError;
  get_packet(): Uint8Array;
  get_packet_error(): GodotError;
  set_target_peer(id: number): GodotError;
  get_target_peer(): number;
  set_transfer_mode(mode: 0 | 1 | 2): GodotError;
  set_refuse_new_connections(enable: boolean): GodotError;
  get_peer(id: number): unknown;
  get_peers(): Record<number, unknown>;
  has_peer(id: number): boolean;
  get_connection_status(): ConnectionStatus;
  get_available_packet_count(): number;
  get_records(): ConnectionRecord[];
  poll(): GodotError;
  close(): void;
}

type Listenable = Record<string, { connect(listener: (...args: unknown[]) => void): void }>;

/** One run: the peer under test, its connections, the far ends, and what its signals did. */
export class PeerRun<P extends PropertyPeer> {
  readonly added: WebRTCPeerConnection[] = [];
  readonly made: WebRTCPeerConnection[] = [];
  readonly fars: P[] = [];
  inPoll = false;
  signals = 0;
  readonly outsidePoll: string[] = [];

  constructor(
    readonly mp: P,
    signalNames: readonly string[],
  ) {
    for (const name of signalNames) {
      (mp as unknown as Listenable)[name]!.connect((...args) => {
        this.signals++;
        if (!this.inPoll) this.outsidePoll.push(`${name}(${args.join(',')})`);
      });
    }
  }

  pc(): WebRTCPeerConnection {
    const pc = peer();
    this.made.push(pc);
    return pc;
  }

  poll(): GodotError {
    this.inPoll = true;
    try {
      return this.mp.poll();
    } finally {
      this.inPoll = false;
    }
  }

  /** Closes everything it made (the loopback support closes connections only after the test). */
  end(): void {
    this.mp.close();
    for (const far of this.fars) far.close();
    for (const pc of this.made) if (pc.get_connection_state() !== WebRTCPeerConnection.STATE_CLOSED) pc.close();
  }
}

export const linkedStats = { runs: 0, connected: 0, packets: 0 };
export const hasConnectedPeer = (mp: PropertyPeer) => mp.machine.snapshot.context.connected.length > 0;

/** Calls a common `op`; returns the Error it returned, if it is a method that returns one. */
export async function callCommon<P extends PropertyPeer>(run: PeerRun<P>, op: CommonOp): Promise<GodotError | undefined> {
  const { mp } = run;
  switch (op.call) {
    case 'add_peer': {
      let given: unknown;
      if (op.connection === 'fresh') given = run.pc();
      else if (op.connection === 'reused') given = run.added.at(-1) ?? run.pc();
      else if (op.connection === 'closed') {
        given = run.pc();
        (given as WebRTCPeerConnection).close();
      } else given = (op.connection as { value: unknown }).value;
      const code = mp.add_peer(given as WebRTCPeerConnection, op.id as number, op.lifetime as number);
      if (code === GodotError.OK) run.added.push(given as WebRTCPeerConnection);
      return code;
    }
    case 'remove_peer':
      return mp.remove_peer(op.id as number);
    case 'put_packet':
      return mp.put_packet(op.packet as Uint8Array);
    case 'get_packet': {
      const bytes = mp.get_packet();
      expect(bytes).toBeInstanceOf(Uint8Array);
      if (mp.get_packet_error() === GodotError.OK) linkedStats.packets++;
      return mp.get_packet_error();
    }
    case 'set_target_peer':
      return mp.set_target_peer(op.id as number);
    case 'set_transfer_mode':
      return mp.set_transfer_mode(op.mode as 0);
    case 'set_refuse_new_connections':
      return mp.set_refuse_new_connections(op.enable as boolean);
    case 'get_peer':
      return mp.get_peer(op.id as number) === null ? GodotError.ERR_DOES_NOT_EXIST : GodotError.OK;
    case 'poll':
      return run.poll();
    case 'pause': {
      const done = op.until === 'connected' ? () => hasConnectedPeer(mp) : (op.until ?? (() => false));
      const until = Date.now() + op.ms;
      while (Date.now() < until && !done()) {
        run.poll();
        for (const far of run.fars) far.poll();
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      return undefined;
    }
    case 'far_send': {
      for (const far of run.fars) {
        far.set_transfer_mode(op.mode);
        far.put_packet(new Uint8Array([op.mode, 1, 2]));
      }
      const before = mp.get_available_packet_count();
      const sent = run.fars.some(hasConnectedPeer);
      return callCommon(run, { call: 'pause', ms: sent ? 1000 : 10, until: () => mp.get_available_packet_count() > before });
    }
    case 'close':
      mp.close();
      return undefined;
  }
}

/** How one property test drives its peer. */
export interface PeerSubject<P extends PropertyPeer, Op extends { call: string }> {
  run(): PeerRun<P>;
  call(run: PeerRun<P>, op: Op): Promise<GodotError | undefined>;
  /** What a refused call must leave as it was. */
  picture(mp: P): unknown;
  /** A put_packet whose refusal is a channel's (on its connection's records, not the peer's). */
  channelRefused(run: PeerRun<P>, op: Op, refusals: ConnectionRecord[]): boolean;
}

function checkInvariants(run: PeerRun<PropertyPeer>, where: string): void {
  const { mp } = run;
  const keys = Object.keys(mp.get_peers()).map(Number);
  for (const probed of new Set([...PROBED_IDS, ...keys])) expect(mp.has_peer(probed), `${where}: has_peer(${probed})`).toBe(keys.includes(probed));
  expect(keys, where).toEqual(mp.machine.snapshot.context.peers);
  expect(mp.get_connection_status(), where).toBe(STATUS[mp.machine.state]);
  expect(mp.get_available_packet_count(), where).toBeGreaterThanOrEqual(0);
  expect(run.outsidePoll, `${where}: signals emitted outside poll()`).toEqual([]);
}

/**
 * Runs `ops`, checking after every call: nothing threw; an Error is a GodotError; a refused call
 * changed nothing and added exactly one refusal record; close() leaves DISCONNECTED with no peer
 * and emits nothing; only the polling calls emit; the invariants hold. Then the records verify.
 */
export async function runPeerSequence<P extends PropertyPeer, Op extends { call: string }>(subject: PeerSubject<P, Op>, ops: Op[], linked: boolean): Promise<void> {
  const run = subject.run();
  let connectedOnce = false;
  try {
    for (const [index, op] of ops.entries()) {
      const where = `#${index} ${show(op)}`;
      const before = subject.picture(run.mp);
      const lastSeq = run.mp.get_records().at(-1)?.seq ?? 0;
      const signalsBefore = run.signals;
      let result: GodotError | undefined;
      try {
        result = await subject.call(run, op);
      } catch (error) {
        throw new Error(`${where} threw: ${String(error)}`);
      }
      const fresh = run.mp.get_records().filter((record) => record.seq > lastSeq);
      if (result !== undefined) expect(GODOT_ERRORS.has(result), `${where}: ${String(result)} is a GodotError`).toBe(true);
      if (result !== undefined && result !== GodotError.OK && op.call !== 'get_packet') {
        expect(subject.picture(run.mp), `${where}: a refused call changes nothing`).toEqual(before);
        const refusals = fresh.filter((record) => record.kind === 'refusal');
        if (!subject.channelRefused(run, op, refusals)) expect(fresh.map((record) => record.kind), `${where}: one refusal record`).toEqual(['refusal']);
      }
      if (op.call === 'get_packet' && result !== GodotError.OK) expect(fresh.map((record) => record.kind), where).toEqual(['refusal']);
      if (op.call === 'close') {
        expect(run.mp.get_connection_status(), where).toBe(ConnectionStatus.CONNECTION_DISCONNECTED);
        expect(run.mp.get_peers(), where).toEqual({});
        expect(run.signals, `${where}: close() emits no signal`).toBe(signalsBefore);
      }
      const polls = op.call === 'poll' || op.call === 'pause' || op.call === 'far_send';
      if (!polls) expect(run.signals, `${where}: only poll() emits`).toBe(signalsBefore);
      checkInvariants(run, where);
      if (hasConnectedPeer(run.mp)) connectedOnce = true;
    }
    const verification = verifyTrail(run.mp.get_records());
    expect(verification.problems, 'its records verify by replay').toEqual([]);
    if (linked) linkedStats.runs++;
    if (linked && connectedOnce) linkedStats.connected++;
  } finally {
    run.end();
  }
}

/** After the linked property: its runs must really connect peers and read packets, or they prove nothing more than the offline ones. */
export function expectLinkedRunsConnected(): void {
  expect(linkedStats.connected, `runs in which a peer connected, of ${linkedStats.runs}`).toBeGreaterThan(0);
  expect(linkedStats.packets, 'packets read from far ends').toBeGreaterThan(0);
  console.log(`linked runs: ${linkedStats.runs}, with a peer connected: ${linkedStats.connected}, packets read: ${linkedStats.packets}`);
}
