import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GodotError } from '../../src/godot/constants.js';
import { setLogger, type LogEntry } from '../../src/log.js';
import { TransferMode } from '../../src/godot3/constants.js';
import { MultiplayerAPI } from '../../src/godot3/multiplayer-api.js';
import { MAX_RECEIVED_PATHS_PER_PEER } from '../../src/godot3/path-cache.js';
import { Color, NodePath, PoolStringArray, Vector2, Vector3, variantsEqual, type Variant } from '../../src/godot3/variant-types.js';
import { FakePeer, fullPath, h, hex } from './multiplayer-api-fakes.js';

const TARGET = '"Main/Target" 00';
const TYPES_BODY = `0a 03000100 9a9999999999b93f 02000100 0000000000010000 02000000 feffffff 00000000
  0f000000 02000080 01000000 00000000 01000000 61000000 01000000 62000000 01000000 63000000
  0e000000 0000803f 00000000 0000003f 0000803f 14000000 03000000 09080700
  07000000 0000803f 00000040 00004040 04000000 06000000 68c3a96c6c6f 0000
  17000000 02000000 02000000 78000000 03000000 797a0000`;

let logged: LogEntry[] = [];
beforeEach(() => {
  logged = [];
  setLogger((entry) => logged.push(entry));
});
afterEach(() => setLogger(null));

type Call = { name: string; args: Variant[]; sender: number };

/** Godot's `target.gd` at Main/Target, exposed by an API whose peer has id `ownId`, with `remoteId` linked. */
function scene(ownId: number, remoteId: number) {
  const peer = new FakePeer(ownId);
  const remote = new FakePeer(remoteId);
  const api = new MultiplayerAPI();
  api.set_network_peer(peer);
  peer.link(remote);
  const calls: Call[] = [];
  const record = (name: string) => (...args: Variant[]) => calls.push({ name, args, sender: api.get_rpc_sender_id() });
  expect(
    api.expose('Main/Target', {
      methods: {
        ping: { mode: 'remote', call: record('ping'), argc: 1 },
        hello: { mode: 'remote', call: record('hello'), argc: 6 },
        types: { mode: 'remote', call: record('types'), argc: 10 },
        noargs: { mode: 'remote', call: record('noargs'), argc: 0 },
        from_master: { mode: 'puppet', call: record('from_master') },
        to_master: { mode: 'master', call: record('to_master') },
        secret: { mode: 'disabled', call: record('secret') },
      },
      properties: { value: { mode: 'remote', set: (value) => calls.push({ name: 'set value', args: [value], sender: api.get_rpc_sender_id() }) } },
    }),
  ).toBe(GodotError.OK);
  const raw: Array<{ from: number; hex: string; sender: number }> = [];
  api.network_peer_packet.connect((from, packet) => raw.push({ from, hex: hex(packet), sender: api.get_rpc_sender_id() }));
  return { api, peer, remote, calls, raw };
}

