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
import { settledToBystanders, startHostileServer, stopHostileServer } from './support/hostile-server.js';
import { SignalingServer } from '../../src/signaling/server.js';
import { verifyTrail } from '../../src/audit/verify.js';
import { Probe, probeCount, terminateProbesSince, waitUntil } from './support/probe.js';
import { Bystanders } from './support/bystanders.js';
import { closeOf, describeEnd, framesMatch, hostileOutcome, memberOutcome, type HostileEnd } from './support/hostile-model.js';
import { DATA_MARKER, LOBBY_MARKER, SECRET_PWD, fillIds, hostileSequence, memberScenario, printable, showFrames, type MemberScenario } from './support/hostile-arbitraries.js';
import { CrashWatch, ServiceTrail, checkAsync, networkRuns } from './support/guards.js';
import { joinWith, makeLobby, peerConnectFrame, peerDisconnectFrame, relayFrame } from './support/lobbies.js';
import { SIGNALING_CLOSES } from '../../src/machines/signaling-session.js';
import type { OutgoingFrame } from './support/probe.js';

const LIMIT = 4096;
const OPTIONS = { port: 0, maxFrameBytes: LIMIT, noLobbyTimeoutMs: 500, sealCloseTimeoutMs: 300, pingIntervalMs: 60_000 };
const RUNS_FRAMES = networkRuns(100);
const RUNS_MEMBER = networkRuns(60);

const crash = new CrashWatch();
const trail = new ServiceTrail();
let server: SignalingServer;
let bystanders: Bystanders;
let runs = 0;
/** The trail name of the session the server opened last. */
let lastOpened = '';

beforeAll(async () => {
  ({ server, bystanders } = await startHostileServer(OPTIONS, [crash, trail]));
  server.on('session_opened', (view) => void (lastOpened = view.name));
}, 60_000);

afterAll(async () => {
  await stopHostileServer(server, [crash, trail]);
}, 60_000);

/** Back to the bystanders alone: their sessions and their two lobbies. */
async function settled(context: string): Promise<void> {
  await settledToBystanders(server, bystanders, context);
}

/** Runs one property run; whatever happens, the sockets it opened are gone after it (so a failure does not spoil the shrinking). */
function isolated<T>(run: (value: T) => Promise<void>): (value: T) => Promise<void> {
  return async (value) => {
    const mark = probeCount();
    try {
      await run(value);
    } finally {
      await terminateProbesSince(mark);
      await waitUntil(() => server.sessions().length === bystanders.socketCount, 'the server lets go of the run', 10_000).catch(() => undefined);
    }
  };
}

/** The event a session's last record must name for the way it ended. */
function endEvent(end: HostileEnd): string {
  if (end.open) return 'socket_closed(1000)';
  switch (end.close) {
    case 'wsMessageTooBig':
    case 'frameTooLarge':
      return 'frame_too_large';
    case 'noLobby':
      return 'no_lobby_timeout';
    case 'sealComplete':
      return 'seal_complete';
    default:
      return `bad_frame(${end.close})`;
  }
}

/** The session's trail ends with the event that closed it. */
function expectRecordedEnd(session: string, end: HostileEnd, shown: string): void {
  const last = trail.records.filter((record) => record.connection === session && record.kind === 'transition').at(-1);
  expect(last && last.kind === 'transition' ? `${last.event} → ${last.to}` : 'no transition', `${shown}: ${session}'s last record`).toBe(`${endEvent(end)} → closed`);
}

/** One hostile socket's run, judged against the model. */
async function hostileRun(frames: OutgoingFrame[]): Promise<void> {
  const run = ++runs;
  const shown = showFrames(frames);
  const expected = hostileOutcome(frames, { maxFrameBytes: LIMIT, wsMaxPayload: 2 * LIMIT });
  const probe = await Probe.connect(server.url, `hostile-${run}`);
  const session = lastOpened;
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
  expectRecordedEnd(session, end, shown);
  await bystanders.check();
  expect(crash.take(), shown).toEqual([]);
  expect(trail.errorLogs().map((entry) => entry.message), shown).toEqual([]);
}

