import { afterEach, describe, expect, it } from 'vitest';
import { GodotError } from '../../src/index.js';
import { useLoopbackChromium } from './chromium.js';
import { Godot4Page, type Godot4PageState } from './godot4-page.js';
import { Godot4Lobby, hex, sorted, text, until } from './godot4-node.js';

/**
 * Issue 13 point 4, the browser case: Chromium pages play Godot 4 web clients (godot4-page.ts: the
 * 4.x demo's signaling client, WebRTCMultiplayerPeer's client side, SceneMultiplayer's client wire,
 * all by hand from the reference) against a Node Godot 4 server (MultiplayerLobbyPeer + SceneMultiplayer)
 * in a client/server lobby of our SignalingServer. Every byte stays on 127.0.0.1.
 */
const chromium = useLoopbackChromium();
const opened: Godot4Lobby[] = [];
afterEach(async () => {
  for (const lobby of opened.splice(0)) await lobby.close();
}, 20_000);

const UNRELIABLE_ORDERED = 1;
/** Every byte value, then some: RAW is opaque bytes, so whatever goes in must come out. */
const ALL_BYTES = Uint8Array.from({ length: 300 }, (_, i) => (i * 7 + 3) & 0xff);

async function joinedPage(lobby: Godot4Lobby): Promise<Godot4Page> {
  const page = await Godot4Page.start(await chromium.newPage(), { url: lobby.url, lobby: lobby.name, frameMs: 10 });
  await page.until('joined', (s) => s.id > 1 && s.lobby === lobby.name);
  return page;
}