describe('MultiplayerAPI takes the packets of spec §6 as Godot did', () => {
  it('RAW on each channel: network_peer_packet(sender, payload), with get_rpc_sender_id() set meanwhile', () => {
    const { api, peer, raw } = scene(1, 2);
    peer.inject(2, '04 0a0b0c');
    peer.inject(2, '04 0d0e', TransferMode.TRANSFER_MODE_UNRELIABLE_ORDERED);
    peer.inject(2, '04 0f', TransferMode.TRANSFER_MODE_UNRELIABLE);
    peer.inject(2, new TextEncoder().encode('\u0004hi'));
    expect(api.poll()).toBe(GodotError.OK);
    expect(raw).toEqual([
      { from: 2, hex: '0a0b0c', sender: 2 },
      { from: 2, hex: '0d0e', sender: 2 },
      { from: 2, hex: '0f', sender: 2 },
      { from: 2, hex: '6869', sender: 2 },
    ]);
    expect(api.get_rpc_sender_id()).toBe(0);
    expect(api.get_stats().received.raw).toBe(4);
  });

  it('REMOTE_CALL and REMOTE_SET with the full path, no handshake first', () => {
    const { api, peer, calls } = scene(1, 2);
    peer.inject(2, `00 13000080 70696e6700 01 03000000 00005040 ${TARGET}`);
    peer.inject(2, `01 13000080 76616c756500 02000000 37000000 ${TARGET}`);
    api.poll();
    expect(calls).toEqual([
      { name: 'ping', args: [3.25], sender: 2 },
      { name: 'set value', args: [55], sender: 2 },
    ]);
    expect(api.get_stats().received_by_target).toEqual({ cached: 0, path: 2 });
  });

  it('SIMPLIFY_PATH is stored per sender and confirmed at once on ch1; then the cached-id calls run (every type)', () => {
    const { api, peer, calls } = scene(1, 2);
    peer.inject(2, `02 07000000 ${TARGET}`);
    api.poll();
    expect(peer.takePuts()).toEqual([{ target: 2, mode: TransferMode.TRANSFER_MODE_RELIABLE, hex: h(`03 ${TARGET}`) }]);
    expect(api.get_stats().path_cache.received).toEqual([{ peer: 2, paths: [{ id: 7, path: 'Main/Target' }] }]);

    peer.inject(2, `00 07000000 68656c6c6f00 06 04000000 09000000 "from node" 000000 02000000 07000000 01000000 00000000
      05000000 00004040 00008040 13000000 02000000 02000000 02000000 04000000 01000000 62000000
      12000000 01000000 04000000 01000000 6e000000 02000000 01000000`);
    peer.inject(2, '01 07000000 76616c756500 02000000 63000000');
    peer.inject(2, '00 07000000 70696e6700 01 03000000 00009840', TransferMode.TRANSFER_MODE_UNRELIABLE);
    peer.inject(2, '00 07000000 6e6f6172677300 00', TransferMode.TRANSFER_MODE_UNRELIABLE_ORDERED);
    peer.inject(2, `00 07000000 747970657300 ${TYPES_BODY}`);
    api.poll();
    expect(calls.map((call) => [call.name, call.sender])).toEqual([
      ['hello', 2],
      ['set value', 2],
      ['ping', 2],
      ['noargs', 2],
      ['types', 2],
    ]);
    const expected: Variant[][] = [
      ['from node', 7, false, new Vector2(3, 4), [2, 'b'], new Map<Variant, Variant>([['n', 1]])],
      [99],
      [4.75],
      [],
      [0.1, 2 ** 40, -2, null, NodePath.parse('a/b:c'), new Color(1, 0, 0.5, 1), Uint8Array.of(9, 8, 7), new Vector3(1, 2, 3), 'héllo', new PoolStringArray(['x', 'yz'])],
    ];
    calls.forEach((call, index) => expect(variantsEqual(call.args, expected[index]), `${call.name}: ${JSON.stringify(call.args)}`).toBe(true));
    expect(api.get_stats().received_by_target).toEqual({ cached: 5, path: 0 });
  });

  it('a SIMPLIFY_PATH from a peer not announced yet is kept when peer_connected comes (Godot would forget it)', () => {
    const { api, peer, calls } = scene(2, 1);
    peer.inject(3, `02 07000000 ${TARGET}`);
    api.poll();
    peer.link(new FakePeer(3));
    peer.inject(3, '00 07000000 70696e6700 01 03000000 00009840');
    api.poll();
    expect(calls).toEqual([{ name: 'ping', args: [4.75], sender: 3 }]);
  });

  it('a path announced by one peer means nothing for another (ids are per sender)', () => {
    const { api, peer, calls } = scene(1, 2);
    peer.link(new FakePeer(3));
    peer.inject(2, `02 07000000 ${TARGET}`);
    peer.inject(3, '00 07000000 70696e6700 01 03000000 00009840');
    api.poll();
    expect(calls).toEqual([]);
    expect(api.get_stats().dropped.unknown_cached_id).toBe(1);
  });
});

