import { afterEach, describe, expect, it } from 'vitest';
import { GodotError } from '../../src/index.js';
import type { SceneMultiplayer } from '../../src/godot4/scene-multiplayer.js';
import { useLoopbackChromium } from './chromium.js';
import { Godot4Page, type Godot4PageOptions } from './godot4-page.js';
import { Godot4Lobby, hex, text, until } from './godot4-node.js';

/** Issue 13 point 4, browser case: a Godot 4 web client's auth and its path-cache and RPC/replication packets, against a Node SceneMultiplayer server. */
const chromium = useLoopbackChromium();
const opened: Godot4Lobby[] = [];
afterEach(async () => {
  for (const lobby of opened.splice(0)) await lobby.close();
}, 20_000);

async function joinedPage(lobby: Godot4Lobby, options: Partial<Godot4PageOptions> = {}): Promise<Godot4Page> {
  const page = await Godot4Page.start(await chromium.newPage(), { url: lobby.url, lobby: lobby.name, frameMs: 10, ...options });
  await page.until('joined', (s) => s.id > 1 && s.lobby === lobby.name);
  return page;
}

const AUTH_TIMEOUT_S = 1.5;

describe('a Godot 4 web client in Chromium against a Node SceneMultiplayer server', () => {
  it('auth: accepted (both completions admit), refused (disconnect_peer) and timed out (the page never completes)', async () => {
    let api: SceneMultiplayer | undefined;
    const lobby = await Godot4Lobby.open({
      auth_timeout: AUTH_TIMEOUT_S,
      auth_callback: (id, data) => {
        if (new TextDecoder().decode(data) === 'letmein') expect(api!.complete_auth(id)).toBe(GodotError.OK);
        else expect(api!.disconnect_peer(id)).toBe(GodotError.OK);
      },
    });
    opened.push(lobby);
    const server = lobby.server;
    api = server.multiplayer;
    const began = new Map<number, number>();
    const failedAt = new Map<number, number>();
    api.peer_authenticating.connect((id) => {
      began.set(id, Date.now());
      expect(api!.send_auth(id, text(`welcome ${id}`))).toBe(GodotError.OK);
    });
    api.peer_authentication_failed.connect((id) => failedAt.set(id, Date.now()));

    const good = await joinedPage(lobby, { auth: { send: [...text('letmein')], complete: 'on_data' } });
    const bad = await joinedPage(lobby, { auth: { send: [...text('wrong')], complete: 'on_data' } });
    const silent = await joinedPage(lobby, { auth: { send: [...text('letmein')], complete: 'never' } });
    const [goodId, badId, silentId] = (await Promise.all([good, bad, silent].map(async (page) => (await page.state()).id))) as [number, number, number];
    await until(
      'one admitted, two failed',
      () => api!.get_peers().length === 1 && failedAt.size === 2,
      () => ({ signals: server.signals, pending: api!.get_authenticating_peers() }),
      5000 + AUTH_TIMEOUT_S * 1000,
    );
    expect(api.get_peers()).toEqual([goodId]);
    expect([...failedAt.keys()].sort()).toEqual([badId, silentId].sort());
    expect(server.signals.filter((s) => !s.startsWith('peer_authenticating')).sort()).toEqual([`peer_authentication_failed(${badId})`, `peer_authentication_failed(${silentId})`, `peer_connected(${goodId})`].sort());
    // The silent page was dropped by the server's timeout, not before it.
    const waited = failedAt.get(silentId)! - began.get(silentId)!;
    expect(waited).toBeGreaterThanOrEqual(AUTH_TIMEOUT_S * 1000 - 50);
    expect(waited).toBeLessThan(AUTH_TIMEOUT_S * 1000 + 1000);
    expect(failedAt.get(badId)! - began.get(badId)!).toBeLessThan(AUTH_TIMEOUT_S * 1000);

    // The page's side: connected_to_server only after its own completion and the server's.
    const g = await good.until('admitted', (s) => s.peers.length === 1);
    expect(g.signals).toEqual(['peer_authenticating(1)', 'connected_to_server', 'peer_connected(1)']);
    expect(g.authData).toEqual([hex(text(`welcome ${goodId}`))]);
    expect(g.sys).toEqual([]); // the refused ones were never announced
    expect(g.dropped).toEqual([]);
    for (const page of [bad, silent]) {
      const s = await page.until('its connection closed', (state) => state.link === 'removed' && state.signals.includes('server_disconnected'));
      expect(s.signals).toEqual(['peer_authenticating(1)', 'peer_authentication_failed(1)', 'server_disconnected']);
      expect(s.status).toBe(0);
      expect(s.peers).toEqual([]);
      // The refused page may lose the welcome: the server can close before the page's frame reads it (a removed peer's queue goes with it).
      if (page === silent) expect(s.authData).toEqual([hex(text(`welcome ${s.id}`))]);
      else expect([[], [hex(text(`welcome ${s.id}`))]]).toContainEqual(s.authData);
    }
    // Only the admitted page is served.
    expect(await good.sendBytes(text('in'), 1)).toBe(GodotError.OK);
    await until('its RAW', () => server.raw.length === 1, () => server.raw);
    expect(server.raw).toEqual([{ from: goodId, hex: hex(text('in')) }]);
    expect(api.get_stats().dropped).toEqual({});

    await lobby.close();
    opened.splice(0);
    lobby.verifyServerRecords();
  }, 30_000);

  it('SIMPLIFY_PATH is answered with a 6-byte CONFIRM_PATH; REMOTE_CALL, SPAWN, DESPAWN and SYNC are dropped and counted; the server keeps serving', async () => {
    const lobby = await Godot4Lobby.open();
    opened.push(lobby);
    const server = lobby.server;
    server.multiplayer.peer_packet.connect((from, bytes) => server.multiplayer.send_bytes(bytes, from)); // echo
    const page = await joinedPage(lobby);
    const id = (await page.until('admitted', (s) => s.peers.includes(1))).id;

    // §2.7: [01][md5, 32 lowercase hex][00][cache id u32 LE][path][00] → [02][valid][cache id u32 LE].
    const md5 = 'd41d8cd98f00b204e9800998ecf8427e';
    const simplify = [0x01, ...text(md5), 0x00, 0x07, 0x00, 0x00, 0x00, ...text('Main'), 0x00];
    expect(await page.putPacket(simplify)).toBe(GodotError.OK);
    // §2.6's worked example: the demo's ping(0.5) before the path is confirmed (32-bit node id with the path appended).
    const ping = [0x20, 0x0f, 0x00, 0x00, 0x80, 0x00, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3f, 0x2e, 0x00];
    const spawn = [0x04, 0x00, ...[1, 0, 0, 0], ...[9, 0, 0, 0], ...[0, 0, 0, 0], ...[2, 0, 0, 0], ...text('P'), 0x00];
    const despawn = [0x05, 9, 0, 0, 0];
    const sync = [0x06, 0x10, 0x00, ...[9, 0, 0, 0], ...[0, 0, 0, 0]];
    for (const packet of [ping, spawn, despawn, sync]) expect(await page.putPacket(packet)).toBe(GodotError.OK);
    expect(await page.sendBytes(text('still served?'), 1)).toBe(GodotError.OK);

    const s = await page.until('the confirm and the echo', (state) => state.confirms.length === 1 && state.raw.length === 1);
    expect(s.confirms).toEqual(['020107000000']);
    expect(s.raw).toEqual([{ from: 1, hex: hex(text('still served?')), channel: 'reliable' }]);
    expect(s.dropped).toEqual([]);
    const stats = server.multiplayer.get_stats();
    expect(stats.received_paths).toEqual({ [id]: 1 });
    expect(stats.dropped).toEqual({ remote_call: 1, spawn: 1, despawn: 1, sync: 1 });
    expect(stats.raw_received).toBe(1);
    expect(server.multiplayer.get_peers()).toEqual([id]);
    // One drop record per reason.
    const drops = lobby.serverRecords.filter((record) => JSON.stringify(record).match(/remote_call|spawn|despawn|sync:/));
    expect(drops.length).toBeGreaterThanOrEqual(4);

    await lobby.close();
    opened.splice(0);
    lobby.verifyServerRecords();
  }, 30_000);
});
