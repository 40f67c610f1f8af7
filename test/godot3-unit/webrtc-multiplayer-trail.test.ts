import '../support/loopback.js';
import { describe, expect, it } from 'vitest';
import { verifyTrail } from '../../src/audit/verify.js';
import { GodotError } from '../../src/index.js';
import { peer } from '../support/loopback.js';
import { counts, link, member, pollAll } from './webrtc-multiplayer-setup.js';

describe('WebRTCMultiplayer records', () => {
  it('replay through the machines: a client_late life, its refusals, its server lost, its close', async () => {
    const client = member(2, true);
    const other = member(3);
    const server = member(1);
    const mp = client.mp;
    mp.initialize(5);
    mp.add_peer(peer(), 0);
    mp.set_target_peer(7);
    mp.put_packet(new Uint8Array([1]));
    mp.remove_peer(8);
    link(client, other);
    await pollAll([client, other], () => counts(client, 3));
    link(server, client);
    await pollAll([client, other, server], () => client.signals.length === 3);
    mp.set_target_peer(3);
    mp.set_transfer_mode(0);
    expect(mp.put_packet(new Uint8Array([1]))).toBe(GodotError.OK);
    server.mp.get_peer(2)!.connection.close();
    await pollAll([client, other, server], () => client.signals.length === 5);
    expect(mp.get_unique_id()).toBe(1);
    mp.close();
    for (const m of [client, other, server]) {
      const verification = verifyTrail(m.mp.get_records());
      expect(verification.problems).toEqual([]);
      expect(verification.ok).toBe(true);
    }
    const [life] = verifyTrail(mp.get_records()).connections;
    expect(life!.multiplayer).toMatchObject({ uniqueId: 0, ended: { by: 'server_disconnected', from: 'connected' } }); // close() in disconnected keeps why it ended
    // The far end's close can reach a channel before the connection: either is why at that poll.
    const removals = life!.multiplayer!.remotes.map((remote) => [remote.channel, remote.removed?.by]);
    expect(removals[0]).toEqual(['peer 3', 'close']);
    expect(removals[1]![0]).toBe('peer 1');
    expect(['connection', 'channel']).toContain(removals[1]![1]);
    expect(removals).toHaveLength(2);
  });
});
