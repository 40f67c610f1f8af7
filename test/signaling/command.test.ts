import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { verifyTrail } from '../../src/audit/verify.js';
import { parseSignalFlags } from '../../src/signaling/command.js';

const root = new URL('../..', import.meta.url).pathname;
const bin = join(root, 'bin/webrtc-statecharts.js');
const cliSource = join(root, 'src/audit/cli.ts');
const dir = mkdtempSync(join(tmpdir(), 'webrtc-statecharts-signal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A running `webrtc-statecharts signal`, from the source (what the bin runs from dist/), with its output so far. */
interface Command {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

const running: Command[] = [];
const sockets: WebSocket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.terminate();
  for (const { child } of running.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function signalCommand(...args: string[]): Command {
  const entry = `const { runCommand } = await import(${JSON.stringify(cliSource)}); process.exitCode = await runCommand(process.argv.slice(1));`;
  return track(spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', entry, 'signal', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] }));
}

function track(child: ChildProcess): Command {
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (err += chunk));
  // 'close', not 'exit': 'exit' can come before the last of stdout has been read, and the test reads it after.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const command = { child, out: () => out, err: () => err, exited };
  running.push(command);
  return command;
}

/** Waits (at most 30 s) for the command to print its URL, and gives it. */
async function urlOf(command: Command): Promise<string> {
  for (const deadline = Date.now() + 30_000; ; ) {
    const url = /^signaling server on (ws:\/\/\S+) \(Godot webrtc_signaling demo protocol, 4\.x JSON and 3\.x text\)$/m.exec(command.out())?.[1];
    if (url) return url;
    if (Date.now() > deadline || command.child.exitCode !== null) throw new Error(`no URL printed:\n${command.out()}\n${command.err()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A raw ws client that sends `join` on open and collects the frames and the close. */
function joiner(url: string, join: object) {
  const socket = new WebSocket(url);
  sockets.push(socket);
  const frames: Array<{ type: number; id: number; data: string }> = [];
  socket.on('open', () => socket.send(JSON.stringify(join)));
  socket.on('message', (data) => frames.push(JSON.parse(String(data))));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const joined = async () => {
    for (const deadline = Date.now() + 20_000; !frames.some((frame) => frame.type === 0); ) {
      if (Date.now() > deadline) throw new Error(`no JOIN: ${JSON.stringify(frames)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return frames;
  };
  return { socket, frames, closed, joined };
}

describe('webrtc-statecharts signal: its options', () => {
  it('defaults to 127.0.0.1:9080 with server.js limits; takes every option; refuses bad values', () => {
    expect(parseSignalFlags([])).toEqual({ host: '127.0.0.1', port: 9080, inspect: false, audit: undefined, maxPeers: 4096, maxLobbies: 1024, quiet: false });
    expect(parseSignalFlags(['--host', '0.0.0.0', '--port', '0', '--inspect', '--audit', 'a.jsonl', '--max-peers', '10', '--max-lobbies', '2', '--quiet'])).toEqual({
      host: '0.0.0.0', port: 0, inspect: true, audit: 'a.jsonl', maxPeers: 10, maxLobbies: 2, quiet: true,
    });
    expect(parseSignalFlags(['--help'])).toBe('help');
    for (const bad of [['--port', '65536'], ['--port', '-1'], ['--port', '80.5'], ['--port', 'x'], ['--max-peers', '0'], ['--max-lobbies', ''], ['--frobnicate'], ['stray'], ['--port'], ['--host', ''], ['--audit', '']]) {
      expect(parseSignalFlags(bad), bad.join(' ')).toHaveProperty('problem');
    }
  });
});

describe('webrtc-statecharts signal, a real process', { timeout: 60_000 }, () => {
  it('prints its URL and how to listen publicly; a client joins; SIGTERM closes its socket cleanly and exits 0', async () => {
    const command = signalCommand('--port', '0');
    const url = await urlOf(command);
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(command.out()).toContain('--host 0.0.0.0');
    expect(command.out()).toMatch(/TLS \(wss:\/\/\) from a reverse proxy/);

    const host = joiner(url, { type: 0, id: 0, data: '' });
    const frames = await host.joined();
    expect(frames[0]).toEqual({ type: 1, id: 1, data: 'true' });
    expect(frames.at(-1)).toMatchObject({ type: 0, id: 0, data: expect.stringMatching(/^[A-Za-z0-9]{16}$/) });
    // The one-line log of the session and the lobby.
    for (const deadline = Date.now() + 10_000; !/lobby-\d+ opened/.test(command.out()); ) {
      if (Date.now() > deadline) throw new Error(command.out());
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(command.out()).toMatch(/session-\d+ opened/);

    command.child.kill('SIGTERM');
    expect(await host.closed).toEqual({ code: 1001, reason: 'Server shutting down' });
    expect(await command.exited).toBe(0);
    expect(command.out()).toContain('SIGTERM: closing 1 session');
    expect(command.out()).toMatch(/session-\d+ closed \(host, 4\.x; relayed 0 offers, 0 answers, 0 candidates, 0 bytes\)/);
    expect(command.out()).toMatch(/lobby-\d+ closed \("[A-Za-z0-9]{16}", mesh, 4\.x\)/);
    expect(command.out()).toContain('signaling server closed');
    expect(command.err()).toBe('');
  });

  it('SIGINT (Ctrl-C) stops it too, with exit 0; --quiet prints no session lines', async () => {
    const command = signalCommand('--port', '0', '--quiet');
    const url = await urlOf(command);
    const host = joiner(url, { type: 0, id: 0, data: '' });
    await host.joined();
    command.child.kill('SIGINT');
    expect(await host.closed).toEqual({ code: 1001, reason: 'Server shutting down' });
    expect(await command.exited).toBe(0);
    expect(command.out()).toContain('SIGINT: closing 1 session');
    expect(command.out()).not.toMatch(/session-\d+ opened/);
  });

  it('--audit FILE: the trail of a lobby with two members verifies, the bin`s audit command says so', async () => {
    const trail = join(dir, 'signal.jsonl');
    const command = signalCommand('--port', '0', '--audit', trail);
    const url = await urlOf(command);
    const host = joiner(url, { type: 0, id: 0, data: '' });
    const lobby = (await host.joined()).at(-1)!.data;
    const member = joiner(url, { type: 0, id: 0, data: lobby });
    const memberFrames = await member.joined();
    const memberId = memberFrames[0]!.id;
    // An offer relayed to the host, as the higher id sends it.
    member.socket.send(JSON.stringify({ type: 4, id: 1, data: 'v=0 (not a real offer)' }));
    for (const deadline = Date.now() + 10_000; !host.frames.some((frame) => frame.type === 4); ) {
      if (Date.now() > deadline) throw new Error(JSON.stringify(host.frames));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(host.frames.find((frame) => frame.type === 4)).toEqual({ type: 4, id: memberId, data: 'v=0 (not a real offer)' });
    command.child.kill('SIGINT');
    expect(await command.exited).toBe(0);
    expect(command.out()).toContain(`verify it with: npx webrtc-statecharts audit ${trail}`);

    const verification = verifyTrail(readFileSync(trail, 'utf8'));
    expect(verification.problems).toEqual([]);
    expect(verification.ok).toBe(true);
    const names = verification.connections.map(({ connection }) => connection);
    expect(names.filter((name) => name.startsWith('session-'))).toHaveLength(2);
    expect(names.filter((name) => name.startsWith('lobby-'))).toHaveLength(1);
    // The trail holds no SDP body.
    expect(readFileSync(trail, 'utf8')).not.toContain('not a real offer');

    const audit = spawnSync(process.execPath, [bin, 'audit', trail, '--quiet'], { encoding: 'utf8', timeout: 30_000 });
    expect(audit.status, audit.stdout + audit.stderr).toBe(0);
    expect(audit.stdout).toMatch(/verified: \d+ records of 3 connections/);
  });

  it('--inspect starts the inspector and prints its URL; the page answers; SIGTERM stops both', async () => {
    const command = signalCommand('--port', '0', '--inspect');
    await urlOf(command);
    for (const deadline = Date.now() + 20_000; !/^inspector: http:/m.test(command.out()); ) {
      if (Date.now() > deadline) throw new Error(command.out() + command.err());
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const page = /^inspector: (http:\/\/127\.0\.0\.1:\d+\/\S*)$/m.exec(command.out())![1]!;
    const response = await fetch(page);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<html');
    command.child.kill('SIGTERM');
    expect(await command.exited).toBe(0);
  });

  it('a port already taken: a clear message and exit 1', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as { port: number }).port;
      const command = signalCommand('--port', String(port));
      expect(await command.exited).toBe(1);
      expect(command.err()).toContain(`127.0.0.1:${port} is already in use`);
      expect(command.err()).toContain('--port 0 for a free one');
      expect(command.out()).not.toContain('signaling server on');
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('a bad option: the usage and exit 2; --help: the usage and exit 0', async () => {
    const bad = signalCommand('--frobnicate');
    expect(await bad.exited).toBe(2);
    expect(bad.err()).toContain('usage: webrtc-statecharts signal');
    const port = signalCommand('--port', 'ninety');
    expect(await port.exited).toBe(2);
    expect(port.err()).toContain('--port must be a whole number');
    const help = signalCommand('--help');
    expect(await help.exited).toBe(0);
    expect(help.out()).toContain('usage: webrtc-statecharts signal');
  });

  it('the package bin (dist/, built by npm test) runs the same command: URL, a join, SIGTERM, exit 0', async () => {
    const command = track(spawn(process.execPath, [bin, 'signal', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] }));
    const url = await urlOf(command);
    const host = joiner(url, { type: 0, id: 0, data: '' });
    expect((await host.joined())[0]).toEqual({ type: 1, id: 1, data: 'true' });
    command.child.kill('SIGTERM');
    expect(await host.closed).toEqual({ code: 1001, reason: 'Server shutting down' });
    expect(await command.exited).toBe(0);
  });
});
