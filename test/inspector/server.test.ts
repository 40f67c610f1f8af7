import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startInspector, type InspectorMessage, type RunningInspector } from '../../src/inspector/index.js';
import { WebRTCPeerConnection } from '../../src/index.js';
import { connectedPair, peer } from '../support/loopback.js';

const running: RunningInspector[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  for (const inspector of running.splice(0)) await inspector.close();
});
async function inspector(options: Parameters<typeof startInspector>[0] = {}): Promise<RunningInspector> {
  const started = await startInspector(options);
  running.push(started);
  return started;
}

/** GET on the inspector, with any Host header. */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A WebSocket client that keeps every message; `next(match)` waits for one. */
function client(url: string, headers: Record<string, string> = {}) {
  const socket = new WebSocket(url, { headers });
  sockets.push(socket);
  const messages: InspectorMessage[] = [];
  const waiting: Array<() => void> = [];
  socket.on('message', (data) => {
    messages.push(JSON.parse(String(data)));
    for (const wake of waiting.splice(0)) wake();
  });
  const opened = new Promise<number>((resolve) => {
    socket.on('open', () => resolve(101));
    socket.on('unexpected-response', (_req, response) => resolve(response.statusCode ?? 0));
    socket.on('error', () => resolve(0));
  });
  async function next(match: (message: InspectorMessage) => boolean, timeoutMs = 10_000): Promise<InspectorMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = messages.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error('no such message');
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }
  return { socket, messages, opened, next };
}
const wsUrl = (http: string) => http.replace('http://', 'ws://').replace(/\/(\?|$)/, '/ws$1');

describe('the inspector server', () => {
  it('listens on 127.0.0.1 and serves one self-contained page with a strict CSP', async () => {
    const { url, host, port } = await inspector();
    expect(host).toBe('127.0.0.1');
    expect(url).toBe(`http://127.0.0.1:${port}/`);
    const page = await get(port, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>webrtc-statecharts inspector</title>');
    expect(page.body).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org)/);
    expect(String(page.headers['content-security-policy'])).toMatch(/default-src 'none'; script-src 'nonce-[^']+'/);
    expect((await get(port, '/nothing')).status).toBe(404);
  });

  it('answers only to its own address (no DNS rebinding) and, with a token, only with it', async () => {
    const open = await inspector();
    expect((await get(open.port, '/', { host: `evil.example:${open.port}` })).status).toBe(421);
    expect((await get(open.port, '/', { host: `localhost:${open.port}` })).status).toBe(200);
    const guarded = await inspector({ token: 's3cret' });
    expect(guarded.url).toBe(`http://127.0.0.1:${guarded.port}/?token=s3cret`);
    expect((await get(guarded.port, '/')).status).toBe(401);
    expect((await get(guarded.port, '/?token=wrong')).status).toBe(401);
    expect((await get(guarded.port, '/?token=s3cret')).status).toBe(200);
    expect(await client(`ws://127.0.0.1:${guarded.port}/ws`).opened).toBe(401);
    expect(await client(`ws://127.0.0.1:${guarded.port}/ws?token=s3cret`).opened).toBe(101);
    // A page of another site may not open the socket.
    expect(await client(`ws://127.0.0.1:${open.port}/ws`, { origin: 'http://evil.example' }).opened).toBe(403);
  });

  it('a page that connects gets the diagrams and every connection at once, then each change', async () => {
    const before = peer();
    const started = await inspector();
    const page = client(wsUrl(started.url));
    const hello = (await page.next((m) => m.type === 'hello')) as Extract<InspectorMessage, { type: 'hello' }>;
    expect(Object.keys(hello.diagrams)).toEqual(['signaling', 'connection', 'gathering', 'dataChannel', 'signalingSession', 'signalingLobby', 'webrtcMultiplayer', 'multiplayerRemote', 'webrtcMultiplayerPeer']);
    expect(hello.diagrams.connection!.svg).toContain('data-state="connected"');
    expect(hello.connections.map((view) => view.id)).toContain(before.id);
    expect(started.clients()).toBe(1);

    const { p1 } = await connectedPair();
    // The stack may report the channel open just after the connection connected: wait for the update that has both.
    const update = await page.next((m) => m.type === 'update' && m.connections.some((view) => view.id === p1.id && view.states.connection === 'connected' && view.channels['chat#1'] === 'open'));
    const view = (update as Extract<InspectorMessage, { type: 'update' }>).connections.find((v) => v.id === p1.id)!;
    expect(view.channels).toEqual({ 'chat#1': 'open' });
    expect(view.last.connection).toMatchObject({ from: 'connecting', to: 'connected', event: 'stack.connection_state(connected)' });
    expect(view.records.at(-1)!.connection).toBe(p1.id);

    // A late joiner sees the connection connected at once.
    const late = client(wsUrl(started.url));
    const lateHello = (await late.next((m) => m.type === 'hello')) as Extract<InspectorMessage, { type: 'hello' }>;
    expect(lateHello.connections.find((v) => v.id === p1.id)!.states.connection).toBe('connected');
    p1.close();
    await page.next((m) => m.type === 'update' && m.connections.some((v) => v.id === p1.id && v.states.connection === 'closed'));
  });

  it('keeps a bounded number of closed connections and records per connection', async () => {
    const started = await inspector({ keepClosed: 2, recentRecords: 5 });
    const closed: WebRTCPeerConnection[] = [];
    for (let i = 0; i < 4; i++) {
      const pc = peer();
      pc.close();
      closed.push(pc);
    }
    const state = JSON.parse((await get(started.port, '/state.json')).body) as { connections: Array<{ id: string; records: unknown[] }> };
    const ids = state.connections.map((view) => view.id);
    expect(ids).not.toContain(closed[0]!.id);
    expect(ids).toContain(closed[3]!.id);
    expect(state.connections.every((view) => view.records.length <= 5)).toBe(true);
  });

  it('whenViewed resolves when a page connects; close() ends the sockets and the server', async () => {
    const started = await inspector();
    let viewed = false;
    void started.whenViewed().then(() => (viewed = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(viewed).toBe(false);
    const page = client(wsUrl(started.url));
    await page.opened;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(viewed).toBe(true);
    const closedSocket = new Promise((resolve) => page.socket.on('close', resolve));
    await started.close();
    running.splice(running.indexOf(started), 1);
    await closedSocket;
    await expect(get(started.port, '/')).rejects.toThrow();
  });
});
