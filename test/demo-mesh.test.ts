import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyTrail } from '../src/audit/verify.js';
import './support/loopback.js';
import { runGodot3Server } from '../demo/godot3-server.js';
import { runGodot4Server } from '../demo/godot4-server.js';

const root = new URL('..', import.meta.url).pathname;
const bin = join(root, 'bin/webrtc-statecharts.js');
const dir = mkdtempSync(join(tmpdir(), 'webrtc-statecharts-mesh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// `npm start` is `tsx demo/mesh.ts`; node --import tsx is the same without tsx's own parent process, so a kill reaches the demo.
const demoArgs = (...args: string[]) => ['--import', 'tsx', 'demo/mesh.ts', ...args];

/** Runs `npm start -- ...args`, bounded to 60 s. */
const mesh = (...args: string[]): SpawnSyncReturns<string> =>
  spawnSync(process.execPath, demoArgs(...args), { cwd: root, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });

/** The ids the peers printed when they joined, host first. */
function joinedIds(output: string): number[] {
  return [...output.matchAll(/^\+\s*[\d.]+ ms {2}(?:host|m\d) +joined lobby "[A-Za-z0-9]+" as id (\d+) \(mesh\)$/gm)].map((match) => Number(match[1]));
}

/** Every ordered pair's message, as the receiver printed it. */
function expectEveryMessage(output: string, ids: number[]): void {
  for (const to of ids) {
    for (const from of ids) {
      if (to !== from) expect(output, `${from} → ${to}`).toContain(`${to} got "hello from ${from}" from ${from} on chat#1`);
    }
  }
}

/** A timeline line of a part: `+  12.3 ms  <pattern>`. */
const line = (pattern: string) => new RegExp(`^\\+\\s*[\\d.]+ ms {2}${pattern}$`, 'm');

/** The output from the line that starts a part, which must come after `after`. */
function partOf(out: string, heading: string, after: string): string {
  const start = out.indexOf(heading);
  expect(start, out).toBeGreaterThan(out.indexOf(after));
  return out.slice(start);
}

describe('the scripts', () => {
  it('npm start runs the mesh demo, npm run example the docs\' minimal example', () => {
    const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(scripts.start).toBe('tsx demo/mesh.ts');
    expect(scripts.example).toBe('tsx demo/minimal.ts');
  });
});

describe('npm start: the mesh demo', () => {
  const trail = join(dir, 'mesh.jsonl');
  let run: SpawnSyncReturns<string>;
  beforeAll(() => {
    run = mesh('--audit', trail);
  }, 70_000);

  it('exits 0: a host and two members in one lobby, every pair connected, every message arrived', () => {
    expect(run.error, 'it exits within 60 s').toBeUndefined();
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
    const ids = joinedIds(run.stdout);
    expect(ids).toHaveLength(3);
    expect(ids[0]).toBe(1);
    expect(new Set(ids).size).toBe(3);
    expectEveryMessage(run.stdout, ids);
    expect(run.stdout).toContain('all 6 messages arrived: every pair is connected');
    expect(run.stdout).toMatch(/^summary: 3 peers \(host 1, m1 \d+, m2 \d+\) in one mesh lobby, 4\.x protocol$/m);
    expect(run.stdout).toMatch(/^ {2}3 WebRTC pairs connected; 6 messages/m);
  });

  it('its timeline shows the sessions, the lobby and the connections, and the seal', () => {
    const out = run.stdout;
    expect(out).toMatch(/^\+\s*[\d.]+ ms {2}session-\S+ +signalingSession/m);
    expect(out).toMatch(/^\+\s*[\d.]+ ms {2}lobby-\d+ +signalingLobby/m);
    expect(out).toMatch(/^\+\s*[\d.]+ ms {2}host-\d+ +connection +connecting → connected/m);
    expect(out).toMatch(/^\+\s*[\d.]+ ms {2}m2-1 +channel chat#1 +connecting → open/m);
    expect(out).toMatch(/host +seal\(\) → OK/);
    expect(out).toMatch(/m1 +socket closed 1000 "Seal complete"/);
    // As in Godot's demo, the mesh outlives the signaling sockets after a seal.
    expect(out).toContain('every socket closed; 6 of 6 WebRTC connections outlive the signaling (connected)');
    expect(out).toMatch(/signaling relayed 3 offers, 3 answers, [1-9]\d* candidates/);
    // The happy path refuses no call: every close is made once.
    expect(out).not.toMatch(/refusal:/);
    // No SDP body in the output.
    expect(out).not.toMatch(/a=ice-pwd|a=fingerprint/);
  });

  it('then a Godot 3.x server in Node: two Node clients send it RAW and call its remote hello(), it answers each with an RPC', () => {
    const part = partOf(run.stdout, 'a Godot 3.x multiplayer server in Node (id 1) and 2 Node clients in a 3.x lobby', 'all 6 messages arrived');
    expect(part).toMatch(line('srv +created 3\\.x lobby "[A-Za-z0-9]+" as id 1: CONNECTION_CONNECTED, is_network_server\\(\\) true'));
    const clients = [...part.matchAll(/^\+\s*[\d.]+ ms {2}(c[12]) +joined as id (\d+): initialize\(\2, true\) → CONNECTION_CONNECTING until 1 connects$/gm)].map((m) => ({ name: m[1]!, id: m[2]! }));
    expect(clients.map(({ name }) => name)).toEqual(['c1', 'c2']);
    expect(new Set(clients.map(({ id }) => id)).size).toBe(2);
    for (const { name, id } of clients) {
      // In order: the client's connection_succeeded, then the server gets its RAW and its hello, then the client the welcome.
      const order = [
        line(`${name} +connected_to_server \\(connection_succeeded\\): CONNECTION_CONNECTED`),
        line(`${name} +send_bytes\\("raw bytes from ${id}", 1\\) → OK`),
        line(`${name} +rpc_id\\(1, 'Main/Server', 'hello', "hi from ${id}"\\) → OK`),
        line(`srv +RAW from ${id}: "raw bytes from ${id}"`),
        line(`srv +hello\\("hi from ${id}"\\) from ${id}`),
        line(`srv +rpc_id\\(${id}, 'Main/Client', 'welcome', …\\) → OK`),
        line(`${name} +welcome\\("welcome, ${id}, from the server of [12] peers?"\\) from 1`),
      ].map((pattern) => part.search(pattern));
      expect(order.every((at) => at >= 0), `${name}: ${order}`).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
      // The multiplayer machines in the timeline: the client waits for 1, the server's map counts it connected.
      expect(part).toMatch(line(`${name}-mp +webrtcMultiplayer disconnected → connecting   \\(initialize\\(${id},server_compatibility\\)\\)`));
      expect(part).toMatch(line(`${name}-mp +webrtcMultiplayer connecting → connected   \\(peer_connected\\(1\\)\\)`));
      expect(part).toMatch(line(`srv-mp +remote peer ${id} +added → connected   \\(channels_open\\)`));
      expect(part).toMatch(new RegExp(`^ {4}${id} → 1: RAW "raw bytes from ${id}", rpc hello\\("hi from ${id}"\\); 1 → ${id}: rpc welcome\\(`, 'm'));
    }
    expect(part).toMatch(line('srv-mp +webrtcMultiplayer disconnected → connected   \\(initialize\\(1,server_compatibility\\)\\)'));
    expect(part).toMatch(/^ {2}the server's MultiplayerAPI received 2 remote_call, 2 simplify_path, 2 confirm_path, 2 raw \(\d+ bytes\), sent 2 remote_call, 2 simplify_path, 2 confirm_path, dropped 0$/m);
    expect(part).not.toMatch(/refusal:|stack_anomaly:|stack_error:/);
    expect(part).toMatch(/^done \(\+\s*[\d.]+ ms\)\.$/m);
  });

  it('then a Godot 4.x server in Node: two Node clients send it RAW, it answers each, and their RAW to each other goes by its relay', () => {
    const part = partOf(run.stdout, 'a Godot 4.x multiplayer server in Node (id 1) and 2 Node clients in a 4.x client/server lobby', 'a Godot 3.x multiplayer server in Node');
    expect(part).toMatch(line('srv4 +created 4\\.x client/server lobby "[A-Za-z0-9]+" as id 1: create_server\\(\\) → CONNECTION_CONNECTED, is_server\\(\\) true'));
    expect(part).toMatch(line('srv4-mp +webrtcMultiplayerPeer disconnected → connected   \\(create\\(server,1\\)\\)'));
    const clients = [...part.matchAll(/^\+\s*[\d.]+ ms {2}(c[12]) +joined as id (\d+): create_client\(\2\) → CONNECTION_CONNECTING until 1 connects$/gm)].map((m) => ({ name: m[1]!, id: m[2]! }));
    expect(clients.map(({ name }) => name)).toEqual(['c1', 'c2']);
    expect(new Set(clients.map(({ id }) => id)).size).toBe(2);
    for (const { name, id } of clients) {
      const other = clients.find((client) => client.name !== name)!.id;
      // In order: the client connects to the server, sends it RAW, the server gets it and answers, the client gets the answer.
      const order = [
        line(`${name}-mp +webrtcMultiplayerPeer connecting → connected   \\(peer_connected\\(1\\)\\)`),
        line(`${name} +connected_to_server: CONNECTION_CONNECTED`),
        line(`${name} +send_bytes\\("raw bytes from ${id}", 1\\) → OK`),
        line(`srv4 +RAW from ${id}: "raw bytes from ${id}"`),
        line(`srv4 +send_bytes\\("raw bytes back to ${id}", ${id}\\) → OK`),
        line(`${name} +RAW from 1: "raw bytes back to ${id}"`),
      ].map((pattern) => part.search(pattern));
      expect(order.every((at) => at >= 0), `${name}: ${order}`).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
      // The other client, met through the server's SYS ADD_PEER, gets this one's RAW by the server's relay, with this one's id.
      const relayed = [
        line(`${name} +peer_connected ${other}`),
        line(`${name} +send_bytes\\("raw bytes from ${id} to ${other}, relayed", ${other}\\) → OK`),
        line(`c[12] +RAW from ${id}: "raw bytes from ${id} to ${other}, relayed"`),
      ].map((pattern) => part.search(pattern));
      expect(relayed.every((at) => at >= 0), `${name} → ${other}: ${relayed}`).toBe(true);
      expect([...relayed].sort((a, b) => a - b)).toEqual(relayed);
      expect(part).toMatch(new RegExp(`^ {4}${id} → 1: RAW "raw bytes from ${id}"; 1 → ${id}: RAW "raw bytes back to ${id}"; ${other} → ${id} \\(relayed by 1\\): "raw bytes from ${other} to ${id}, relayed"$`, 'm'));
    }
    expect(part).toMatch(/^summary: a Godot 4\.x server in Node \(srv4 1\) and c1 \d+, c2 \d+ in client\/server lobby "[A-Za-z0-9]+"$/m);
    expect(part).toMatch(/^ {2}the server's SceneMultiplayer received 4 packets \(2 RAW for itself\), relayed 2, sent \d+, dropped 0$/m);
    expect(part).not.toMatch(/refusal:|stack_anomaly:|stack_error:/);
    expect(part).toMatch(/^done \(\+\s*[\d.]+ ms\)\.$/m);
  });

  it('--audit FILE: its trail verifies, by verifyTrail and by webrtc-statecharts audit', () => {
    expect(run.stdout).toMatch(/^audit: \d+ records appended to .*mesh\.jsonl/m);
    const verification = verifyTrail(readFileSync(trail, 'utf8'));
    expect(verification.problems).toEqual([]);
    expect(verification.ok).toBe(true);
    const names = verification.connections.map(({ connection }) => connection);
    expect(names.filter((name) => name.startsWith('session-'))).toHaveLength(3);
    expect(names.filter((name) => name.startsWith('lobby-'))).toHaveLength(1);
    expect(names.filter((name) => /^(host|m\d)-\d+$/.test(name))).toHaveLength(6);
    const audit = spawnSync(process.execPath, [bin, 'audit', trail, '--quiet'], { encoding: 'utf8', timeout: 30_000 });
    expect(audit.status, audit.stdout + audit.stderr).toBe(0);
    expect(audit.stdout).toMatch(/verified: \d+ records of 10 connections/);
  });

  it('--protocol 3 --members 3: four peers over the 3.x text frames, every message arrived', () => {
    const three = mesh('--protocol', '3', '--members', '3');
    expect(three.status, `${three.stdout}${three.stderr}`).toBe(0);
    const ids = joinedIds(three.stdout);
    expect(ids).toHaveLength(4);
    expectEveryMessage(three.stdout, ids);
    expect(three.stdout).toMatch(/in one mesh lobby, 3\.x protocol$/m);
  }, 70_000);

  it('--inspect waits for a page and stops with status 0 on Ctrl-C, even before one opened', async () => {
    const demo = spawn(process.execPath, demoArgs('--inspect'), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    demo.stdout.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => demo.on('close', (code) => resolve(code)));
    try {
      for (const deadline = Date.now() + 30_000; !output.includes('Ctrl-C stops it'); ) {
        if (Date.now() > deadline) throw new Error(output);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(output).toMatch(/^inspector: http:\/\/127\.0\.0\.1:\d+\/$/m);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(output).not.toContain('joined lobby');
      demo.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (demo.exitCode === null) demo.kill('SIGKILL');
    }
  }, 60_000);
});

describe("npm start's Godot 4.x part, run in-process", () => {
  const never = new Promise<void>(() => {});
  it('past its deadline it gives 1 and says what is missing; given the time, 0 with the summary', async () => {
    const errors: string[] = [];
    const error = console.error;
    console.error = (...args: unknown[]) => errors.push(args.join(' '));
    try {
      expect(await runGodot4Server({ print: () => {}, stamp: () => '+0 ms', interrupted: never, deadlineMs: 1 })).toBe(1);
    } finally {
      console.error = error;
    }
    expect(errors.join('\n')).toMatch(/godot4 server demo: not done within 0\.001 s:\n {2}srv4 has not created its lobby\n {2}c1 has not joined\n {2}c2 has not joined/);
    const lines: string[] = [];
    const code = await runGodot4Server({ print: (line) => lines.push(line), stamp: () => '+0 ms', interrupted: never });
    expect(code, lines.join('\n')).toBe(0);
    expect(lines.join('\n')).toMatch(/^summary: a Godot 4\.x server in Node \(srv4 1\) and c1 \d+, c2 \d+ in client\/server lobby "[A-Za-z0-9]+"$/m);
  }, 30_000);

  it('interrupted (Ctrl-C), it stops at once with 0 and no summary', async () => {
    const lines: string[] = [];
    expect(await runGodot4Server({ print: (line) => lines.push(line), stamp: () => '+0 ms', interrupted: Promise.resolve() })).toBe(0);
    expect(lines.join('\n')).not.toMatch(/^summary:/m);
  });
});

describe("npm start's Godot 3.x part, run in-process", () => {
  const never = new Promise<void>(() => {});
  it('past its deadline it gives 1 and says what is missing', async () => {
    const lines: string[] = [];
    const errors: string[] = [];
    const error = console.error;
    console.error = (...args: unknown[]) => errors.push(args.join(' '));
    try {
      const code = await runGodot3Server({ print: (line) => lines.push(line), stamp: () => '+0 ms', interrupted: never, deadlineMs: 1 });
      expect(code).toBe(1);
    } finally {
      console.error = error;
    }
    expect(errors.join('\n')).toMatch(/godot3 server demo: not done within 0\.001 s:\n {2}srv has not created its lobby\n {2}c1 has not joined\n {2}c2 has not joined/);
    expect(lines.join('\n')).not.toMatch(/^summary:/m);
  });

  it('interrupted (Ctrl-C), it stops at once with 0 and no summary', async () => {
    const lines: string[] = [];
    const code = await runGodot3Server({ print: (line) => lines.push(line), stamp: () => '+0 ms', interrupted: Promise.resolve() });
    expect(code).toBe(0);
    expect(lines.join('\n')).not.toMatch(/^summary:/m);
  });

  it('given the time, it gives 0 with the summary', async () => {
    const lines: string[] = [];
    const code = await runGodot3Server({ print: (line) => lines.push(line), stamp: () => '+0 ms', interrupted: never });
    expect(code, lines.join('\n')).toBe(0);
    expect(lines.join('\n')).toMatch(/^summary: a Godot 3\.x server in Node \(srv 1\) and c1 \d+, c2 \d+ in lobby "[A-Za-z0-9]+"$/m);
  }, 30_000);
});
