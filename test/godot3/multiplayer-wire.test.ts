/**
 * Issue 12, point 5, scenario 4: the spec's byte captures, live. A real Godot 3.2 server (id 1,
 * mp-project) runs the capture steps of godot3-multiplayer-wire.md §5.2–§5.5 towards a Node peer
 * that reads the raw packets itself (WebRTCMultiplayer.get_packet, no MultiplayerAPI): every packet
 * is exactly the captured bytes on the captured channel, decodes with wire.ts, and re-encodes byte
 * for byte. Then the §6 direction: packets Node builds, as Godot handles them.
 *
 * The steps run in the spec's order on purpose: Godot 3.2 does not write a NodePath name's padding
 * (it keeps whatever its reused packet buffer held there), so only this history gives the
 * capture's zeros (see the last test).
 *
 * One engine for the file. Run by scripts/test-godot3.sh.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../support/loopback.js';
import { GodotError } from '../../src/godot/constants.js';
import { TransferMode } from '../../src/godot3/constants.js';
import { MultiplayerLobbyPeer } from '../../src/godot3/lobby-peer.js';
import { encodeVariant } from '../../src/godot3/variant.js';
import { NodePath } from '../../src/godot3/variant-types.js';
import { decodePacket, encodePacket } from '../../src/godot3/wire.js';
import type { GodotProcess } from './support/godot.js';
import { bytesOf, cstr, hex, real32 } from './support/hex.js';
import { eventsOf, joined, useFileGodots, waitCount, waitData } from './support/mp-godot.js';
import { openScene, type MpScene } from './support/mp-scene.js';
import { everyValue, expectVariants } from './support/mp-values.js';

const godots = useFileGodots();
const { TRANSFER_MODE_RELIABLE: RELIABLE, TRANSFER_MODE_UNRELIABLE_ORDERED: ORDERED, TRANSFER_MODE_UNRELIABLE: UNRELIABLE } = TransferMode;
const TARGET = cstr('Main/Target');
const OTHER = cstr('Main/Other');

interface Got {
  from: number;
  mode: TransferMode;
  hex: string;
}

/** A lobby member that reads its WebRTCMultiplayer's packets itself, every few ms. */
class RawNode {
  readonly peer: MultiplayerLobbyPeer;
  readonly got: Got[] = [];
  abortWhen: () => string | null = () => null;
  private readonly timer: NodeJS.Timeout;

  constructor(url: string, lobby: string) {
    this.peer = new MultiplayerLobbyPeer({ url, lobby });
    this.timer = setInterval(() => this.read(), 4);
  }

  get id(): number {
    return this.peer.id ?? 0;
  }

  /** Puts `bytes` to Godot (1) in `mode`. */
  put(bytes: Uint8Array | string, mode: TransferMode = RELIABLE): void {
    const mp = this.peer.multiplayer;
    expect(mp.set_target_peer(1)).toBe(GodotError.OK);
    expect(mp.set_transfer_mode(mode)).toBe(GodotError.OK);
    expect(mp.put_packet(typeof bytes === 'string' ? bytesOf(bytes) : bytes)).toBe(GodotError.OK);
  }

  command(command: Record<string, unknown>): void {
    const text = new TextEncoder().encode(JSON.stringify(command));
    this.put(new Uint8Array([4, ...text]));
  }

