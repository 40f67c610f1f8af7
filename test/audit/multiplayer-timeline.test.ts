import '../support/loopback.js';
import { afterEach, describe, expect, it } from 'vitest';
import { formatTimeline, verifyTrail } from '../../src/audit/index.js';
import { GodotError } from '../../src/godot/constants.js';
import { WebRTCMultiplayer } from '../../src/godot3/webrtc-multiplayer.js';
import { WebRTCMultiplayerPeer } from '../../src/godot4/webrtc-multiplayer-peer.js';
import type { ConnectionRecord } from '../../src/records/record.js';
import { link, member, pollAll } from '../godot4-unit/webrtc-multiplayer-peer-setup.js';
import { countsConnected, linkMultiplayers, pollMultiplayers } from '../model/multiplayer-link.js';

const godot3: WebRTCMultiplayer[] = [];
afterEach(() => {
  for (const mp of godot3.splice(0)) mp.close();
});

/** The timeline of one multiplayer's records, checked first: the audit finds nothing wrong in them. */
function timelineOf(records: ConnectionRecord[]): string {
  const jsonl = records.map((record) => JSON.stringify(record)).join('\n') + '\n';
  const result = verifyTrail(jsonl);
  expect(result.problems).toEqual([]);
  return formatTimeline(result);
}

/** Each record line's machine column and where its text after it starts. */
function columns(timeline: string): Array<{ who: string; at: number }> {
  return timeline
    .split('\n')
    .filter((line) => /^ {2}#\d+ /.test(line))
    .map((line) => {
      const match = /^( {2}#\d+ +\+[\d.]+ ms {2})(\S+(?: \d+)?) +/.exec(line)!;
      return { who: match[2]!, at: match[0]!.length };
    });
}

describe('the timeline names a multiplayer’s machines shortly, Godot 3’s and Godot 4’s, over real loopback links', () => {
  it('a Godot 4 client that lost its server: multiplayer4 lines beside its remote’s, the columns kept, why it ended', async () => {
    const server = member('server', 1);
    const client = member('client', 2);
    link(server, client);
    await pollAll([server, client], () => client.mp.get_connection_status() === WebRTCMultiplayerPeer.CONNECTION_CONNECTED && server.mp.get_peer(2)?.connected === true);
    server.mp.close();
    await pollAll([client], () => client.mp.get_connection_status() === WebRTCMultiplayerPeer.CONNECTION_DISCONNECTED);

    const timeline = timelineOf(client.mp.get_records());
    expect(timeline).toMatch(/multiplayer4 +disconnected → connecting +create\(client,2\)/);
    expect(timeline).toMatch(/multiplayer4 +connecting → connected +peer_connected\(1\)/);
    expect(timeline).toMatch(/multiplayer4 +connected → disconnected +peer_removed\(1\)/);
    expect(timeline).toMatch(/peer 1 +added → connected +channels_open/);
    expect(timeline).toContain('ended: its server (peer 1) left: server_disconnected, from connected');
    // The far end's close reaches a channel or the connection first: either is the stack's order.
    expect(timeline).toMatch(/peer 1 removed: at a poll: (its connection had ended|one of its channels had closed), from connected/);
    const lines = columns(timeline);
    expect(new Set(lines.map((line) => line.who))).toEqual(new Set(['multiplayer4', 'peer 1']));
    expect(new Set(lines.map((line) => line.at)).size).toBe(1);
  }, 20_000);

  it('a Godot 3 server keeps its short name, multiplayer, with a refusal on the same column', async () => {
    const server = new WebRTCMultiplayer();
    const client = new WebRTCMultiplayer();
    godot3.push(server, client);
    expect(server.initialize(1, true)).toBe(GodotError.OK);
    expect(client.initialize(2, true)).toBe(GodotError.OK);
    linkMultiplayers(server, 1, client, 2);
    await pollMultiplayers([server, client], () => countsConnected(server, 2) && client.get_connection_status() === WebRTCMultiplayer.CONNECTION_CONNECTED);
    expect(server.initialize(1, true)).toBe(GodotError.ERR_ALREADY_IN_USE);

    const timeline = timelineOf(server.get_records());
    expect(timeline).toMatch(/multiplayer +disconnected → connected +initialize\(1,server_compatibility\)/);
    expect(timeline).toMatch(/multiplayer +refused initialize: ERR_ALREADY_IN_USE/);
    expect(timeline).not.toContain('multiplayer4');
    const lines = columns(timeline);
    expect(new Set(lines.map((line) => line.who))).toEqual(new Set(['multiplayer', 'peer 2']));
    expect(new Set(lines.map((line) => line.at)).size).toBe(1);
  }, 20_000);
});
