import '../support/loopback.js';
import { describe, expect, it } from 'vitest';
import { WebRTCPeerConnection } from '../../src/index.js';
import { WebRTCMultiplayer } from '../../src/godot3/webrtc-multiplayer.js';
import { counts, link, member, pollAll, settle } from './webrtc-multiplayer-setup.js';
import { peer } from '../support/loopback.js';

const { CONNECTION_CONNECTED, CONNECTION_CONNECTING, CONNECTION_DISCONNECTED } = WebRTCMultiplayer;

describe('WebRTCMultiplayer signals, as Godot 3 emits them (real connections over loopback)', () => {
  it('a server and two server_compatibility clients: the server announces each client, each client its server then connection_succeeded', async () => {
    const server = member(1);
    const a = member(2, true);
    const b = member(3, true);
    expect(server.mp.get_connection_status()).toBe(CONNECTION_CONNECTED);
    expect(a.mp.get_connection_status()).toBe(CONNECTION_CONNECTING);
    expect(server.mp.is_server()).toBe(true);
    expect(a.mp.is_server()).toBe(false);
    link(server, a);
    link(server, b);
    await pollAll([server, a, b], () => server.signals.length === 2 && a.signals.length === 2 && b.signals.length === 2);
    expect([...server.signals].sort()).toEqual(['peer_connected(2)', 'peer_connected(3)']);
    expect(a.signals).toEqual(['peer_connected(1)', 'connection_succeeded']);
    expect(b.signals).toEqual(['peer_connected(1)', 'connection_succeeded']);
    expect(a.mp.get_connection_status()).toBe(CONNECTION_CONNECTED);
    expect(a.mp.get_unique_id()).toBe(2);
    // A client knows only the peers it added (no relay, no peer list): 3 is not in 2's map.
    expect(Object.keys(a.mp.get_peers())).toEqual(['1']);
    expect(Object.keys(server.mp.get_peers())).toEqual(['2', '3']);
    const remote = a.mp.get_records().filter((record) => record.kind === 'transition' && record.machine === 'multiplayerRemote');
    expect(remote.map((record) => [record.channel, (record as { event: string }).event])).toEqual([['peer 1', 'channels_open']]);
    await settle([server, a, b]);
    expect(a.signals).toHaveLength(2);
  });

  it('client_late: a peer that connects while the client waits for its server gets no signal, then peer_connected(1), connection_succeeded, peer_connected(3)', async () => {
    const client = member(2, true);
    const other = member(3);
    const server = member(1);
    link(client, other);
    await pollAll([client, other], () => counts(client, 3) && other.signals.length === 1);
    await settle([client, other]);
    expect(client.signals).toEqual([]);
    expect(other.signals).toEqual(['peer_connected(2)']);
    expect(client.mp.get_connection_status()).toBe(CONNECTION_CONNECTING);
    link(server, client);
    await pollAll([client, other, server], () => client.signals.length === 3 && server.signals.length === 1);
    expect(client.signals).toEqual(['peer_connected(1)', 'connection_succeeded', 'peer_connected(3)']);
    expect(client.mp.get_connection_status()).toBe(CONNECTION_CONNECTED);

    // The server closes its connection to the client: peer_disconnected(1), server_disconnected, DISCONNECTED; 3 stays in the map.
    server.mp.get_peer(2)!.connection.close();
    await pollAll([client, other, server], () => client.signals.length === 5);
    expect(client.signals.slice(3)).toEqual(['peer_disconnected(1)', 'server_disconnected']);
    expect(client.mp.get_connection_status()).toBe(CONNECTION_DISCONNECTED);
    expect(Object.keys(client.mp.get_peers())).toEqual(['3']);
    expect(client.mp.get_stats().state).toBe('disconnected');
    expect(client.mp.machine.snapshot.context.ended).toEqual({ by: 'server_disconnected', from: 'connected' });
    // The server saw its own connection close: its peer 2 is gone with peer_disconnected(2).
    expect(server.signals).toEqual(['peer_connected(2)', 'peer_disconnected(2)']);
    const removal = client.mp.get_records().find((record) => record.kind === 'transition' && record.channel === 'peer 1' && record.to === 'removed');
    // The far end's close can reach a channel before the connection: either is why at that poll.
    expect(removal).toMatchObject({ machine: 'multiplayerRemote', from: 'connected' });
    expect(['link_ended(connection)', 'link_ended(channel)']).toContain((removal as { event: string }).event);
  });

  it('a mesh of three: every member announces the other two', async () => {
    const members = [member(1), member(2), member(3)];
    const [one, two, three] = members as [ReturnType<typeof member>, ReturnType<typeof member>, ReturnType<typeof member>];
    link(one, two);
    link(one, three);
    link(two, three);
    await pollAll(members, () => members.every((m) => m.signals.length === 2));
    expect([...one.signals].sort()).toEqual(['peer_connected(2)', 'peer_connected(3)']);
    expect([...two.signals].sort()).toEqual(['peer_connected(1)', 'peer_connected(3)']);
    expect([...three.signals].sort()).toEqual(['peer_connected(1)', 'peer_connected(2)']);
    expect(two.mp.get_stats().connected).toEqual([1, 3]);
  });

  it('connection_failed: a server_compatibility client whose link to 1 ends before it connected (ours; Godot 3 stays CONNECTING)', async () => {
    const client = member(2, true);
    const pc = peer();
    expect(client.mp.add_peer(pc, 1)).toBe(0);
    pc.close();
    client.mp.poll();
    expect(client.signals).toEqual(['connection_failed']);
    expect(client.mp.get_connection_status()).toBe(CONNECTION_DISCONNECTED);
    expect(client.mp.has_peer(1)).toBe(false);

    // The same through remove_peer while CONNECTING.
    const again = member(4, true);
    const link1 = peer();
    expect(again.mp.add_peer(link1, 1)).toBe(0);
    expect(again.mp.remove_peer(1)).toBe(0);
    expect(again.signals).toEqual([]); // queued: emitted by the next poll
    again.mp.poll();
    expect(again.signals).toEqual(['connection_failed']);
    expect(link1.get_connection_state()).toBe(WebRTCPeerConnection.STATE_CLOSED);
  });

  it('remove_peer closes the connection; both ends say peer_disconnected, the local one at its next poll', async () => {
    const one = member(1);
    const two = member(2);
    const { ab } = link(one, two);
    await pollAll([one, two], () => one.signals.length === 1 && two.signals.length === 1);
    two.mp.put_packet(new Uint8Array([1, 2]));
    await pollAll([one, two], () => one.mp.get_available_packet_count() === 1);
    expect(one.mp.remove_peer(2)).toBe(0);
    expect(one.mp.get_available_packet_count()).toBe(0); // its unread packets went with it
    expect(ab.get_connection_state()).toBe(WebRTCPeerConnection.STATE_CLOSED);
    expect(one.mp.has_peer(2)).toBe(false);
    expect(one.signals).toEqual(['peer_connected(2)']);
    await pollAll([one, two], () => two.signals.length === 2);
    expect(one.signals).toEqual(['peer_connected(2)', 'peer_disconnected(2)']);
    expect(two.signals).toEqual(['peer_connected(1)', 'peer_disconnected(1)']);
    expect(two.mp.get_connection_status()).toBe(CONNECTION_CONNECTED); // a mesh peer stays connected
    // A peer that was never announced is removed without a word.
    const pc = peer();
    one.mp.add_peer(pc, 5);
    one.mp.remove_peer(5);
    one.mp.poll();
    expect(one.signals).toHaveLength(2);
  });

  it('close() closes every connection, clears the map, and emits nothing, not even what was queued', async () => {
    const one = member(1);
    const two = member(2);
    const three = member(3);
    const { ab } = link(one, two);
    const { ab: ac } = link(one, three);
    await pollAll([one, two, three], () => one.signals.length === 2 && two.signals.length === 1 && three.signals.length === 1);
    one.mp.set_target_peer(3);
    one.mp.remove_peer(2); // queues peer_disconnected(2)
    one.mp.close();
    await settle([one, two, three]);
    expect([...one.signals].sort()).toEqual(['peer_connected(2)', 'peer_connected(3)']);
    expect(ab.get_connection_state()).toBe(WebRTCPeerConnection.STATE_CLOSED);
    expect(ac.get_connection_state()).toBe(WebRTCPeerConnection.STATE_CLOSED);
    expect(one.mp.get_peers()).toEqual({});
    expect(one.mp.get_connection_status()).toBe(CONNECTION_DISCONNECTED);
    expect(one.mp.get_target_peer()).toBe(0);
    expect(one.mp.get_stats().unique_id).toBe(0);
    const closes = one.mp.get_records().filter((record) => record.kind === 'transition' && (record as { event: string }).event === 'close');
    expect(closes.map((record) => record.channel ?? (record as { machine: string }).machine)).toEqual(['peer 3', 'webrtcMultiplayer']);
    // The others see their link end.
    await pollAll([two, three], () => three.signals.length === 2);
    expect(three.signals).toEqual(['peer_connected(1)', 'peer_disconnected(1)']);
    // It can be initialized again.
    expect(one.mp.initialize(1)).toBe(0);
  });
});
