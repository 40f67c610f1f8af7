/**
 * MultiplayerLobbyPeer: Node peers in a Godot 3.x lobby of our SignalingServer, each with a
 * WebRTCMultiplayer, over real libdatachannel connections on 127.0.0.1. The lobby peers run
 * under poll dispatch, polled here as the SceneTree polls: the statuses seen between polls are
 * exactly Godot's.
 */
import '../support/loopback.js';
import { describe, expect, it } from 'vitest';
import { GodotError } from '../../src/godot/constants.js';
import { MultiplayerLobbyPeer } from '../../src/godot3/lobby-peer.js';
import { ConnectionStatus } from '../../src/godot3/constants.js';
import type { NetworkedMultiplayerPeer } from '../../src/godot3/networked-peer.js';
import { MultiplayerAPI } from '../../src/godot3/multiplayer-api.js';
import type { Variant } from '../../src/godot3/variant-types.js';
import {
  carries,
  expectBroadcastReachesOthers,
  expectCleanLobby,
  expectCloseAfterSealSeen,
  expectEveryLinkCarries,
  expectJoinFailures,
  expectLeaverRemoved,
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

/** A lobby peer whose multiplayer signals are written to `events` as `peer_connected(2)` and the like. */
function lobbyPeer(url: string, lobby = '', extra: { api?: { set_network_peer(peer: NetworkedMultiplayerPeer | null): GodotError } } = {}) {
  const peer = track(new MultiplayerLobbyPeer({ url, lobby, ...extra }));
  const mp = peer.multiplayer;
  const events = peerSignals(mp);
  mp.connection_succeeded.connect(() => events.push('connection_succeeded'));
  mp.connection_failed.connect(() => events.push('connection_failed'));
  mp.server_disconnected.connect(() => events.push('server_disconnected'));
  return { peer, mp, events };
}

/** A host and two members, joined in turn, all three connected (connection_succeeded on each member). */
const lobbyOfThree = (url: string) => joinLobbyOfThree((lobby) => lobbyPeer(url, lobby));

/** The 3.x rule: the lower id offers. */
const lowerIdOffers = (self: number, other: number) => other > self;

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
    // The lower id offered (the 3.x rule): the host to both, m1 or m2 by their ids; the happy path refuses nothing.
    expectCleanLobby(all, lowerIdOffers);
  });

  it('packets both ways on every link, with the sender id', async () => {
    const s = await server();
    const { host, all } = await lobbyOfThree(s.url);
    await expectEveryLinkCarries(all);
    // A broadcast from the host reaches both members.
    await expectBroadcastReachesOthers(all, host);
  });

  it('PEER_DISCONNECT → remove_peer → peer_disconnected; the leaver\'s own socket closed unsealed → its multiplayer closed, no signal', async () => {
    const s = await server();
    const { host, m1, m2, all } = await lobbyOfThree(s.url);
    await expectLeaverRemoved(all, m2);
    expect(m1.mp.get_connection_status()).toBe(CONNECTION_CONNECTED);
    await carries([host, m1], host, m1, 'still here');
  });

  it('the socket closed before a seal: the multiplayer is closed at once, as the demo\'s stop(), with no signal (Godot 3\'s close emits none)', async () => {
    const s = await server();
    const { all } = await lobbyOfThree(s.url);
    await expectServerEndStopsEveryPeer(s, all);
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
    await expectSealKeepsMesh(all, (mp) => expect(Object.values(mp.get_peers()).every((p) => p.connected)).toBe(true));
    await carries(all, m1, m2, 'after the seal');
    await carries(all, m2, host, 'after the seal too');
    await expectCloseAfterSealSeen(all, m2);
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
      track(peer);
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
    const refused = [{ url: 'ws://127.0.0.1:1', serverCompatibility: 'yes' }, null, { url: 'ws://127.0.0.1:1', multiplayer: null }, { url: 'ws://127.0.0.1:1', api: {} }];
    await expectOptionsRefused((options) => track(new MultiplayerLobbyPeer(options as { url: string })), refused);
    const s = await expectJoinFailures(lobbyPeer, server);

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
