/**
 * Floods against one real SignalingServer (issue 11 point 6): a member relaying thousands of
 * frames as fast as ws takes them, sockets opened and closed hundreds of times (closed, dropped,
 * dropped while still connecting), and members joining a lobby and leaving at every step of
 * their join. Every relay arrives once, in order, verbatim; the server's counts come back to its
 * bystanders alone; the bystanders notice nothing; the heap after GC does not grow with the
 * rounds; and nothing throws or logs an error.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settledToBystanders, startHostileServer, stopHostileServer, terminateEachTestsProbes } from './support/hostile-server.js';
import { SignalingServer } from '../../src/signaling/server.js';
import { GodotError } from '../../src/godot/constants.js';
import { observeRecords } from '../../src/records/recorder.js';
import { Probe, waitUntil } from './support/probe.js';
import { Bystanders } from './support/bystanders.js';
import { CrashWatch, ServiceTrail } from './support/guards.js';
import { joinFrame, makeLobby, peerDisconnectFrame, readFrame, relayFrame, type Protocol } from './support/lobbies.js';
import { MessageType } from '../../src/signaling/frames.js';
import { SIGNALING_CLOSES } from '../../src/machines/signaling-session.js';

const RECORD_CAPACITY = 64;
const OPTIONS = { port: 0, noLobbyTimeoutMs: 1000, sealCloseTimeoutMs: 300, pingIntervalMs: 60_000, recordCapacity: RECORD_CAPACITY };
const RELAYS = Number(process.env.FLOOD_RELAYS ?? 5000);
const CHURN = Number(process.env.FLOOD_CHURN ?? 300);
const JOINERS = Number(process.env.FLOOD_JOINERS ?? 150);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const crash = new CrashWatch();
// Logs only: the floods make tens of thousands of records, which the test must not keep (it measures the heap).
const logs = new ServiceTrail(false);
let server: SignalingServer;
let bystanders: Bystanders;
let records = 0;
let stopCounting: () => void = () => {};

beforeAll(async () => {
  stopCounting = observeRecords(() => void records++);
  ({ server, bystanders } = await startHostileServer(OPTIONS, [crash, logs]));
}, 60_000);

terminateEachTestsProbes();

afterAll(async () => {
  await stopHostileServer(server, [crash, logs]);
  stopCounting();
}, 60_000);

async function settled(what: string): Promise<void> {
  await settledToBystanders(server, bystanders, what, 20_000);
  await bystanders.check();
  expect(crash.take(), what).toEqual([]);
  expect(logs.errorLogs().map((entry) => entry.message), what).toEqual([]);
  for (const session of server.sessions()) expect(session.records().length, `${session.name}'s records`).toBeLessThanOrEqual(RECORD_CAPACITY);
}

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

async function relayFlood(protocol: Protocol, count: number): Promise<{ ms: number; bytes: number }> {
  const lobby = await makeLobby(server.url, protocol, 1, { label: `flood${protocol}` });
  const sender = lobby.members[0]!;
  const frames = Array.from({ length: count }, (_, i) => relayFrame(protocol, MessageType.CANDIDATE, 1, `\n0\n${i}\ncandidate:${i} 1 UDP 2122317823 127.0.0.1 ${10000 + (i % 50000)} typ host`));
  const expected = Array.from({ length: count }, (_, i) => relayFrame(protocol, MessageType.CANDIDATE, sender.id, `\n0\n${i}\ncandidate:${i} 1 UDP 2122317823 127.0.0.1 ${10000 + (i % 50000)} typ host`));
  const started = performance.now();
  for (const frame of frames) sender.probe.send(frame);
  await lobby.host.probe.waitNew(count, 30_000);
  const ms = performance.now() - started;
  expect(lobby.host.probe.takeNew().map((frame) => frame.text)).toEqual(expected);
  const view = server.sessions().find((session) => session.lobby === lobby.name && !session.host)!;
  const bytes = frames.reduce((sum, frame) => sum + Buffer.byteLength(frame), 0);
  expect(view.relayed).toMatchObject({ offer: 0, answer: 0, candidate: count, bytes });
  expect(sender.probe.takeNew(), 'the sender gets nothing back').toEqual([]);
  sender.probe.close();
  await lobby.host.probe.waitNew(1);
  expect(lobby.host.probe.takeNew().map((frame) => frame.text)).toEqual([peerDisconnectFrame(protocol, sender.id)]);
  lobby.host.probe.close();
  await lobby.host.probe.waitClose();
  return { ms, bytes };
}

/** Sockets opened and ended one after another, each in one of three ways. */
async function openCloseChurn(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const way = i % 3;
    if (way === 2) {
      // Dropped while its handshake may still be on the way.
      const dialed = Probe.dial(server.url, `churn-${i}`);
      dialed.terminate();
      continue;
    }
    const probe = await Probe.connect(server.url, `churn-${i}`);
    if (way === 0) probe.close();
    else probe.terminate();
    await probe.closed;
  }
  // A burst: many at once, all dropped.
  const burst = await Promise.all(Array.from({ length: Math.min(count, 100) }, (_, i) => Probe.connect(server.url, `burst-${i}`)));
  for (const probe of burst) probe.terminate();
}

