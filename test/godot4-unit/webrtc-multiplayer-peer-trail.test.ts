import '../support/loopback.js';
import { describe, expect, it } from 'vitest';
import { verifyTrail } from '../../src/audit/verify.js';
import { GodotError } from '../../src/index.js';
import { peer } from '../support/loopback.js';
import { link, member, pollAll, text } from './webrtc-multiplayer-peer-setup.js';

describe('WebRTCMultiplayerPeer records', () => {
  it('replay through its machine and one remote machine per peer: a server and two clients, refusals, a forced and a polite disconnect, close', async () => {
    const server = member('server', 1, [0]);
    const a = member('client', 2, [0]);
    const b = member('client', 3, [0]);
    server.mp.create_mesh(4);
    server.mp.add_peer(peer(), 1);
    a.mp.add_peer(peer(), 3);
    link(server, a);
    link(server, b);
    await pollAll([server, a, b], () => server.signals.length === 2 && a.signals.length === 1 && b.signals.length === 1);
    server.mp.set_target_peer(9);
    server.mp.put_packet(text('x'));
    server.mp.set_target_peer(0);
    expect(server.mp.put_packet(text('x'))).toBe(GodotError.OK);
    server.mp.disconnect_peer(2, true);
    server.mp.disconnect_peer(3);
    await pollAll([server, a, b], () => !server.mp.has_peer(3) && a.signals.length === 2 && b.signals.length === 2);
    for (const m of [server, a, b]) m.mp.close();

    for (const m of [server, a, b]) {
      const verification = verifyTrail(m.mp.get_records());
      expect(verification.problems, m.mp.id).toEqual([]);
      expect(verification.ok).toBe(true);
    }
    const [life] = verifyTrail(a.mp.get_records()).connections;
    expect(life!.states.webrtcMultiplayerPeer).toBe('disconnected');
    expect(life!.multiplayer).toMatchObject({ uniqueId: 0, ended: { by: 'server_disconnected', from: 'connected' } });
    const [serverLife] = verifyTrail(server.mp.get_records()).connections;
    const removals = serverLife!.multiplayer!.remotes.map((remote) => [remote.channel, remote.removed?.by]);
    expect(removals[0]).toEqual(['peer 2', 'remove_peer']);
    // The far end's close can reach a channel before the connection: either is why at that poll.
    expect(removals.slice(1).map(([channel]) => channel)).toEqual(['peer 3']);
    expect(['connection', 'channel']).toContain(removals[1]![1]);

    // One forged record is one problem: a client that says it went connected with no peer 1.
    const records = a.mp.get_records().map((record) => ({ ...record }));
    const forged = records.find((record) => record.kind === 'transition' && record.event === 'peer_connected(1)')!;
    (forged as { event: string }).event = 'peer_connected(5)';
    expect(verifyTrail(records).problems).toHaveLength(1);
  });
});