describe('Chromium pages as Godot 4 web clients of a Node SceneMultiplayer server', () => {
  it('three pages and a Node client: ADD_PEER for the others, RAW byte-exact both ways, page→page RAW through the RELAY in order, a closed tab is DEL_PEER', async () => {
    const lobby = await Godot4Lobby.open();
    opened.push(lobby);
    const server = lobby.server;
    const pages = [await joinedPage(lobby), await joinedPage(lobby), await joinedPage(lobby)];
    const node = await lobby.nodeClient('g4node');
    const pageIds = await Promise.all(pages.map(async (page) => (await page.state()).id));
    const ids = [...pageIds, node.lobbyPeer.id!];
    expect(new Set(ids).size).toBe(4);
    const others = (id: number) => sorted([1, ...ids].filter((other) => other !== id));
    const states = () => Promise.all(pages.map((page) => page.state()));

    await until(
      'everyone admitted and announced',
      async () => sorted(server.multiplayer.get_peers()).join() === sorted(ids).join() && sorted(node.multiplayer.get_peers()).join() === others(node.lobbyPeer.id!).join() && (await states()).every((s) => sorted(s.peers).join() === others(s.id).join()),
      async () => ({ server: server.multiplayer.get_peers(), node: node.multiplayer.get_peers(), pages: (await states()).map(brief) }),
      20_000,
    );
    for (const state of await states()) {
      expect(state.errors).toEqual([]);
      expect(state.peerConnects).toEqual([1]); // a client of a client/server lobby meets only the host
      expect(state.status).toBe(2);
      // Godot's three negotiated channels, as Chromium made them from Godot's dictionaries: its
      // "maxPacketLifetime" is not RTCDataChannelInit's maxPacketLifeTime, so 2 and 3 are reliable (§1.3).
      expect(state.channels.map(({ label, id, ordered, maxPacketLifeTime, maxRetransmits }) => [label, id, ordered, maxPacketLifeTime, maxRetransmits])).toEqual([
        ['reliable', 1, true, null, null],
        ['ordered', 2, true, null, null],
        ['unreliable', 3, false, null, null],
      ]);
      expect(state.signals.slice(0, 2)).toEqual(['connected_to_server', 'peer_connected(1)']);
      // As Godot's server does: on admitting P it sends ADD_PEER(P) to each Q and ADD_PEER(Q) to P.
      expect(state.sys.every(({ cmd }) => cmd === 'ADD_PEER')).toBe(true);
      expect(sorted(state.sys.map(({ id }) => id))).toEqual(others(state.id).filter((id) => id !== 1));
      expect(state.signals.slice(2)).toEqual(state.sys.map(({ id }) => `peer_connected(${id})`));
    }
    // The server's own admissions, one per client, in whatever order their links opened.
    expect([...server.signals].sort()).toEqual(ids.map((id) => `peer_connected(${id})`).sort());

    // RAW, server → each page and page → server: byte-exact, the sender's id with it.
    for (const id of pageIds) expect(server.multiplayer.send_bytes(ALL_BYTES, id)).toBe(GodotError.OK);
    for (const [i, page] of pages.entries()) expect(await page.sendBytes(Uint8Array.of(0, 0xff, 3, 7, i, 0x80), 1)).toBe(GodotError.OK);
    await until('RAW both ways', async () => server.raw.length === 3 && (await states()).every((s) => s.raw.length === 1), async () => ({ server: server.raw, pages: (await states()).map((s) => s.raw) }));
    expect(sorted(server.raw.map(({ from }) => from))).toEqual(sorted(pageIds));
    for (const { from, hex: payload } of server.raw) expect(payload).toBe(hex([0, 0xff, 3, 7, pageIds.indexOf(from), 0x80]));
    for (const state of await states()) expect(state.raw).toEqual([{ from: 1, hex: hex(ALL_BYTES), channel: 'reliable' }]);

    // Page → page, page → Node client, Node client → page: a client's RAW for another client is a RELAY to 1, which forwards it with the source id.
    const [p1, p2, p3] = pages as [Godot4Page, Godot4Page, Godot4Page];
    const [id1, id2, id3] = pageIds as [number, number, number];
    const COUNT = 100;
    for (let n = 0; n < COUNT; n++) expect(await p1.sendBytes(text(`${id1}→${id2} #${n}`), id2)).toBe(GodotError.OK);
    expect(await p1.sendBytes(text('ordered mode'), id2, UNRELIABLE_ORDERED)).toBe(GodotError.OK);
    expect(await p3.sendBytes(text(`${id3} to its Node peer`), node.lobbyPeer.id!)).toBe(GodotError.OK);
    expect(node.multiplayer.send_bytes(text('from Node'), id3)).toBe(GodotError.OK);
    // A broadcast (0) from a client: one RELAY with peer 0, forwarded to every other client and processed by the server.
    expect(await p2.sendBytes(text('to everyone'), 0)).toBe(GodotError.OK);
    await until(
      'relayed RAW arrived',
      async () => {
        const [s1, s2, s3] = await states();
        return s2!.raw.length === 1 + COUNT + 1 && s1!.raw.length === 2 && s3!.raw.length === 3 && node.raw.length === 2 && server.raw.length === 4;
      },
      async () => ({ node: node.raw, server: server.raw, pages: (await states()).map((s) => s.raw.length) }),
    );
    const [s1, s2, s3] = (await states()) as [Godot4PageState, Godot4PageState, Godot4PageState];
    const reliable = (from: number, payload: string) => ({ from, hex: hex(text(payload)), channel: 'reliable' });
    // In order, with the right sender; the server kept the mode it came with.
    expect(s2.raw.slice(1)).toEqual([...Array.from({ length: COUNT }, (_, n) => reliable(id1, `${id1}→${id2} #${n}`)), { from: id1, hex: hex(text('ordered mode')), channel: 'ordered' }]);
    expect(s1.raw.slice(1)).toEqual([reliable(id2, 'to everyone')]);
    expect(s3.raw.slice(1).sort((a, b) => a.from - b.from)).toEqual([reliable(id2, 'to everyone'), reliable(node.lobbyPeer.id!, 'from Node')].sort((a, b) => a.from - b.from));
    expect(sorted(node.raw.map(({ from }) => from))).toEqual(sorted([id3, id2]));
    expect(node.raw).toContainEqual({ from: id3, hex: hex(text(`${id3} to its Node peer`)) });
    expect(server.raw.at(-1)).toEqual({ from: id2, hex: hex(text('to everyone')) });
    const stats = server.multiplayer.get_stats();
    expect(stats.relayed).toBe(COUNT + 1 + 1 + 1 + 3); // p1→p2 ×101, p3→node, node→p3, the broadcast to three
    expect(stats.raw_received).toBe(4);
    expect(stats.dropped).toEqual({});

    // A tab closes: the server's peer_disconnected, DEL_PEER to the others.
    await p3.crash();
    await until(
      'p3 gone everywhere',
      async () => !server.multiplayer.get_peers().includes(id3) && !node.multiplayer.get_peers().includes(id3) && (await Promise.all([p1.state(), p2.state()])).every((s) => !s.peers.includes(id3)),
      async () => ({ server: server.signals, node: node.signals, pages: (await Promise.all([p1.state(), p2.state()])).map(brief) }),
    );
    expect(server.signals.at(-1)).toBe(`peer_disconnected(${id3})`);
    expect(node.signals.at(-1)).toBe(`peer_disconnected(${id3})`);
    for (const state of await Promise.all([p1.state(), p2.state()])) {
      expect(state.sys.at(-1)).toEqual({ cmd: 'DEL_PEER', id: id3 });
      expect(state.signals.at(-1)).toBe(`peer_disconnected(${id3})`);
      expect(state.dropped).toEqual([]);
      expect(state.errors).toEqual([]);
    }
    expect(sorted(server.multiplayer.get_peers())).toEqual(sorted([id1, id2, node.lobbyPeer.id!]));
    // The server still serves the others.
    expect(server.multiplayer.send_bytes(text('still here'), id1)).toBe(GodotError.OK);
    await p1.until('the last RAW', (s) => s.raw.length === 3);
    expect((await p1.state()).raw.at(-1)).toEqual(reliable(1, 'still here'));

    await lobby.close();
    opened.splice(0);
    lobby.verifyServerRecords();
  }, 60_000);
});

function brief(state: Godot4PageState) {
  return { id: state.id, status: state.status, link: state.link, peers: state.peers, signals: state.signals, errors: state.errors, dropped: state.dropped };
}

