/**
 * MultiplayerLobbyPeer (4.x): Node peers in mesh and client/server lobbies of our SignalingServer,
 * each with a WebRTCMultiplayerPeer, over real libdatachannel connections on 127.0.0.1 (§3.5 of
 * the reference: ID → create_mesh / create_server / create_client, PEER_CONNECT → add_peer, the
 * higher id offers, PEER_DISCONNECT → remove_peer, the socket closed unsealed → close()). The
 * peers run under poll dispatch, polled here as the SceneTree polls.
 */
import '../support/loopback.js';
import { describe, expect, it } from 'vitest';
import { GodotError } from '../../src/godot/constants.js';
import { MultiplayerLobbyPeer, type MultiplayerLobbyPeerOptions } from '../../src/godot4/lobby-peer.js';
import type { WebRTCMultiplayerPeer } from '../../src/godot4/webrtc-multiplayer-peer.js';
import { ConnectionStatus, TransferMode } from '../../src/godot3/constants.js';
import {
  carries,
  connectedCount,
  drain,
  expectBroadcastReachesOthers,
  expectCleanLobby,
  expectCloseAfterSealSeen,
  expectEveryLinkCarries,
  expectJoinFailures,
  expectLeaverRemoved,
  expectOffers,
  expectOptionsRefused,
  expectSealKeepsMesh,
  expectServerEndStopsEveryPeer,
  lobbyFixtures,
  lobbyOfThree as joinLobbyOfThree,
  peerSignals,
  pump,
  waitFor,
} from '../support/lobby-members.js';

const { CONNECTION_DISCONNECTED, CONNECTION_CONNECTING, CONNECTION_CONNECTED } = ConnectionStatus;
const { server, track } = lobbyFixtures<MultiplayerLobbyPeer>();

/** A lobby peer whose peer signals are written to `events` as `peer_connected(2)`. */
function lobbyPeer(url: string, lobby = '', extra: Partial<MultiplayerLobbyPeerOptions> = {}) {
  const peer = track(new MultiplayerLobbyPeer({ url, lobby, ...extra }));
  const mp = peer.peer;
  return { peer, mp, events: peerSignals(mp) };
}

