/**
 * MultiplayerLobbyPeer: Node peers in a Godot 3.x lobby of our SignalingServer, each with a
 * WebRTCMultiplayer, over real libdatachannel connections on 127.0.0.1. The lobby peers run
 * under poll dispatch, polled here as the SceneTree polls: the statuses seen between polls are
 * exactly Godot's.
 */
import '../support/loopback.js';
import { afterEach, describe, expect, it } from 'vitest';
import { GodotError } from '../../src/godot/constants.js';
import { SignalingServer } from '../../src/signaling/server.js';
import { MultiplayerLobbyPeer } from '../../src/godot3/lobby-peer.js';
import { ConnectionStatus, TransferMode } from '../../src/godot3/constants.js';
import type { NetworkedMultiplayerPeer } from '../../src/godot3/networked-peer.js';
import { MultiplayerAPI } from '../../src/godot3/multiplayer-api.js';
import type { Variant } from '../../src/godot3/variant-types.js';

const { CONNECTION_DISCONNECTED, CONNECTION_CONNECTING, CONNECTION_CONNECTED } = ConnectionStatus;
const servers = new Set<SignalingServer>();
const made = new Set<MultiplayerLobbyPeer>();

afterEach(async () => {
  for (const peer of made) peer.close();
  made.clear();
  await Promise.all([...servers].map((s) => s.close()));
  servers.clear();
});

async function server(sealCloseTimeoutMs = 10_000): Promise<SignalingServer> {
  const s = new SignalingServer({ port: 0, sealCloseTimeoutMs });
  servers.add(s);
  expect(await s.listen()).toBe(GodotError.OK);
  return s;
}

/** A lobby peer whose multiplayer signals are written to `events` as `peer_connected(2)` and the like. */
function lobbyPeer(url: string, lobby = '', extra: { api?: { set_network_peer(peer: NetworkedMultiplayerPeer | null): GodotError } } = {}) {
  const peer = new MultiplayerLobbyPeer({ url, lobby, ...extra });
  made.add(peer);
  const events: string[] = [];
  const mp = peer.multiplayer;
  mp.peer_connected.connect((id) => events.push(`peer_connected(${id})`));
  mp.peer_disconnected.connect((id) => events.push(`peer_disconnected(${id})`));
  mp.connection_succeeded.connect(() => events.push('connection_succeeded'));
  mp.connection_failed.connect(() => events.push('connection_failed'));
  mp.server_disconnected.connect(() => events.push('server_disconnected'));
  return { peer, mp, events };
}

type Member = ReturnType<typeof lobbyPeer>;

/** Polls every multiplayer every 5 ms until `done()` holds; rejects with `what` after `timeoutMs`. */
function pump(members: Member[], done: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      for (const { mp } of members) mp.poll();
      if (done()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`${what}: not within ${timeoutMs} ms`));
      setTimeout(tick, 5);
    };
    tick();
  });
}

/** Waits, without polling any multiplayer, until `done()` holds (checked every 5 ms); rejects after 10 s. */
async function waitFor(done: () => boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; !done(); ) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** What `to` read, as `<sender>:<text>`, reading every packet queued now. */
function drain(member: Member, into: string[]): void {
  const { mp } = member;
  for (let n = mp.get_available_packet_count(); n > 0; n--) {
    const from = mp.get_packet_peer();
    const packet = mp.get_packet();
    if (mp.get_packet_error() === GodotError.OK) into.push(`${from}:${new TextDecoder().decode(packet)}`);
  }
}

/** Sends `text` from `from` to `to` (reliable) and waits until `to` read it. */
async function carries(all: Member[], from: Member, to: Member, text: string): Promise<void> {
  expect(from.mp.set_transfer_mode(TransferMode.TRANSFER_MODE_RELIABLE)).toBe(GodotError.OK);
  expect(from.mp.set_target_peer(to.peer.id!)).toBe(GodotError.OK);
  expect(from.mp.put_packet(new TextEncoder().encode(text))).toBe(GodotError.OK);
  const got: string[] = [];
  await pump(all, () => (drain(to, got), got.includes(`${from.peer.id}:${text}`)), `${text} from ${from.peer.id} to ${to.peer.id}`);
}

