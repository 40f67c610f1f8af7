import '../support/loopback.js';
import { describe, expect, it } from 'vitest';
import { GodotError, WebRTCDataChannel, WebRTCPeerConnection, type RefusalRecord } from '../../src/index.js';
import { WebRTCMultiplayer } from '../../src/godot3/webrtc-multiplayer.js';
import { peer } from '../support/loopback.js';
import { member } from './webrtc-multiplayer-setup.js';

/** What a refusal must leave as it was. */
function observable(mp: WebRTCMultiplayer) {
  const { state, connection_status, unique_id, peers, connected } = mp.get_stats();
  return { state, connection_status, unique_id, peers, connected, refusing: mp.is_refusing_new_connections(), target: mp.get_target_peer(), mode: mp.get_transfer_mode() };
}

/** Calls `call`, which must be refused with `code`: nothing changes, one refusal record says why. */
function refused(mp: WebRTCMultiplayer, method: string, code: GodotError, call: () => unknown, machine?: string): RefusalRecord {
  const before = observable(mp);
  const records = mp.get_records().length;
  const result = call();
  if (typeof result === 'number') expect(result).toBe(code);
  expect(observable(mp)).toEqual(before);
  const made = mp.get_records().slice(records);
  expect(made).toHaveLength(1);
  const record = made[0] as RefusalRecord;
  expect(record).toMatchObject({ kind: 'refusal', method, code, state: before.state, states: { webrtcMultiplayer: before.state } });
  if (machine !== undefined) expect(record.machine).toBe(machine);
  expect(record.reason.length).toBeGreaterThan(10);
  return record;
}