  async until(done: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const abort = this.abortWhen();
      if (abort !== null) throw new Error(`gave up waiting for ${what}: ${abort}`);
      if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms; got ${JSON.stringify(this.got)}`);
      await new Promise((wait) => setTimeout(wait, 10));
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.peer.close();
  }

  private read(): void {
    const mp = this.peer.multiplayer;
    mp.poll();
    for (let i = 0; i < 1000 && mp.get_available_packet_count() > 0; i++) {
      const from = mp.get_packet_peer();
      const packet = mp.get_packet();
      this.got.push({ from, mode: mp.get_packet_mode(), hex: hex(packet) });
    }
  }
}

let scene: MpScene;
let godot: GodotProcess;
let node: RawNode;

beforeAll(async () => {
  scene = await openScene(godots, async (built) => {
    godot = built.godot({ role: 'server' });
    const { id, lobby } = await joined(godot);
    expect(id).toBe(1);
    node = new RawNode(built.url, lobby);
    node.abortWhen = () => built.knownFault();
    await node.peer.join();
    await waitData(godot, 'network_peer_connected', (d) => d.id === node.id, 30_000);
    await node.until(() => node.peer.multiplayer.get_peer(1)?.connected === true, 'the link to Godot connected', 30_000);
  });
}, 120_000);

afterAll(async () => {
  node?.close();
  await scene?.close();
});

/** Runs `name` on Godot towards us and returns the packets that came by the time `count` did. */
async function capture(name: string, count: number): Promise<Got[]> {
  const since = node.got.length;
  const done = eventsOf(godot, 'step_done', (d) => d.name === name).length;
  node.command({ do: 'step', name, to: node.id });
  await waitCount(godot, 'step_done', done + 1, (d) => d.name === name);
  await node.until(() => node.got.length - since >= count, `${count} packets of step ${name}`);
  // Anything more would show within a few polls.
  await new Promise((wait) => setTimeout(wait, 60));
  return node.got.slice(since);
}

const onChannel = (packets: Got[], mode: TransferMode) => packets.filter((packet) => packet.mode === mode).map((packet) => packet.hex);

/** Each packet decodes with wire.ts (exact reals) and encodes back to Godot's bytes. */
function reencodes(packets: Got[]): void {
  for (const packet of packets) {
    const decoded = decodePacket(bytesOf(packet.hex), { exact: true });
    if (!decoded.ok) throw new Error(`${packet.hex} did not decode: ${decoded.reason}`);
    const encoded = encodePacket(decoded.packet);
    if (!encoded.ok) throw new Error(`${packet.hex} decoded but did not encode: ${encoded.reason}`);
    expect(hex(encoded.value), `re-encoding ${packet.hex}`).toBe(packet.hex);
  }
}

describe("a real Godot 3 server's MultiplayerAPI bytes, read raw by a Node WebRTCMultiplayer: the spec's captures", () => {
  it('§5.1: after connecting, Godot sends nothing', async () => {
    await new Promise((wait) => setTimeout(wait, 300));
    expect(node.got).toEqual([]);
  });

  it('§5.2: send_bytes in each transfer mode is 04 + payload on the channel of the mode; a broadcast too; put_packet adds nothing', async () => {
    const modes = await capture('raw_modes', 3);
    expect(modes.every((packet) => packet.from === 1)).toBe(true);
    expect([RELIABLE, ORDERED, UNRELIABLE].map((mode) => onChannel(modes, mode))).toEqual([['04010203fa'], ['04010203fa'], ['04010203fa']]);
    const broadcast = await capture('raw_broadcast', 1);
    expect(broadcast).toEqual([{ from: 1, mode: RELIABLE, hex: '0407' }]);
    const unknown = await capture('raw_unknown', 2);
    expect(unknown).toEqual([{ from: 1, mode: RELIABLE, hex: 'aabb' }, { from: 1, mode: RELIABLE, hex: '4007000000' }]);
    reencodes([...modes, ...broadcast]);
    expect(decodePacket(bytesOf('aabb'))).toMatchObject({ ok: false, drop: 'unknown_command' });
    expect(decodePacket(bytesOf('4007000000'))).toMatchObject({ ok: false, drop: 'unknown_command' });
  });

  it('§5.3: the first calls to an unconfirmed path: SIMPLIFY_PATH, then ping, hello and the set with the full path appended, all on ch1', async () => {
    const packets = await capture('first_calls', 4);
    expect(packets.map((packet) => [packet.mode, packet.hex])).toEqual([
      [RELIABLE, '02' + '01000000' + TARGET],
      [RELIABLE, '00' + '13000080' + '70696e6700' + '01' + '03000000' + '0000c03f' + TARGET],
      [
        RELIABLE,
        '00' + '6c000080' + '68656c6c6f00' + '06' +
          '04000000' + '04000000' + '74657874' +
          '02000000' + '2a000000' +
          '01000000' + '01000000' +
          '05000000' + '0000803f' + '00000040' +
          '13000000' + '02000000' + '02000000' + '01000000' + '04000000' + '01000000' + '61000000' +
          '12000000' + '01000000' + '04000000' + '01000000' + '6b000000' + '02000000' + '02000000' +
          TARGET,
      ],
      [RELIABLE, '01' + '13000080' + '76616c756500' + '02000000' + '07000000' + TARGET],
    ]);
    expect(bytesOf(packets[2]!.hex)).toHaveLength(120);
    reencodes(packets);
    const hello = decodePacket(bytesOf(packets[2]!.hex));
    expect(hello.ok && hello.packet).toMatchObject({ command: 'remote_call', target: { kind: 'path', path: 'Main/Target' }, method: 'hello' });
  });

  it('§5.4: after our CONFIRM_PATH, the cached id (1) on ch1, and the unreliable variants on ch3; a second node gets path id 2', async () => {
    node.put('03' + TARGET);
    const packets = await capture('cached_calls', 5);
    expect(onChannel(packets, RELIABLE)).toEqual([
      '00' + '01000000' + '70696e6700' + '01' + '03000000' + '00002040',
      '01' + '01000000' + '76616c756500' + '02000000' + '08000000',
      '00' + '01000000' + '6e6f6172677300' + '00',
    ]);
    expect(onChannel(packets, UNRELIABLE)).toEqual([
      '00' + '01000000' + '70696e6700' + '01' + '03000000' + '00006040',
      '01' + '01000000' + '76616c756500' + '02000000' + '09000000',
    ]);
    expect(onChannel(packets, ORDERED)).toEqual([]);
    const other = await capture('other_ping', 2);
    expect(other.map((packet) => [packet.mode, packet.hex])).toEqual([
      [RELIABLE, '02' + '02000000' + OTHER],
      [RELIABLE, '00' + '13000080' + '70696e6700' + '01' + '03000000' + '0000d040' + OTHER],
    ]);
    reencodes([...packets, ...other]);
  });

  it('§5.5: the types call: REAL and INT with FLAG_64, NIL, NODE_PATH, COLOR, POOL_BYTE_ARRAY, VECTOR3, a UTF-8 STRING, POOL_STRING_ARRAY', async () => {
    const [packet, ...more] = await capture('types', 1);
    expect(more).toEqual([]);
    expect(packet).toEqual({
      from: 1,
      mode: RELIABLE,
      hex:
        '00' + '01000000' + '747970657300' + '0a' +
        '03000100' + '9a9999999999b93f' +
        '02000100' + '0000000000010000' +
        '02000000' + 'feffffff' +
        '00000000' +
        '0f000000' + '02000080' + '01000000' + '00000000' + '01000000' + '61000000' + '01000000' + '62000000' + '01000000' + '63000000' +
        '0e000000' + '0000803f' + '00000000' + '0000003f' + '0000803f' +
        '14000000' + '03000000' + '09080700' +
        '07000000' + '0000803f' + '00000040' + '00004040' +
        '04000000' + '06000000' + '68c3a96c6c6f' + '0000' +
        '17000000' + '02000000' + '02000000' + '78000000' + '03000000' + '797a0000',
    });
    expect(bytesOf(packet!.hex)).toHaveLength(176);
    reencodes([packet!]);
  });

  it('§6: what Godot does with packets Node builds: RAW on each channel, a full-path call, SIMPLIFY_PATH answered by CONFIRM_PATH, cached calls, bad packets', async () => {
    const since = node.got.length;
    node.put('040a0b0c', RELIABLE);
    node.put('040d0e', ORDERED);
    node.put('040f', UNRELIABLE);
    await waitCount(godot, 'network_peer_packet', 3, (d) => d.from === node.id);
    expect(eventsOf(godot, 'network_peer_packet', (d) => d.from === node.id).map((d) => d.hex).sort()).toEqual(['0a0b0c', '0d0e', '0f']);

    node.put('00' + '13000080' + '70696e6700' + '01' + real32(3.25) + TARGET);
    expect(await waitData(godot, 'rpc_ran', (d) => d.args === '[ 3.25 ]')).toMatchObject({ method: 'ping', node: 'Target', sender: node.id, types: [3] });

    node.put('02' + '07000000' + TARGET);
    await node.until(() => node.got.slice(since).some((packet) => packet.hex === '03' + TARGET), "Godot's CONFIRM_PATH");
    expect(node.got.slice(since).find((packet) => packet.hex === '03' + TARGET)).toEqual({ from: 1, mode: RELIABLE, hex: '03' + TARGET });
    node.put('01' + '07000000' + '76616c756500' + '02000000' + '63000000');
    node.put('00' + '07000000' + '6e6f6172677300' + '00', ORDERED);
    // Dropped silently (no 3.x command), then errors Godot prints: an unknown cached id, a missing node, a wrong argc.
    node.put('050102');
    node.put('00' + '2a000000' + '70696e6700' + '01' + real32(1));
    node.put('00' + '13000080' + '70696e6700' + '01' + real32(1) + cstr('Main/Nope'));
    node.put('00' + '07000000' + '70696e6700' + '00');
    node.put('00' + '07000000' + '70696e6700' + '01' + real32(4.75), UNRELIABLE);
    await waitData(godot, 'rset_ran', (d) => d.value === '99' && d.sender === node.id);
    await waitData(godot, 'rpc_ran', (d) => d.method === 'noargs' && d.sender === node.id);
    await waitData(godot, 'rpc_ran', (d) => d.args === '[ 4.75 ]' && d.sender === node.id);
    // stderr is another pipe: its lines may come a little after stdout's.
    const expected = ['Unabled to find requested cached node.', 'Node not found: Main/Nope.', "RPC - 'Node(target.gd)::ping': Method expected 1 arguments, but called with 0."];
    await node.until(() => expected.every((text) => godot.stderr.some((line) => line.includes(text))), `Godot's errors ${JSON.stringify(expected)} (stderr: ${godot.stderr.slice(-12).join(' | ')})`, 5000);
    expect(eventsOf(godot, 'rpc_ran', (d) => d.sender === node.id && d.method === 'ping').map((d) => d.args)).toEqual(['[ 3.25 ]', '[ 4.75 ]']);
  });

  it('every Variant type from Godot decodes to the JS model; re-encoded it is Godot\'s bytes but for the NodePath padding, which Godot 3.2 leaves unwritten', async () => {
    const packets = await capture('every', 2);
    const call = packets.find((packet) => packet.hex.startsWith('00'))!;
    const set = packets.find((packet) => packet.hex.startsWith('01'))!;
    for (const packet of [call, set]) {
      const decoded = decodePacket(bytesOf(packet.hex));
      if (!decoded.ok) throw new Error(`${packet.hex} did not decode: ${decoded.reason}`);
      const values = decoded.packet.command === 'remote_call' ? decoded.packet.args[0] : decoded.packet.command === 'remote_set' ? decoded.packet.value : null;
      expectVariants(values as unknown[], everyValue(), `${decoded.packet.command} from Godot`);
    }
    // REMOTE_CALL "echo" to cached id 1 with one argument: the Array starts at byte 11.
    const ours = encodeVariant(everyValue());
    const nodePath = encodeVariant(NodePath.parse('/root/Main:value:x'));
    if (!ours.ok || !nodePath.ok) throw new Error('the JS values did not encode');
    const godotArray = bytesOf(call.hex).subarray(11);
    expect(godotArray).toHaveLength(ours.value.length);
    const start = Buffer.from(ours.value).indexOf(Buffer.from(nodePath.value));
    expect(start).toBeGreaterThan(0);
    const differing = [...ours.value.keys()].filter((index) => ours.value[index] !== godotArray[index]);
    for (const index of differing) {
      expect(index >= start && index < start + nodePath.value.length && ours.value[index] === 0, `byte ${index} differs outside the NodePath's padding`).toBe(true);
    }
  });

  it("the trail of everything recorded (the server's sessions and lobby, our WebRTCMultiplayer and its remote) replays through the machines", () => {
    expect(scene.trail()).toEqual({ problems: [], multiplayers: 1, sessions: 2 });
  });
});
