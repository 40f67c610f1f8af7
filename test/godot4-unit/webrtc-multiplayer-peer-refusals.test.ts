import '../support/loopback.js';
import { describe, expect, it } from 'vitest';
import { GodotError } from '../../src/index.js';
import { WebRTCMultiplayerPeer } from '../../src/godot4/webrtc-multiplayer-peer.js';
import { peer } from '../support/loopback.js';
import { member, text } from './webrtc-multiplayer-peer-setup.js';

/** Calls `call` on `mp` and checks: it returned `code`, the machine and peer map are as before, and exactly one refusal record says why. */
function refused(mp: WebRTCMultiplayerPeer, call: () => unknown, code: GodotError, method: string, reason?: RegExp): void {
  const before = { state: mp.machine.state, context: structuredClone(mp.machine.snapshot.context), peers: Object.keys(mp.get_peers()), target: mp.get_target_peer(), channel: mp.get_transfer_channel(), mode: mp.get_transfer_mode() };
  const records = mp.get_records().length;
  const result = call();
  if (typeof result === 'number') expect(result, method).toBe(code);
  expect({ state: mp.machine.state, context: mp.machine.snapshot.context, peers: Object.keys(mp.get_peers()), target: mp.get_target_peer(), channel: mp.get_transfer_channel(), mode: mp.get_transfer_mode() }, `${method} changed nothing`).toEqual(before);
  const added = mp.get_records().slice(records);
  expect(added, method).toHaveLength(1);
  const record = added[0]!;
  expect(record, method).toMatchObject({ kind: 'refusal', method, code, codeName: expect.any(String), state: before.state });
  if (record.kind === 'refusal') {
    expect(record.states.webrtcMultiplayerPeer).toBe(before.state);
    if (reason) expect(record.reason).toMatch(reason);
  }
}

const { ERR_INVALID_PARAMETER, ERR_UNCONFIGURED, ERR_ALREADY_IN_USE, ERR_ALREADY_EXISTS, ERR_UNAUTHORIZED, ERR_DOES_NOT_EXIST, ERR_UNAVAILABLE, FAILED } = GodotError;