describe('WebRTCMultiplayer refusals: the code, nothing changed, a record with why', () => {
  it('initialize: ids 1..2^31−1 only, and not again while initialized', () => {
    const mp = new WebRTCMultiplayer();
    for (const id of [0, -1, 2 ** 31, 1.5, NaN]) refused(mp, 'initialize', GodotError.ERR_INVALID_PARAMETER, () => mp.initialize(id));
    refused(mp, 'initialize', GodotError.ERR_INVALID_PARAMETER, () => mp.initialize('1' as unknown as number), 'arguments');
    refused(mp, 'initialize', GodotError.ERR_INVALID_PARAMETER, () => mp.initialize(2, 1 as unknown as boolean), 'arguments');
    expect(mp.initialize(2 ** 31 - 1)).toBe(GodotError.OK);
    const record = refused(mp, 'initialize', GodotError.ERR_ALREADY_IN_USE, () => mp.initialize(2), 'webrtcMultiplayer');
    expect(record.reason).toMatch(/close\(\) it first/);
    const client = member(2, true).mp;
    refused(client, 'initialize', GodotError.ERR_ALREADY_IN_USE, () => client.initialize(3));
  });

  it('add_peer: before initialize, while refusing, a bad id, lifetime or connection, an id or connection already in the map', () => {
    const mp = new WebRTCMultiplayer();
    const pc = peer();
    refused(mp, 'add_peer', GodotError.ERR_UNCONFIGURED, () => mp.add_peer(pc, 2), 'webrtcMultiplayer');
    expect(pc.get_data_channels()).toEqual([]);
    mp.initialize(1);
    for (const id of [0, -3, 2 ** 31, 2.5]) refused(mp, 'add_peer', GodotError.ERR_INVALID_PARAMETER, () => mp.add_peer(pc, id));
    for (const lifetime of [-1, 0.5, 65536, '1']) refused(mp, 'add_peer', GodotError.ERR_INVALID_PARAMETER, () => mp.add_peer(pc, 2, lifetime as number), 'arguments');
    refused(mp, 'add_peer', GodotError.ERR_INVALID_PARAMETER, () => mp.add_peer({} as WebRTCPeerConnection, 2), 'arguments');
    refused(mp, 'add_peer', GodotError.ERR_INVALID_PARAMETER, () => mp.add_peer(null as unknown as WebRTCPeerConnection, 2), 'arguments');
    const closed = peer();
    closed.close();
    refused(mp, 'add_peer', GodotError.ERR_INVALID_PARAMETER, () => mp.add_peer(closed, 2), 'arguments');
    expect(pc.get_data_channels()).toEqual([]);

    expect(mp.set_refuse_new_connections(true)).toBe(GodotError.OK);
    refused(mp, 'add_peer', GodotError.ERR_UNAUTHORIZED, () => mp.add_peer(pc, 2), 'webrtcMultiplayer');
    mp.set_refuse_new_connections(false);

    expect(mp.add_peer(pc, 2)).toBe(GodotError.OK);
    refused(mp, 'add_peer', GodotError.ERR_ALREADY_EXISTS, () => mp.add_peer(peer(), 2), 'webrtcMultiplayer');
    refused(mp, 'add_peer', GodotError.ERR_ALREADY_IN_USE, () => mp.add_peer(pc, 3), 'arguments');
    expect(mp.get_peer(2)!.connection).toBe(pc);
  });

  it('add_peer: when the connection refuses a channel, the ones made are closed, nothing is kept, and its code is returned', () => {
    const mp = member(1).mp;
    const pc = peer();
    const own = pc.create_data_channel('mine', { negotiated: true, id: 2 })!; // takes stream 2
    const record = refused(mp, 'add_peer', GodotError.ERR_ALREADY_EXISTS, () => mp.add_peer(pc, 2));
    expect(record.reason).toMatch(/create_data_channel\("ordered", id 2\)/);
    // The "reliable" one it made is closed (a channel of a connection that never connected stays STATE_CLOSING).
    const made = pc.get_data_channels().filter((channel) => channel !== own);
    expect(made.map((channel) => [channel.get_label(), channel.get_ready_state()])).toEqual([['reliable', WebRTCDataChannel.STATE_CLOSING]]);
    expect(mp.has_peer(2)).toBe(false);
    // After create_offer the connection takes no channel: the code is the connection's.
    const offered = peer();
    offered.create_data_channel('first');
    expect(offered.create_offer()).toBe(GodotError.OK);
    expect(offered.get_connection_state()).toBe(WebRTCPeerConnection.STATE_NEW);
    refused(mp, 'add_peer', GodotError.ERR_UNAVAILABLE, () => mp.add_peer(offered, 3));
  });

  it('remove_peer and get_peer of an unknown id; the getters of a disconnected peer', () => {
    const mp = new WebRTCMultiplayer();
    refused(mp, 'remove_peer', GodotError.ERR_DOES_NOT_EXIST, () => mp.remove_peer(9));
    refused(mp, 'get_peer', GodotError.ERR_DOES_NOT_EXIST, () => expect(mp.get_peer(9)).toBeNull());
    // As Godot 3: 1 while disconnected, with an error (here a record).
    refused(mp, 'get_unique_id', GodotError.ERR_UNCONFIGURED, () => expect(mp.get_unique_id()).toBe(1));
    expect(mp.is_server()).toBe(false);
    expect(mp.get_max_packet_size()).toBe(1200);
    expect(mp.get_transfer_mode()).toBe(WebRTCMultiplayer.TRANSFER_MODE_RELIABLE);
    expect(mp.get_connection_status()).toBe(WebRTCMultiplayer.CONNECTION_DISCONNECTED);
    expect(mp.has_peer(9)).toBe(false);
  });

  it('set_target_peer, set_transfer_mode and set_refuse_new_connections take only their values', () => {
    const mp = member(1).mp;
    for (const id of [1.5, 2 ** 31, -(2 ** 31) - 1, '2']) refused(mp, 'set_target_peer', GodotError.ERR_INVALID_PARAMETER, () => mp.set_target_peer(id as number), 'arguments');
    expect(mp.set_target_peer(-(2 ** 31))).toBe(GodotError.OK);
    expect(mp.get_target_peer()).toBe(-(2 ** 31));
    for (const mode of [3, -1, 1.5, '2']) refused(mp, 'set_transfer_mode', GodotError.ERR_INVALID_PARAMETER, () => mp.set_transfer_mode(mode as 0), 'arguments');
    refused(mp, 'set_refuse_new_connections', GodotError.ERR_INVALID_PARAMETER, () => mp.set_refuse_new_connections(1 as unknown as boolean), 'arguments');
    refused(mp, 'get_packet', GodotError.ERR_UNAVAILABLE, () => expect(mp.get_packet()).toEqual(new Uint8Array(0)));
    expect(mp.get_packet_error()).toBe(GodotError.ERR_UNAVAILABLE);
  });

  it('refuseFor and recordDropped (for MultiplayerAPI) are its own records', () => {
    const mp = member(1).mp;
    refused(mp, 'rpc', GodotError.ERR_UNCONFIGURED, () => mp.refuseFor('rpc', GodotError.ERR_UNCONFIGURED, 'not connected to anyone yet'), 'arguments');
    mp.recordDropped(3, 'unknown command 9');
    expect(mp.get_records().at(-1)).toMatchObject({ kind: 'stack_error', method: 'multiplayer.packet', code: GodotError.ERR_INVALID_DATA, channel: 'peer 3', connection: mp.id });
    expect(mp.get_stats().packets_dropped).toBe(1);
  });

  it('a bad dispatch option falls back to poll, with a record', () => {
    const mp = new WebRTCMultiplayer({ dispatch: 'sometimes' as 'poll', id: 'mp-odd' });
    expect(mp.dispatch).toBe('poll');
    expect(mp.get_records()).toMatchObject([{ kind: 'refusal', method: 'constructor', connection: 'mp-odd' }]);
  });
});
