import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { GodotError } from '../../src/godot/constants.js';
import { setLogger, type LogEntry } from '../../src/log.js';
import { SignalingServer, liveSignalingServers, type SignalingLobbyView, type SignalingSessionView } from '../../src/signaling/server.js';
import { connect, host4, join4, startServer } from './server-support.js';

const OPTIONS = { timeout: 60_000 };

describe('the signaling server starts and stops', () => {
  it('listens on a free port; its url and port say where', OPTIONS, async () => {
    const server = await startServer();
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`ws://127.0.0.1:${server.port}`);
    expect(liveSignalingServers()).toContain(server);
    await server.close();
    expect(liveSignalingServers()).not.toContain(server);
  });

  it('listens on ::1 with brackets in its url', OPTIONS, async () => {
    const server = await startServer({ host: '::1' });
    expect(server.url).toBe(`ws://[::1]:${server.port}`);
    const client = await connect(server);
    client.json(0, 0, '');
    await client.received(2);
  });

  it('a taken port gives ERR_ALREADY_IN_USE; listening twice too; bad options ERR_INVALID_PARAMETER', OPTIONS, async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const server = new SignalingServer({ port });
      expect(await server.listen()).toBe(GodotError.ERR_ALREADY_IN_USE);
      await server.close();
    } finally {
      blocker.close();
    }
    const server = await startServer();
    expect(await server.listen()).toBe(GodotError.ERR_ALREADY_IN_USE);
    for (const bad of [{ port: -1 }, { port: 70_000 }, { maxPeers: 0 }, { noLobbyTimeoutMs: 1.5 }, { maxFrameBytes: '1' as unknown as number }, { host: '' }]) {
      const refused = new SignalingServer(bad);
      expect(await refused.listen(), JSON.stringify(bad)).toBe(GodotError.ERR_INVALID_PARAMETER);
      await refused.close();
    }
  });

  it('close() closes every socket 1001 Server shutting down, ends every lobby, and resolves', OPTIONS, async () => {
    const server = await startServer();
    const closedLobbies: SignalingLobbyView[] = [];
    server.on('lobby_closed', (view) => closedLobbies.push(view));
    const { client: host, lobby } = await host4(server);
    const { client: b } = await join4(server, lobby, 1, 'b');
    const idle = await connect(server, 'idle');
    await server.close();
    for (const client of [host, b, idle]) expect(await client.closed()).toEqual({ code: 1001, reason: 'Server shutting down' });
    expect(server.sessions()).toEqual([]);
    expect(server.lobbies()).toEqual([]);
    expect(closedLobbies.map((view) => view.state)).toEqual(['closed']);
    await server.close();
  });

  it('emits session and lobby events; a listener that throws is logged and the others still run', OPTIONS, async () => {
    const logged: LogEntry[] = [];
    setLogger((entry) => logged.push(entry));
    try {
      const server = await startServer();
      const seen: string[] = [];
      server.on('session_opened', () => {
        throw new Error('listener bug');
      });
      server.on('session_opened', (view: SignalingSessionView) => seen.push(`opened ${view.state}`));
      server.on('lobby_opened', (view) => seen.push(`lobby ${view.state} ${view.members.join()}`));
      server.on('session_closed', (view) => seen.push(`closed ${view.state}`));
      const { client } = await host4(server);
      client.socket.close();
      await client.closed();
      await client.until(() => seen.length === 3, 'the session_closed event');
      expect(seen).toEqual(['opened connected', 'lobby open 1', 'closed closed']);
      expect(logged.some((entry) => entry.source === 'listener' && entry.message.includes('session_opened'))).toBe(true);
    } finally {
      setLogger(null);
    }
  });

  it('once() listens to one event only, and off() stops a listener', OPTIONS, async () => {
    const server = await startServer();
    const once: string[] = [];
    const every: string[] = [];
    const removed: string[] = [];
    const stopped = (view: SignalingSessionView) => removed.push(view.name);
    server.once('session_opened', (view) => once.push(view.name));
    server.on('session_opened', (view) => every.push(view.name));
    server.on('session_opened', stopped);
    server.off('session_opened', stopped);
    const { lobby } = await host4(server);
    await join4(server, lobby, 1, 'b');
    await join4(server, lobby, 2, 'c');
    expect(every).toHaveLength(3);
    expect(once).toEqual([every[0]]);
    expect(removed).toEqual([]);
    await server.close();
  });

  it('with an inspector, sessions and lobbies run as real actors and emit inspection events', OPTIONS, async () => {
    const events: string[] = [];
    const server = await startServer({ inspect: (event) => events.push(event.type) });
    const { lobby } = await host4(server);
    await join4(server, lobby, 1, 'b');
    expect(events).toContain('@xstate.actor');
    expect(events).toContain('@xstate.event');
    expect(server.lobbies()[0]!.members.length).toBe(2);
  });

  it('the process exits by itself after close(), with no timer or socket left', OPTIONS, async () => {
    const fixture = new URL('./server-exit-fixture.ts', import.meta.url).pathname;
    const run = await new Promise<{ status: number | null; signal: string | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', fixture], { timeout: 30_000, killSignal: 'SIGKILL' });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      child.on('close', (status, signal) => resolve({ status, signal, output }));
    });
    expect(run.signal, run.output).toBeNull();
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain('closed: 1001 Server shutting down, 1001 Server shutting down, 1001 Server shutting down');
  });
});
