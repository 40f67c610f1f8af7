/**
 * Issue 12, point 5, scenario 1: a Node server (id 1, it creates the 3.x lobby) with two real Godot
 * 3.2 clients on Godot's own high-level multiplayer (test/godot3/mp-project: get_tree().network_peer
 * = a WebRTCMultiplayer, initialize(id, true) as the demo). Our side is MultiplayerLobbyPeer +
 * WebRTCMultiplayer + MultiplayerAPI, with a byte tap between the API and the peer. What crosses:
 * the connection signals, RAW in each transfer mode both ways, rpc and rset with every Variant type
 * both ways, the path cache both ways, and each side's permission checks.
 *
 * One engine set for the whole file (the tests run in order on it). Run by scripts/test-godot3.sh.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../support/loopback.js';
import { GodotError } from '../../src/godot/constants.js';
import { TransferMode } from '../../src/godot3/constants.js';
import { ObjectId } from '../../src/godot3/variant-types.js';
import type { GodotProcess } from './support/godot.js';
import { cstr, real32, u32 } from './support/hex.js';
import { eventsOf, godotValues, joined, refusals, useFileGodots, waitCount, waitData, waitStderr } from './support/mp-godot.js';
import type { MpNode } from './support/mp-node.js';
import { openScene, type MpScene } from './support/mp-scene.js';
import { EVERY_TYPES, TYPES_TYPES, everyValue, expectVariants, helloArgs, typesArgs } from './support/mp-values.js';

const godots = useFileGodots();
const { TRANSFER_MODE_RELIABLE: RELIABLE, TRANSFER_MODE_UNRELIABLE_ORDERED: ORDERED, TRANSFER_MODE_UNRELIABLE: UNRELIABLE } = TransferMode;
const TARGET = 'Main/Target';

let scene: MpScene;
let host: MpNode;
let g1: GodotProcess;
let g2: GodotProcess;
let id1: number;
let id2: number;

beforeAll(async () => {
  scene = await openScene(godots, async (built) => {
    host = await built.node('');
    expect(host.id).toBe(1);
    g1 = built.godot({ role: 'client', lobby: host.lobby });
    g2 = built.godot({ role: 'client', lobby: host.lobby });
    [{ id: id1 }, { id: id2 }] = await Promise.all([joined(g1), joined(g2)]);
    await Promise.all([g1, g2].map((godot) => waitData(godot, 'connected_to_server', () => true, 60_000)));
    await host.until(() => host.api.get_network_connected_peers().length === 2, 'both Godot clients connected', 30_000);
    // The demo's clients connect to every member, each other too.
    await waitData(g1, 'network_peer_connected', (d) => d.id === id2, 30_000);
    await waitData(g2, 'network_peer_connected', (d) => d.id === id1, 30_000);
  });
}, 150_000);

afterAll(async () => {
  await scene?.close();
});

/** Sends Godot `godot` the command to run `step` towards `to` (default: the host), and waits for it to be done. */
async function step(godot: GodotProcess, id: number, name: string, to = 1): Promise<void> {
  const before = eventsOf(godot, 'step_done', (d) => d.name === name).length;
  host.command(id, { do: 'step', name, to });
  await waitCount(godot, 'step_done', before + 1, (d) => d.name === name);
}

/** The tap's packets read from `from` since index `since`. */
function readFrom(from: number, since: number) {
  return host.tap!.read.slice(since).filter((packet) => packet.peer === from);
}

