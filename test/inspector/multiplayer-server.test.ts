import '../support/loopback.js';
import { request } from 'node:http';
import { Script } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { GodotError } from '../../src/godot/constants.js';
import { WebRTCMultiplayer } from '../../src/godot3/webrtc-multiplayer.js';
import { startInspector, type InspectorMessage, type MultiplayerView, type RunningInspector } from '../../src/inspector/index.js';
import type { ConnectionView } from '../../src/inspector/model.js';
import { peer } from '../support/loopback.js';
import { countsConnected, linkMultiplayers, pollMultiplayers } from '../model/multiplayer-link.js';
import { WebRTCMultiplayerPeer } from '../../src/godot4/webrtc-multiplayer-peer.js';
import { link, member, pollAll } from '../godot4-unit/webrtc-multiplayer-peer-setup.js';

const inspectors: RunningInspector[] = [];
const sockets: WebSocket[] = [];
const multiplayers: WebRTCMultiplayer[] = [];
afterEach(async () => {
  for (const mp of multiplayers.splice(0)) mp.close();
  for (const socket of sockets.splice(0)) socket.terminate();
  for (const inspector of inspectors.splice(0)) await inspector.close();
});

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

type State = { connections: ConnectionView[]; multiplayers: MultiplayerView[] };

/** Polls `found` every 20 ms until it gives something, for at most `timeoutMs`. */
async function until<T>(found: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await found();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A server (1) and a server_compatibility client (2), linked over loopback and connected. */
async function serverAndClient() {
  const server = new WebRTCMultiplayer();
  const client = new WebRTCMultiplayer();
  multiplayers.push(server, client);
  expect(server.initialize(1, true)).toBe(GodotError.OK);
  expect(client.initialize(2, true)).toBe(GodotError.OK);
  const { ab, ba } = linkMultiplayers(server, 1, client, 2);
  await pollMultiplayers([server, client], () => countsConnected(server, 2) && client.get_connection_status() === WebRTCMultiplayer.CONNECTION_CONNECTED);
  return { server, client, pcs: [ab.id, ba.id] };
}

describe('the inspector lists the Godot 3 WebRTCMultiplayers', () => {
  it('state.json has each multiplayer (state, unique id, mode, remote peers, records), apart from its connections', async () => {
    const inspector = await startInspector();
    inspectors.push(inspector);
    const { server, client, pcs } = await serverAndClient();
    expect(server.add_peer(peer(), 2)).toBe(GodotError.ERR_ALREADY_EXISTS);

    const state = await until(async () => {
      const s = JSON.parse((await get(inspector.port, '/state.json')).body) as State;
      return s.multiplayers.some((view) => view.name === server.id && view.records.some((record) => record.kind === 'refusal')) ? s : undefined;
    }, 'the server’s refusal in state.json');
    const byName = new Map(state.multiplayers.map((view) => [view.name, view]));
    expect(byName.get(server.id)).toMatchObject({ state: 'connected', uniqueId: 1, mode: 'server', remotes: [{ id: 2, channel: 'peer 2', state: 'connected' }] });
    expect(byName.get(client.id)).toMatchObject({ state: 'connected', uniqueId: 2, mode: 'client', remotes: [{ id: 1, channel: 'peer 1', state: 'connected' }] });
    expect(byName.get(client.id)!.last).toMatchObject({ from: 'connecting', to: 'connected', event: 'peer_connected(1)', drawn: 'connecting->connected' });
    // Its WebRTCPeerConnections are connections of their own; the multiplayers are not connections.
    const connections = state.connections.map((view) => view.id);
    expect(connections).toEqual(expect.arrayContaining(pcs));
    expect(connections).not.toContain(server.id);
    expect(connections).not.toContain(client.id);
  }, 30_000);

  it('a page gets the diagrams and the multiplayers in its hello, and follows them live: a peer removed, the client losing its server', async () => {
    const inspector = await startInspector();
    inspectors.push(inspector);
    const { server, client } = await serverAndClient();
    const page = new WebSocket(inspector.url.replace('http://', 'ws://').replace(/\/(\?|$)/, '/ws$1'));
    sockets.push(page);
    const messages: InspectorMessage[] = [];
    page.on('message', (data) => messages.push(JSON.parse(String(data)) as InspectorMessage));
    const hello = await until(() => messages.find((m): m is Extract<InspectorMessage, { type: 'hello' }> => m.type === 'hello'), 'hello');
    expect(hello.diagrams.webrtcMultiplayer!.svg).toContain('data-state="connecting"');
    expect(hello.diagrams.multiplayerRemote!.svg).toContain('data-state="removed"');
    expect(hello.multiplayers.find((view) => view.name === server.id)).toMatchObject({ mode: 'server', remotes: [{ id: 2, state: 'connected' }] });

    const updated = (match: (view: MultiplayerView) => boolean, what: string) =>
      until(() => messages.flatMap((m) => (m.type === 'update' ? m.multiplayers : [])).find(match), what);
    expect(server.remove_peer(2)).toBe(GodotError.OK);
    const removed = await updated((view) => view.name === server.id && view.remotes[0]?.state === 'removed', 'peer 2 removed on the server');
    expect(removed.remotes[0]!.last).toMatchObject({ event: 'remove_peer', drawn: 'connected->removed' });
    await pollMultiplayers([server, client], () => client.get_connection_status() === WebRTCMultiplayer.CONNECTION_DISCONNECTED);
    const lost = await updated((view) => view.name === client.id && view.state === 'disconnected', 'the client disconnected');
    expect(lost).toMatchObject({ uniqueId: 2, last: { event: 'peer_removed(1)', drawn: 'connected->disconnected' } });
  }, 30_000);

  it('the page has the multiplayers’ list and detail', async () => {
    const inspector = await startInspector();
    inspectors.push(inspector);
    const page = await get(inspector.port, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<ul id="multiplayers" class="list"></ul>');
    for (const hook of ["'data-multiplayer'", "kind: view.machine", "kind: 'multiplayerRemote'", "id: 'remote-peers'", 'renderMultiplayerDetail(selected)', 'takeMultiplayers(data, true)']) {
      expect(page.body).toContain(hook);
    }
    // The page's script, with the multiplayer part inserted, is JavaScript that parses.
    const script = /<script nonce="[^"]+">([\s\S]*)<\/script>/.exec(page.body)![1]!;
    expect(() => new Script(script)).not.toThrow();
  });
});

/** A Godot 4 server (1) and client (2), linked over loopback and connected (closed after the test by `member`). */
async function godot4Pair() {
  const server = member('server', 1);
  const client = member('client', 2);
  link(server, client);
  const connected = (m: typeof server, far: number) => m.signals.includes(`peer_connected(${far})`) && m.mp.get_connection_status() === WebRTCMultiplayerPeer.CONNECTION_CONNECTED;
  await pollAll([server, client], () => connected(server, 2) && connected(client, 1));
  return { server: server.mp, client: client.mp };
}

describe('the inspector lists the Godot 4 WebRTCMultiplayerPeers', () => {
  it('state.json, the hello and the updates have a loopback pair: machine, mode, id, remotes, to the client closed', async () => {
    const inspector = await startInspector();
    inspectors.push(inspector);
    const { server, client } = await godot4Pair();
    expect(server.id).toMatch(/^mp4-\d+$/);

    const state = await until(async () => {
      const s = JSON.parse((await get(inspector.port, '/state.json')).body) as State;
      const both = [server.id, client.id].map((name) => s.multiplayers.find((view) => view.name === name));
      return both.every((view) => view?.state === 'connected' && view.remotes.some((remote) => remote.state === 'connected')) ? s : undefined;
    }, 'the Godot 4 pair connected in state.json');
    const byName = new Map(state.multiplayers.map((view) => [view.name, view]));
    expect(byName.get(server.id)).toMatchObject({ machine: 'webrtcMultiplayerPeer', state: 'connected', uniqueId: 1, mode: 'server', remotes: [{ id: 2, state: 'connected' }] });
    expect(byName.get(client.id)).toMatchObject({ machine: 'webrtcMultiplayerPeer', state: 'connected', uniqueId: 2, mode: 'client', remotes: [{ id: 1, state: 'connected' }] });
    expect(state.connections.map((view) => view.id)).not.toContain(server.id);

    const page = new WebSocket(inspector.url.replace('http://', 'ws://').replace(/\/(\?|$)/, '/ws$1'));
    sockets.push(page);
    const messages: InspectorMessage[] = [];
    page.on('message', (data) => messages.push(JSON.parse(String(data)) as InspectorMessage));
    const hello = await until(() => messages.find((m): m is Extract<InspectorMessage, { type: 'hello' }> => m.type === 'hello'), 'hello');
    expect(hello.diagrams.webrtcMultiplayerPeer!.svg).toContain('data-state="connecting"');
    expect(hello.multiplayers.find((view) => view.name === client.id)).toMatchObject({ machine: 'webrtcMultiplayerPeer', mode: 'client', uniqueId: 2, remotes: [{ id: 1, state: 'connected' }] });

    const updated = (match: (view: MultiplayerView) => boolean, what: string) =>
      until(() => messages.flatMap((m) => (m.type === 'update' ? m.multiplayers : [])).find(match), what);
    client.close();
    const closed = await updated((view) => view.name === client.id && view.state === 'disconnected', 'the client closed');
    expect(closed).toMatchObject({ machine: 'webrtcMultiplayerPeer', mode: null, uniqueId: 0 });
    expect(closed.remotes.map((remote) => remote.state)).toEqual(['removed']);
  }, 30_000);

  it('lists a WebRTCMultiplayerPeer made before the inspector started that records nothing afterwards', async () => {
    const early = member('mesh', 7).mp;
    const inspector = await startInspector();
    inspectors.push(inspector);
    const state = JSON.parse((await get(inspector.port, '/state.json')).body) as State;
    expect(state.multiplayers.find((view) => view.name === early.id)).toMatchObject({ machine: 'webrtcMultiplayerPeer', mode: 'mesh', uniqueId: 7, state: 'connected', remotes: [] });
  });
});
