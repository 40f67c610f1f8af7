/**
 * MultiplayerLobbyPeer (4.x) with a SceneMultiplayer each, as the 4.x demo sets
 * `multiplayer.multiplayer_peer = rtc_mp` at ID: RAW packets (§2.5) both ways over real
 * libdatachannel connections in a client/server lobby (a client's RAW to another client goes by
 * the server's SYS RELAY, §2.4) and in a mesh (direct, no relay); the socket closed before a seal
 * lets the peer go (`multiplayer_peer = null`).
 */
import '../support/loopback.js';
import { describe, expect, it } from 'vitest';
import { GodotError } from '../../src/godot/constants.js';
import { MultiplayerLobbyPeer } from '../../src/godot4/lobby-peer.js';
import { SceneMultiplayer } from '../../src/godot4/scene-multiplayer.js';
import { ConnectionStatus } from '../../src/godot3/constants.js';
import { joinInTurn, lobbyFixtures } from '../support/lobby-members.js';
import { pollUntil } from '../support/multiplayer-members.js';

const { server, track } = lobbyFixtures<MultiplayerLobbyPeer>();

/** A lobby peer with a SceneMultiplayer whose RAW packets are written to `raw` as `<sender>:<text>`. */
function member(url: string, lobby: string, mesh: boolean, dispatch: 'poll' | 'events') {
  const multiplayer = new SceneMultiplayer({ dispatch });
  const peer = track(new MultiplayerLobbyPeer({ url, lobby, mesh, multiplayer }));
  const raw: string[] = [];
  const connected: number[] = [];
  multiplayer.peer_packet.connect((id, packet) => raw.push(`${id}:${new TextDecoder().decode(packet)}`));
  multiplayer.peer_connected.connect((id) => connected.push(id));
  return { peer, multiplayer, raw, connected };
}

type Member = ReturnType<typeof member>;

/** Polls every SceneMultiplayer (none under event dispatch) every 2 ms until `done()`; rejects with `what` after 20 s. */
function until(members: Member[], done: () => boolean, what: string, poll = true): Promise<void> {
  const frame = () => {
    if (poll) for (const { multiplayer } of members) multiplayer.poll();
  };
  return pollUntil(frame, done, () => what, 20_000);
}

const send = (from: Member, to: number, text: string) => expect(from.multiplayer.send_bytes(new TextEncoder().encode(text), to)).toBe(GodotError.OK);

describe('MultiplayerLobbyPeer (4.x) with SceneMultiplayer', { timeout: 40_000 }, () => {
  it('client/server, event dispatch and no poll loop: RAW both ways with sender ids, and between the clients by the relay', async () => {
    const s = await server();
    const host = member(s.url, '', false, 'events');
    expect(await host.peer.join()).toBe(GodotError.OK);
    // The peer took the SceneMultiplayer's event dispatch (it refuses a 'poll' peer).
    expect(host.peer.peer.dispatch).toBe('events');
    expect(host.multiplayer.get_multiplayer_peer()).toBe(host.peer.peer);
    expect(host.multiplayer.get_unique_id()).toBe(1);
    const c1 = member(s.url, host.peer.lobby, false, 'events');
    const c2 = member(s.url, host.peer.lobby, false, 'events');
    expect(await c1.peer.join()).toBe(GodotError.OK);
    expect(await c2.peer.join()).toBe(GodotError.OK);
    const [id1, id2] = [c1.peer.id!, c2.peer.id!];
    expect(c1.multiplayer.get_unique_id()).toBe(id1);
    const all = [host, c1, c2];
    // Each client meets the other through the server's SYS ADD_PEER, though its peer map has only 1.
    await until(all, () => host.connected.length === 2 && c1.connected.includes(id2) && c2.connected.includes(id1), 'everyone admitted', false);
    expect(Object.keys(c1.peer.peer.get_peers()).map(Number)).toEqual([1]);
    expect(c1.connected[0]).toBe(1);

    send(c1, 1, 'up from c1');
    send(c2, 1, 'up from c2');
    send(host, id1, 'down to c1');
    send(host, id2, 'down to c2');
    send(c1, id2, 'c1 to c2');
    send(c2, id1, 'c2 to c1');
    await until(all, () => host.raw.length === 2 && c1.raw.length === 2 && c2.raw.length === 2, 'every RAW', false);
    expect([...host.raw].sort()).toEqual([`${id1}:up from c1`, `${id2}:up from c2`].sort());
    expect([...c1.raw].sort()).toEqual(['1:down to c1', `${id2}:c2 to c1`].sort());
    expect([...c2.raw].sort()).toEqual(['1:down to c2', `${id1}:c1 to c2`].sort());
    expect(host.multiplayer.get_stats().relayed).toBe(2);
    for (const { multiplayer } of all) expect(multiplayer.get_stats().dropped).toEqual({});
  });

  it('mesh, poll dispatch: RAW both ways on every link, no relay', async () => {
    const s = await server();
    const all = await joinInTurn((lobby) => member(s.url, lobby, true, 'poll'), 3);
    await until(all, () => all.every(({ connected }) => connected.length === 2), 'everyone connected');
    for (const from of all) for (const to of all) if (from !== to) send(from, to.peer.id!, `${from.peer.id} to ${to.peer.id}`);
    await until(all, () => all.every(({ raw }) => raw.length === 2), 'every RAW');
    for (const to of all) {
      const expected = all.filter((from) => from !== to).map((from) => `${from.peer.id}:${from.peer.id} to ${to.peer.id}`);
      expect([...to.raw].sort()).toEqual(expected.sort());
    }
    for (const { multiplayer } of all) expect(multiplayer.get_stats().relayed).toBe(0);
  });

  it("the socket closed before a seal: the demo's stop(), multiplayer_peer = null and the peer closed", async () => {
    const s = await server();
    const [host, client] = (await joinInTurn((lobby) => member(s.url, lobby, false, 'poll'), 2)) as [Member, Member];
    await until([host, client], () => client.connected.includes(1), 'the client admitted');
    await s.close();
    await until([host, client], () => host.peer.signaling.closeInfo !== null && client.peer.signaling.closeInfo !== null, 'the sockets closed', false);
    for (const { multiplayer, peer } of [host, client]) {
      expect(multiplayer.has_multiplayer_peer()).toBe(false);
      expect(multiplayer.get_peers()).toEqual([]);
      expect(peer.peer.get_connection_status()).toBe(ConnectionStatus.CONNECTION_DISCONNECTED);
    }
  });
});
