import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { GodotError, WebRTCDataChannel, type WebRTCPeerConnection } from '../../src/index.js';
import { SignalingClient } from '../../src/signaling/client.js';
import { SignalingServer } from '../../src/signaling/server.js';
// Imported for its loopback stack: the Node peers gather on 127.0.0.1 only.
import { decode, encode } from '../support/loopback.js';
import { launchChromium } from './chromium.js';
import { DemoPage, ENUMERATE_ALL_INTERFACES, serveDemoPage, type DemoClientState } from './signaling-page.js';

/**
 * Issue 11, point 6: Chromium pages running the demo client's logic over the browser's own
 * WebSocket and RTCPeerConnection (what a Godot 4 web export is) join a lobby of our
 * SignalingServer hosted by a Node SignalingClient, mixed with Node members; every pair connects
 * and talks on a negotiated channel `chat` (id 1). Every byte stays on 127.0.0.1.
 */
let browser: Browser;
let demoPage: Awaited<ReturnType<typeof serveDemoPage>>;
let context: BrowserContext;
const started: { servers: SignalingServer[]; clients: SignalingClient[]; pages: DemoPage[] } = { servers: [], clients: [], pages: [] };

beforeAll(async () => {
  browser = await launchChromium(['--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns', ENUMERATE_ALL_INTERFACES]);
  demoPage = await serveDemoPage();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await demoPage?.close();
});
beforeEach(async () => {
  context = await browser.newContext();
});
afterEach(async () => {
  for (const page of started.pages.splice(0)) await page.close();
  for (const client of started.clients.splice(0)) client.close();
  for (const server of started.servers.splice(0)) await server.close();
  await context.close();
}, 60_000);

async function startServer(options: { sealCloseTimeoutMs?: number } = {}): Promise<SignalingServer> {
  const server = new SignalingServer({ port: 0, ...options });
  started.servers.push(server);
  expect(await server.listen()).toBe(GodotError.OK);
  return server;
}

/** A Node peer as the demo uses it: a chat channel on every connection, every message it gets kept by sender. */
class NodePeer {
  readonly client: SignalingClient;
  readonly channels = new Map<number, WebRTCDataChannel>();
  readonly received: { from: number; text: string }[] = [];

  constructor(url: string, lobby: string, mesh: boolean) {
    this.client = new SignalingClient({ url, lobby, mesh });
    started.clients.push(this.client);
    this.client.on('peer_added', (id: number, pc: WebRTCPeerConnection) => {
      const channel = pc.create_data_channel('chat', { negotiated: true, id: 1 })!;
      this.channels.set(id, channel);
      void (async () => {
        for await (const packet of channel.packets()) this.received.push({ from: id, text: decode(packet) });
      })();
    });
  }

  get id(): number {
    return this.client.id!;
  }

  openPeers(): number[] {
    return [...this.channels].filter(([, channel]) => channel.get_ready_state() === WebRTCDataChannel.STATE_OPEN).map(([id]) => id);
  }

  sendToAll(text: string): number {
    let sent = 0;
    for (const channel of this.channels.values()) {
      if (channel.get_ready_state() !== WebRTCDataChannel.STATE_OPEN) continue;
      expect(channel.put_packet(encode(text))).toBe(GodotError.OK);
      sent++;
    }
    return sent;
  }
}

/** One view of a member, Node or page, for the waits and the checks. */
interface Member {
  id: number;
  openPeers: number[];
  received: { from: number; text: string }[];
}

async function members(nodes: NodePeer[], pages: DemoPage[]): Promise<Member[]> {
  const inPages = await Promise.all(pages.map((page) => page.state()));
  return [...nodes.map((node) => ({ id: node.id, openPeers: node.openPeers(), received: [...node.received] })), ...inPages];
}

