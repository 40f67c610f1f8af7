/**
 * Hostile frames against one real SignalingServer (port 0, real ws sockets), issue 11 point 6:
 * each run opens a fresh socket and sends it a random sequence (any string, any JSON, demo frames
 * with wrong types, valid frames out of order, 3.x frames malformed every way, binary frames,
 * frames around and far over maxFrameBytes, both protocols mixed). The server must answer
 * exactly as the rules say (support/hostile-model.ts: the frames it sends back, and the socket
 * left open or closed with the rule's code and reason), never throw or log an error, return to
 * its bystander lobbies alone, and leave those untouched. At the end every record of the run
 * replays (verifyTrail) and none carries a frame's data, an ice-pwd or a JOIN's lobby name.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignalingServer } from '../../src/signaling/server.js';
import { GodotError } from '../../src/godot/constants.js';
import { verifyTrail } from '../../src/audit/verify.js';
import { Probe, terminateProbes, waitUntil } from './support/probe.js';
import { Bystanders } from './support/bystanders.js';
import { closeOf, describeEnd, framesMatch, hostileOutcome } from './support/hostile-model.js';
import { DATA_MARKER, LOBBY_MARKER, SECRET_PWD, hostileSequence, printable, showFrames } from './support/hostile-arbitraries.js';
import { CrashWatch, ServiceTrail, checkAsync, networkRuns } from './support/guards.js';
import { relayFrame } from './support/lobbies.js';
import type { OutgoingFrame } from './support/probe.js';

const LIMIT = 4096;
const OPTIONS = { port: 0, maxFrameBytes: LIMIT, noLobbyTimeoutMs: 500, sealCloseTimeoutMs: 300, pingIntervalMs: 60_000 };
const RUNS_FRAMES = networkRuns(100);

const crash = new CrashWatch();
const trail = new ServiceTrail();
let server: SignalingServer;
let bystanders: Bystanders;
let runs = 0;

beforeAll(async () => {
  crash.install();
  trail.install();
  server = new SignalingServer(OPTIONS);
  expect(await server.listen()).toBe(GodotError.OK);
  bystanders = await Bystanders.join(server.url);
}, 60_000);

afterAll(async () => {
  await terminateProbes();
  await server?.close();
  trail.uninstall();
  crash.uninstall();
}, 60_000);

/** Back to the bystanders alone: their sessions and their two lobbies. */
async function settled(context: string): Promise<void> {
  await waitUntil(() => server.sessions().length === bystanders.socketCount && server.lobbies().length === 2, `the server back to its bystanders after ${context}: ${server.sessions().length} sessions, ${server.lobbies().length} lobbies`, 10_000);
}

/** One hostile socket's run, judged against the model. */
async function hostileRun(frames: OutgoingFrame[]): Promise<void> {
  const run = ++runs;
  const shown = showFrames(frames);
  const expected = hostileOutcome(frames, { maxFrameBytes: LIMIT, wsMaxPayload: 2 * LIMIT });
  const probe = await Probe.connect(server.url, `hostile-${run}`);
  for (const frame of frames) probe.send(frame);
  const end = expected.end;
  if (end.open) {
    // A relay to itself comes back once everything before it was handled.
    const sentinel = `sentinel ${run}`;
    probe.send(relayFrame(end.protocol, 4, 1, sentinel));
    const back = relayFrame(end.protocol, 4, 1, sentinel);
    await probe.waitFrame((text) => text === back, 0, 10_000).catch((error: Error) => {
      throw new Error(`${shown}: expected ${describeEnd(end)}, but ${error.message}`);
    });
    expect(probe.closeInfo, `${shown}: expected ${describeEnd(end)}`).toBeNull();
    expect(framesMatch(probe.texts, [...expected.frames, { exact: back }]), `${shown}: frames ${JSON.stringify(probe.texts)} vs ${JSON.stringify(expected.frames)}`).toBe(true);
    probe.close();
    await probe.waitClose();
  } else {
    const close = await probe.waitClose(10_000);
    expect(close, `${shown}: expected ${describeEnd(end)}; frames ${JSON.stringify(probe.texts.map((t) => t.slice(0, 100)))}`).toEqual(closeOf(end.close));
    expect(framesMatch(probe.texts, expected.frames), `${shown}: frames ${JSON.stringify(probe.texts)} vs ${JSON.stringify(expected.frames)}`).toBe(true);
  }
  expect(probe.frames.filter((frame) => frame.binary), `${shown}: binary frames from the server`).toEqual([]);
  await settled(shown);
  await bystanders.check();
  expect(crash.take(), shown).toEqual([]);
  expect(trail.errorLogs().map((entry) => entry.message), shown).toEqual([]);
}

describe('hostile frames against a real signaling server', () => {
  it('every sequence from a fresh socket gets exactly the rules’ answer; the bystanders never notice', { timeout: 180_000 }, async () => {
    await checkAsync('hostile frames', fc.asyncProperty(hostileSequence(LIMIT).map(printable), hostileRun), RUNS_FRAMES);
    expect(runs).toBeGreaterThanOrEqual(RUNS_FRAMES);
  });

  it('the records of all those runs replay, and none carries a frame’s data, an ice-pwd or a JOIN’s lobby name', () => {
    expect(trail.records.length).toBeGreaterThan(RUNS_FRAMES);
    const verification = verifyTrail(trail.records);
    expect(verification.problems.slice(0, 5)).toEqual([]);
    expect(verification.ok).toBe(true);
    const text = trail.text();
    for (const secret of [SECRET_PWD, DATA_MARKER, LOBBY_MARKER]) expect(text.includes(secret), secret).toBe(false);
    for (const name of bystanders.names) expect(text.includes(name), `the lobby name ${name}`).toBe(false);
  });

  it('the server is still whole: sessions listed are the bystanders, their views carry no data either', async () => {
    await settled('the property');
    await bystanders.check();
    const views = JSON.stringify(server.sessions().map((session) => ({ ...session, records: session.records() })));
    for (const secret of [SECRET_PWD, DATA_MARKER]) expect(views.includes(secret), secret).toBe(false);
  });
});
