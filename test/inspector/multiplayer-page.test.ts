import '../support/loopback.js';
import { afterEach, describe, expect, it } from 'vitest';
import { GodotError } from '../../src/godot/constants.js';
import { WebRTCMultiplayer } from '../../src/godot3/webrtc-multiplayer.js';
import { artifacts, useInspectorInChromium } from '../browser/chromium.js';
import { countsConnected, linkMultiplayers, pollMultiplayers } from '../model/multiplayer-link.js';
import { WebRTCMultiplayerPeer } from '../../src/godot4/webrtc-multiplayer-peer.js';
import { link, member, pollAll } from '../godot4-unit/webrtc-multiplayer-peer-setup.js';

const opened = useInspectorInChromium();
const made: WebRTCMultiplayer[] = [];
afterEach(() => {
  for (const mp of made.splice(0)) mp.close();
});

describe('the inspector shows Godot 3 WebRTCMultiplayers in Chromium', () => {
  it('lists a server with its two clients, draws its machine and each remote peer’s, live to a peer’s removal', async () => {
    const server = new WebRTCMultiplayer();
    const clients = [new WebRTCMultiplayer(), new WebRTCMultiplayer()];
    made.push(server, ...clients);
    expect(server.initialize(1, true)).toBe(GodotError.OK);
    clients.forEach((client, index) => {
      expect(client.initialize(index + 2, true)).toBe(GodotError.OK);
      linkMultiplayers(server, 1, client, index + 2);
    });
    const all = [server, ...clients];
    await pollMultiplayers(all, () => countsConnected(server, 2) && countsConnected(server, 3) && clients.every((c) => c.get_connection_status() === WebRTCMultiplayer.CONNECTION_CONNECTED));

    const page = await opened.browser.newPage({ viewport: { width: 1500, height: 1100 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${opened.inspector.url}#multiplayer:${server.id}`);
    await page.waitForSelector('body[data-socket="open"]');
    await page.locator(`#multiplayers li[data-multiplayer="${server.id}"][data-multiplayer-state="connected"]`).waitFor();
    await page.locator(`#multiplayers li[data-multiplayer="${clients[0]!.id}"]`).waitFor();
    await page.locator('.panel[data-machine="webrtcMultiplayer"] g.state.current[data-state="connected"]').waitFor();
    expect(await page.locator('#detail h2').first().innerText()).toBe(`WebRTCMultiplayer ${server.id}`);
    expect(await page.locator('#facts [data-fact="godot"]').getAttribute('data-value')).toBe('3');
    expect(await page.locator('#facts [data-fact="uniqueId"]').getAttribute('data-value')).toBe('1');
    expect(await page.locator('#facts [data-fact="mode"]').getAttribute('data-value')).toBe('server');
    await page.locator('.panel[data-machine="multiplayerRemote"][data-remote="peer 3"] g.state.current[data-state="connected"]').waitFor();
    expect(await page.locator('.panel[data-machine="multiplayerRemote"]').count()).toBe(2);
    expect(await page.locator('#remote-peers tr[data-remote]').count()).toBe(2);
    await page.screenshot({ path: `${artifacts}inspector-multiplayer.png`, fullPage: true });

    expect(server.remove_peer(3)).toBe(GodotError.OK);
    await page.locator('#remote-peers tr[data-remote="3"][data-remote-state="removed"]').waitFor();
    await page.locator('.panel[data-machine="multiplayerRemote"][data-remote="peer 3"] g.edge.taken[data-edge="connected->removed"]').waitFor();
    expect(await page.locator('#records').innerText()).toContain('peer_removed(3)');

    // The client that lost its server: disconnected, still id 3, drawn so.
    await pollMultiplayers(all, () => clients[1]!.get_connection_status() === WebRTCMultiplayer.CONNECTION_DISCONNECTED);
    await page.locator(`#multiplayers li[data-multiplayer="${clients[1]!.id}"]`).click();
    await page.locator('.panel[data-machine="webrtcMultiplayer"] g.state.current[data-state="disconnected"]').waitFor();
    await page.locator('.panel[data-machine="webrtcMultiplayer"] g.edge.taken[data-edge="connected->disconnected"]').waitFor();
    expect(await page.locator('#facts [data-fact="mode"]').getAttribute('data-value')).toBe('client');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});

describe('the inspector shows Godot 4 WebRTCMultiplayerPeers in Chromium', () => {
  it('a server with two clients: class and name in the title, Godot 4, its own machine and each remote peer’s, live to a client’s close', async () => {
    const server = member('server', 1);
    const clients = [member('client', 2), member('client', 3)];
    for (const client of clients) link(server, client);
    const connected = (m: typeof server) => m.mp.get_connection_status() === WebRTCMultiplayerPeer.CONNECTION_CONNECTED;
    const all = [server, ...clients];
    await pollAll(all, () => ['peer_connected(2)', 'peer_connected(3)'].every((s) => server.signals.includes(s)) && clients.every(connected));

    const page = await opened.browser.newPage({ viewport: { width: 1500, height: 1100 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${opened.inspector.url}#multiplayer:${server.mp.id}`);
    await page.waitForSelector('body[data-socket="open"]');
    await page.locator(`#multiplayers li[data-multiplayer="${server.mp.id}"][data-godot="4"][data-multiplayer-state="connected"]`).waitFor();
    await page.locator('.panel[data-machine="webrtcMultiplayerPeer"] g.state.current[data-state="connected"]').waitFor();
    expect(server.mp.id).toMatch(/^mp4-\d+$/);
    expect(await page.locator('#detail h2').first().innerText()).toBe(`WebRTCMultiplayerPeer ${server.mp.id}`);
    expect(await page.locator('#facts [data-fact="godot"]').getAttribute('data-value')).toBe('4');
    expect(await page.locator('#facts [data-fact="uniqueId"]').getAttribute('data-value')).toBe('1');
    expect(await page.locator('#facts [data-fact="mode"]').getAttribute('data-value')).toBe('server');
    expect(await page.locator('.panel[data-machine="webrtcMultiplayer"]').count()).toBe(0);
    for (const id of [2, 3]) {
      await page.locator(`.panel[data-machine="multiplayerRemote"][data-remote="peer ${id}"] g.state.current[data-state="connected"]`).waitFor();
      await page.locator(`#remote-peers tr[data-remote="${id}"][data-remote-state="connected"]`).waitFor();
    }
    expect(await page.locator('.panel[data-machine="multiplayerRemote"]').count()).toBe(2);
    await page.screenshot({ path: `${artifacts}inspector-multiplayer4.png`, fullPage: true });

    // Client 3 closes: the server sees peer 3 go, and the client itself is mode none, disconnected.
    clients[1]!.mp.close();
    await pollAll(all, () => server.signals.includes('peer_disconnected(3)'));
    await page.locator('#remote-peers tr[data-remote="3"][data-remote-state="removed"]').waitFor();
    await page.locator(`#multiplayers li[data-multiplayer="${clients[1]!.mp.id}"]`).click();
    await page.locator('.panel[data-machine="webrtcMultiplayerPeer"] g.state.current[data-state="disconnected"]').waitFor();
    expect(await page.locator('#detail h2').first().innerText()).toBe(`WebRTCMultiplayerPeer ${clients[1]!.mp.id}`);
    expect(await page.locator('#facts [data-fact="mode"]').getAttribute('data-value')).toBe('none');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