/** Waits (every 25 ms, at most `timeoutMs`) until `done` holds of the members; the error shows them. */
async function settle(nodes: NodePeer[], pages: DemoPage[], what: string, done: (all: Member[]) => boolean, timeoutMs = 30_000): Promise<Member[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = await members(nodes, pages);
    if (done(all)) return all;
    if (Date.now() > deadline) {
      const pageStates = await Promise.all(pages.map((page) => page.state()));
      throw new Error(`${what} did not hold within ${timeoutMs} ms:\n${JSON.stringify({ members: all, pages: pageStates.map(brief) }, null, 1)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const brief = (state: DemoClientState) => ({ id: state.id, peerConnects: state.peerConnects, errors: state.errors, closeInfo: state.closeInfo, gathered: state.gathered.slice(0, 4) });
const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);
const hellos = (ids: number[]) => sorted(ids).map((from) => ({ from, text: `hello from ${from}` }));
const byFrom = (messages: { from: number; text: string }[]) => [...messages].sort((a, b) => a.from - b.from);

/** A page's demo client that has its ID and the server's JOIN. */
async function joinedPage(url: string, lobby: string, mesh: boolean): Promise<DemoPage> {
  const page = await DemoPage.open(context, demoPage.url, { url, lobby, mesh });
  started.pages.push(page);
  const deadline = Date.now() + 15_000;
  for (let state = await page.state(); state.id === 0 || state.lobby !== lobby; state = await page.state()) {
    if (Date.now() > deadline) throw new Error(`the page did not join ${lobby} within 15 s: ${JSON.stringify(brief(state))}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return page;
}

describe('Chromium pages as demo clients in a lobby hosted by a Node peer', () => {
  it('mesh: a Node host, two pages and a Node member: all six pairs connect and all twelve hellos arrive', async () => {
    const server = await startServer();
    const host = new NodePeer(server.url, '', true);
    expect(await host.client.join()).toBe(GodotError.OK);
    expect(host.id).toBe(1);
    const lobby = host.client.lobby;
    const page1 = await joinedPage(server.url, lobby, true);
    const page2 = await joinedPage(server.url, lobby, true);
    const member = new NodePeer(server.url, lobby, true);
    expect(await member.client.join()).toBe(GodotError.OK);
    const nodes = [host, member];
    const pages = [page1, page2];

    const ids = (await members(nodes, pages)).map((m) => m.id);
    expect(new Set(ids).size).toBe(4);
    const others = (id: number) => sorted(ids.filter((other) => other !== id));
    await settle(nodes, pages, 'every pair open', (all) => all.every((m) => JSON.stringify(sorted(m.openPeers)) === JSON.stringify(others(m.id))));

    for (const node of nodes) expect(node.sendToAll(`hello from ${node.id}`)).toBe(3);
    for (const page of pages) expect(await page.sendToAll(`hello from ${(await page.state()).id}`)).toBe(3);
    const all = await settle(nodes, pages, 'all twelve hellos', (all) => all.reduce((count, m) => count + m.received.length, 0) >= 12);
    for (const m of all) expect(byFrom(m.received)).toEqual(hellos(others(m.id)));

    for (const page of pages) {
      const state = await page.state();
      expect(state.errors).toEqual([]);
      expect(state.mesh).toBe(true);
      expect(sorted(state.peerConnects)).toEqual(others(state.id));
      // Chromium's data-only offer has one m-section: every candidate it sent says mid "0".
      expect(state.mids.length).toBeGreaterThan(0);
      expect(new Set(state.mids)).toEqual(new Set(['0']));
    }
    for (const node of nodes) expect(node.client.relays).toEqual({ ignored: 0, refused: 0 });
    const [view] = server.lobbies();
    expect(view).toMatchObject({ lobby, mesh: true, sealed: false });
    expect(sorted(view!.members)).toEqual(sorted(ids));
    expect(view!.members[0]).toBe(1);
  }, 120_000);

  it('client/server: a Node host and two pages as clients: each page connects only to the host, data both ways', async () => {
    const server = await startServer();
    const host = new NodePeer(server.url, '', false);
    expect(await host.client.join()).toBe(GodotError.OK);
    expect(host.id).toBe(1);
    expect(host.client.mesh).toBe(false);
    const lobby = host.client.lobby;
    const pages = [await joinedPage(server.url, lobby, false), await joinedPage(server.url, lobby, false)];
    const pageIds = await Promise.all(pages.map(async (page) => (await page.state()).id));

    await settle([host], pages, 'host and clients open', (all) =>
      all.every((m) => JSON.stringify(sorted(m.openPeers)) === JSON.stringify(m.id === 1 ? sorted(pageIds) : [1])),
    );
    expect(host.sendToAll('hello from 1')).toBe(2);
    for (const [i, page] of pages.entries()) expect(await page.sendToAll(`hello from ${pageIds[i]}`)).toBe(1);
    const all = await settle([host], pages, 'the four hellos', (all) => all.reduce((count, m) => count + m.received.length, 0) >= 4);
    for (const m of all) expect(byFrom(m.received)).toEqual(m.id === 1 ? hellos(pageIds) : hellos([1]));

    for (const page of pages) {
      const state = await page.state();
      // The server shows a client only the host, so the demo's add_peer never refuses a member.
      expect(state.peerConnects).toEqual([1]);
      expect(state.mesh).toBe(false);
      expect(state.errors).toEqual([]);
    }
    expect(sorted([...host.client.peers.keys()])).toEqual(sorted(pageIds));
    expect(host.client.relays).toEqual({ ignored: 0, refused: 0 });
    expect(server.lobbies()).toMatchObject([{ lobby, mesh: false }]);
  }, 120_000);

  it('sealed: the server closes every socket (1000 Seal complete) and the mesh of a Node host and two pages still talks', async () => {
    const server = await startServer({ sealCloseTimeoutMs: 200 });
    const host = new NodePeer(server.url, '', true);
    expect(await host.client.join()).toBe(GodotError.OK);
    const lobby = host.client.lobby;
    const pages = [await joinedPage(server.url, lobby, true), await joinedPage(server.url, lobby, true)];
    const ids = (await members([host], pages)).map((m) => m.id);
    const others = (id: number) => sorted(ids.filter((other) => other !== id));
    const meshOpen = (all: Member[]) => all.every((m) => JSON.stringify(sorted(m.openPeers)) === JSON.stringify(others(m.id)));
    await settle([host], pages, 'every pair open', meshOpen);

    expect(host.client.seal()).toBe(GodotError.OK);
    const deadline = Date.now() + 15_000;
    for (;;) {
      const states = await Promise.all(pages.map((page) => page.state()));
      if (host.client.closeInfo !== null && states.every((state) => state.closeInfo !== null)) {
        for (const state of states) expect(state).toMatchObject({ sealed: true, closeInfo: { code: 1000, reason: 'Seal complete' } });
        break;
      }
      if (Date.now() > deadline) throw new Error(`the sockets did not close within 15 s: host ${JSON.stringify(host.client.closeInfo)}, pages ${JSON.stringify(states.map(brief))}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(host.client.sealed).toBe(true);
    expect(host.client.closeInfo).toEqual({ code: 1000, reason: 'Seal complete' });

    // The signaling is gone; the WebRTC mesh is not.
    const after = await members([host], pages);
    expect(meshOpen(after)).toBe(true);
    expect(host.sendToAll('hello from 1')).toBe(2);
    for (const [i, page] of pages.entries()) expect(await page.sendToAll(`hello from ${ids[i + 1]}`)).toBe(2);
    const all = await settle([host], pages, 'the six hellos after the seal', (all) => all.reduce((count, m) => count + m.received.length, 0) >= 6);
    for (const m of all) expect(byFrom(m.received)).toEqual(hellos(others(m.id)));
    for (const page of pages) expect((await page.state()).errors).toEqual([]);
  }, 120_000);
});