/** Members join one lobby and leave at every step of their join, in batches: the host sees each N before its D, and ends alone. */
async function joinLeaveChurn(protocol: Protocol, count: number): Promise<number> {
  const lobby = await makeLobby(server.url, protocol, 0, { label: `churn${protocol}` });
  const host = lobby.host.probe;
  const BATCH = 10;
  for (let first = 0; first < count; first += BATCH) {
    await Promise.all(
      Array.from({ length: Math.min(BATCH, count - first) }, async (_, j) => {
        const i = first + j;
        const probe = await Probe.connect(server.url, `joiner-${i}`);
        probe.send(joinFrame(protocol, lobby.name));
        const leaveAt = i % 4;
        if (leaveAt >= 1) await probe.waitFrames(1);
        if (leaveAt >= 2) await probe.waitFrames(3);
        if (leaveAt === 3) probe.send(relayFrame(protocol, MessageType.OFFER, 1, `offer from ${i}`));
        if (i % 2 === 0) probe.terminate();
        else probe.close();
        await probe.closed;
      }),
    );
  }
  await waitUntil(() => server.lobbies().find((view) => view.lobby === lobby.name)?.members.length === 1, `the churn lobby back to its host`, 20_000);
  // The lobby let go of them all: the last PEER_DISCONNECTs may still be on their way to the host.
  const counted = (type: number) => host.frames.filter(({ text }) => readFrame(text, protocol)?.type === type).length;
  await host.waitFor(() => counted(MessageType.PEER_CONNECT) === counted(MessageType.PEER_DISCONNECT), 'a PEER_DISCONNECT for each PEER_CONNECT', 10_000);
  // Each member the host was told of, it is told has gone, after; a relay only from one it knows.
  const seen = new Map<number, 'connected' | 'gone'>();
  for (const { text } of host.takeNew()) {
    const frame = readFrame(text, protocol)!;
    if (frame.type === MessageType.PEER_CONNECT) {
      expect(seen.has(frame.id), `PEER_CONNECT(${frame.id}) twice`).toBe(false);
      seen.set(frame.id, 'connected');
    } else if (frame.type === MessageType.PEER_DISCONNECT) {
      expect(seen.get(frame.id), `PEER_DISCONNECT(${frame.id})`).toBe('connected');
      seen.set(frame.id, 'gone');
    } else {
      expect(frame.type, text).toBe(MessageType.OFFER);
      expect(seen.get(frame.id), `an offer from ${frame.id}`).toBe('connected');
    }
  }
  expect([...seen].filter(([, state]) => state !== 'gone'), 'members never said gone').toEqual([]);
  // Those that waited for their ID were surely admitted.
  expect(seen.size).toBeGreaterThanOrEqual(Math.floor((count * 3) / 4));
  expect(seen.size).toBeLessThanOrEqual(count);
  expect(host.isOpen).toBe(true);
  host.close();
  await host.waitClose();
  return seen.size;
}

describe('floods against a real signaling server', () => {
  it(`a member relays ${RELAYS} candidates as fast as ws takes them: all arrive once, in order, verbatim, counted (4.x and 3.x)`, { timeout: 120_000 }, async () => {
    for (const protocol of [4, 3] as const) {
      const { ms, bytes } = await relayFlood(protocol, RELAYS);
      console.log(`relay flood ${protocol}.x: ${RELAYS} relays, ${bytes} bytes in ${ms.toFixed(0)} ms (${((RELAYS / ms) * 1000).toFixed(0)} relays/s)`);
      await settled(`the ${protocol}.x relay flood`);
    }
  });

  it(`a socket opened and ended ${CHURN} times, and a burst of 100: the server lets go of every one`, { timeout: 120_000 }, async () => {
    const started = performance.now();
    await openCloseChurn(CHURN);
    await settled('the open/close churn');
    console.log(`open/close churn: ${CHURN} + 100 sockets in ${(performance.now() - started).toFixed(0)} ms`);
  });

  it(`${JOINERS} members join a lobby and leave at every step of their join: the host sees each come and go`, { timeout: 120_000 }, async () => {
    for (const protocol of [4, 3] as const) {
      const admitted = await joinLeaveChurn(protocol, JOINERS);
      console.log(`join/leave churn ${protocol}.x: ${admitted} of ${JOINERS} admitted before they left`);
      await settled(`the ${protocol}.x join/leave churn`);
    }
  });

  it('the heap after GC does not grow with the rounds of churn (the server keeps nothing of a closed socket)', { timeout: 120_000 }, async () => {
    await openCloseChurn(CHURN);
    await joinLeaveChurn(4, 60);
    await settled('the warm-up round');
    const before = heapAfterGc();
    for (let round = 0; round < 3; round++) {
      await openCloseChurn(CHURN);
      await joinLeaveChurn(round % 2 === 0 ? 4 : 3, 60);
      await settled(`round ${round}`);
    }
    const after = heapAfterGc();
    const growth = after - before;
    console.log(`heap after GC: ${(before / 1e6).toFixed(1)} MB before 3 rounds of ${CHURN + 100} sockets and 60 joiners, ${(after / 1e6).toFixed(1)} MB after (${(growth / 1e3).toFixed(0)} KB); ${records} records made`);
    // A session kept would be several KB (its machine, recorder, socket): 3 rounds close about 1400 sockets.
    expect(growth).toBeLessThan(3 * 1024 * 1024);
  });
});

