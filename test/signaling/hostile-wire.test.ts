/**
 * Hostile input below the demo protocol, against a real SignalingServer: WebSocket frames made
 * by hand (unmasked, reserved opcodes and bits, invalid UTF-8, oversized and fragmented control
 * frames, continuations out of place, lengths past ws's maxPayload, bad close frames, garbage, a
 * frame cut short by the TCP end), ping floods, a client that never answers pings, and a reader
 * that stops reading while its lobby floods it. ws closes the offender with the RFC's code (1002,
 * 1007, 1009) or the server with its own; only that socket goes; a lobby it was in tells the
 * others (PEER_DISCONNECT, or 4000 `Room host has disconnected`); the bystanders notice nothing;
 * nothing throws or logs an error; and the records replay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settledToBystanders, startHostileServer, stopHostileServer, terminateEachTestsProbes } from './support/hostile-server.js';
import { SignalingServer } from '../../src/signaling/server.js';
import { GodotError } from '../../src/godot/constants.js';
import { verifyTrail } from '../../src/audit/verify.js';
import { SIGNALING_CLOSES } from '../../src/machines/signaling-session.js';
import { MessageType } from '../../src/signaling/frames.js';
import { Probe } from './support/probe.js';
import { Bystanders } from './support/bystanders.js';
import { CrashWatch, ServiceTrail } from './support/guards.js';
import { makeLobby, peerDisconnectFrame, relayFrame } from './support/lobbies.js';
import { Opcode, closePayload, rawFrame } from './support/raw-frames.js';

const LIMIT = 4096;
const OPTIONS = { port: 0, maxFrameBytes: LIMIT, noLobbyTimeoutMs: 1000, sealCloseTimeoutMs: 300, pingIntervalMs: 60_000 };

interface WireCase {
  name: string;
  bytes: () => Buffer[];
  /** The close the offender sees. */
  code: number;
  /** End the TCP connection after the bytes. */
  thenEnd?: boolean;
}

const text = (payload: string | Uint8Array, fin = true) => rawFrame({ opcode: Opcode.TEXT, payload, fin });

