/**
 * Issue 12, point 5, scenario 2: a real Godot 3.2 server (id 1, it creates the 3.x lobby;
 * test/godot3/mp-project on Godot's high-level multiplayer) with two Node clients
 * (MultiplayerLobbyPeer, initialize(id, true) + MultiplayerAPI). Our clients connect as Godot's do
 * (connection_succeeded, connected_to_server), the same traffic crosses both ways (RAW in each mode,
 * rpc and rset with every Variant type, Godot's broadcast and exclude, the permissions of a client),
 * and the Godot server quitting is server_disconnected on ours.
 *
 * One engine set for the whole file (the tests run in order on it). Run by scripts/test-godot3.sh.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../support/loopback.js';
import { GodotError } from '../../src/godot/constants.js';
import { ConnectionStatus, TransferMode } from '../../src/godot3/constants.js';
import type { GodotProcess } from './support/godot.js';
import { eventsOf, godotValues, joined, refusals, useFileGodots, waitCount, waitData, waitStderr } from './support/mp-godot.js';
import type { MpNode } from './support/mp-node.js';
import { openScene, type MpScene } from './support/mp-scene.js';
import { EVERY_TYPES, TYPES_TYPES, everyValue, expectVariants, helloArgs, typesArgs } from './support/mp-values.js';

const godots = useFileGodots();
const { TRANSFER_MODE_RELIABLE: RELIABLE, TRANSFER_MODE_UNRELIABLE_ORDERED: ORDERED, TRANSFER_MODE_UNRELIABLE: UNRELIABLE } = TransferMode;
const TARGET = 'Main/Target';

let scene: MpScene;
let godot: GodotProcess;
let n2: MpNode;
let n3: MpNode;

beforeAll(async () => {
  scene = await openScene(godots, async (built) => {
    godot = built.godot({ role: 'server' });
    const { id, lobby } = await joined(godot);
    expect(id).toBe(1);
    n2 = await built.node(lobby);
    n3 = await built.node(lobby);
    for (const node of [n2, n3]) {
      await node.until(() => node.signals.includes('api connected_to_server'), 'connected_to_server', 30_000);
      await waitData(godot, 'network_peer_connected', (d) => d.id === node.id, 30_000);
    }
    // The lobby is a mesh: the clients connect to each other as well.
    await n2.until(() => n2.api.get_network_connected_peers().includes(n3.id), 'the other client', 30_000);
    await n3.until(() => n3.api.get_network_connected_peers().includes(n2.id), 'the other client', 30_000);
  });
}, 150_000);

afterAll(async () => {
  await scene?.close();
});

async function step(name: string, to: number, by: MpNode = n2): Promise<void> {
  const before = eventsOf(godot, 'step_done', (d) => d.name === name).length;
  by.command(1, { do: 'step', name, to });
  await waitCount(godot, 'step_done', before + 1, (d) => d.name === name);
}

describe('a Godot 3 server (id 1) with two Node clients on our WebRTCMultiplayer and MultiplayerAPI', () => {
  it('connects as a Godot 3 client does: peer_connected(1), connection_succeeded, then the other client; network_peer_connected(1) before connected_to_server; Godot sees both', () => {
    for (const node of [n2, n3]) {
      const other = node === n2 ? n3.id : n2.id;
      const mp = node.signals.filter((signal) => signal.startsWith('mp '));
      expect(mp.slice(0, 2)).toEqual(['mp peer_connected 1', 'mp connection_succeeded']);
      expect(mp.filter((signal) => signal === 'mp connection_succeeded')).toHaveLength(1);
      expect(mp.filter((signal) => signal === `mp peer_connected ${other}`)).toHaveLength(1);
      const api = node.signals.filter((signal) => signal.startsWith('api '));
      expect(api.indexOf('api network_peer_connected 1')).toBeLessThan(api.indexOf('api connected_to_server'));
      expect(api.filter((signal) => signal === 'api connected_to_server')).toHaveLength(1);
      expect(node.mp.get_connection_status()).toBe(ConnectionStatus.CONNECTION_CONNECTED);
      expect(node.mp.is_server()).toBe(false);
      expect(node.api.get_network_unique_id()).toBe(node.id);
      expect(node.api.get_network_connected_peers().sort((a, b) => a - b)).toEqual([1, other].sort((a, b) => a - b));
    }
    expect(eventsOf(godot, 'network_peer_connected').map((d) => d.id).sort()).toEqual([n2.id, n3.id].sort());
    expect(eventsOf(godot, 'connected_to_server')).toEqual([]);
  });

  it('RAW in each transfer mode both ways, on the channel of its mode; Godot\'s broadcast reaches both clients, its exclude only the other', async () => {
    const since = n2.tap!.read.length;
    await step('raw_modes', n2.id);
    await n2.until(() => n2.tap!.read.slice(since).filter((p) => p.hex === '04010203fa').length === 3, 'three RAW packets');
    expect(n2.tap!.read.slice(since).filter((p) => p.hex === '04010203fa').map((p) => [p.peer, p.mode]).sort()).toEqual([[1, UNRELIABLE], [1, ORDERED], [1, RELIABLE]]);
    expect(n2.packets.filter((p) => p.hex === '010203fa')).toEqual([1, 2, 3].map(() => ({ from: 1, hex: '010203fa' })));

    for (const mode of [RELIABLE, ORDERED, UNRELIABLE]) expect(n2.api.send_bytes(new Uint8Array([1, 2, 3, 250]), 1, mode)).toBe(GodotError.OK);
    await waitCount(godot, 'network_peer_packet', 3, (d) => d.from === n2.id && d.hex === '010203fa');

    await step('raw_broadcast', 0);
    await step('raw_exclude', n2.id);
    await n3.until(() => n3.packets.some((p) => p.hex === '08'), 'the excluding packet');
    await n2.until(() => n2.packets.some((p) => p.hex === '07'), 'the broadcast');
    for (const node of [n2, n3]) expect(node.packets.filter((p) => p.hex === '07')).toEqual([{ from: 1, hex: '07' }]);
    expect(n2.packets.filter((p) => p.hex === '08')).toEqual([]);
  });

  it('every Variant type both ways: Godot decodes ours to its own values, its echo back and its own calls and sets decode to ours', async () => {
    const values = await godotValues(godot);
    expect(n2.api.rpc_id(1, TARGET, 'types', ...typesArgs())).toBe(GodotError.OK);
    expect(await waitData(godot, 'rpc_ran', (d) => d.method === 'types' && d.sender === n2.id)).toMatchObject({ args: values.types, types: TYPES_TYPES });
    expect(n2.api.rpc(TARGET, 'hello', ...helloArgs())).toBe(GodotError.OK);
    expect(await waitData(godot, 'rpc_ran', (d) => d.method === 'hello' && d.sender === n2.id)).toMatchObject({ args: values.hello });
    expect(n2.api.rpc_id(1, TARGET, 'echo', everyValue())).toBe(GodotError.OK);
    expect(await waitData(godot, 'rpc_ran', (d) => d.method === 'echo' && d.sender === n2.id)).toMatchObject({ args: `[ ${values.every} ]`, item_types: EVERY_TYPES });
    expect(n2.api.rset_id(1, TARGET, 'value', everyValue())).toBe(GodotError.OK);
    expect(await waitData(godot, 'rset_ran', (d) => d.type === 19 && d.sender === n2.id)).toMatchObject({ value: values.every, item_types: EVERY_TYPES });
    await n2.until(() => n2.callsOf('echoed').length === 1 && n2.sets.some((set) => set.property === 'echoed_value'), 'the echo back');
    expectVariants(n2.callsOf('echoed')[0]!.args[0] as unknown[], everyValue(), 'echoed from Godot');
    expectVariants(n2.sets.find((set) => set.property === 'echoed_value')!.value as unknown[], everyValue(), 'echoed_value from Godot');

    await step('first_calls', n2.id);
    await step('types', n2.id);
    await step('every', n2.id);
    await n2.until(() => n2.callsOf('types').length === 1 && n2.callsOf('echo').length === 1 && n2.sets.some((set) => set.property === 'value' && Array.isArray(set.value)), "Godot's calls");
    expect(n2.callsOf('ping')).toMatchObject([{ args: [1.5], sender: 1 }]);
    expectVariants(n2.callsOf('hello')[0]!.args, helloArgs(), 'hello from Godot');
    expect(n2.sets.filter((set) => set.value === 7)).toMatchObject([{ sender: 1 }]);
    expectVariants(n2.callsOf('types')[0]!.args, typesArgs(), 'types from Godot');
    expectVariants(n2.callsOf('echo')[0]!.args[0] as unknown[], everyValue(), 'echo from Godot');
    expectVariants(n2.sets.find((set) => set.property === 'value' && Array.isArray(set.value))!.value as unknown[], everyValue(), 'value from Godot');
  });

  it("Godot's rpc broadcast reaches both clients (the one without the path cached by the full path), its rpc_id(-id) only the other", async () => {
    await step('broadcast', n2.id);
    await n3.until(() => n3.callsOf('ping').some((call) => call.args[0] === 5.5), 'the excluding ping');
    await n2.until(() => n2.callsOf('ping').some((call) => call.args[0] === 4.5), 'the broadcast ping');
    expect(n3.callsOf('ping').map((call) => [call.args[0], call.sender])).toEqual([[4.5, 1], [5.5, 1]]);
    expect(n2.callsOf('ping').filter((call) => call.args[0] === 5.5)).toEqual([]);
    // n3 had not confirmed Main/Target: SIMPLIFY_PATH, then both calls (one frame, before our CONFIRM_PATH came) with the full path.
    const fromGodot = n3.tap!.read.filter((packet) => packet.peer === 1 && !packet.hex.startsWith('04'));
    expect(fromGodot.map((packet) => packet.hex.slice(0, 10))).toEqual(['0201000000', '0013000080', '0013000080']);
    expect(n3.tap!.sent.filter((packet) => packet.peer === 1).map((packet) => packet.hex.slice(0, 2))).toEqual(['03']);
  });

  it("permissions of a client: on the Godot server our to_master runs, from_master and secret are refused; on us its from_master runs, master/disabled/unknown are dropped and counted", async () => {
    expect(n2.api.rpc_id(1, TARGET, 'from_master', 1)).toBe(GodotError.OK);
    expect(n2.api.rpc_id(1, TARGET, 'to_master', 2)).toBe(GodotError.OK);
    expect(n2.api.rpc_id(1, TARGET, 'secret')).toBe(GodotError.OK);
    expect(n2.api.rpc_id(1, TARGET, 'ping', 3.75)).toBe(GodotError.OK);
    await waitData(godot, 'rpc_ran', (d) => d.args === '[ 3.75 ]' && d.sender === n2.id);
    expect(eventsOf(godot, 'rpc_ran', (d) => d.method === 'to_master')).toMatchObject([{ args: '[ 2 ]', sender: n2.id }]);
    expect(eventsOf(godot, 'rpc_ran', (d) => d.method === 'from_master' || d.method === 'secret')).toEqual([]);
    await waitStderr(godot, "RPC 'secret' is not allowed");
    expect(refusals(godot, 'from_master')).toEqual([`RPC 'from_master' is not allowed on node /root/Main/Target from: ${n2.id}. Mode is 3, master is 1.`]);
    expect(refusals(godot, 'secret')).toEqual([`RPC 'secret' is not allowed on node /root/Main/Target from: ${n2.id}. Mode is 0, master is 1.`]);

    const dropped = () => Object.values(n2.api.get_stats().dropped).reduce((sum, count) => sum + count, 0);
    const before = dropped();
    await step('permission_calls', n2.id);
    await n2.until(() => n2.callsOf('ping').some((call) => call.args[0] === 10.5), 'the ping after the refused calls');
    // to_master (master: we are not), secret, nope, hidden: four drops; from_master from our master (1) runs.
    expect(dropped() - before).toBe(4);
    expect(n2.callsOf('from_master')).toEqual([{ node: TARGET, method: 'from_master', args: [1], sender: 1 }]);
    expect(n2.calls.filter((call) => ['to_master', 'secret', 'nope'].includes(call.method))).toEqual([]);
  });

  it('ends as Godot 3: after its seal the Godot server quits, and each client gets peer_disconnected(1) and server_disconnected, DISCONNECTED', async () => {
    n2.command(1, { do: 'seal' });
    await waitData(godot, 'sealed');
    for (const node of [n2, n3]) await node.until(() => node.lobbyPeer.sealed && node.lobbyPeer.signaling.state === 'closed', 'the seal and the socket closed');
    n2.command(1, { do: 'quit' });
    expect(await godot.exited).toEqual({ code: 0, signal: null });
    for (const node of [n2, n3]) {
      await node.until(() => node.signals.includes('api server_disconnected'), 'server_disconnected');
      const ends = node.signals.filter((signal) => signal.endsWith(' 1') || signal.endsWith('server_disconnected')).slice(-4);
      expect(ends).toEqual(['mp peer_disconnected 1', 'api network_peer_disconnected 1', 'mp server_disconnected', 'api server_disconnected']);
      expect(node.mp.get_connection_status()).toBe(ConnectionStatus.CONNECTION_DISCONNECTED);
    }
    expect(scene.trail()).toEqual({ problems: [], multiplayers: 2, sessions: 3 });
  });
});
