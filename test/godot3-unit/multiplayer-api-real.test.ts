import '../support/loopback.js';
import { describe, expect, it } from 'vitest';
import { GodotError } from '../../src/godot/constants.js';
import { TransferMode } from '../../src/godot3/constants.js';
import { MultiplayerAPI, type MultiplayerAPIOptions } from '../../src/godot3/multiplayer-api.js';
import type { WebRTCMultiplayerOptions } from '../../src/godot3/webrtc-multiplayer.js';
import {
  AABB, Basis, Color, NodePath, ObjectId, Plane, PoolColorArray, PoolStringArray, PoolVector2Array, PoolVector3Array, Quat, RID, Rect2,
  Transform, Transform2D, Vector2, Vector3, real, variantsEqual, type Variant,
} from '../../src/godot3/variant-types.js';
import { pollUntil } from '../support/multiplayer-members.js';
import { counts, link, member, pollAll, type Member } from './webrtc-multiplayer-setup.js';

/** One value of every Godot 3 Variant type (OBJECT as an instance id), with ints and reals on both sides of the 32-bit forms. */
const EVERY_TYPE: Variant[] = [
  null, true, false, 42, -2, 2 ** 40, -(2n ** 62n), 1.5, 0.1, real(2), 'héllo',
  new Vector2(1, 2.5), new Rect2(1, 2, 3, 4), new Vector3(1, 2, 3),
  new Transform2D(new Vector2(1, 0), new Vector2(0, 1), new Vector2(5, 6)), new Plane(new Vector3(0, 1, 0), 2), new Quat(0, 0, 0, 1),
  new AABB(new Vector3(1, 2, 3), new Vector3(4, 5, 6)), new Basis(new Vector3(1, 0, 0), new Vector3(0, 1, 0), new Vector3(0, 0, 1)),
  new Transform(new Basis(new Vector3(1, 0, 0), new Vector3(0, 1, 0), new Vector3(0, 0, 1)), new Vector3(7, 8, 9)),
  new Color(1, 0, 0.5, 1), NodePath.parse('a/b:c'), NodePath.parse('/root/Main'), new RID(), new ObjectId(12345n),
  new Map<Variant, Variant>([['k', 2], [3, [1, 'a']]]), [1, 'a', [null, new Vector2(3, 4)]],
  Uint8Array.of(9, 8, 7), Int32Array.of(-1, 2 ** 31 - 1), Float32Array.of(0.5, -1.25),
  new PoolStringArray(['x', 'yz', '']), new PoolVector2Array([new Vector2(1, 2)]), new PoolVector3Array([new Vector3(1, 2, 3)]),
  new PoolColorArray([new Color(0, 1, 0, 0.5)]),
];

interface Node {
  m: Member;
  api: MultiplayerAPI;
  calls: Array<{ name: string; args: Variant[]; sender: number }>;
  raw: Array<{ from: number; bytes: number[] }>;
}

/** A WebRTCMultiplayer with a MultiplayerAPI on it, exposing Main/Target (`remote` types/ping/value, a `puppet` from_master). */
function node(id: number, serverCompatibility: boolean, mpOptions: WebRTCMultiplayerOptions = {}, apiOptions: MultiplayerAPIOptions = { exactReals: true }): Node {
  const m = member(id, serverCompatibility, mpOptions);
  const api = new MultiplayerAPI(apiOptions);
  expect(api.set_network_peer(m.mp)).toBe(GodotError.OK);
  const calls: Node['calls'] = [];
  const record = (name: string) => (...args: Variant[]) => calls.push({ name, args, sender: api.get_rpc_sender_id() });
  expect(
    api.expose('Main/Target', {
      methods: { types: { mode: 'remote', call: record('types'), argc: EVERY_TYPE.length }, ping: { mode: 'remote', call: record('ping'), argc: 1 }, from_master: { mode: 'puppet', call: record('from_master') } },
      properties: { value: { mode: 'remote', set: record('value') } },
    }),
  ).toBe(GodotError.OK);
  const raw: Node['raw'] = [];
  api.network_peer_packet.connect((from, packet) => raw.push({ from, bytes: [...packet] }));
  return { m, api, calls, raw };
}

function pollApis(nodes: Node[], done: () => boolean, timeoutMs = 8000): Promise<void> {
  const seen = () =>
    `${nodes.map((n) => JSON.stringify(n.m.mp.get_records().filter((r) => r.kind !== 'transition').slice(-3))).join(' ')} ` +
    nodes.map((n) => `${n.m.id} calls ${n.calls.length} raw ${n.raw.length} dropped ${JSON.stringify(n.api.get_stats().dropped)}`).join('; ');
  return pollUntil(() => nodes.forEach((n) => n.api.poll()), done, seen, timeoutMs);
}