describe('a reader that stops reading while its lobby floods it', () => {
  it('is closed 4000 Too slow reading once the server holds maxBufferedBytes for it; the others get its PEER_DISCONNECT and carry on', { timeout: 120_000 }, async () => {
    const MAX_BUFFERED = 1024 * 1024;
    const slow = new SignalingServer({ port: 0, maxBufferedBytes: MAX_BUFFERED, pingIntervalMs: 60_000 });
    expect(await slow.listen()).toBe(GodotError.OK);
    try {
      const lobby = await makeLobby(slow.url, 4, 2, { label: 'slow' });
      const [reader, sender] = lobby.members as [(typeof lobby.members)[0], (typeof lobby.members)[0]];
      (reader.probe.socket as unknown as { _socket: import('node:net').Socket })._socket.pause();
      const payload = 'x'.repeat(4000);
      const gone = peerDisconnectFrame(4, reader.id);
      let sent = 0;
      // In batches, until the sender hears that the reader is gone (a relay after that would be `Invalid destination`).
      while (!sender.probe.texts.includes(gone) && sent < 20_000) {
        for (let i = 0; i < 50; i++) sender.probe.send(relayFrame(4, MessageType.OFFER, reader.id, `${sent++} ${payload}`));
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await sender.probe.waitFrame((text) => text === gone);
      await lobby.host.probe.waitFrame((text) => text === gone);
      console.log(`slow reader: closed after ${sent} relays of 4 KB were sent to it (${((sent * 4000) / 1e6).toFixed(1)} MB; maxBufferedBytes ${MAX_BUFFERED / 1e6} MB)`);
      expect(sent * 4000).toBeGreaterThan(MAX_BUFFERED);
      // Relays of the sender's last batch that came after the reader left are to nobody: `Invalid destination`, as server.js rules.
      const senderClose = await sender.probe.waitClose(500).catch(() => null);
      expect([null, SIGNALING_CLOSES.invalidDestination]).toContainEqual(senderClose);
      expect(sender.probe.takeNew().map((frame) => frame.text.slice(0, 80)), 'the sender').toEqual([gone]);
      const toHost = senderClose === null ? [gone] : [gone, peerDisconnectFrame(4, sender.id)];
      await lobby.host.probe.waitNew(toHost.length);
      expect(lobby.host.probe.takeNew().map((frame) => frame.text.slice(0, 80)), 'the host').toEqual(toHost);
      // The lobby carries on without it.
      expect(lobby.host.probe.isOpen).toBe(true);
      const last = await Probe.connect(slow.url, 'slow-late');
      last.send(`{"type":0,"id":0,"data":"${lobby.name}"}`);
      await last.waitFrame((text) => text.startsWith('{"type":0,'));
      last.send(relayFrame(4, MessageType.ANSWER, 1, 'still here'));
      await lobby.host.probe.waitFrame((text) => text.includes('still here'));
      last.close();
      // Reading again, the reader gets an unbroken prefix of what was sent to it, then the close.
      (reader.probe.socket as unknown as { _socket: import('node:net').Socket })._socket.resume();
      const close = await reader.probe.waitClose(30_000);
      expect(close).toEqual(SIGNALING_CLOSES.tooSlow);
      const got = reader.probe.takeNew().map((frame) => frame.text);
      expect(got.length).toBeLessThan(sent);
      got.forEach((text, i) => expect(text === relayFrame(4, MessageType.OFFER, sender.id, `${i} ${payload}`), `relay ${i}`).toBe(true));
      await waitUntil(() => slow.sessions().length === (senderClose === null ? 2 : 1), 'the slow server down to the host (and the sender)', 10_000);
      expect(crash.take()).toEqual([]);
      expect(logs.errorLogs().map((entry) => entry.message)).toEqual([]);
    } finally {
      await slow.close();
    }
  });
});

