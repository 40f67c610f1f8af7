import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import {
  describeMultiplayerPeerEvent,
  parseMultiplayerPeerEvent,
  webrtcMultiplayerPeerMachine,
  type WebRTCMultiplayerPeerEvent,
} from '../../src/machines/webrtc-multiplayer-peer.js';

/** An actor taken through `events`; returns it (started, its snapshot readable). */
function run(events: WebRTCMultiplayerPeerEvent[]) {
  const actor = createActor(webrtcMultiplayerPeerMachine).start();
  for (const event of events) actor.send(event);
  return actor;
}

describe('webrtcMultiplayerPeerMachine (§1.2, §1.3, §1.4, §1.8, §1.10)', () => {
  it('create: a server is 1 and CONNECTED, a client is not 1 and CONNECTING, a mesh any id and CONNECTED', () => {
    expect(run([{ type: 'create', mode: 'server', id: 1 }]).getSnapshot().value).toBe('connected');
    expect(run([{ type: 'create', mode: 'client', id: 2 }]).getSnapshot().value).toBe('connecting');
    expect(run([{ type: 'create', mode: 'mesh', id: 1 }]).getSnapshot().value).toBe('connected');
    for (const refused of [
      { type: 'create', mode: 'client', id: 1 },
      { type: 'create', mode: 'server', id: 2 },
      { type: 'create', mode: 'mesh', id: 0 },
      { type: 'create', mode: 'mesh', id: 2 ** 31 },
    ] as const) {
      const snapshot = run([]).getSnapshot();
      expect(snapshot.can(refused), JSON.stringify(refused)).toBe(false);
    }
  });

  it('add_peer: a client only 1, a server never 1, a mesh anyone but an id already in the map; refusing stops all', () => {
    const client = run([{ type: 'create', mode: 'client', id: 2 }]).getSnapshot();
    expect(client.can({ type: 'add_peer', id: 1 })).toBe(true);
    expect(client.can({ type: 'add_peer', id: 3 })).toBe(false);
    const server = run([{ type: 'create', mode: 'server', id: 1 }]).getSnapshot();
    expect(server.can({ type: 'add_peer', id: 1 })).toBe(false);
    expect(server.can({ type: 'add_peer', id: 2 })).toBe(true);
    const mesh = run([{ type: 'create', mode: 'mesh', id: 4 }, { type: 'add_peer', id: 7 }]).getSnapshot();
    expect(mesh.context.peers).toEqual([7]);
    expect(mesh.can({ type: 'add_peer', id: 7 })).toBe(false);
    expect(mesh.can({ type: 'add_peer', id: 1 })).toBe(true);
    const refusing = run([{ type: 'create', mode: 'mesh', id: 4 }, { type: 'set_refuse_new_connections', enable: true }]).getSnapshot();
    expect(refusing.can({ type: 'add_peer', id: 1 })).toBe(false);
  });

  it("a client's peer 1: connected → CONNECTED; removed while connecting → disconnected (connection_failed), while connected → disconnected (server_disconnected); close() clears the mode", () => {
    const failed = run([{ type: 'create', mode: 'client', id: 2 }, { type: 'add_peer', id: 1 }, { type: 'peer_removed', id: 1 }]);
    expect(failed.getSnapshot().value).toBe('disconnected');
    expect(failed.getSnapshot().context).toMatchObject({ mode: 'client', uniqueId: 2, peers: [], ended: { by: 'connection_failed', from: 'connecting' } });
    failed.send({ type: 'close' });
    expect(failed.getSnapshot().context).toMatchObject({ mode: 'none', uniqueId: 0 });

    const lost = run([{ type: 'create', mode: 'client', id: 2 }, { type: 'add_peer', id: 1 }, { type: 'peer_connected', id: 1 }]);
    expect(lost.getSnapshot().value).toBe('connected');
    lost.send({ type: 'peer_removed', id: 1 });
    expect(lost.getSnapshot().value).toBe('disconnected');
    expect(lost.getSnapshot().context.ended).toEqual({ by: 'server_disconnected', from: 'connected' });

    // A server or mesh peer losing peers stays CONNECTED.
    const server = run([{ type: 'create', mode: 'server', id: 1 }, { type: 'add_peer', id: 2 }, { type: 'peer_connected', id: 2 }, { type: 'peer_removed', id: 2 }]);
    expect(server.getSnapshot().value).toBe('connected');
    expect(server.getSnapshot().context.peers).toEqual([]);
  });

  it('every event names itself in records and parses back', () => {
    const events: WebRTCMultiplayerPeerEvent[] = [
      { type: 'create', mode: 'server', id: 1 },
      { type: 'create', mode: 'client', id: 2147483647 },
      { type: 'create', mode: 'mesh', id: 3 },
      { type: 'set_refuse_new_connections', enable: true },
      { type: 'set_refuse_new_connections', enable: false },
      { type: 'add_peer', id: 5 },
      { type: 'peer_connected', id: 5 },
      { type: 'peer_removed', id: 5 },
      { type: 'close' },
    ];
    for (const event of events) expect(parseMultiplayerPeerEvent(describeMultiplayerPeerEvent(event))).toEqual(event);
    expect(describeMultiplayerPeerEvent({ type: 'create', mode: 'client', id: 2 })).toBe('create(client,2)');
    for (const text of ['create(host,1)', 'create(client)', 'close(1)', 'add_peer', 'nothing', 'set_refuse_new_connections(yes)']) expect(parseMultiplayerPeerEvent(text), text).toBeNull();
  });
});