describe('WebRTCMultiplayerPeer refusals: a Godot Error code, nothing changed, one refusal record (§1.2, §1.3, §1.6, and where Godot 4 says nothing)', () => {
  it('create_*: Godot 4\'s checks (client id 1, the id range, channels_config), and ERR_ALREADY_IN_USE while initialized', () => {
    const mp = new WebRTCMultiplayerPeer();
    refused(mp, () => mp.create_client(1), ERR_INVALID_PARAMETER, 'create_client', /^Clients cannot have ID 1\.$/);
    refused(mp, () => mp.create_mesh(0), ERR_INVALID_PARAMETER, 'create_mesh', /from 1 to 2147483647, not 0/);
    refused(mp, () => mp.create_client(2 ** 31), ERR_INVALID_PARAMETER, 'create_client', /not 2147483648/);
    refused(mp, () => mp.create_mesh(2.5), ERR_INVALID_PARAMETER, 'create_mesh');
    refused(mp, () => mp.create_mesh('2' as unknown as number), ERR_INVALID_PARAMETER, 'create_mesh', /peer_id must be an int/);
    refused(mp, () => mp.create_server([7]), ERR_INVALID_PARAMETER, 'create_server', /TransferMode'\. Got: 7$/);
    refused(mp, () => mp.create_server(['x' as unknown as number]), ERR_INVALID_PARAMETER, 'create_server', /must contain only enum values/);
    refused(mp, () => mp.create_server(new Array(256).fill(2)), ERR_INVALID_PARAMETER, 'create_server', /at most 255/);
    refused(mp, () => mp.create_mesh(3, 2 as unknown as number[]), ERR_INVALID_PARAMETER, 'create_mesh', /must be an Array/);
    expect(mp.get_connection_status()).toBe(WebRTCMultiplayerPeer.CONNECTION_DISCONNECTED);

    expect(mp.create_mesh(3, [2, 1])).toBe(GodotError.OK);
    refused(mp, () => mp.create_server(), ERR_ALREADY_IN_USE, 'create_server', /initialized already, as mesh peer 3/);
    refused(mp, () => mp.create_mesh(4), ERR_ALREADY_IN_USE, 'create_mesh');
    mp.close();
  });

  it('add_peer: §1.3\'s checks in Godot 4\'s order, then ours (a duplicate id, the same connection twice)', () => {
    const none = new WebRTCMultiplayerPeer();
    refused(none, () => none.add_peer(peer(), 2), ERR_UNCONFIGURED, 'add_peer', /create_server\(\), create_client\(\) or create_mesh\(\) first/);

    const client = member('client', 2).mp;
    client.set_refuse_new_connections(true);
    // The id is checked before refuse_new_connections, as Godot 4 does.
    refused(client, () => client.add_peer(peer(), 3), ERR_INVALID_PARAMETER, 'add_peer', /a client adds only its server, peer 1, not 3/);
    refused(client, () => client.add_peer(peer(), 1), ERR_UNAUTHORIZED, 'add_peer', /set_refuse_new_connections\(true\)/);
    client.set_refuse_new_connections(false);

    const server = member('server', 1).mp;
    refused(server, () => server.add_peer(peer(), 1), ERR_INVALID_PARAMETER, 'add_peer', /a server cannot add peer 1/);
    refused(server, () => server.add_peer(peer(), 0), ERR_INVALID_PARAMETER, 'add_peer', /not 0/);
    refused(server, () => server.add_peer(peer(), 2 ** 31), ERR_INVALID_PARAMETER, 'add_peer');
    refused(server, () => server.add_peer(peer(), 2, -1), ERR_INVALID_PARAMETER, 'add_peer', /unreliable_lifetime/);
    refused(server, () => server.add_peer(null as unknown as ReturnType<typeof peer>, 2), ERR_INVALID_PARAMETER, 'add_peer', /must be a WebRTCPeerConnection/);
    const closed = peer();
    closed.close();
    refused(server, () => server.add_peer(closed, 2), ERR_INVALID_PARAMETER, 'add_peer', /STATE_NEW/);
    const first = peer();
    expect(server.add_peer(first, 2)).toBe(GodotError.OK);
    refused(server, () => server.add_peer(peer(), 2), ERR_ALREADY_EXISTS, 'add_peer', /already in the peer map/);
    refused(server, () => server.add_peer(first, 3), ERR_ALREADY_IN_USE, 'add_peer', /as peer 2/);
    // A connection that already holds negotiated id 1: its channels cannot be made: FAILED, as Godot, and the peer is not added.
    const taken = peer();
    expect(taken.create_data_channel('mine', { negotiated: true, id: 1 })).not.toBeNull();
    refused(server, () => server.add_peer(taken, 4), FAILED, 'add_peer', /create_data_channel\("reliable", id 1\)/);
    expect(server.has_peer(4)).toBe(false);
  });

  it('the peer map, packets, targets and channels', () => {
    const server = member('server', 1, [2]).mp;
    refused(server, () => server.remove_peer(9), ERR_DOES_NOT_EXIST, 'remove_peer');
    refused(server, () => server.disconnect_peer(9), ERR_DOES_NOT_EXIST, 'disconnect_peer');
    refused(server, () => server.disconnect_peer(9, 'yes' as unknown as boolean), ERR_INVALID_PARAMETER, 'disconnect_peer');
    refused(server, () => server.get_peer(9), ERR_DOES_NOT_EXIST, 'get_peer');
    expect(server.get_peer(9)).toBeNull();
    refused(server, () => server.get_packet(), ERR_UNAVAILABLE, 'get_packet');
    expect(server.get_packet_error()).toBe(ERR_UNAVAILABLE);
    refused(server, () => server.put_packet('text' as unknown as Uint8Array), ERR_INVALID_PARAMETER, 'put_packet', /Uint8Array/);
    refused(server, () => server.set_transfer_channel(256), ERR_INVALID_PARAMETER, 'set_transfer_channel');
    refused(server, () => server.set_transfer_mode(3 as 2), ERR_INVALID_PARAMETER, 'set_transfer_mode');
    refused(server, () => server.set_target_peer(1.5), ERR_INVALID_PARAMETER, 'set_target_peer');
    refused(server, () => server.set_refuse_new_connections(1 as unknown as boolean), ERR_INVALID_PARAMETER, 'set_refuse_new_connections');

    expect(server.add_peer(peer(), 2)).toBe(GodotError.OK);
    // unreliable_lifetime 0 is allowed (§1.3 refuses only < 0): 0 ms on 2 and 3; the extra channel is RELIABLE: no lifetime.
    expect(server.add_peer(peer(), 5, 0)).toBe(GodotError.OK);
    expect(server.get_peer(5)!.channels.map((channel) => channel.get_max_packet_life_time())).toEqual([-1, 0, 0, -1]);
    server.set_target_peer(9);
    refused(server, () => server.put_packet(text('x')), ERR_INVALID_PARAMETER, 'put_packet', /^Invalid target peer: 9\./);
    // In the map, not connected yet: ERR_UNAVAILABLE (Godot 4 hands it to a channel that fails, webrtc-native#64).
    server.set_target_peer(2);
    refused(server, () => server.put_packet(text('x')), ERR_UNAVAILABLE, 'put_packet', /does not count as connected/);
    expect(server.get_records().at(-1)).toMatchObject({ channel: 'peer 2', states: { multiplayerRemote: 'added' } });
    // One extra channel: transfer channel 1 exists, 2 does not.
    server.set_transfer_channel(2);
    refused(server, () => server.put_packet(text('x')), ERR_INVALID_PARAMETER, 'put_packet', /^Unable to send packet on channel 2, max channels: 1$/);
    // A broadcast skips peers not connected yet and says OK, as Godot 4.
    server.set_transfer_channel(0);
    server.set_target_peer(0);
    expect(server.put_packet(text('x'))).toBe(GodotError.OK);
    expect(server.get_stats().modes.reliable.messages_sent).toBe(0);

    server.close();
    refused(server, () => server.put_packet(text('x')), ERR_UNCONFIGURED, 'put_packet');
    refused(server, () => void expect(server.get_unique_id()).toBe(1), ERR_UNCONFIGURED, 'get_unique_id');
    expect(server.get_target_peer()).toBe(0);
  });
});