const sorted = <T extends number | string>(values: T[]) => [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** The 4.x rule: the higher id offers (the host never). */
const higherIdOffers = (self: number, other: number) => other < self;

/** A lobby of a host and two members, joined in turn, every link connected. */
const lobbyOfThree = (url: string, mesh = true) => joinLobbyOfThree((lobby) => lobbyPeer(url, lobby, lobby === '' ? { mesh } : {}), mesh ? [2, 2, 2] : [2, 1, 1]);

describe('MultiplayerLobbyPeer in a 4.x mesh lobby', { timeout: 40_000 }, () => {
  it('ID → create_mesh(id): every peer CONNECTED at once, a peer_connected per member, the higher id offers (the host never)', async () => {
    const s = await server();
    const host = lobbyPeer(s.url);
    expect(host.mp.get_connection_status()).toBe(CONNECTION_DISCONNECTED);
    expect(await host.peer.join()).toBe(GodotError.OK);
    expect(s.sessions().map((session) => session.protocol)).toEqual([4]);
    expect(host.peer.id).toBe(1);
    expect(host.peer.mode).toBe('mesh');
    expect(host.mp.get_unique_id()).toBe(1);
    expect(host.mp.get_connection_status()).toBe(CONNECTION_CONNECTED);
    expect(host.mp.is_server_relay_supported()).toBe(false);

    const m1 = lobbyPeer(s.url, host.peer.lobby);
    expect(await m1.peer.join()).toBe(GodotError.OK);
    const id1 = m1.peer.id!;
    expect(id1).toBeGreaterThan(1);
    expect(m1.peer.mode).toBe('mesh');
    expect(m1.mp.get_unique_id()).toBe(id1);
    expect(m1.mp.is_server()).toBe(false);
    // A mesh peer is CONNECTED from create_mesh, before any link (§1.10).
    expect(m1.mp.get_connection_status()).toBe(CONNECTION_CONNECTED);
    // add_peer at PEER_CONNECT, before any offer: the member has 1 when join() resolves; the host gets it from its own socket.
    expect(m1.mp.has_peer(1)).toBe(true);
    await waitFor(() => host.mp.has_peer(id1), 'the host added m1');
    expect(host.mp.get_peer(id1)!.connection).toBe(host.peer.signaling.peers.get(id1));

    const m2 = lobbyPeer(s.url, host.peer.lobby);
    expect(await m2.peer.join()).toBe(GodotError.OK);
    const id2 = m2.peer.id!;
    expect(new Set([1, id1, id2]).size).toBe(3);
    expect(sorted(Object.keys(m2.mp.get_peers()).map(Number))).toEqual(sorted([1, id1]));
    const all = [host, m1, m2];
    await pump(all, () => all.every(({ events }) => events.length === 2), 'everyone saw everyone');
    expect(sorted(host.events)).toEqual(sorted([`peer_connected(${id1})`, `peer_connected(${id2})`]));
    expect(sorted(m1.events)).toEqual(sorted(['peer_connected(1)', `peer_connected(${id2})`]));
    expect(sorted(m2.events)).toEqual(sorted(['peer_connected(1)', `peer_connected(${id1})`]));
    // The happy path refuses nothing: not the peer, not a connection.
    expectCleanLobby(all, higherIdOffers);
  });

  it('packets both ways on every link, with the sender id; a broadcast reaches every member', async () => {
    const s = await server();
    const { m1, all } = await lobbyOfThree(s.url);
    await expectEveryLinkCarries(all);
    await expectBroadcastReachesOthers(all, m1);
  });

  it("PEER_DISCONNECT → remove_peer → peer_disconnected; the leaver's own peer closed, with no signal", async () => {
    const s = await server();
    const { host, m1, m2, all } = await lobbyOfThree(s.url);
    await expectLeaverRemoved(all, m2);
    await carries([host, m1], m1, host, 'still here');
  });

  it('the socket closed before a seal: each peer closed at once, as the demo\'s stop(), with no signal', async () => {
    const s = await server();
    const { all } = await lobbyOfThree(s.url);
    await expectServerEndStopsEveryPeer(s, all);
  });

  it('sealed: the server closes the sockets (1000 Seal complete) and the mesh outlives them', async () => {
    const s = await server(150);
    const { m1, m2, all } = await lobbyOfThree(s.url);
    await expectSealKeepsMesh(all, (mp) => expect(connectedCount(mp)).toBe(2));
    await carries(all, m2, m1, 'after the seal');
    await expectCloseAfterSealSeen(all, m2);
  });
});

describe('MultiplayerLobbyPeer in a 4.x client/server lobby', { timeout: 40_000 }, () => {
  it('ID → create_server() for 1, create_client(id) for the others: CONNECTING until 1 connects, peers only 1, the clients offer', async () => {
    const s = await server();
    const host = lobbyPeer(s.url, '', { mesh: false });
    expect(await host.peer.join()).toBe(GodotError.OK);
    expect(host.peer.mode).toBe('server');
    expect(host.mp.get_unique_id()).toBe(1);
    expect(host.mp.is_server()).toBe(true);
    expect(host.mp.is_server_relay_supported()).toBe(true);
    expect(host.mp.get_connection_status()).toBe(CONNECTION_CONNECTED);

    // A member asks for a mesh (the default) but the server's ID says the lobby is client/server.
    const c1 = lobbyPeer(s.url, host.peer.lobby);
    expect(await c1.peer.join()).toBe(GodotError.OK);
    expect(c1.peer.mode).toBe('client');
    expect(c1.peer.signaling.mesh).toBe(false);
    expect(c1.mp.is_server_relay_supported()).toBe(true);
    expect(c1.mp.get_connection_status()).toBe(CONNECTION_CONNECTING);
    await pump([host, c1], () => c1.mp.get_connection_status() === CONNECTION_CONNECTED, 'c1 connected to the server');
    expect(c1.events).toEqual(['peer_connected(1)']);

    const c2 = lobbyPeer(s.url, host.peer.lobby);
    expect(await c2.peer.join()).toBe(GodotError.OK);
    expect(c2.mp.get_connection_status()).toBe(CONNECTION_CONNECTING);
    const all = [host, c1, c2];
    await pump(all, () => c2.mp.get_connection_status() === CONNECTION_CONNECTED && host.events.length === 2, 'c2 connected to the server');
    const [id1, id2] = [c1.peer.id!, c2.peer.id!];
    expect(sorted(host.events)).toEqual(sorted([`peer_connected(${id1})`, `peer_connected(${id2})`]));
    expect(c2.events).toEqual(['peer_connected(1)']);
    // server.js announces c2 to c1 too; a client meets the host only (Godot's create_client would refuse add_peer).
    for (const client of [c1, c2]) {
      expect(Object.keys(client.mp.get_peers()).map(Number)).toEqual([1]);
      expect([...client.peer.signaling.peers.keys()]).toEqual([1]);
    }
    expect(sorted(Object.keys(host.mp.get_peers()).map(Number))).toEqual(sorted([id1, id2]));
    expectOffers(all, higherIdOffers);
    for (const member of all) expect(member.mp.get_records().filter((r) => r.kind !== 'transition'), `${member.peer.id}`).toEqual([]);

    for (const [from, to] of [[c1, host], [host, c1], [c2, host], [host, c2]] as const) await carries(all, from, to, `hi from ${from.peer.id}`);
    // A client's broadcast reaches only the server (WebRTCMultiplayerPeer never relays, §1.6).
    expect(c1.mp.set_target_peer(0)).toBe(GodotError.OK);
    expect(c1.mp.put_packet(new TextEncoder().encode('to all'))).toBe(GodotError.OK);
    const got: string[] = [];
    await pump(all, () => (drain(host.mp, got), got.includes(`${id1}:to all`)), 'the client broadcast at the server');
    expect(c2.mp.get_available_packet_count()).toBe(0);
  });

  it('the server leaving: each client\'s socket closed (4000 Room host has disconnected), its peer closed with no signal', async () => {
    const s = await server();
    const { host, m1, m2 } = await lobbyOfThree(s.url, false);
    for (const member of [m1, m2]) member.events.length = 0;
    host.peer.close();
    await waitFor(() => [m1, m2].every(({ peer }) => peer.signaling.closeInfo !== null), "the clients' sockets closed");
    for (const { mp, peer, events } of [m1, m2]) {
      expect(peer.signaling.closeInfo).toEqual({ code: 4000, reason: 'Room host has disconnected' });
      expect(mp.get_connection_status()).toBe(CONNECTION_DISCONNECTED);
      expect(mp.get_peers()).toEqual({});
      // If the link's end reached the client before its socket's, that removed 1 first (client mode: DISCONNECTED) and Godot's
      // poll in between would have said so; else stop() came first and closed the peer silently.
      mp.poll();
      expect([[], ['peer_disconnected(1)']]).toContainEqual(events);
    }
  });
});

describe('MultiplayerLobbyPeer (4.x): the multiplayer, channels_config, refusals', { timeout: 40_000 }, () => {
  it('a multiplayer given takes the peer once created (never while disconnected) and lets it go at stop()', async () => {
    const s = await server();
    const seen: string[] = [];
    const holder = (name: string, code: GodotError = GodotError.OK) => ({
      set_multiplayer_peer(peer: WebRTCMultiplayerPeer | null) {
        seen.push(`${name}:${peer === null ? 'null' : peer.get_connection_status()}`);
        return peer === null ? GodotError.OK : code;
      },
    });
    const host = lobbyPeer(s.url, '', { mesh: false, multiplayer: holder('host') });
    expect(await host.peer.join()).toBe(GodotError.OK);
    expect(host.peer.multiplayer).not.toBeNull();
    const client = lobbyPeer(s.url, host.peer.lobby, { multiplayer: holder('client') });
    expect(await client.peer.join()).toBe(GodotError.OK);
    expect(seen).toEqual([`host:${CONNECTION_CONNECTED}`, `client:${CONNECTION_CONNECTING}`]);
    client.peer.close();
    expect(seen.at(-1)).toBe('client:null');
    const refused = lobbyPeer(s.url, host.peer.lobby, { multiplayer: holder('refusing', GodotError.ERR_UNAVAILABLE) });
    expect(await refused.peer.join()).toBe(GodotError.ERR_UNAVAILABLE);
    expect(refused.mp.get_connection_status()).toBe(CONNECTION_DISCONNECTED);
    await waitFor(() => refused.peer.signaling.state === 'closed', 'its socket closed');
  });

  it('channelsConfig goes to create_*: an extra channel per entry, packets on transfer channel 1', async () => {
    const s = await server();
    const extra = { channelsConfig: [TransferMode.TRANSFER_MODE_RELIABLE] };
    const host = lobbyPeer(s.url, '', extra);
    expect(await host.peer.join()).toBe(GodotError.OK);
    const member = lobbyPeer(s.url, host.peer.lobby, extra);
    expect(await member.peer.join()).toBe(GodotError.OK);
    const all = [host, member];
    await pump(all, () => connectedCount(host.mp) === 1 && connectedCount(member.mp) === 1, 'the link connected');
    expect(host.mp.get_peer(member.peer.id!)!.channels).toHaveLength(4);
    expect(member.mp.set_transfer_channel(1)).toBe(GodotError.OK);
    expect(member.mp.set_target_peer(1)).toBe(GodotError.OK);
    expect(member.mp.put_packet(new TextEncoder().encode('on 1'))).toBe(GodotError.OK);
    let channel = -1;
    await pump(all, () => {
      if (host.mp.get_available_packet_count() === 0) return false;
      channel = host.mp.get_packet_channel();
      return new TextDecoder().decode(host.mp.get_packet()) === 'on 1';
    }, 'the packet on channel 1');
    expect(channel).toBe(1);
  });

  it('refusals, never throws: bad options, no server, a lobby that does not exist, a bad channels_config, add_peer refused', async () => {
    const refused = [null, { url: 'ws://127.0.0.1:1', peer: null }, { url: 'ws://127.0.0.1:1', multiplayer: {} }, { url: 'ws://127.0.0.1:1', channelsConfig: 2 }, { url: 'ws://127.0.0.1:1', mesh: 'yes' }];
    await expectOptionsRefused((options) => track(new MultiplayerLobbyPeer(options as { url: string })), refused);
    const s = await expectJoinFailures(lobbyPeer, server);

    // create_mesh refuses a transfer mode that is not one: join() gives its code, the peer stays DISCONNECTED.
    const badConfig = lobbyPeer(s.url, '', { channelsConfig: [7] });
    expect(await badConfig.peer.join()).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(badConfig.mp.get_connection_status()).toBe(CONNECTION_DISCONNECTED);
    expect(badConfig.mp.get_records().some((r) => r.kind === 'refusal' && r.method === 'create_mesh')).toBe(true);

    // The host refuses new connections: add_peer is refused, the connection closed, nothing connects.
    const host = lobbyPeer(s.url);
    expect(await host.peer.join()).toBe(GodotError.OK);
    expect(host.mp.set_refuse_new_connections(true)).toBe(GodotError.OK);
    const member = lobbyPeer(s.url, host.peer.lobby);
    expect(await member.peer.join()).toBe(GodotError.OK);
    const refusedAdd = () => host.mp.get_records().some((r) => r.kind === 'refusal' && r.method === 'add_peer' && r.code === GodotError.ERR_UNAUTHORIZED);
    await waitFor(refusedAdd, "the host's add_peer refused");
    await waitFor(() => host.peer.signaling.peers.size === 0, 'the refused connection dropped');
    expect(host.mp.get_peers()).toEqual({});
    await new Promise((resolve) => setTimeout(resolve, 300));
    member.mp.poll();
    expect(member.events).toEqual([]);
  });
});
