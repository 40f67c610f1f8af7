import '../support/loopback.js';
import { describe, expect, it } from 'vitest';
import { GodotError } from '../../src/godot/constants.js';
import type { MultiplayerPeer4 } from '../../src/godot4/multiplayer-peer.js';
import { SceneMultiplayer, type SceneMultiplayerOptions } from '../../src/godot4/scene-multiplayer.js';
import { peer } from '../support/loopback.js';
import { pollUntil } from '../support/multiplayer-members.js';
import { link, member, text, untext, type Member } from './webrtc-multiplayer-peer-setup.js';

interface Scene {
  m: Member;
  api: SceneMultiplayer;
  signals: string[];
  raw: string[];
}

function scene(mode: 'server' | 'client', id: number, options: SceneMultiplayerOptions = {}): Scene {
  const m = member(mode, id, [], { dispatch: options.dispatch ?? 'poll' });
  const api = new SceneMultiplayer(options);
  const signals: string[] = [];
  const raw: string[] = [];
  for (const name of ['peer_connected', 'peer_disconnected', 'peer_authenticating', 'peer_authentication_failed'] as const) api[name].connect((p) => signals.push(`${name}(${p})`));
  for (const name of ['connected_to_server', 'connection_failed', 'server_disconnected'] as const) api[name].connect(() => signals.push(name));
  api.peer_packet.connect((from, bytes) => raw.push(`${from}:${untext(bytes)}`));
  const peer: MultiplayerPeer4 = m.mp; // the real peer is a MultiplayerPeer4
  expect(api.set_multiplayer_peer(peer)).toBe(GodotError.OK);
  return { m, api, signals, raw };
}

/** Polls every SceneMultiplayer (which polls its peer) every 2 ms until `done()`; bounded. */
function until(scenes: Scene[], done: () => boolean, timeoutMs = 8000): Promise<void> {
  const seen = () => scenes.map((s) => `${s.m.id} [${s.signals.join(', ')}] raw [${s.raw.join(', ')}]`).join('; ');
  return pollUntil(() => scenes.forEach((s) => s.api.poll()), done, seen, timeoutMs);
}

