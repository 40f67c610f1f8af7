import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { GodotError } from '../../src/godot/constants.js';
import { startInspector, type InspectorMessage, type RunningInspector } from '../../src/inspector/index.js';
import type { LobbyView, SessionView } from '../../src/inspector/signaling-model.js';
import { MessageType } from '../../src/signaling/frames.js';
import { SignalingServer } from '../../src/signaling/server.js';

const started: Array<{ close(): Promise<void> }> = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  for (const thing of started.splice(0).reverse()) await thing.close();
});

interface Frame {
  type: number;
  id: number;
  data: string;
}

/** A raw ws client of the signaling server (the demo's 4.x JSON frames), keeping every frame. */
async function signalingClient(url: string) {
  const socket = new WebSocket(url);
  sockets.push(socket);
  const frames: Frame[] = [];
  socket.on('message', (data) => frames.push(JSON.parse(String(data)) as Frame));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const send = (type: number, id: number, data = '') => socket.send(JSON.stringify({ type, id, data }));
  const next = (type: number) => until(() => frames.find((frame) => frame.type === type), `a frame of type ${type}`);
  return { socket, frames, send, next, closed };
}

/** Polls `found` every 20 ms until it gives something, for at most `timeoutMs`. */
async function until<T>(found: () => T | undefined | false | Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await found();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function getJson<T>(port: number, path: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve(JSON.parse(body) as T));
    });
    req.on('error', reject);
    req.end();
  });
}

type State = { sessions: SessionView[]; lobbies: LobbyView[] };

async function serverAndInspector(): Promise<{ server: SignalingServer; inspector: RunningInspector }> {
  const server = new SignalingServer({ port: 0 });
  expect(await server.listen()).toBe(GodotError.OK);
  started.push(server);
  const inspector = await startInspector({ statsIntervalMs: 200 });
  started.push(inspector);
  return { server, inspector };
}

/** A host creates a mesh lobby and a member joins it by name; their raw ids, the lobby's name and its record name. */
async function lobbyOfTwo(server: SignalingServer) {
  const host = await signalingClient(server.url);
  host.send(MessageType.JOIN, 0, '');
  const name = (await host.next(MessageType.JOIN)).data;
  const member = await signalingClient(server.url);
  member.send(MessageType.JOIN, 0, name);
  const memberId = (await member.next(MessageType.ID)).id;
  await member.next(MessageType.JOIN);
  const hostSession = server.sessions().find((view) => view.host)!;
  const lobby = server.lobbies().find((view) => view.lobby === name)!;
  return { host, member, memberId, name, hostSession: hostSession.name, memberSession: `session-${memberId}`, lobby: lobby.name };
}

describe('the inspector lists a signaling server’s lobbies and sessions', () => {
  it('state.json has each lobby (name, mesh, protocol, members, its sessions) and each session (state, lobby, host, relayed counts)', async () => {
    const { server, inspector } = await serverAndInspector();
    const { host, memberId, name, hostSession, memberSession, lobby } = await lobbyOfTwo(server);
    host.send(MessageType.OFFER, memberId, 'an offer');
    host.send(MessageType.CANDIDATE, memberId, '\n0\n0\ncandidate:1 1 UDP 2122317823 127.0.0.1 50412 typ host');

    const state = await until(async () => {
      const s = await getJson<State>(inspector.port, '/state.json');
      return s.sessions.find((view) => view.name === hostSession)?.relayed.candidate === 1 ? s : undefined;
    }, 'relayed counts in state.json');
    const lobbyView = state.lobbies.find((view) => view.name === lobby)!;
    expect(lobbyView).toMatchObject({ lobby: name, state: 'open', mesh: true, protocol: 4, members: [1, memberId], sealed: false });
    expect(lobbyView.sessions.sort()).toEqual([hostSession, memberSession].sort());
    expect(lobbyView.last).toMatchObject({ event: `join(${memberId})`, drawn: expect.stringMatching(/^open\//) });
    const hostView = state.sessions.find((view) => view.name === hostSession)!;
    expect(hostView).toMatchObject({ state: 'inLobby', lobby: name, host: true, wire: 1, protocol: 4, relayed: { offer: 1, answer: 0, candidate: 1 } });
    expect(hostView.relayed.bytes).toBeGreaterThan(0);
    expect(hostView.last).toMatchObject({ from: 'connected', to: 'inLobby', event: 'create_lobby(4)', drawn: 'connected->inLobby' });
    expect(state.sessions.find((view) => view.name === memberSession)).toMatchObject({ state: 'inLobby', host: false, wire: memberId, relayed: { offer: 0 } });
    // A session record is no connection's.
    expect((state as unknown as { connections: Array<{ id: string }> }).connections.map((view) => view.id)).not.toContain(hostSession);
  }, 60_000);

  it('a page gets them in its hello and follows them live: seal, the host leaving, the lobby closing', async () => {
    const { server, inspector } = await serverAndInspector();
    const { host, member, memberId, hostSession, memberSession, lobby } = await lobbyOfTwo(server);
    const page = new WebSocket(inspector.url.replace('http://', 'ws://').replace(/\/(\?|$)/, '/ws$1'));
    sockets.push(page);
    const messages: InspectorMessage[] = [];
    page.on('message', (data) => messages.push(JSON.parse(String(data)) as InspectorMessage));
    const hello = await until(() => messages.find((m): m is Extract<InspectorMessage, { type: 'hello' }> => m.type === 'hello'), 'hello');
    expect(Object.keys(hello.diagrams)).toEqual(expect.arrayContaining(['signalingSession', 'signalingLobby']));
    expect(hello.diagrams.signalingLobby!.svg).toContain('data-state="sealed"');
    expect(hello.lobbies.find((view) => view.name === lobby)).toMatchObject({ state: 'open', members: [1, memberId] });
    expect(hello.sessions.map((view) => view.name)).toEqual(expect.arrayContaining([hostSession, memberSession]));

    const updated = (match: (m: Extract<InspectorMessage, { type: 'update' }>) => boolean, what: string) =>
      until(() => messages.find((m): m is Extract<InspectorMessage, { type: 'update' }> => m.type === 'update' && match(m)), what);
    host.send(MessageType.SEAL, 0);
    await member.next(MessageType.SEAL);
    const sealed = await updated((m) => m.lobbies.some((view) => view.name === lobby && view.state === 'sealed'), 'the lobby sealed');
    expect(sealed.lobbies.find((view) => view.name === lobby)).toMatchObject({ sealed: true, last: { event: 'seal(1)', drawn: 'open->sealed' } });
    await updated((m) => m.sessions.some((view) => view.name === memberSession && view.state === 'sealed'), 'the member sealed');

    host.socket.close(1000);
    expect((await member.closed).code).toBe(4000);
    await updated((m) => m.lobbies.some((view) => view.name === lobby && view.state === 'closed'), 'the lobby closed');
    await updated((m) => m.sessions.some((view) => view.name === hostSession && view.state === 'closed'), 'the host’s session closed');
    const member4000 = await updated((m) => m.sessions.some((view) => view.name === memberSession && view.state === 'closed'), 'the member’s session closed');
    expect(member4000.sessions.find((view) => view.name === memberSession)!.last).toMatchObject({ from: 'sealed', to: 'closed' });
    // Closed, they stay listed (up to keepClosed), their server's view gone.
    const state = await getJson<State>(inspector.port, '/state.json');
    expect(state.lobbies.find((view) => view.name === lobby)!.state).toBe('closed');
    expect(server.sessions().map((view) => view.name)).not.toContain(hostSession);
  }, 60_000);
});
