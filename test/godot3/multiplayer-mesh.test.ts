/**
 * Issue 12, point 5, scenario 3: a mesh of two real Godot 3.2 engines and two Node peers, all
 * initialize(id, false), in one 3.x lobby (the first Godot creates it: id 1). Everyone reaches
 * everyone: every pair is connected on both ends, RAW and rpc cross every pair, and Godot's
 * broadcast and exclude reach exactly the peers they name (nothing relays in Godot 3).
 *
 * One engine set for the whole file. Run by scripts/test-godot3.sh.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../support/loopback.js';
import { GodotError } from '../../src/godot/constants.js';
import { ConnectionStatus } from '../../src/godot3/constants.js';
import type { GodotProcess } from './support/godot.js';
import { eventsOf, joined, refusals, useFileGodots, waitCount, waitData, waitStderr } from './support/mp-godot.js';
import type { MpNode } from './support/mp-node.js';
import { openScene, type MpScene } from './support/mp-scene.js';

const godots = useFileGodots();
const TARGET = 'Main/Target';
const byNumber = (a: number, b: number) => a - b;

let scene: MpScene;
let ga: GodotProcess;
let gc: GodotProcess;
let nb: MpNode;
let nd: MpNode;
let idA: number;
let idC: number;

beforeAll(async () => {
  scene = await openScene(godots, async (built) => {
    ga = built.godot({ role: 'server', mesh: true });
    const { id, lobby } = await joined(ga);
    idA = id;
    nb = await built.node(lobby, false);
    gc = built.godot({ role: 'client', lobby, mesh: true });
    ({ id: idC } = await joined(gc));
    nd = await built.node(lobby, false);
    const all = () => [idA, nb.id, idC, nd.id];
    for (const [godot, own] of [[ga, idA], [gc, idC]] as const) await waitCount(godot, 'network_peer_connected', 3, () => true, 60_000).catch((error: Error) => {
      throw new Error(`Godot ${own} did not connect to all three others: ${error.message}`);
    });
    for (const node of [nb, nd]) await node.until(() => node.api.get_network_connected_peers().length === 3, `all three others (${all().join(', ')})`, 30_000);
  });
}, 150_000);

afterAll(async () => {
  await scene?.close();
});

describe('a mesh of two Godot 3 engines and two Node peers, initialize(id, false)', () => {
  it('every pair is connected on both ends, with no connection_succeeded or connected_to_server anywhere', () => {
    const ids = [idA, nb.id, idC, nd.id];
    expect(new Set(ids).size).toBe(4);
    expect(idA).toBe(1);
    for (const [godot, own] of [[ga, idA], [gc, idC]] as const) {
      expect(eventsOf(godot, 'id')[0]).toMatchObject({ id: own, status: ConnectionStatus.CONNECTION_CONNECTED });
      expect(eventsOf(godot, 'network_peer_connected').map((d) => d.id as number).sort(byNumber)).toEqual(ids.filter((id) => id !== own).sort(byNumber));
      expect(eventsOf(godot, 'connected_to_server').concat(eventsOf(godot, 'rtc_connection_succeeded'))).toEqual([]);
    }
    for (const node of [nb, nd]) {
      expect(node.api.get_network_connected_peers().sort(byNumber)).toEqual(ids.filter((id) => id !== node.id).sort(byNumber));
      expect(node.signals.filter((signal) => signal.includes('connection_succeeded') || signal.includes('connected_to_server'))).toEqual([]);
      expect(node.mp.get_connection_status()).toBe(ConnectionStatus.CONNECTION_CONNECTED);
      // In a mesh each end's peer_connected comes once per other peer, the API's right after it.
      for (const id of ids.filter((other) => other !== node.id)) expect(node.signals.filter((signal) => signal.endsWith(` ${id}`))).toEqual([`mp peer_connected ${id}`, `api network_peer_connected ${id}`]);
    }
  });

  it('RAW crosses every pair: each Node broadcast reaches the three others, each Godot broadcast too, from the right sender', async () => {
    for (const [node, byte] of [[nb, 0xb0], [nd, 0xd0]] as const) expect(node.api.send_bytes(new Uint8Array([byte]))).toBe(GodotError.OK);
    for (const godot of [ga, gc]) {
      await waitData(godot, 'network_peer_packet', (d) => d.from === nb.id && d.hex === 'b0');
      await waitData(godot, 'network_peer_packet', (d) => d.from === nd.id && d.hex === 'd0');
    }
    await nd.until(() => nd.packets.some((p) => p.from === nb.id && p.hex === 'b0'), 'b0 from the other Node');
    await nb.until(() => nb.packets.some((p) => p.from === nd.id && p.hex === 'd0'), 'd0 from the other Node');

    nb.command(idA, { do: 'step', name: 'raw_broadcast' });
    nb.command(idC, { do: 'step', name: 'raw_broadcast' });
    await waitData(gc, 'network_peer_packet', (d) => d.from === idA && d.hex === '07');
    await waitData(ga, 'network_peer_packet', (d) => d.from === idC && d.hex === '07');
    for (const node of [nb, nd]) {
      await node.until(() => node.packets.filter((p) => p.hex === '07').length === 2, 'both Godot broadcasts');
      expect(node.packets.filter((p) => p.hex === '07').map((p) => p.from).sort(byNumber)).toEqual([idA, idC].sort(byNumber));
    }
  });

  it('rpc crosses every pair: a Node broadcast call runs on both Godots and the other Node; a Godot broadcast and exclude reach exactly who they name', async () => {
    expect(nb.api.rpc(TARGET, 'ping', 1.5)).toBe(GodotError.OK);
    expect(nd.api.rpc_id(idC, TARGET, 'ping', 2.5)).toBe(GodotError.OK);
    for (const godot of [ga, gc]) await waitData(godot, 'rpc_ran', (d) => d.method === 'ping' && d.args === '[ 1.5 ]' && d.sender === nb.id);
    await waitData(gc, 'rpc_ran', (d) => d.args === '[ 2.5 ]' && d.sender === nd.id);
    await nd.until(() => nd.callsOf('ping').some((call) => call.sender === nb.id), 'the ping from the other Node');
    expect(nd.callsOf('ping')).toMatchObject([{ args: [1.5], sender: nb.id }]);

    // Godot C: rpc("ping", 4.5) to all, rpc_id(-nb, "ping", 5.5) to all but nb.
    nb.command(idC, { do: 'step', name: 'broadcast', to: nb.id });
    await waitData(ga, 'rpc_ran', (d) => d.args === '[ 5.5 ]' && d.sender === idC);
    await waitData(ga, 'rpc_ran', (d) => d.args === '[ 4.5 ]' && d.sender === idC);
    await nd.until(() => nd.callsOf('ping').filter((call) => call.sender === idC).length === 2, 'both pings from Godot C');
    await nb.until(() => nb.callsOf('ping').some((call) => call.sender === idC), 'the broadcast ping from Godot C');
    expect(nd.callsOf('ping').filter((call) => call.sender === idC).map((call) => call.args[0])).toEqual([4.5, 5.5]);
    expect(nb.callsOf('ping').filter((call) => call.sender === idC).map((call) => call.args[0])).toEqual([4.5]);
    // Nothing relays: Godot A got nb's 1.5 once, from nb itself, and nothing of nd's call to C.
    expect(eventsOf(ga, 'rpc_ran', (d) => d.args === '[ 1.5 ]')).toHaveLength(1);
    expect(eventsOf(ga, 'rpc_ran', (d) => d.args === '[ 2.5 ]')).toEqual([]);
  });

  it("a mesh peer's permissions: Godot A (1) is every node's master; its from_master runs on us, ours is refused on it", async () => {
    nb.command(idA, { do: 'step', name: 'permission_calls', to: nb.id });
    await nb.until(() => nb.callsOf('ping').some((call) => call.args[0] === 10.5), 'the ping after the refused calls');
    expect(nb.callsOf('from_master')).toEqual([{ node: TARGET, method: 'from_master', args: [1], sender: idA }]);
    expect(nb.callsOf('to_master')).toEqual([]);
    expect(nd.api.rpc_id(idC, TARGET, 'from_master', 3)).toBe(GodotError.OK);
    expect(nd.api.rpc_id(idC, TARGET, 'ping', 6.25)).toBe(GodotError.OK);
    await waitData(gc, 'rpc_ran', (d) => d.args === '[ 6.25 ]' && d.sender === nd.id);
    // Puppet on C: only its master (1) may call it, not nd.
    expect(eventsOf(gc, 'rpc_ran', (d) => d.method === 'from_master')).toEqual([]);
    await waitStderr(gc, "RPC 'from_master' is not allowed");
    expect(refusals(gc, 'from_master')).toEqual([`RPC 'from_master' is not allowed on node /root/Main/Target from: ${nd.id}. Mode is 3, master is 1.`]);
  });

  it("the trail of everything recorded (the server's, both Node peers' multiplayers and remotes) replays through the machines", () => {
    expect(scene.trail()).toEqual({ problems: [], multiplayers: 2, sessions: 4 });
  });
});