/** A hostile member of a fresh lobby (a host and a well-behaved peer), judged against the model. */
async function memberRun(scenario: MemberScenario): Promise<void> {
  const run = ++runs;
  const { protocol, mesh } = scenario;
  const lobby = await makeLobby(server.url, protocol, 1, { mesh, label: `victim-${run}` });
  const host = lobby.host.probe;
  const peer = lobby.members[0]!;
  const hostile = await Probe.connect(server.url, `member-${run}`);
  const session = lastOpened;
  const self = (await joinWith(hostile, protocol, lobby.name, mesh)).member.id;
  const seers = mesh ? [host, peer.probe] : [host];
  for (const seer of seers) {
    await seer.waitNew(1);
    expect(seer.takeNew().map((frame) => frame.text)).toEqual([peerConnectFrame(protocol, self)]);
  }
  const frames = scenario.frames.map((frame) => fillIds(frame, { peer: peer.id, self }));
  const shown = `${protocol}.x ${mesh ? 'mesh' : 'client/server'} member ${self} (peer ${peer.id}): ${showFrames(frames)}`;
  const expected = memberOutcome(frames, { protocol, mesh, selfId: self, peerId: peer.id }, { maxFrameBytes: LIMIT, wsMaxPayload: 2 * LIMIT });
  for (const frame of frames) hostile.send(frame);
  const toHost = [...expected.toHost];
  if (expected.end.open) {
    hostile.send(relayFrame(protocol, 4, 1, `sentinel ${run}`));
    toHost.push(relayFrame(protocol, 4, self, `sentinel ${run}`));
    await host.waitFor(() => host.texts.includes(toHost.at(-1)!) || hostile.closeInfo !== null, 'the sentinel', 10_000);
    expect(hostile.closeInfo, `${shown}: expected ${describeEnd(expected.end)}`).toBeNull();
    hostile.close();
    await hostile.waitClose();
  } else {
    expect(await hostile.waitClose(), `${shown}: expected ${describeEnd(expected.end)}`).toEqual(closeOf(expected.end.close));
  }
  expect(hostile.takeNew().map((frame) => frame.text), `${shown}: back to the member`).toEqual(expected.toSelf);
  const left = peerDisconnectFrame(protocol, self);
  const toPeer = mesh ? [...expected.toPeer, left] : expected.toPeer;
  await host.waitNew(toHost.length + 1);
  expect(host.takeNew().map((frame) => frame.text), `${shown}: to the host`).toEqual([...toHost, left]);
  if (toPeer.length > 0) await peer.probe.waitNew(toPeer.length);
  expect(peer.probe.takeNew().map((frame) => frame.text), `${shown}: to the peer`).toEqual(toPeer);
  host.close();
  expect(await peer.probe.waitClose(), shown).toEqual(SIGNALING_CLOSES.hostLeft);
  await settled(shown);
  expectRecordedEnd(session, expected.end, shown);
  await bystanders.check();
  expect(crash.take(), shown).toEqual([]);
  expect(trail.errorLogs().map((entry) => entry.message), shown).toEqual([]);
}

describe('hostile frames against a real signaling server', () => {
  it('every sequence from a fresh socket gets exactly the rules’ answer; the bystanders never notice', { timeout: 180_000 }, async () => {
    await checkAsync('hostile frames', fc.asyncProperty(hostileSequence(LIMIT).map(printable), isolated(hostileRun)), RUNS_FRAMES);
    expect(runs).toBeGreaterThanOrEqual(RUNS_FRAMES);
  });

  it('a hostile member of a lobby gets exactly the rules’ answer; its host and peer get exactly their relays and its PEER_DISCONNECT', { timeout: 180_000 }, async () => {
    const before = runs;
    await checkAsync('hostile member', fc.asyncProperty(memberScenario(LIMIT), isolated(memberRun)), RUNS_MEMBER);
    expect(runs - before).toBeGreaterThanOrEqual(RUNS_MEMBER);
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

describe('JOINs that name a real lobby in hostile ways', () => {
  const closeAfterJoin = async (frame: string) => {
    const probe = await Probe.connect(server.url, 'joiner');
    probe.send(frame);
    return { probe, close: await probe.waitClose(), frames: probe.texts };
  };

  it('the other protocol, another spelling, a sealed lobby, twice: each closes only the joiner with its rule', { timeout: 60_000 }, async () => {
    const json = await makeLobby(server.url, 4, 1, { label: 'named4' });
    const text = await makeLobby(server.url, 3, 1, { label: 'named3' });
    const cases: Array<[string, { code: number; reason: string }]> = [
      [`J: ${json.name}\n`, SIGNALING_CLOSES.otherProtocol],
      [`{"type":0,"id":0,"data":"${text.name}"}`, SIGNALING_CLOSES.otherProtocol],
      [`{"type":0,"id":0,"data":"${json.name} "}`, SIGNALING_CLOSES.lobbyMissing],
      [`{"type":0,"id":0,"data":"${json.name.toLowerCase() === json.name ? json.name.toUpperCase() : json.name.toLowerCase()}"}`, SIGNALING_CLOSES.lobbyMissing],
      [`{"type":0,"id":0,"data":"${json.name.slice(0, 15)}"}`, SIGNALING_CLOSES.lobbyMissing],
    ];
    for (const [frame, expected] of cases) {
      const { close, frames } = await closeAfterJoin(frame);
      expect(close, frame).toEqual(expected);
      expect(frames, frame).toEqual([]);
    }
    // 3.x trims the name, and a 4.x JOIN's client/server flag counts only when it creates.
    const trimmed = await Probe.connect(server.url, 'trimmed');
    expect((await joinWith(trimmed, 3, `   ${text.name}  `)).name).toBe(text.name);
    const flagged = await Probe.connect(server.url, 'flagged');
    const joined = await joinWith(flagged, 4, json.name, false);
    expect(joined.mesh).toBe(true);
    // The same lobby again: Already in a lobby; its members hear it leave.
    flagged.send(`{"type":0,"id":0,"data":"${json.name}"}`);
    expect(await flagged.waitClose()).toEqual(SIGNALING_CLOSES.alreadyInLobby);
    // Sealed: no one else may join, whatever the spelling of the frame (connected first: the seal ends in 300 ms).
    const late = await Probe.connect(server.url, 'late');
    json.host.probe.send('{"type":7,"id":0,"data":""}');
    await json.host.probe.waitFrame((frame) => frame === '{"type":7,"id":0,"data":""}');
    late.send(`{"data":"${json.name}","type":0.9,"id":0.1}`);
    expect(await late.waitClose()).toEqual(SIGNALING_CLOSES.lobbySealed);
    for (const member of [json.host, ...json.members, text.host, ...text.members]) member.probe.close();
    trimmed.close();
    await settled('the named JOINs');
    await bystanders.check();
    expect(crash.take()).toEqual([]);
    expect(trail.errorLogs().map((entry) => entry.message)).toEqual([]);
  });
});

