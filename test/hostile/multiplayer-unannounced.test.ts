/**
 * Issue 12: a hostile peer a WebRTCMultiplayer never announces. A server_compatibility client
 * (id 3) announces none of its other peers until its server's link is up, but reads their packets
 * (as Godot 3, §2.6 of the wire reference). The hostile remote (fixtures/multiplayer-remote.ts,
 * raw node-datachannel) is such a peer: it fills the client's path cache, then leaves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GodotError } from '../../src/godot/constants.js';
import { WebRTCPeerConnection } from '../../src/api/peer-connection.js';
import { WebRTCMultiplayer } from '../../src/godot3/webrtc-multiplayer.js';
import { MultiplayerAPI } from '../../src/godot3/multiplayer-api.js';
import { MAX_RECEIVED_PATHS_PER_PEER } from '../../src/godot3/path-cache.js';
import '../support/loopback.js';
import { HostileRemote, until } from './support/remote.js';
import { linkHostile } from './fixtures/multiplayer-link.js';

const client = { mp: new WebRTCMultiplayer({ id: 'mp-unannounced-client' }), api: new MultiplayerAPI() };
const signals: string[] = [];
const markers: number[] = [];
let remote: HostileRemote;
let hostilePc: WebRTCPeerConnection;
let timer: NodeJS.Timeout | undefined;

beforeAll(async () => {
  remote = HostileRemote.start('multiplayer-remote');
  client.mp.peer_connected.connect((id) => signals.push(`peer_connected(${id})`));
  client.mp.peer_disconnected.connect((id) => signals.push(`peer_disconnected(${id})`));
  expect(client.mp.initialize(3, true)).toBe(GodotError.OK);
  expect(client.api.set_network_peer(client.mp)).toBe(GodotError.OK);
  client.api.network_peer_packet.connect((from, packet) => {
    if (from === 2 && packet[0] === 0xee) markers.push(new DataView(packet.buffer, packet.byteOffset).getUint32(1, true));
  });
  const link = linkHostile(client.mp, 2, remote);
  hostilePc = link.pc;
  timer = setInterval(() => {
    link.signal();
    client.api.poll();
  }, 2);
  await remote.next('open', 30_000);
  await until(() => client.mp.get_peer(2)?.connected === true, 10_000, 'the hostile link up');
}, 45_000);

afterAll(() => {
  clearInterval(timer);
  client.mp.close();
  remote?.stop();
});

describe('a peer that is never announced (a server_compatibility client before its server is up)', () => {
  it('its packets are read and its SIMPLIFY_PATHs stored and confirmed (as Godot 3); it leaves without a signal', async () => {
    remote.send({ type: 'paths', count: 2000, length: 200 });
    const report = await remote.next('sent', 20_000);
    await until(() => markers.includes(report.marker as number), 20_000, 'the marker');
    expect(signals).toEqual([]);
    expect(client.mp.get_connection_status()).toBe(WebRTCMultiplayer.CONNECTION_CONNECTING);
    const stats = client.api.get_stats();
    expect(stats.path_cache.received).toEqual([{ peer: 2, paths: expect.any(Array) }]);
    expect(stats.path_cache.received[0]!.paths).toHaveLength(MAX_RECEIVED_PATHS_PER_PEER);
    expect(stats.dropped.path_cache_full).toBe(2000 - MAX_RECEIVED_PATHS_PER_PEER);
    expect(stats.sent.confirm_path).toBe(MAX_RECEIVED_PATHS_PER_PEER);
    remote.send({ type: 'close_channel', id: 3 });
    await until(() => !client.mp.has_peer(2), 10_000, 'the hostile peer removed');
    await until(() => hostilePc.get_connection_state() === WebRTCPeerConnection.STATE_CLOSED, 5000, 'its connection closed');
    expect(signals).toEqual([]);
  });

  // Was a leak (found here): a never-announced peer gets no peer_disconnected, so Godot's `_del_peer`
  // never forgets its received paths (up to 1024 / 256 Ki characters) nor its first-drop set; a
  // lobby handing out fresh ids made that unbounded. The API's poll now forgets senders that left
  // the peer map unannounced.
  it('a removed peer that was never announced leaves nothing in the path cache', () => {
    expect(client.mp.has_peer(2)).toBe(false);
    expect(client.api.get_stats().path_cache.received).toEqual([]);
  });
});