const CASES: WireCase[] = [
  { name: 'a text frame of invalid UTF-8', bytes: () => [text(Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d))], code: 1007 },
  { name: 'a lone surrogate encoded as UTF-8 (CESU)', bytes: () => [text(Uint8Array.of(0x4a, 0x3a, 0x20, 0xed, 0xa0, 0x80, 0x0a))], code: 1007 },
  { name: 'an unmasked frame', bytes: () => [rawFrame({ opcode: Opcode.TEXT, payload: '{"type":0,"id":0,"data":""}', mask: false })], code: 1002 },
  { name: 'a reserved data opcode (0x3)', bytes: () => [rawFrame({ opcode: 0x3, payload: 'x' })], code: 1002 },
  { name: 'a reserved control opcode (0xB)', bytes: () => [rawFrame({ opcode: 0xb, payload: 'x' })], code: 1002 },
  { name: 'RSV1 without an extension', bytes: () => [rawFrame({ opcode: Opcode.TEXT, payload: 'J: \n', rsv: 0x40 })], code: 1002 },
  { name: 'RSV3', bytes: () => [rawFrame({ opcode: Opcode.TEXT, payload: 'J: \n', rsv: 0x10 })], code: 1002 },
  { name: 'a ping of 126 bytes', bytes: () => [rawFrame({ opcode: Opcode.PING, payload: new Uint8Array(126) })], code: 1002 },
  { name: 'a fragmented ping', bytes: () => [rawFrame({ opcode: Opcode.PING, payload: 'a', fin: false })], code: 1002 },
  { name: 'a continuation with nothing to continue', bytes: () => [rawFrame({ opcode: Opcode.CONTINUATION, payload: 'x' })], code: 1002 },
  { name: 'a new text frame inside a fragmented one', bytes: () => [text('{"type":', false), text('0}')], code: 1002 },
  {
    name: 'fragments adding up past ws’s maxPayload (twice maxFrameBytes)',
    bytes: () => [text('a'.repeat(LIMIT), false), rawFrame({ opcode: Opcode.CONTINUATION, payload: 'a'.repeat(LIMIT), fin: false }), rawFrame({ opcode: Opcode.CONTINUATION, payload: 'a'.repeat(LIMIT) })],
    code: 1009,
  },
  { name: 'a length of 2^63 − 1', bytes: () => [rawFrame({ opcode: Opcode.TEXT, announce: 2n ** 63n - 1n })], code: 1009 },
  { name: 'a length of 2^53', bytes: () => [rawFrame({ opcode: Opcode.BINARY, announce: 2n ** 53n })], code: 1009 },
  { name: 'a close frame with code 999', bytes: () => [rawFrame({ opcode: Opcode.CLOSE, payload: closePayload(999) })], code: 1002 },
  { name: 'a close frame with code 1005 (never sent)', bytes: () => [rawFrame({ opcode: Opcode.CLOSE, payload: closePayload(1005) })], code: 1002 },
  { name: 'a close frame of one byte', bytes: () => [rawFrame({ opcode: Opcode.CLOSE, payload: Uint8Array.of(0x03) })], code: 1002 },
  { name: 'a close frame whose reason is invalid UTF-8', bytes: () => [rawFrame({ opcode: Opcode.CLOSE, payload: Buffer.concat([closePayload(1000), Buffer.of(0xff)]) })], code: 1007 },
  { name: 'HTTP after the handshake', bytes: () => [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')], code: 1002 },
  { name: 'a frame cut short by the TCP end', bytes: () => [rawFrame({ opcode: Opcode.TEXT, payload: 'J: \n', announce: 100 })], code: 1006, thenEnd: true },
];

const crash = new CrashWatch();
const trail = new ServiceTrail();
let server: SignalingServer;
let bystanders: Bystanders;

beforeAll(async () => {
  ({ server, bystanders } = await startHostileServer(OPTIONS, [crash, trail]));
}, 60_000);

terminateEachTestsProbes();

afterAll(async () => {
  await stopHostileServer(server, [crash, trail]);
}, 60_000);

async function settled(what: string): Promise<void> {
  await settledToBystanders(server, bystanders, what);
  await bystanders.check();
  expect(crash.take(), what).toEqual([]);
  expect(trail.errorLogs().map((entry) => entry.message), what).toEqual([]);
}

function offend(probe: Probe, wire: WireCase): void {
  for (const bytes of wire.bytes()) probe.writeRaw(bytes);
  if (wire.thenEnd) probe.endRaw();
}

describe('WebSocket frames no client should send', () => {
  it.each(CASES)('$name: a fresh socket is closed $code, alone', { timeout: 60_000 }, async (wire) => {
    const probe = await Probe.connect(server.url, 'raw');
    offend(probe, wire);
    expect((await probe.waitClose()).code).toBe(wire.code);
    expect(probe.frames).toEqual([]);
    await settled(wire.name);
  });

  it.each(CASES)('$name from a lobby member: the host is told it left, and keeps its lobby', { timeout: 60_000 }, async (wire) => {
    const lobby = await makeLobby(server.url, 4, 1, { label: 'rawlobby' });
    const member = lobby.members[0]!;
    offend(member.probe, wire);
    expect((await member.probe.waitClose()).code).toBe(wire.code);
    await lobby.host.probe.waitNew(1);
    expect(lobby.host.probe.takeNew().map((frame) => frame.text)).toEqual([peerDisconnectFrame(4, member.id)]);
    expect(lobby.host.probe.isOpen).toBe(true);
    lobby.host.probe.close();
    await settled(wire.name);
  });

  it.each(CASES.filter((wire) => !wire.thenEnd))('$name from a 3.x host: its members get 4000 Room host has disconnected', { timeout: 60_000 }, async (wire) => {
    const lobby = await makeLobby(server.url, 3, 2, { label: 'rawhost' });
    offend(lobby.host.probe, wire);
    expect((await lobby.host.probe.waitClose()).code).toBe(wire.code);
    for (const member of lobby.members) expect(await member.probe.waitClose()).toEqual(SIGNALING_CLOSES.hostLeft);
    await settled(wire.name);
  });
});

describe('frames that are odd but valid', () => {
  it('a JOIN in three fragments with pings between them creates a lobby; a relay in two fragments comes back', { timeout: 60_000 }, async () => {
    const probe = await Probe.connect(server.url, 'fragments');
    probe.writeRaw(text('{"type":0,', false));
    probe.writeRaw(rawFrame({ opcode: Opcode.PING, payload: 'between' }));
    probe.writeRaw(rawFrame({ opcode: Opcode.CONTINUATION, payload: '"id":0,', fin: false }));
    probe.writeRaw(rawFrame({ opcode: Opcode.PONG, payload: 'unasked' }));
    probe.writeRaw(rawFrame({ opcode: Opcode.CONTINUATION, payload: '"data":""}' }));
    await probe.waitFrames(2);
    expect(probe.texts[0]).toBe('{"type":1,"id":1,"data":"true"}');
    probe.writeRaw(text('{"type":4,"id":1,', false));
    probe.writeRaw(rawFrame({ opcode: Opcode.CONTINUATION, payload: '"data":"é fragmenté"}' }));
    await probe.waitFrames(3);
    expect(probe.texts[2]).toBe(relayFrame(4, MessageType.OFFER, 1, 'é fragmenté'));
    probe.close();
    await settled('the fragmented frames');
  });

  it('a flood of pings: ws answers or drops the flooder; nobody else notices', { timeout: 60_000 }, async () => {
    const probe = await Probe.connect(server.url, 'pings');
    probe.send('J: \n');
    await probe.waitFrames(2);
    const ping = rawFrame({ opcode: Opcode.PING, payload: new Uint8Array(125) });
    probe.writeRaw(Buffer.concat(Array.from({ length: 2000 }, () => ping)));
    // ws terminates a peer with more than 60 pongs unsent (maxPendingAutoPongs); a pong written at once counts none.
    const sentinel = relayFrame(3, MessageType.OFFER, 1, 'after the pings');
    probe.send(sentinel);
    await probe.waitFor(() => probe.closeInfo !== null || probe.texts.includes(sentinel), 'the sentinel or the close', 20_000);
    console.log(`ping flood of 2000: the flooder was ${probe.closeInfo === null ? 'answered and kept' : `closed ${probe.closeInfo.code}`}`);
    if (probe.closeInfo !== null) expect(probe.closeInfo.code).toBe(1006);
    probe.terminate();
    await settled('the ping flood');
  });
});

describe('a client that never answers pings, on a server that pings every 200 ms', () => {
  it('is terminated after a missed ping (1006) while its lobby and the pong-answering bystanders stay', { timeout: 60_000 }, async () => {
    const pinging = new SignalingServer({ port: 0, pingIntervalMs: 200, noLobbyTimeoutMs: 5000 });
    expect(await pinging.listen()).toBe(GodotError.OK);
    try {
      const others = await Bystanders.join(pinging.url);
      const lobby = await makeLobby(pinging.url, 4, 1, { label: 'pings' });
      const silent = await Probe.connect(pinging.url, 'silent', 10_000, { autoPong: false });
      silent.send(`{"type":0,"id":0,"data":"${lobby.name}"}`);
      await silent.waitFrame((frame) => frame.startsWith('{"type":0,'));
      const silentId = JSON.parse(silent.texts[0]!).id as number;
      await lobby.host.probe.waitNew(1);
      lobby.host.probe.takeNew();
      await lobby.members[0]!.probe.waitNew(1);
      lobby.members[0]!.probe.takeNew();
      expect((await silent.waitClose(5_000)).code).toBe(1006);
      for (const member of [lobby.host, lobby.members[0]!]) {
        await member.probe.waitNew(1);
        expect(member.probe.takeNew().map((frame) => frame.text)).toEqual([peerDisconnectFrame(4, silentId)]);
      }
      // Three more ping rounds: everyone who answers stays.
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(lobby.host.probe.isOpen && lobby.members[0]!.probe.isOpen).toBe(true);
      await others.check();
      const missed = trail.records.filter((record) => record.kind === 'transition' && record.event === 'ping_missed');
      expect(missed.map((record) => record.connection)).toEqual([`session-${silentId}`]);
    } finally {
      await pinging.close();
    }
  });
});

describe('the trail of every offence', () => {
  it('replays', () => {
    const verification = verifyTrail(trail.records);
    expect(verification.problems.slice(0, 3)).toEqual([]);
    expect(verification.ok).toBe(true);
  });
});