describe('permissions (§3.6, §6): our role decides', () => {
  const PUPPET = fullPath('00', '"from_master" 00 01 02000000 01000000');
  const MASTER = fullPath('00', '"to_master" 00 01 02000000 01000000');
  const SECRET = fullPath('00', '"secret" 00 00');

  it('as the server (id 1, the master) from 2: master runs; puppet and disabled are dropped as not_allowed', () => {
    const { api, peer, calls } = scene(1, 2);
    for (const packet of [PUPPET, MASTER, SECRET]) peer.inject(2, packet);
    api.poll();
    expect(calls.map((call) => call.name)).toEqual(['to_master']);
    expect(api.get_stats().dropped.not_allowed).toBe(2);
    expect(peer.drops).toEqual([{ from: 2, reason: expect.stringContaining("not_allowed: RPC \"from_master\" is not allowed on node Main/Target from: 2. Mode is 3, master is 1.") }]);
  });

  it('as a client (id 2) from the master 1: puppet runs; master and disabled are dropped', () => {
    const { api, peer, calls } = scene(2, 1);
    for (const packet of [PUPPET, MASTER, SECRET]) peer.inject(1, packet);
    api.poll();
    expect(calls.map((call) => [call.name, call.sender])).toEqual([['from_master', 1]]);
    expect(api.get_stats().dropped.not_allowed).toBe(2);
  });

  it('a puppet method from a peer that is not the master is dropped; set_network_master moves the master', () => {
    const { api, peer, calls } = scene(2, 3);
    peer.inject(3, PUPPET);
    api.poll();
    expect(calls).toEqual([]);
    expect(api.set_network_master('Main/Target', 3)).toBe(GodotError.OK);
    peer.inject(3, PUPPET);
    expect(api.set_network_master('Main/Target', 2)).toBe(GodotError.OK);
    api.poll();
    expect(calls).toEqual([]); // master 2 is us: puppet is refused, whoever sends
    api.set_network_master('Main/Target', 3);
    peer.inject(3, PUPPET);
    api.poll();
    expect(calls.map((call) => call.name)).toEqual(['from_master']);
  });

  it('rset modes are checked the same way', () => {
    const { api, peer, calls } = scene(1, 2);
    api.expose('Main/Other', { properties: { p: { mode: 'puppet', set: () => calls.push({ name: 'p', args: [], sender: 0 }) } } });
    peer.inject(2, fullPath('01', '"p" 00 02000000 01000000', 'Main/Other'));
    api.poll();
    expect(calls).toEqual([]);
    expect(api.get_stats().dropped.not_allowed).toBe(1);
  });
});

describe('bad packets are dropped, counted by reason, recorded once per reason and peer', () => {
  const cases: Array<[string, string | Uint8Array, string]> = [
    ['unknown cached id 42', '00 2a000000 70696e6700 01 03000000 0000803f', 'unknown_cached_id'],
    ['full path to a node not exposed', fullPath('00', '70696e6700 01 03000000 0000803f', 'Main/Nope'), 'unknown_path'],
    ['argc 0 for ping(x)', fullPath('00', '70696e6700 00'), 'wrong_argc'],
    ['RAW without payload', '04', 'malformed'],
    ['command 5', '05 01 02', 'unknown_command'],
    ['a Godot 4 flag byte', '40 07000000', 'unknown_command'],
    ['an empty packet', '', 'malformed'],
    ['a method not exposed', fullPath('00', '"nope" 00 00'), 'unknown_method'],
    ['a property not exposed', fullPath('01', '"nope" 00 00000000'), 'unknown_property'],
    ['a method called "constructor" (never Object.prototype\'s)', fullPath('00', '"constructor" 00 00'), 'unknown_method'],
    ['a truncated argument', '00 01000000 70696e6700 01 03000000', 'malformed'],
    ['a path offset past the end', '00 ff000080 70696e6700 00', 'malformed'],
    ['CONFIRM_PATH for a path never sent', '03 "Main/Target" 00', 'confirm_unknown_path'],
  ];
  for (const [what, packet, reason] of cases) {
    it(`${what}: ${reason}`, () => {
      const { api, peer, calls, raw } = scene(1, 2);
      const bytes = typeof packet === 'string' ? Uint8Array.from(Buffer.from(h(packet), 'hex')) : packet;
      peer.inject(2, bytes);
      peer.inject(2, bytes);
      peer.inject(2, '04 99'); // and the loop goes on
      api.poll();
      expect(calls).toEqual([]);
      expect(raw.map((packet) => packet.hex)).toEqual(['99']);
      const stats = api.get_stats();
      expect(stats.dropped[reason as keyof typeof stats.dropped]).toBe(2);
      expect(Object.values(stats.dropped).reduce((a, b) => a + b, 0)).toBe(2);
      expect(peer.drops).toHaveLength(1);
      expect(peer.drops[0]!.from).toBe(2);
      expect(peer.drops[0]!.reason.startsWith(`${reason}: `)).toBe(true);
    });
  }

  it('CONFIRM_PATH from a peer that was never sent SIMPLIFY_PATH: confirm_unannounced_peer', () => {
    const { api, peer } = scene(1, 2);
    const other = new FakePeer(3);
    peer.link(other);
    api.rpc_id(3, 'Main/Target', 'ping', 1);
    peer.inject(2, `03 ${TARGET}`);
    api.poll();
    expect(api.get_stats().dropped.confirm_unannounced_peer).toBe(1);
    expect(api.get_stats().path_cache.sent).toEqual([{ path: 'Main/Target', id: 1, confirmed: [], unconfirmed: [3] }]);
  });

  it('a peer cannot make us hold more than MAX_RECEIVED_PATHS_PER_PEER cached paths (the rest are dropped, not confirmed)', () => {
    const { api, peer } = scene(1, 2);
    const extra = 5;
    for (let id = 1; id <= MAX_RECEIVED_PATHS_PER_PEER + extra; id++) {
      const packet = new Uint8Array(8); // 02 | u32 id | "ab" | 00
      packet[0] = 2;
      new DataView(packet.buffer).setUint32(1, id, true);
      packet.set([0x61, 0x62], 5);
      peer.inject(2, packet);
    }
    for (let i = 0; i < 4 && peer.get_available_packet_count() > 0; i++) api.poll();
    const stats = api.get_stats();
    expect(stats.dropped.path_cache_full).toBe(extra);
    expect(stats.path_cache.received[0]!.paths).toHaveLength(MAX_RECEIVED_PATHS_PER_PEER);
    expect(stats.sent.confirm_path).toBe(MAX_RECEIVED_PATHS_PER_PEER);
  });

  it('drops from a peer without recordDropped are logged, once per reason', () => {
    const peer = new FakePeer(1);
    (peer as { recordDropped?: unknown }).recordDropped = undefined;
    const api = new MultiplayerAPI();
    api.set_network_peer(peer);
    peer.inject(2, '05');
    peer.inject(2, '05');
    api.poll();
    expect(api.get_stats().dropped.unknown_command).toBe(2);
    expect(logged.filter((entry) => entry.message.includes('unknown_command'))).toHaveLength(1);
  });
});