describe('a Node server (id 1) with two Godot 3 clients on high-level multiplayer', () => {
  it('connects as Godot 3 does: each client gets network_peer_connected(1) then connected_to_server once, CONNECTING until then; ours peer_connected before network_peer_connected, no connection_succeeded for the server', () => {
    for (const [godot, id] of [[g1, id1], [g2, id2]] as const) {
      const initialized = eventsOf(godot, 'id')[0]!;
      expect(initialized).toMatchObject({ id, error: 0, status: 1, server: false });
      const names = godot.events.map((event) => event.name).filter((name) => ['network_peer_connected', 'connected_to_server', 'rtc_connection_succeeded'].includes(name));
      const first = eventsOf(godot, 'network_peer_connected')[0];
      expect(first?.id).toBe(1);
      expect(names.filter((name) => name === 'connected_to_server')).toHaveLength(1);
      expect(names.indexOf('connected_to_server')).toBeGreaterThan(names.indexOf('network_peer_connected'));
      expect(eventsOf(godot, 'connected_to_server')[0]).toMatchObject({ status: 2 });
    }
    for (const id of [id1, id2]) {
      const mine = host.signals.filter((signal) => signal.endsWith(` ${id}`));
      expect(mine).toEqual([`mp peer_connected ${id}`, `api network_peer_connected ${id}`]);
    }
    expect(host.signals.some((signal) => signal.includes('connection_succeeded') || signal.includes('connected_to_server'))).toBe(false);
    expect(host.api.get_network_connected_peers().sort((a, b) => a - b)).toEqual([id1, id2].sort((a, b) => a - b));
    expect(host.mp.is_server()).toBe(true);
  });

  it('path cache, Godot → Node: SIMPLIFY_PATH first and full paths, our CONFIRM_PATH at once, then the cached id', async () => {
    const since = host.tap!.read.length;
    const sentSince = host.tap!.sent.length;
    await step(g1, id1, 'first_calls');
    await host.until(() => host.sets.some((set) => set.sender === id1 && set.value === 7), 'value = 7 from the first client');
    expect(readFrom(id1, since).map((packet) => [packet.mode, packet.hex])).toEqual([
      [RELIABLE, '02' + u32(1) + cstr(TARGET)],
      [RELIABLE, '00' + u32(0x80000013) + cstr('ping') + '01' + real32(1.5) + cstr(TARGET)],
      [RELIABLE, expect.stringMatching(new RegExp(`^00${u32(0x8000006c)}${cstr('hello')}06.*${cstr(TARGET)}$`))],
      [RELIABLE, '01' + u32(0x80000013) + cstr('value') + '0200000007000000' + cstr(TARGET)],
    ]);
    // (Our step command, a RAW packet, went first.)
    expect(host.tap!.sent.slice(sentSince).filter((packet) => packet.peer === id1 && !packet.hex.startsWith('04'))).toEqual([{ peer: id1, mode: RELIABLE, hex: '03' + cstr(TARGET), code: GodotError.OK }]);
    expect(host.callsOf('ping').filter((call) => call.sender === id1).map((call) => call.args)).toEqual([[1.5]]);
    expectVariants(host.callsOf('hello').find((call) => call.sender === id1)!.args, helloArgs(), 'hello from Godot');

    const cachedSince = host.tap!.read.length;
    await step(g1, id1, 'cached_calls');
    await host.until(() => host.callsOf('noargs').length === 1 && host.sets.filter((set) => set.sender === id1).length === 3 && host.callsOf('ping').length === 3, 'the cached calls');
    const cached = readFrom(id1, cachedSince);
    expect(cached.filter((packet) => packet.mode === RELIABLE).map((packet) => packet.hex)).toEqual([
      '00' + u32(1) + cstr('ping') + '01' + real32(2.5),
      '01' + u32(1) + cstr('value') + '0200000008000000',
      '00' + u32(1) + cstr('noargs') + '00',
    ]);
    expect(cached.filter((packet) => packet.mode === UNRELIABLE).map((packet) => packet.hex)).toEqual([
      '00' + u32(1) + cstr('ping') + '01' + real32(3.5),
      '01' + u32(1) + cstr('value') + '0200000009000000',
    ]);
    expect(host.callsOf('ping').map((call) => call.args[0]).sort()).toEqual([1.5, 2.5, 3.5]);
    expect(host.sets.filter((set) => set.sender === id1).map((set) => set.value).sort()).toEqual([7, 8, 9]);
  });

  it('path cache, Node → Godot: our first call sends SIMPLIFY_PATH and the full path, Godot confirms, our second call uses the cached id', async () => {
    const sentSince = host.tap!.sent.length;
    const readSince = host.tap!.read.length;
    expect(host.api.rpc_id(id1, TARGET, 'ping', 1.25)).toBe(GodotError.OK);
    await waitData(g1, 'rpc_ran', (d) => d.method === 'ping' && d.args === '[ 1.25 ]' && d.sender === 1);
    const first = host.tap!.sent.slice(sentSince);
    expect(first).toHaveLength(2);
    const simplify = /^02([0-9a-f]{8})(.*)$/.exec(first[0]!.hex);
    expect(simplify?.[2]).toBe(cstr(TARGET));
    const pathId = Buffer.from(simplify![1]!, 'hex').readUInt32LE(0);
    expect(first.map((packet) => [packet.peer, packet.mode])).toEqual([[id1, RELIABLE], [id1, RELIABLE]]);
    expect(first[1]!.hex).toBe('00' + u32(0x80000013) + cstr('ping') + '01' + real32(1.25) + cstr(TARGET));
    await host.until(() => readFrom(id1, readSince).some((packet) => packet.hex === '03' + cstr(TARGET)), "Godot's CONFIRM_PATH");

    expect(host.api.rpc_id(id1, TARGET, 'ping', 2.25)).toBe(GodotError.OK);
    await waitData(g1, 'rpc_ran', (d) => d.method === 'ping' && d.args === '[ 2.25 ]' && d.sender === 1);
    expect(host.tap!.sent.at(-1)).toMatchObject({ peer: id1, mode: RELIABLE, hex: '00' + u32(pathId) + cstr('ping') + '01' + real32(2.25) });
  });

  it('RAW in each transfer mode both ways: Godot → Node on the channel of its mode (get_packet_mode), Node → Godot each arriving; broadcast and exclude', async () => {
    const since = host.tap!.read.length;
    const packetsSince = host.packets.length;
    await step(g1, id1, 'raw_modes');
    await host.until(() => readFrom(id1, since).length === 3, 'three RAW packets from Godot');
    expect(readFrom(id1, since).map((packet) => [packet.mode, packet.hex]).sort()).toEqual([[UNRELIABLE, '04010203fa'], [ORDERED, '04010203fa'], [RELIABLE, '04010203fa']]);
    expect(host.packets.slice(packetsSince)).toEqual([1, 2, 3].map(() => ({ from: id1, hex: '010203fa' })));

    const payload = new Uint8Array([1, 2, 3, 250]);
    const sentSince = host.tap!.sent.length;
    for (const mode of [RELIABLE, ORDERED, UNRELIABLE]) expect(host.api.send_bytes(payload, id1, mode)).toBe(GodotError.OK);
    expect(host.tap!.sent.slice(sentSince).map((packet) => [packet.peer, packet.mode, packet.hex])).toEqual([RELIABLE, ORDERED, UNRELIABLE].map((mode) => [id1, mode, '04010203fa']));
    await waitCount(g1, 'network_peer_packet', 3, (d) => d.from === 1 && d.hex === '010203fa');

    expect(host.api.send_bytes(new Uint8Array([7]))).toBe(GodotError.OK);
    expect(host.api.send_bytes(new Uint8Array([8]), -id1)).toBe(GodotError.OK);
    expect(host.api.send_bytes(new Uint8Array([9]), id1)).toBe(GodotError.OK);
    await waitData(g2, 'network_peer_packet', (d) => d.from === 1 && d.hex === '08');
    await waitData(g1, 'network_peer_packet', (d) => d.from === 1 && d.hex === '09');
    for (const godot of [g1, g2]) expect(eventsOf(godot, 'network_peer_packet', (d) => d.from === 1 && d.hex === '07')).toHaveLength(1);
    // Reliable and ordered on one channel: 8 would have come before 9.
    expect(eventsOf(g1, 'network_peer_packet', (d) => d.hex === '08')).toEqual([]);
  });

  it('every Variant type Node → Godot as arguments: Godot decodes the types call to its own values (var2str, typeof)', async () => {
    const values = await godotValues(g1);
    expect(host.api.rpc_id(id1, TARGET, 'types', ...typesArgs())).toBe(GodotError.OK);
    const types = await waitData(g1, 'rpc_ran', (d) => d.method === 'types' && d.sender === 1);
    expect(types).toMatchObject({ args: values.types, types: TYPES_TYPES, node: 'Target' });
    expect(host.api.rpc_id(id1, TARGET, 'hello', ...helloArgs())).toBe(GodotError.OK);
    expect(await waitData(g1, 'rpc_ran', (d) => d.method === 'hello' && d.sender === 1)).toMatchObject({ args: values.hello, types: [4, 2, 1, 5, 19, 18] });
  });

  it('every Variant type Node → Godot → Node in one Array: by rpc (echo) and rset Godot decodes its own values; its echo back decodes to ours', async () => {
    const values = await godotValues(g1);
    expect(values.everyTypes).toEqual(EVERY_TYPES);
    expect(host.api.rpc_id(id1, TARGET, 'echo', everyValue())).toBe(GodotError.OK);
    const echo = await waitData(g1, 'rpc_ran', (d) => d.method === 'echo' && d.sender === 1);
    expect(echo).toMatchObject({ args: `[ ${values.every} ]`, types: [19], item_types: EVERY_TYPES });
    // target.gd's echo calls and sets the values back on us.
    await host.until(() => host.callsOf('echoed').length === 1 && host.sets.some((set) => set.property === 'echoed_value'), 'the echo back');
    expectVariants(host.callsOf('echoed')[0]!.args[0] as unknown[], everyValue(), 'echoed (rpc) from Godot');
    expectVariants(host.sets.find((set) => set.property === 'echoed_value')!.value as unknown[], everyValue(), 'echoed_value (rset) from Godot');

    expect(host.api.rset_id(id1, TARGET, 'value', everyValue())).toBe(GodotError.OK);
    const set = await waitData(g1, 'rset_ran', (d) => d.property === 'value' && d.type === 19 && d.sender === 1);
    expect(set).toMatchObject({ value: values.every, item_types: EVERY_TYPES });
  });

  it('every Variant type Godot → Node: its types call, and its every-type Array by rpc and rset, decode to our values', async () => {
    await step(g1, id1, 'types');
    await step(g1, id1, 'every');
    await host.until(() => host.callsOf('types').length === 1 && host.callsOf('echo').length === 1 && host.sets.some((s) => s.property === 'value' && Array.isArray(s.value)), "Godot's types, echo and value");
    expect(host.callsOf('types')[0]!.sender).toBe(id1);
    expectVariants(host.callsOf('types')[0]!.args, typesArgs(), 'types from Godot');
    expectVariants(host.callsOf('echo')[0]!.args[0] as unknown[], everyValue(), 'echo (rpc) from Godot');
    expectVariants(host.sets.find((s) => s.property === 'value' && Array.isArray(s.value))!.value as unknown[], everyValue(), 'value (rset) from Godot');
  });

  it('an Object crosses as its instance id both ways: Godot\'s node arrives as an ObjectId of its instance id, ours as an EncodedObjectAsID', async () => {
    await step(g1, id1, 'object');
    const sent = eventsOf(g1, 'step_done', (d) => d.name === 'object')[0]!;
    const instanceId = BigInt((sent.results as string[])[0]!);
    await host.until(() => host.callsOf('take_object').length === 1, "Godot's object");
    expect(host.callsOf('take_object')[0]).toEqual({ node: TARGET, method: 'take_object', args: [new ObjectId(instanceId)], sender: id1 });

    expect(host.api.rpc_id(id1, TARGET, 'take_object', new ObjectId(123456789012n))).toBe(GodotError.OK);
    expect(await waitData(g1, 'object_ran', (d) => d.sender === 1)).toEqual({ node: 'Target', type: 17, sender: 1, class: 'EncodedObjectAsID', object_id: '123456789012' });
  });

  it('permissions as Godot 3: on the client Godot our from_master runs, to_master and secret are refused; on us its puppet, disabled, unknown calls and sets are dropped and counted, master runs', async () => {
    // We are 1, the master of every node by default: on a client (not master) puppet runs, master does not.
    expect(host.api.rpc_id(id1, TARGET, 'from_master', 1)).toBe(GodotError.OK);
    expect(host.api.rpc_id(id1, TARGET, 'to_master', 2)).toBe(GodotError.OK);
    expect(host.api.rpc_id(id1, TARGET, 'secret')).toBe(GodotError.OK);
    expect(host.api.rpc_id(id1, TARGET, 'ping', 3.75)).toBe(GodotError.OK);
    await waitData(g1, 'rpc_ran', (d) => d.method === 'ping' && d.args === '[ 3.75 ]');
    expect(eventsOf(g1, 'rpc_ran', (d) => d.method === 'from_master')).toMatchObject([{ args: '[ 1 ]', sender: 1 }]);
    expect(eventsOf(g1, 'rpc_ran', (d) => d.method === 'to_master' || d.method === 'secret')).toEqual([]);
    await waitStderr(g1, "RPC 'secret' is not allowed");
    expect(refusals(g1, 'to_master')).toEqual(["RPC 'to_master' is not allowed on node /root/Main/Target from: 1. Mode is 2, master is 1."]);
    expect(refusals(g1, 'secret')).toEqual(["RPC 'secret' is not allowed on node /root/Main/Target from: 1. Mode is 0, master is 1."]);

    const dropped = () => Object.values(host.api.get_stats().dropped).reduce((sum, count) => sum + count, 0);
    const droppedBefore = dropped();
    const before = { ...host.api.get_stats().dropped };
    await step(g1, id1, 'permission_calls');
    await host.until(() => host.callsOf('ping').some((call) => call.args[0] === 10.5), 'the ping after the refused calls');
    // from_master (puppet: we are its master), secret (no keyword), nope (no such method), hidden (no such property): four drops.
    expect(dropped() - droppedBefore).toBe(4);
    expect(host.callsOf('to_master')).toEqual([{ node: TARGET, method: 'to_master', args: [2], sender: id1 }]);
    expect(host.calls.filter((call) => ['from_master', 'secret', 'nope'].includes(call.method))).toEqual([]);
    expect(host.sets.filter((set) => set.property === 'hidden')).toEqual([]);
    const after = host.api.get_stats().dropped;
    const grown = Object.fromEntries(Object.entries(after).filter(([reason, count]) => count !== before[reason as keyof typeof before]).map(([reason, count]) => [reason, count - before[reason as keyof typeof before]]));
    expect(Object.values(grown).reduce((sum, count) => sum + count, 0)).toBe(4);

    // Past MultiplayerAPI: 0xaa and a 4.x-style 0x40 are no 3.x command; dropped, counted, as Godot ignores them.
    const unknownBefore = host.api.get_stats().dropped.unknown_command;
    await step(g1, id1, 'raw_unknown');
    await host.until(() => host.api.get_stats().dropped.unknown_command === unknownBefore + 2, 'two unknown commands dropped');
  });

  it('ends as Godot 3: a client that quits is network_peer_disconnected on us and on the other client; after the seal our close is server_disconnected on the other', async () => {
    // Sealed first, so that the other client's socket ends with 1000 and its mesh stays (unsealed, the host's
    // departure closes the lobby and the demo client calls rtc_mp.close(), which emits nothing).
    expect(host.lobbyPeer.seal()).toBe(GodotError.OK);
    await waitData(g2, 'sealed');
    expect(await waitData(g2, 'socket_closed')).toEqual({ code: 1000, reason: 'Seal complete' });
    host.command(id1, { do: 'quit' });
    expect(await g1.exited).toEqual({ code: 0, signal: null });
    await host.until(() => host.signals.includes(`api network_peer_disconnected ${id1}`), `network_peer_disconnected ${id1}`);
    expect(host.signals.filter((signal) => signal.endsWith(` ${id1}`))).toEqual([`mp peer_connected ${id1}`, `api network_peer_connected ${id1}`, `mp peer_disconnected ${id1}`, `api network_peer_disconnected ${id1}`]);
    await waitData(g2, 'network_peer_disconnected', (d) => d.id === id1);
    expect(host.api.get_network_connected_peers()).toEqual([id2]);

    host.close();
    await waitData(g2, 'server_disconnected');
    expect(eventsOf(g2, 'network_peer_disconnected', (d) => d.id === 1)).toHaveLength(1);
    expect(eventsOf(g2, 'rtc_server_disconnected')).toHaveLength(1);
    expect(scene.trail()).toEqual({ problems: [], multiplayers: 1, sessions: 3 });
  });
});
