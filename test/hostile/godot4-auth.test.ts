/**
 * Issue 13: a SceneMultiplayer relay server with an auth_callback against hostile Godot 4 clients
 * still authenticating (raw node-datachannel in a child process, fixtures/godot4-remote.ts), while
 * an honest client that authenticated keeps its RAW streams in order (fixtures/godot4-scene.ts).
 * Peer 2 stays pending: it floods AUTH data and everything else, then leaves; peer 4 is dropped by
 * auth_timeout; peer 5 logs in, is admitted, and leaves. The `[g4]` lines are the figures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebRTCPeerConnection } from '../../src/api/peer-connection.js';
import { HostileRemote, until } from './support/remote.js';
import { linkGodot4Hostile } from './fixtures/godot4-link.js';
import { dropDelta, HONEST, HOSTILE, measure, MiB, show, startScene, type Scene } from './fixtures/godot4-scene.js';

const TIMED_OUT = 4;
const LOGGED_IN = 5;
let scene: Scene;
let remote: HostileRemote;
const pcs = new Map<string, WebRTCPeerConnection>();
/** What the auth_callback got that was neither a marker nor `letmein`: calls and bytes, by peer. */
const auth = { calls: 0, bytes: 0 };

async function connect(link: string, id: number, marker: 'raw' | 'auth'): Promise<void> {
  const from = remote.messages.length;
  const made = linkGodot4Hostile(scene.server.mp, id, remote, link, marker);
  pcs.set(link, made.pc);
  scene.addSignal(made.signal);
  await until(() => remote.messages.slice(from).some((m) => m.type === 'open' && m.link === link), 15_000, `link ${link} open`);
}

async function run(link: string, id: number, command: Record<string, unknown>, timeoutMs = 30_000) {
  const from = remote.messages.length;
  remote.send({ type: String(command.type), link, ...command });
  await until(() => remote.messages.slice(from).some((m) => (m.type === 'sent' || m.type === 'error') && m.link === link), timeoutMs, `link ${link}: ${String(command.type)} sent`);
  const report = remote.messages.slice(from).find((m) => (m.type === 'sent' || m.type === 'error') && m.link === link)!;
  if (report.type === 'error') throw new Error(`the remote: ${String(report.message)}`);
  await scene.marker(report.marker as number, timeoutMs, id);
  return report;
}

beforeAll(async () => {
  remote = HostileRemote.start('godot4-remote');
  scene = startScene({
    auth: true,
    onAuth: (_id, data) => {
      auth.calls++;
      auth.bytes += data.length;
    },
  });
  // Long enough for the floods; peer 4's test shortens it.
  expect(scene.server.api.set_auth_timeout(60)).toBe(0);
  await until(() => scene.server.api.get_peers().includes(HONEST) && scene.got.direct.length > 0, 30_000, () => `the honest client admitted (server: ${scene.serverSignals.join(', ')})`);
  // A child's start (tsx compiling the fixture) took up to 14 s on 2 loaded cores.
  await connect('p', HOSTILE, 'auth');
  await until(() => scene.server.api.get_authenticating_peers().includes(HOSTILE), 5000, 'peer 2 authenticating');
}, 50_000);

afterAll(() => {
  scene?.stop();
  remote?.stop();
});