describe('handlers that throw, and bounded reads', () => {
  it('an exposed method, a setter or a network_peer_packet listener that throws is caught and logged; the next packets are read', () => {
    const { api, peer, calls } = scene(1, 2);
    api.expose('Main/Bad', {
      methods: { boom: { mode: 'remote', call: () => { throw new Error('boom'); } } },
      properties: { p: { mode: 'remote', set: () => { throw new Error('set boom'); } } },
    });
    api.network_peer_packet.connect(() => { throw new Error('listener boom'); });
    peer.inject(2, fullPath('00', '"boom" 00 00', 'Main/Bad'));
    peer.inject(2, fullPath('01', '"p" 00 00000000', 'Main/Bad'));
    peer.inject(2, '04 01');
    peer.inject(2, `00 13000080 70696e6700 01 02000000 05000000 ${TARGET}`);
    expect(api.poll()).toBe(GodotError.OK);
    expect(calls.map((call) => call.args)).toEqual([[5]]);
    expect(api.get_stats().handler_errors).toBe(3);
    expect(logged.filter((entry) => entry.level === 'error').map((entry) => entry.message)).toEqual([
      'MultiplayerAPI: the exposed method Main/Bad::boom threw',
      'MultiplayerAPI: the exposed property Main/Bad:p threw',
      'MultiplayerAPI: network_peer_packet threw',
    ]);
  });

  it('a poll reads only the packets queued when it started; poll() from inside a handler is refused with ERR_BUSY', () => {
    const { api, peer, raw } = scene(1, 2);
    let inner: GodotError | null = null;
    api.network_peer_packet.connect((_from, packet) => {
      if (packet[0] === 1) peer.inject(2, '04 ff');
      inner = api.poll();
    });
    peer.inject(2, '04 01');
    peer.inject(2, '04 02');
    api.poll();
    expect(raw.map((packet) => packet.hex)).toEqual(['01', '02']);
    expect(inner).toBe(GodotError.ERR_BUSY);
    expect(peer.get_available_packet_count()).toBe(1);
    api.poll();
    expect(raw.map((packet) => packet.hex)).toEqual(['01', '02', 'ff']);
  });
});