describe('SceneMultiplayer over WebRTCMultiplayerPeer (loopback)', () => {
  it('server 1 + clients 2, 3, 4: ADD_PEER makes clients see each other; RAW between clients goes through the relay', async () => {
    const server = scene('server', 1);
    const clients = [2, 3, 4].map((id) => scene('client', id));
    const all = [server, ...clients];
    for (const c of clients) link(server.m, c.m);
    await until(all, () => clients.every((c) => c.api.get_peers().length === 3));
    expect(server.api.get_peers().sort()).toEqual([2, 3, 4]);
    for (const c of clients) {
      expect(c.signals[0]).toBe('connected_to_server');
      expect(c.api.get_peers().sort()).toEqual([1, 2, 3, 4].filter((id) => id !== c.m.id));
      expect(c.m.mp.get_peers()).toHaveProperty('1'); // a client's WebRTC link is to the server only
      expect(Object.keys(c.m.mp.get_peers())).toEqual(['1']);
    }
    const [c2, c3, c4] = clients as [Scene, Scene, Scene];
    expect(c2.api.send_bytes(text('to three'), 3)).toBe(GodotError.OK);
    expect(c3.api.send_bytes(text('to all'), 0)).toBe(GodotError.OK);
    expect(c4.api.send_bytes(text('not 2'), -2, 0, 0)).toBe(GodotError.OK);
    await until(all, () => c2.raw.length >= 1 && c3.raw.length >= 2 && c4.raw.length >= 1 && server.raw.length >= 2);
    expect(c3.raw.sort()).toEqual(['2:to three', '4:not 2']);
    expect(c2.raw).toEqual(['3:to all']);
    expect(c4.raw).toEqual(['3:to all']);
    expect(server.raw.sort()).toEqual(['3:to all', '4:not 2']);
    expect(server.api.get_stats().relayed).toBe(4); // 2→3, 3→{2,4}, 4→3
    expect(server.api.get_stats().dropped).toEqual({});

    // §2.7: a SIMPLIFY_PATH relayed from 2 to 3 is answered by 3 with CONFIRM_PATH [02 01 id], relayed back.
    const md5 = Buffer.from('0123456789abcdef0123456789abcdef').toString('hex');
    const simplify = Buffer.from('01' + md5 + '00' + '07000000' + Buffer.from('Main\0').toString('hex'), 'hex');
    const confirms: string[] = [];
    const get = c2.m.mp.get_packet.bind(c2.m.mp);
    c2.m.mp.get_packet = () => {
      const bytes = get();
      confirms.push(Buffer.from(bytes).toString('hex'));
      return bytes;
    };
    c2.m.mp.set_transfer_channel(0);
    c2.m.mp.set_target_peer(1);
    expect(c2.m.mp.put_packet(Uint8Array.from(Buffer.from('070303000000' + simplify.toString('hex'), 'hex')))).toBe(GodotError.OK);
    await until(all, () => confirms.includes('070303000000020107000000'));
    expect(c3.api.get_stats().received_paths).toEqual({ 2: 1 });
    expect(c2.api.get_stats().dropped).toEqual({});

    // A refusal is one of the peer's records.
    expect(c2.api.send_bytes(new Uint8Array(0))).toBe(GodotError.ERR_INVALID_DATA);
    expect(JSON.stringify(c2.m.mp.get_records().at(-1))).toContain('send_bytes');

    // 4 leaves: DEL_PEER(4) to 2 and 3.
    server.m.mp.disconnect_peer(4);
    await until(all, () => c2.api.get_peers().length === 2 && c3.api.get_peers().length === 2 && c4.signals.includes('server_disconnected'));
    expect(c2.signals.at(-1)).toBe('peer_disconnected(4)');
    expect(server.signals.at(-1)).toBe('peer_disconnected(4)');
  }, 20000);

  it('auth accepted, refused and timed out: three clients of one server', async () => {
    const secret = (id: number) => `secret-${id}`;
    const server = scene('server', 1, {
      auth_timeout: 0.4,
      auth_callback: (id, data) => {
        if (untext(data) === 'letmein') server.api.complete_auth(id);
        else server.api.disconnect_peer(id);
      },
    });
    const clientAuth = (self: () => Scene) => (id: number, data: Uint8Array) => {
      if (untext(data) === secret(id)) self().api.complete_auth(id);
    };
    const clients: Scene[] = [];
    for (const id of [2, 3, 4]) {
      // The silent client waits longer than the server, so it is the server's timeout that ends it.
      const c: Scene = scene('client', id, { auth_callback: clientAuth(() => c), auth_timeout: id === 4 ? 5 : 0.4 });
      clients.push(c);
    }
    const [good, bad, silent] = clients as [Scene, Scene, Scene];
    for (const c of clients) {
      c.api.peer_authenticating.connect((id) => {
        if (c === good) c.api.send_auth(id, text('letmein'));
        if (c === bad) c.api.send_auth(id, text('wrong'));
      });
      link(server.m, c.m);
    }
    server.api.peer_authenticating.connect((id) => {
      if (id !== 4) server.api.send_auth(id, text(secret(1)));
    });
    const all = [server, ...clients];
    await until(all, () => good.api.get_peers().length === 1 && server.signals.filter((s) => s.startsWith('peer_authentication_failed')).length === 2);
    expect(server.api.get_peers()).toEqual([2]);
    expect(good.signals).toEqual(['peer_authenticating(1)', 'connected_to_server', 'peer_connected(1)']);
    expect(server.signals.filter((s) => s !== 'peer_authenticating(2)' && s !== 'peer_authenticating(3)' && s !== 'peer_authenticating(4)').sort())
      .toEqual(['peer_authentication_failed(3)', 'peer_authentication_failed(4)', 'peer_connected(2)']);
    await until(all, () => bad.signals.includes('server_disconnected') && silent.signals.includes('server_disconnected'));
    expect(bad.api.get_peers()).toEqual([]);
    // Godot's client peer emits peer_disconnected(1) before it turns DISCONNECTED: a pending 1 fails first.
    expect(silent.signals).toEqual(['peer_authenticating(1)', 'peer_authentication_failed(1)', 'server_disconnected']);
    // Only the admitted peer was announced: no ADD_PEER for the refused ones.
    expect(good.api.get_peers()).toEqual([1]);
    expect(good.api.send_bytes(text('hi'), 1)).toBe(GodotError.OK);
    await until(all, () => server.raw.length === 1);
    expect(server.raw).toEqual(['2:hi']);
  }, 20000);

  it("dispatch 'events': no poll loop; admission, relayed RAW and server_disconnected all arrive from tasks", async () => {
    const server = scene('server', 1, { dispatch: 'events' });
    const c2 = scene('client', 2, { dispatch: 'events' });
    const c3 = scene('client', 3, { dispatch: 'events' });
    link(server.m, c2.m, 1000, { dispatch: 'events' });
    link(server.m, c3.m, 1000, { dispatch: 'events' });
    const wait = async (done: () => boolean, what: string) => {
      const started = Date.now();
      while (!done()) {
        if (Date.now() - started > 8000) throw new Error(`${what} not met: ${[server, c2, c3].map((s) => s.signals.join(',')).join(' | ')}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    await wait(() => c2.api.get_peers().length === 2 && c3.api.get_peers().length === 2, 'admission');
    c2.api.send_bytes(text('evented'), 3);
    await wait(() => c3.raw.length === 1, 'relayed RAW');
    expect(c3.raw).toEqual(['2:evented']);
    server.m.mp.close();
    await wait(() => c2.signals.includes('server_disconnected'), 'server_disconnected');
    expect(c2.api.get_peers()).toEqual([]);
  }, 20000);

  for (const dispatch of ['poll', 'events'] as const) {
    it(`connection_failed when a client's link to 1 fails while CONNECTING (dispatch ${dispatch})`, async () => {
      const client = scene('client', 7, { dispatch });
      const pc = peer({ dispatch });
      expect(client.m.mp.add_peer(pc, 1)).toBe(GodotError.OK);
      pc.close();
      const started = Date.now();
      while (!client.signals.includes('connection_failed') && Date.now() - started < 5000) {
        if (dispatch === 'poll') client.api.poll();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(client.signals).toEqual(['connection_failed']);
      expect(client.api.get_peers()).toEqual([]);
    });
  }
});