describe('SceneMultiplayer with an auth_callback against hostile Godot 4 clients that have not authenticated', () => {
  it('AUTH floods from a pending peer (3000 × 1 KiB, 300 × 64 KiB, 256 KiB cut): each handed to the auth_callback once, nothing held', async () => {
    const stats = scene.server.api.get_stats();
    const small = await measure(async () => {
      await run('p', HOSTILE, { type: 'auth', count: 3000, bytes: 1024 });
    });
    const big = await measure(async () => {
      await run('p', HOSTILE, { type: 'auth', count: 300, bytes: 65_536 });
      await run('p', HOSTILE, { type: 'auth', count: 1, bytes: 256 * 1024 });
    });
    expect(auth.calls).toBe(3301);
    // What the callback got: the data after `07 00`, the 256 KiB cut by the stack to 64 KiB.
    expect(auth.bytes).toBe(3000 * 1022 + 300 * 65_534 + 65_534);
    const after = scene.server.api.get_stats();
    expect(after.authenticating_peers).toEqual([HOSTILE]);
    expect(after.connected_peers).toEqual([HONEST]);
    expect(dropDelta(after.dropped, stats.dropped)).toEqual({});
    expect(small.heap).toBeLessThan(8 * MiB);
    expect(big.heap).toBeLessThan(8 * MiB);
    await scene.honestStillWorks();
    console.log(`[g4] pending AUTH flood: 3000 × 1 KiB: ${show(small)}; 300 × 64 KiB + one cut 256 KiB: ${show(big)}`);
  }, 40_000);

  it('everything else from a pending peer (malformed, RELAYs to the honest client, paths, floods, random) is dropped not_authenticated: nothing forwarded, nothing kept, one record', async () => {
    const stats = scene.server.api.get_stats();
    const relayedBefore = stats.relayed;
    const readBefore = scene.reads(HOSTILE);
    let sent = 0;
    let authData = 0;
    let authDone = 0;
    const callsBefore = auth.calls;
    const m = await measure(async () => {
      for (const command of [
        { type: 'malformed' },
        { type: 'relay_targets' },
        { type: 'nested' },
        { type: 'amplify', count: 2000, bytes: 1200, target: HONEST },
        { type: 'amplify', count: 2000, bytes: 1200, target: 0 },
        { type: 'paths', count: 2000, length: 100, first: 1 },
        { type: 'flood', kind: 'add_peer', count: 2000, channel: 2 },
        { type: 'flood', kind: 'remote_call', count: 2000, channel: 3 },
        { type: 'random', count: 2000, channel: 1 },
      ]) {
        const report = await run('p', HOSTILE, command);
        sent += report.count as number;
        authData += report.authData as number;
        authDone += report.authDone as number;
      }
      await until(() => scene.reads(HOSTILE) - readBefore >= sent + 9, 10_000, 'every packet read');
    });
    const after = scene.server.api.get_stats();
    // What reads as AUTH (x7 00 …) goes to the callback (data) or marks the remote's completion (2 bytes); the rest is dropped.
    expect(auth.calls - callsBefore).toBe(authData);
    expect(dropDelta(after.dropped, stats.dropped)).toEqual({ not_authenticated: sent - authData - authDone });
    expect(scene.reads(HOSTILE) - readBefore).toBe(sent + 9);
    expect(after.relayed).toBe(relayedBefore); // the honest client's broadcasts go to admitted peers only
    expect(scene.got.honestR).toEqual([]);
    expect(scene.got.honestA).toBe(0);
    expect(after.received_paths[HOSTILE]).toBeUndefined();
    expect(scene.honest.api.get_stats().dropped).toEqual({});
    expect(scene.recordReasons(scene.server)).toEqual(['not_authenticated']);
    expect(scene.honestSignals.filter((s) => s.includes(`(${HOSTILE})`))).toEqual([]);
    expect(m.heap).toBeLessThan(16 * MiB);
    await scene.honestStillWorks();
    console.log(`[g4] pending peer's other packets: ${sent - authData - authDone} of ${sent} dropped not_authenticated (${authData} were AUTH data, ${authDone} completions); ${show(m)}`);
  }, 50_000);

  it('the pending peer leaving: peer_authentication_failed(2), nothing of it kept, the honest client never heard of it', async () => {
    remote.send({ type: 'close', link: 'p' });
    await until(() => scene.serverSignals.includes(`peer_authentication_failed(${HOSTILE})`), 10_000, 'peer_authentication_failed(2)');
    expect(scene.server.api.get_authenticating_peers()).toEqual([]);
    expect(scene.server.api.get_peers()).toEqual([HONEST]);
    await until(() => !scene.server.mp.has_peer(HOSTILE), 5000, 'peer 2 out of the peer map');
    expect(scene.serverSignals.filter((s) => s.includes(`(${HOSTILE})`))).toEqual([`peer_authenticating(${HOSTILE})`, `peer_authentication_failed(${HOSTILE})`]);
    expect(scene.honestSignals).toEqual(['peer_authenticating(1)', 'peer_connected(1)']);
    await scene.honestStillWorks();
  });

  it('a peer that never completes is dropped after auth_timeout, its packets until then dropped', async () => {
    expect(scene.server.api.set_auth_timeout(1.5)).toBe(0);
    await connect('t', TIMED_OUT, 'auth');
    const connectedAt = Date.now();
    await run('t', TIMED_OUT, { type: 'flood', kind: 'remote_call', count: 500, channel: 1 });
    await until(() => scene.serverSignals.includes(`peer_authentication_failed(${TIMED_OUT})`), 10_000, 'peer_authentication_failed(4)');
    const waited = Date.now() - connectedAt;
    expect(waited).toBeLessThan(5000);
    await until(() => !scene.server.mp.has_peer(TIMED_OUT), 5000, 'peer 4 out of the peer map');
    await until(() => pcs.get('t')!.get_connection_state() === WebRTCPeerConnection.STATE_CLOSED, 5000, 'its connection closed');
    expect(scene.server.api.get_authenticating_peers()).toEqual([]);
    expect(scene.recordReasons(scene.server, TIMED_OUT)).toEqual(['not_authenticated']);
    expect(scene.server.api.set_auth_timeout(60)).toBe(0);
    await scene.honestStillWorks();
    console.log(`[g4] auth_timeout 1.5 s: peer 4 dropped ${waited} ms after its link was up`);
  });

  it('a peer that logs in is admitted (ADD_PEER both ways), then AUTH data is unexpected_auth; leaving admitted removes it everywhere', async () => {
    await connect('r', LOGGED_IN, 'raw');
    await run('r', LOGGED_IN, { type: 'login' });
    await until(() => scene.honestSignals.includes(`peer_connected(${LOGGED_IN})`), 5000, 'ADD_PEER(5) at the honest client');
    expect(scene.server.api.get_peers().sort()).toEqual([HONEST, LOGGED_IN]);
    const before = scene.server.api.get_stats().dropped;
    await run('r', LOGGED_IN, { type: 'flood', kind: 'auth_data', count: 1000, channel: 1 });
    await run('r', LOGGED_IN, { type: 'paths', count: 100, length: 50, first: 1 });
    expect(dropDelta(scene.server.api.get_stats().dropped, before)).toEqual({ unexpected_auth: 1000 });
    expect(scene.server.api.get_stats().received_paths[LOGGED_IN]).toBe(100);
    remote.send({ type: 'close', link: 'r' });
    await until(() => scene.serverSignals.includes(`peer_disconnected(${LOGGED_IN})`) && scene.honestSignals.includes(`peer_disconnected(${LOGGED_IN})`), 10_000, 'peer_disconnected(5) on both');
    for (const side of [scene.server, scene.honest]) expect(side.api.get_stats().received_paths[LOGGED_IN]).toBeUndefined();
    expect(scene.server.api.get_peers()).toEqual([HONEST]);
    expect(scene.honest.api.get_peers()).toEqual([1]);
    expect(scene.logged).toEqual([]);
    const records = scene.server.mp.get_records();
    expect(records.length).toBeLessThan(100);
    console.log(`[g4] with auth, after every attack: ${records.length} records on the server's peer`);
    await scene.honestStillWorks();
    expect(remote.exit).toBeNull();
  });
});