/** A host and two members, joined in turn, all three connected (connection_succeeded on each member). */
async function lobbyOfThree(url: string) {
  const host = lobbyPeer(url);
  expect(await host.peer.join()).toBe(GodotError.OK);
  const m1 = lobbyPeer(url, host.peer.lobby);
  expect(await m1.peer.join()).toBe(GodotError.OK);
  const m2 = lobbyPeer(url, host.peer.lobby);
  expect(await m2.peer.join()).toBe(GodotError.OK);
  const all = [host, m1, m2];
  await pump(all, () => all.every(({ mp }) => Object.values(mp.get_peers()).filter((p) => p.connected).length === 2), 'every pair connected');
  return { host, m1, m2, all };
}

describe('MultiplayerLobbyPeer in a 3.x lobby', { timeout: 40_000 }, () => {
  it('ids, statuses and signals as the 3.x demo: the host CONNECTED at once, a member CONNECTING until 1 connects, then connection_succeeded', async () => {
    const s = await server();
    const host = lobbyPeer(s.url);
    expect(host.mp.get_connection_status()).toBe(CONNECTION_DISCONNECTED);
    expect(await host.peer.join()).toBe(GodotError.OK);
    expect(host.peer.id).toBe(1);
    expect(host.mp.get_unique_id()).toBe(1);
    expect(host.mp.is_server()).toBe(true);
    expect(host.mp.get_connection_status()).toBe(CONNECTION_CONNECTED);
    expect(s.sessions().map((session) => session.protocol)).toEqual([3]);

    const m1 = lobbyPeer(s.url, host.peer.lobby);
    expect(await m1.peer.join()).toBe(GodotError.OK);
    const id1 = m1.peer.id!;
    expect(id1).toBeGreaterThan(1);
    expect(m1.mp.get_unique_id()).toBe(id1);
    expect(m1.mp.is_server()).toBe(false);
    // Not polled yet: initialize(id, true) made it a client that waits for its server.
    expect(m1.mp.get_connection_status()).toBe(CONNECTION_CONNECTING);
    // add_peer at PEER_CONNECT, before any offer: the member's map has 1 when its join() resolves (the server
    // sends N: 1 before J:), the host's has the member once its own N: came (another socket: waited for, unpolled).
    expect(m1.mp.has_peer(1)).toBe(true);
    await waitFor(() => host.mp.has_peer(id1), 'the host added m1');
    expect(m1.mp.get_connection_status()).toBe(CONNECTION_CONNECTING);
    expect(host.mp.get_peer(id1)!.connection).toBe(host.peer.signaling.peers.get(id1));

    await pump([host, m1], () => m1.events.includes('connection_succeeded'), 'm1 connection_succeeded');
    expect(m1.mp.get_connection_status()).toBe(CONNECTION_CONNECTED);
    expect(m1.events).toEqual(['peer_connected(1)', 'connection_succeeded']);
    await pump([host, m1], () => host.events.length > 0, 'the host peer_connected');
    expect(host.events).toEqual([`peer_connected(${id1})`]);

    // A second member: the first one meets it as a mesh peer; it meets the others after connection_succeeded.
    const m2 = lobbyPeer(s.url, host.peer.lobby);
    expect(await m2.peer.join()).toBe(GodotError.OK);
    const id2 = m2.peer.id!;
    expect(new Set([1, id1, id2]).size).toBe(3);
    expect(m2.mp.get_connection_status()).toBe(CONNECTION_CONNECTING);
    expect(Object.keys(m2.mp.get_peers()).map(Number).sort((a, b) => a - b)).toEqual([1, id1].sort((a, b) => a - b));
    const all = [host, m1, m2];
    await pump(all, () => m2.events.length === 3 && m1.events.length === 3 && host.events.length === 2, 'everyone saw everyone');
    expect(m2.events.slice(0, 2)).toEqual(['peer_connected(1)', 'connection_succeeded']);
    expect(m2.events[2]).toBe(`peer_connected(${id1})`);
    expect(m1.events[2]).toBe(`peer_connected(${id2})`);
    expect(host.events[1]).toBe(`peer_connected(${id2})`);
    // The lower id offered (the 3.x rule): the host to both, m1 or m2 by their ids.
    for (const member of all) {
      for (const [peerId, pc] of member.peer.signaling.peers) {
        const offered = pc.get_records().some((r) => r.kind === 'transition' && r.machine === 'signaling' && r.event === 'create_offer');
        expect(offered, `${member.peer.id} → ${peerId}`).toBe(peerId > member.peer.id!);
      }
    }
    for (const member of all) expect(member.peer.signaling.relays).toEqual({ ignored: 0, refused: 0 });
    // The happy path refuses nothing: not the multiplayer, not a connection.
    for (const member of all) {
      const records = [...member.mp.get_records(), ...[...member.peer.signaling.peers.values()].flatMap((pc) => pc.get_records())];
      expect(records.filter((r) => r.kind !== 'transition'), `${member.peer.id}`).toEqual([]);
    }
  });

  it('packets both ways on every link, with the sender id', async () => {
    const s = await server();
    const { host, m1, m2, all } = await lobbyOfThree(s.url);
    for (const [from, to] of [[host, m1], [m1, host], [host, m2], [m2, host], [m1, m2], [m2, m1]] as const) {
      await carries(all, from, to, `hi from ${from.peer.id} to ${to.peer.id}`);
    }
    // A broadcast from the host reaches both members.
    expect(host.mp.set_target_peer(0)).toBe(GodotError.OK);
    expect(host.mp.put_packet(new TextEncoder().encode('everyone'))).toBe(GodotError.OK);
    const got1: string[] = [];
    const got2: string[] = [];
    await pump(all, () => (drain(m1, got1), drain(m2, got2), got1.includes('1:everyone') && got2.includes('1:everyone')), 'the broadcast');
  });

  it('PEER_DISCONNECT → remove_peer → peer_disconnected; the leaver\'s own socket closed unsealed → its multiplayer closed, no signal', async () => {
    const s = await server();
    const { host, m1, m2, all } = await lobbyOfThree(s.url);
    const id2 = m2.peer.id!;
    for (const member of all) member.events.length = 0;
    m2.peer.close();
    expect(m2.mp.get_connection_status()).toBe(CONNECTION_DISCONNECTED);
    expect(m2.mp.get_peers()).toEqual({});
    // Unpolled: only the lobby peer's remove_peer (at PEER_DISCONNECT, or SignalingClient dropping the ended link) takes m2 out of a map.
    await waitFor(() => !host.mp.has_peer(id2) && !m1.mp.has_peer(id2), 'the others removed m2');
    await pump(all, () => host.events.length > 0 && m1.events.length > 0, 'peer_disconnected at the next poll');
    expect(host.events).toEqual([`peer_disconnected(${id2})`]);
    expect(m1.events).toEqual([`peer_disconnected(${id2})`]);
    expect(m2.events).toEqual([]);
    expect(m1.mp.get_connection_status()).toBe(CONNECTION_CONNECTED);
    await carries([host, m1], host, m1, 'still here');
  });

  it('the socket closed before a seal: the multiplayer is closed at once, as the demo\'s stop(), with no signal (Godot 3\'s close emits none)', async () => {
    const s = await server();
    const { host, m1, m2, all } = await lobbyOfThree(s.url);
    for (const member of all) member.events.length = 0;
    // Unpolled while the sockets close: a link's end seen at a poll before the socket's would be a peer_disconnected of its own.
    await s.close();
    await waitFor(() => all.every(({ peer }) => peer.signaling.closeInfo !== null), 'every socket closed');
    for (const { mp, peer } of all) {
      expect(peer.signaling.closeInfo).toEqual({ code: 1001, reason: 'Server shutting down' });
      expect(mp.get_connection_status(), `${peer.id}`).toBe(CONNECTION_DISCONNECTED);
      expect(mp.get_peers()).toEqual({});
      expect(peer.signaling.peers.size).toBe(0);
    }
    for (let n = 0; n < 5; n++) for (const { mp } of all) mp.poll();
    expect([host, m1, m2].map(({ events }) => events)).toEqual([[], [], []]);
  });

  it('the host left before a seal: each member is closed (4000 Room host has disconnected) and its multiplayer with it', async () => {
    const s = await server();
    const { host, m1, m2 } = await lobbyOfThree(s.url);
    host.peer.close();
    await waitFor(() => [m1, m2].every(({ peer }) => peer.signaling.closeInfo !== null), 'the members\' sockets closed');
    for (const { mp, peer } of [m1, m2]) {
      expect(peer.signaling.closeInfo).toEqual({ code: 4000, reason: 'Room host has disconnected' });
      expect(mp.get_connection_status()).toBe(CONNECTION_DISCONNECTED);
      expect(mp.get_peers()).toEqual({});
    }
    expect(host.mp.get_connection_status()).toBe(CONNECTION_DISCONNECTED);
  });

  it('sealed: the server closes the sockets (1000 Seal complete) and the mesh outlives them', async () => {
    const s = await server(150);
    const { host, m1, m2, all } = await lobbyOfThree(s.url);
    expect(m1.peer.seal()).toBe(GodotError.ERR_UNAUTHORIZED);
    expect(host.peer.seal()).toBe(GodotError.OK);
    await pump(all, () => all.every(({ peer }) => peer.signaling.closeInfo !== null), 'every socket closed after the seal');
    for (const { mp, peer, events } of all) {
      expect(peer.sealed).toBe(true);
      expect(peer.signaling.closeInfo).toEqual({ code: 1000, reason: 'Seal complete' });
      expect(mp.get_connection_status()).toBe(CONNECTION_CONNECTED);
      expect(Object.values(mp.get_peers()).every((p) => p.connected)).toBe(true);
      expect(events.some((e) => e.startsWith('peer_disconnected'))).toBe(false);
    }
    await carries(all, m1, m2, 'after the seal');
    await carries(all, m2, host, 'after the seal too');
    // close() after a seal still ends the mesh: the others see the link go.
    m2.peer.close();
    await pump(all, () => host.events.includes(`peer_disconnected(${m2.peer.id})`) && m1.events.includes(`peer_disconnected(${m2.peer.id})`), 'the others saw m2 go');
  });

  it('a MultiplayerAPI given as api takes the multiplayer once initialized (never while disconnected)', async () => {
    const s = await server();
    const seen: Array<{ status: number; peer: unknown }> = [];
    const api = {
      set_network_peer(peer: NetworkedMultiplayerPeer | null) {
        seen.push({ status: peer?.get_connection_status() ?? -1, peer });
        return GodotError.OK;
      },
    };
    const host = lobbyPeer(s.url, '', { api });
    expect(seen).toEqual([]);
    expect(await host.peer.join()).toBe(GodotError.OK);
    expect(seen).toEqual([{ status: CONNECTION_CONNECTED, peer: host.mp }]);
    const refusing = { set_network_peer: () => GodotError.ERR_UNAVAILABLE };
    const member = lobbyPeer(s.url, host.peer.lobby, { api: refusing });
    expect(await member.peer.join()).toBe(GodotError.ERR_UNAVAILABLE);
    expect(member.mp.get_connection_status()).toBe(CONNECTION_DISCONNECTED);
    await pump([member], () => member.peer.signaling.state === 'closed', 'its socket closed');
  });

  it('with a MultiplayerAPI each, event dispatch and no poll loop: RAW both ways with sender ids, an RPC to the server and one back', async () => {
    const s = await server();
    const make = (lobby: string) => {
      const api = new MultiplayerAPI({ dispatch: 'events' });
      // The host's multiplayer takes event dispatch from its API's; the member's is told.
      const peer = new MultiplayerLobbyPeer({ url: s.url, lobby, api, ...(lobby === '' ? {} : { multiplayer: { dispatch: 'events' as const } }) });
      expect(peer.multiplayer.dispatch).toBe('events');
      made.add(peer);
      const raw: string[] = [];
      const calls: string[] = [];
      api.network_peer_packet.connect((id, packet) => raw.push(`${id}:${new TextDecoder().decode(packet)}`));
      api.expose('Main/Node', { methods: { hello: { mode: 'remote', call: (...args: Variant[]) => calls.push(`${api.get_rpc_sender_id()}:${String(args[0])}`) } } });
      return { api, peer, raw, calls };
    };
    const host = make('');
    expect(await host.peer.join()).toBe(GodotError.OK);
    const member = make(host.peer.lobby);
    let succeeded = 0;
    member.api.connected_to_server.connect(() => succeeded++);
    expect(await member.peer.join()).toBe(GodotError.OK);
    expect(member.api.get_network_unique_id()).toBe(member.peer.id);
    await waitFor(() => succeeded === 1 && host.api.get_network_connected_peers().length === 1, 'the member connected to the server');
    const id = member.peer.id!;
    expect(member.api.get_network_connected_peers()).toEqual([1]);
    expect(member.api.send_bytes(new TextEncoder().encode('up'), 1)).toBe(GodotError.OK);
    expect(host.api.send_bytes(new TextEncoder().encode('down'), id)).toBe(GodotError.OK);
    expect(member.api.rpc_id(1, 'Main/Node', 'hello', 'to the server')).toBe(GodotError.OK);
    expect(host.api.rpc_id(id, 'Main/Node', 'hello', 'to the member')).toBe(GodotError.OK);
    await waitFor(() => host.raw.length === 1 && member.raw.length === 1 && host.calls.length === 1 && member.calls.length === 1, 'RAW and RPC both ways');
    expect(host.raw).toEqual([`${id}:up`]);
    expect(member.raw).toEqual(['1:down']);
    expect(host.calls).toEqual([`${id}:to the server`]);
    expect(member.calls).toEqual(['1:to the member']);
    expect(succeeded).toBe(1);
  });

  it('refusals, never throws: bad options, no server, a lobby that does not exist, add_peer refused', async () => {
    const quiet = new MultiplayerLobbyPeer({ url: 'ws://127.0.0.1:1', serverCompatibility: 'yes' as unknown as boolean });
    made.add(quiet);
    expect(await quiet.join()).toBe(GodotError.ERR_INVALID_PARAMETER);
    for (const options of [null, { url: 'ws://127.0.0.1:1', multiplayer: null }, { url: 'ws://127.0.0.1:1', api: {} }]) {
      const bad = new MultiplayerLobbyPeer(options as unknown as { url: string });
      made.add(bad);
      expect(await bad.join(), JSON.stringify(options)).toBe(GodotError.ERR_INVALID_PARAMETER);
    }

    const nowhere = lobbyPeer('ws://127.0.0.1:1');
    expect(await nowhere.peer.join()).toBe(GodotError.ERR_CANT_CONNECT);
    expect(nowhere.mp.get_connection_status()).toBe(CONNECTION_DISCONNECTED);
    expect(await nowhere.peer.join()).toBe(GodotError.ERR_UNAVAILABLE);

    const s = await server();
    const lost = lobbyPeer(s.url, 'NoSuchLobby');
    expect(await lost.peer.join()).toBe(GodotError.ERR_CONNECTION_ERROR);
    expect(lost.peer.signaling.closeInfo).toEqual({ code: 4000, reason: 'Lobby does not exists' });
    expect(lost.mp.get_connection_status()).toBe(CONNECTION_DISCONNECTED);

    // The host refuses new connections: add_peer is refused, the connection closed, the member stays CONNECTING.
    const host = lobbyPeer(s.url);
    expect(await host.peer.join()).toBe(GodotError.OK);
    expect(host.mp.set_refuse_new_connections(true)).toBe(GodotError.OK);
    const member = lobbyPeer(s.url, host.peer.lobby);
    expect(await member.peer.join()).toBe(GodotError.OK);
    expect(host.mp.get_peers()).toEqual({});
    await pump([host, member], () => host.peer.signaling.peers.size === 0, 'the refused connection dropped');
    await new Promise((resolve) => setTimeout(resolve, 300));
    member.mp.poll();
    expect(member.mp.get_connection_status()).toBe(CONNECTION_CONNECTING);
    expect(member.events).toEqual([]);
  });
});
