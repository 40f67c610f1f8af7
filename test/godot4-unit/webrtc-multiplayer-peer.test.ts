import '../support/loopback.js';
import { describe, expect, it } from 'vitest';
import { GodotError } from '../../src/index.js';
import { WebRTCMultiplayerPeer } from '../../src/godot4/webrtc-multiplayer-peer.js';
import { peer } from '../support/loopback.js';
import { drain, link, member, pollAll, settle, text, type Member } from './webrtc-multiplayer-peer-setup.js';

const { CONNECTION_CONNECTED, CONNECTION_CONNECTING, CONNECTION_DISCONNECTED, TRANSFER_MODE_RELIABLE } = WebRTCMultiplayerPeer;

const transitions = (m: Member, machine: string) =>
  m.mp.get_records().flatMap((record) => (record.kind === 'transition' && record.machine === machine ? [`${record.channel ? `${record.channel}: ` : ''}${record.from} -${record.event}-> ${record.to}`] : []));

describe('Godot 4 WebRTCMultiplayerPeer over real loopback connections (reference §1.2–§1.6, §1.10)', () => {
  it('a server and three clients: each client announces only 1 and becomes CONNECTED; a client broadcast reaches only the server; targets and exclusions', async () => {
    const server = member('server', 1);
    const clients = [member('client', 2), member('client', 3), member('client', 4)];
    expect(server.mp.get_connection_status()).toBe(CONNECTION_CONNECTED);
    expect(server.mp.is_server()).toBe(true);
    expect(server.mp.get_unique_id()).toBe(1);
    for (const client of clients) {
      expect(client.mp.get_connection_status()).toBe(CONNECTION_CONNECTING);
      expect(client.mp.is_server()).toBe(false);
      expect(client.mp.is_server_relay_supported()).toBe(true);
    }
    expect(server.mp.is_server_relay_supported()).toBe(true);
    for (const client of clients) link(server, client);
    const all = [server, ...clients];
    await pollAll(all, () => server.signals.length === 3 && clients.every((c) => c.signals.length === 1));
    expect([...server.signals].sort()).toEqual(['peer_connected(2)', 'peer_connected(3)', 'peer_connected(4)']);
    for (const client of clients) {
      expect(client.signals).toEqual(['peer_connected(1)']);
      expect(client.mp.get_connection_status()).toBe(CONNECTION_CONNECTED);
      expect(Object.keys(client.mp.get_peers())).toEqual(['1']);
    }
    expect(Object.keys(server.mp.get_peers())).toEqual(['2', '3', '4']);
    const info = server.mp.get_peer(3)!;
    expect(info.connected).toBe(true);
    expect(info.channels.map((channel) => [channel.get_label(), channel.get_id(), channel.is_negotiated(), channel.is_ordered()])).toEqual([
      ['reliable', 1, true, true],
      ['ordered', 2, true, true],
      ['unreliable', 3, true, false],
    ]);
    // §1.3: unreliable_lifetime is honoured on 2 and 3 (the link helper passes 1000).
    expect(info.channels.map((channel) => channel.get_max_packet_life_time())).toEqual([-1, 1000, 1000]);
    expect(transitions(clients[0]!, 'webrtcMultiplayerPeer')).toEqual(['disconnected -create(client,2)-> connecting', 'connecting -add_peer(1)-> connecting', 'connecting -peer_connected(1)-> connected']);
    expect(transitions(clients[0]!, 'multiplayerRemote')).toEqual(['peer 1: added -channels_open-> connected']);

    const [two, three, four] = clients as [Member, Member, Member];
    expect(two.mp.put_packet(text('hi from 2'))).toBe(0); // broadcast: a client's map holds only 1
    expect(server.mp.set_target_peer(3)).toBe(0);
    expect(server.mp.put_packet(text('to 3'))).toBe(0);
    expect(server.mp.set_target_peer(-2)).toBe(0);
    expect(server.mp.put_packet(text('not 2'))).toBe(0);
    await pollAll(all, () => server.mp.get_available_packet_count() === 1 && three.mp.get_available_packet_count() === 2 && four.mp.get_available_packet_count() === 1);
    await settle(all);
    expect(drain(server)).toEqual([[2, 0, TRANSFER_MODE_RELIABLE, 'hi from 2']]);
    expect(drain(three)).toEqual([[1, 0, TRANSFER_MODE_RELIABLE, 'to 3'], [1, 0, TRANSFER_MODE_RELIABLE, 'not 2']]);
    expect(drain(four)).toEqual([[1, 0, TRANSFER_MODE_RELIABLE, 'not 2']]);
    expect(drain(two)).toEqual([]);
    expect(server.mp.get_stats().modes.reliable).toMatchObject({ messages_sent: 3, messages_received: 1 });

    // disconnect_peer(2): closed now, removed (with peer_disconnected) at the next poll; force: out at once, no signal here.
    expect(server.mp.disconnect_peer(2)).toBe(0);
    expect(server.mp.has_peer(2)).toBe(true);
    expect(server.mp.disconnect_peer(3, true)).toBe(0);
    expect(server.mp.has_peer(3)).toBe(false);
    await pollAll(all, () => !server.mp.has_peer(2) && two.signals.length === 2 && three.signals.length === 2);
    expect(server.signals.slice(3)).toEqual(['peer_disconnected(2)']);
    for (const client of [two, three]) {
      expect(client.signals).toEqual(['peer_connected(1)', 'peer_disconnected(1)']);
      expect(client.mp.get_connection_status()).toBe(CONNECTION_DISCONNECTED);
      expect(client.mp.machine.snapshot.context.ended).toEqual({ by: 'server_disconnected', from: 'connected' });
    }
    expect(transitions(server, 'multiplayerRemote').filter((line) => line.includes('removed'))).toEqual(['peer 3: connected -remove_peer-> removed', 'peer 2: connected -link_ended(connection)-> removed']);
    expect(four.mp.get_connection_status()).toBe(CONNECTION_CONNECTED);
  });

  it('a mesh of four: everyone announces everyone; get_packet takes one packet per peer per turn, ascending ids, wrapping (§1.5)', async () => {
    const mesh = [member('mesh', 1), member('mesh', 2), member('mesh', 3), member('mesh', 4)];
    for (const m of mesh) {
      expect(m.mp.get_connection_status()).toBe(CONNECTION_CONNECTED);
      expect(m.mp.is_server_relay_supported()).toBe(false);
    }
    expect(mesh[0]!.mp.is_server()).toBe(true); // id 1 is allowed in a mesh
    for (let i = 0; i < mesh.length; i++) for (let j = i + 1; j < mesh.length; j++) link(mesh[i]!, mesh[j]!);
    await pollAll(mesh, () => mesh.every((m) => m.signals.length === 3));
    for (const m of mesh) {
      expect([...m.signals].sort()).toEqual(mesh.filter((o) => o !== m).map((o) => `peer_connected(${o.id})`));
      expect(m.mp.get_stats().connected).toEqual(mesh.filter((o) => o !== m).map((o) => o.id));
    }
    const [one, ...others] = mesh as [Member, Member, Member, Member];
    for (const m of others) {
      m.mp.set_target_peer(1);
      expect(m.mp.put_packet(text(`${m.id}a`))).toBe(0);
      expect(m.mp.put_packet(text(`${m.id}b`))).toBe(0);
    }
    await pollAll(mesh, () => one.mp.get_available_packet_count() === 6);
    expect(drain(one).map(([from, , , body]) => [from, body])).toEqual([
      [2, '2a'], [3, '3a'], [4, '4a'], [2, '2b'], [3, '3b'], [4, '4b'],
    ]);
    expect(one.mp.get_packet_peer()).toBe(0);
  });

  it('a client whose link to 1 fails before its channels open goes DISCONNECTED, recorded as connection_failed (Godot 4 stays CONNECTING)', async () => {
    const client = member('client', 7);
    const pc = peer();
    expect(client.mp.add_peer(pc, 1)).toBe(0);
    pc.close();
    client.mp.poll();
    expect(client.mp.get_connection_status()).toBe(CONNECTION_DISCONNECTED);
    expect(client.signals).toEqual([]); // never connected: nothing to announce, as Godot
    expect(client.mp.has_peer(1)).toBe(false);
    expect(client.mp.machine.snapshot.context.ended).toEqual({ by: 'connection_failed', from: 'connecting' });
    expect(transitions(client, 'webrtcMultiplayerPeer').at(-1)).toBe('connecting -peer_removed(1)-> disconnected');
    expect(transitions(client, 'multiplayerRemote')).toEqual(['peer 1: added -link_ended(connection)-> removed']);
    // Disconnected: it may be created again; a client in DISCONNECTED is not a client any more after close().
    expect(client.mp.is_server_relay_supported()).toBe(true);
    client.mp.close();
    expect(client.mp.is_server_relay_supported()).toBe(false);
    expect(client.mp.create_client(7)).toBe(0);
    expect(client.mp.get_connection_status()).toBe(CONNECTION_CONNECTING);
  });

  it('a client whose server vanishes: peer_disconnected(1), DISCONNECTED, sends refused, 1 as its id with a record', async () => {
    const server = member('server', 1);
    const client = member('client', 5);
    link(server, client);
    await pollAll([server, client], () => client.signals.length === 1 && server.signals.length === 1);
    server.mp.close();
    expect(server.mp.get_connection_status()).toBe(CONNECTION_DISCONNECTED);
    expect(server.signals).toEqual(['peer_connected(5)']); // close() says nothing (§1.4)
    await pollAll([client], () => client.signals.length === 2);
    expect(client.signals).toEqual(['peer_connected(1)', 'peer_disconnected(1)']);
    expect(client.mp.get_connection_status()).toBe(CONNECTION_DISCONNECTED);
    expect(client.mp.machine.snapshot.context.ended).toEqual({ by: 'server_disconnected', from: 'connected' });
    expect(client.mp.put_packet(text('anyone?'))).toBe(GodotError.ERR_UNCONFIGURED);
    expect(client.mp.get_unique_id()).toBe(1);
    expect(client.mp.get_records().at(-1)).toMatchObject({ kind: 'refusal', method: 'get_unique_id', code: GodotError.ERR_UNCONFIGURED, state: 'disconnected' });
  });

  it("under event dispatch, peer_connected and packets_available come from a task, without poll()", async () => {
    const server = member('server', 1, [], { dispatch: 'events' });
    const client = member('client', 2, [], { dispatch: 'events' });
    let available = 0;
    server.mp.packets_available.connect(() => available++);
    let polled = 0;
    for (const m of [server, client]) {
      const poll = m.mp.poll.bind(m.mp);
      m.mp.poll = () => (polled++, poll());
    }
    link(server, client, 1000, { dispatch: 'events' });
    const until = Date.now() + 8000;
    while (client.signals.length === 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(client.signals).toEqual(['peer_connected(1)']);
    expect(server.signals).toEqual(['peer_connected(2)']);
    expect(client.mp.put_packet(text('evented'))).toBe(0);
    while (available === 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(available).toBeGreaterThan(0);
    expect(drain(server)).toEqual([[2, 0, TRANSFER_MODE_RELIABLE, 'evented']]);
    expect(polled).toBe(0);
  });
});