/** A server (1) and two server_compatibility clients (2, 3), each client linked to the server only, all connected. */
async function star(): Promise<[Node, Node, Node]> {
  const server = node(1, false);
  const a = node(2, true);
  const b = node(3, true);
  link(server.m, a.m);
  link(server.m, b.m);
  await pollAll([server.m, a.m, b.m], () => counts(server.m, 2) && counts(server.m, 3) && counts(a.m, 1) && counts(b.m, 1));
  await pollApis([server, a, b], () => server.api.get_network_connected_peers().length === 2);
  expect(server.api.get_network_connected_peers()).toEqual([2, 3]);
  expect(a.api.get_network_connected_peers()).toEqual([1]);
  return [server, a, b];
}

describe('MultiplayerAPI over WebRTCMultiplayer on loopback (real node-datachannel connections)', () => {
  it('RAW in each transfer mode, both ways, broadcast and exclude', async () => {
    const [server, a, b] = await star();
    for (const mode of [TransferMode.TRANSFER_MODE_RELIABLE, TransferMode.TRANSFER_MODE_UNRELIABLE_ORDERED, TransferMode.TRANSFER_MODE_UNRELIABLE]) {
      expect(server.api.send_bytes(Uint8Array.of(1, 2, 3, 250, mode), 2, mode)).toBe(GodotError.OK);
      expect(a.api.send_bytes(Uint8Array.of(9, mode), 1, mode)).toBe(GodotError.OK);
    }
    expect(server.api.send_bytes(Uint8Array.of(7))).toBe(GodotError.OK);
    expect(server.api.send_bytes(Uint8Array.of(8), -2)).toBe(GodotError.OK);
    await pollApis([server, a, b], () => a.raw.length === 4 && server.raw.length === 3 && b.raw.length === 2);
    const sorted = (raw: Node['raw']) => raw.map((packet) => `${packet.from}:${packet.bytes.join(',')}`).sort();
    expect(sorted(a.raw)).toEqual(['1:1,2,3,250,0', '1:1,2,3,250,1', '1:1,2,3,250,2', '1:7']);
    expect(sorted(server.raw)).toEqual(['2:9,0', '2:9,1', '2:9,2']);
    expect(sorted(b.raw)).toEqual(['1:7', '1:8']);
    expect(server.api.send_bytes(Uint8Array.of(1), 9)).toBe(GodotError.ERR_INVALID_PARAMETER);
  });

  it('rpc and rset with every Variant type, both ways; the path cache goes full path → confirmed → cached id on both sides', async () => {
    const [server, a, b] = await star();
    // client → server: the first call has the full path, SIMPLIFY_PATH before it.
    expect(a.api.rpc_id(1, 'Main/Target', 'types', ...EVERY_TYPE)).toBe(GodotError.OK);
    expect(a.api.rset_id(1, 'Main/Target', 'value', new Vector3(1, 2, 3))).toBe(GodotError.OK);
    await pollApis([server, a, b], () => server.calls.length === 2 && a.api.get_stats().path_cache.sent[0]?.confirmed.length === 1);
    expect(server.calls.map((call) => [call.name, call.sender])).toEqual([['types', 2], ['value', 2]]);
    expect(variantsEqual(server.calls[0]!.args, EVERY_TYPE)).toBe(true);
    expect(variantsEqual(server.calls[1]!.args, [new Vector3(1, 2, 3)])).toBe(true);
    expect(a.api.get_stats().sent_by_target).toEqual({ cached: 0, path: 2 });
    expect(server.api.get_stats().path_cache.received).toEqual([{ peer: 2, paths: [{ id: 1, path: 'Main/Target' }] }, { peer: 3, paths: [] }]);

    // Confirmed: the next ones use the cached id, and the server resolves it from its per-sender cache.
    expect(a.api.rpc_unreliable_id(1, 'Main/Target', 'ping', 2.5)).toBe(GodotError.OK);
    expect(a.api.rset_unreliable_id(1, 'Main/Target', 'value', 'x')).toBe(GodotError.OK);
    await pollApis([server, a, b], () => server.calls.length === 4);
    expect(a.api.get_stats().sent_by_target).toEqual({ cached: 2, path: 2 });
    expect(server.api.get_stats().received_by_target).toEqual({ cached: 2, path: 2 });

    // server → both clients: a broadcast (split per peer first, then one put once both confirmed).
    expect(server.api.rpc('Main/Target', 'types', ...EVERY_TYPE)).toBe(GodotError.OK);
    expect(server.api.rpc('Main/Target', 'from_master', 'from 1')).toBe(GodotError.OK);
    await pollApis([server, a, b], () => a.calls.length === 2 && b.calls.length === 2 && server.api.get_stats().path_cache.sent[0]?.confirmed.length === 2);
    for (const client of [a, b]) {
      expect(client.calls.map((call) => [call.name, call.sender])).toEqual([['types', 1], ['from_master', 1]]);
      expect(variantsEqual(client.calls[0]!.args, EVERY_TYPE)).toBe(true);
    }
    expect(server.api.get_stats().path_cache.sent).toEqual([{ path: 'Main/Target', id: 1, confirmed: [2, 3], unconfirmed: [] }]);
    const before = server.api.get_stats().sent.remote_set;
    expect(server.api.rset('Main/Target', 'value', 99)).toBe(GodotError.OK);
    expect(server.api.get_stats().sent.remote_set).toBe(before + 1); // one put for both: the fast path
    await pollApis([server, a, b], () => a.calls.length === 3 && b.calls.length === 3);
    expect(a.api.get_stats().received_by_target.cached).toBe(1);
    expect(b.api.get_stats().received_by_target.cached).toBe(1);

    // A client is not the master of Main/Target: its puppet call to the server is dropped there.
    expect(a.api.rpc_id(1, 'Main/Target', 'from_master', 'from 2')).toBe(GodotError.OK);
    await pollApis([server, a, b], () => server.api.get_stats().dropped.not_allowed === 1);
    expect(server.m.mp.get_records().filter((record) => record.kind === 'stack_error' && record.method === 'multiplayer.packet').map((record) => (record as { reason: string }).reason)).toEqual([
      'a packet from peer 2 was dropped: not_allowed: RPC "from_master" is not allowed on node Main/Target from: 2. Mode is 3, master is 1.',
    ]);
    for (const n of [server, a, b]) expect(Object.values(n.api.get_stats().dropped).reduce((x, y) => x + y, 0)).toBe(n === server ? 1 : 0);
  });

  it('a client that leaves is forgotten by both caches', async () => {
    const [server, a, b] = await star();
    a.api.rpc_id(1, 'Main/Target', 'ping', 1);
    server.api.rpc_id(2, 'Main/Target', 'ping', 1);
    await pollApis([server, a, b], () => server.calls.length === 1 && a.calls.length === 1 && server.api.get_stats().path_cache.sent[0]?.confirmed.length === 1);
    expect(server.m.mp.remove_peer(2)).toBe(GodotError.OK);
    await pollApis([server, a, b], () => server.api.get_network_connected_peers().length === 1);
    const stats = server.api.get_stats();
    expect(stats.path_cache.sent).toEqual([{ path: 'Main/Target', id: 1, confirmed: [], unconfirmed: [] }]);
    expect(stats.path_cache.received.map((entry) => entry.peer)).toEqual([3]);
    expect(server.api.rpc_id(2, 'Main/Target', 'ping', 1)).toBe(GodotError.ERR_INVALID_PARAMETER);
  });

  it("under dispatch 'events' (API and peer), rpcs arrive and are confirmed with no poll loop", async () => {
    const server = node(1, false, { dispatch: 'events' }, { dispatch: 'events' });
    const client = node(2, true, { dispatch: 'events' }, { dispatch: 'events' });
    link(server.m, client.m, 1000, { dispatch: 'events' });
    const until = async (done: () => boolean, what: string) => {
      for (let waited = 0; !done(); waited += 5) {
        if (waited > 8000) throw new Error(`${what} not met`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    await until(() => server.api.get_network_connected_peers().length === 1 && client.api.get_network_connected_peers().length === 1, 'connected');
    expect(client.api.rpc_id(1, 'Main/Target', 'ping', 1)).toBe(GodotError.OK);
    await until(() => server.calls.length === 1 && client.api.get_stats().path_cache.sent[0]?.confirmed.length === 1, 'called and confirmed');
    expect(client.api.rpc_id(1, 'Main/Target', 'ping', 2)).toBe(GodotError.OK);
    await until(() => server.calls.length === 2, 'cached call');
    expect(server.calls.map((call) => [call.args[0], call.sender])).toEqual([[1, 2], [2, 2]]);
    expect(server.api.get_stats().received_by_target).toEqual({ cached: 1, path: 1 });
  });
});
