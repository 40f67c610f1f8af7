import { describe, expect, it } from 'vitest';
import { SceneMultiplayer } from '../../src/godot4/scene-multiplayer.js';
import { MAX_RELAYED_PEERS } from '../../src/godot4/scene-receive.js';
import { bytesOf, FakeNet } from './scene-multiplayer-fake.js';

/** A seeded xorshift, so a failure is reproducible. */
function random(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function pair(options: { auth?: boolean } = {}) {
  const net = new FakeNet();
  const server = new SceneMultiplayer(options.auth ? { auth_callback: () => {} } : {});
  const client = new SceneMultiplayer();
  const sp = net.peer(1);
  const cp = net.peer(2);
  server.set_multiplayer_peer(sp);
  client.set_multiplayer_peer(cp);
  net.link(1, 2);
  for (let i = 0; i < 3; i++) (server.poll(), client.poll());
  return { net, server, client, sp, cp };
}

describe('SceneMultiplayer under hostile input', () => {
  it('5000 random packets (random first byte, SYS-heavy) from an admitted and a pending peer: nothing throws, records stay bounded', () => {
    for (const auth of [false, true]) {
      const { server, sp, cp } = pair({ auth });
      const next = random(auth ? 7 : 13);
      cp.set_target_peer(1);
      for (let i = 0; i < 5000; i++) {
        const length = 1 + Math.floor(next() * 24);
        const bytes = Uint8Array.from({ length }, () => Math.floor(next() * 256));
        if (next() < 0.5) bytes[0] = 7; // SYS
        if (next() < 0.3 && length > 1) bytes[1] = Math.floor(next() * 4);
        cp.put_packet(bytes);
        if (i % 500 === 0) expect(() => server.poll()).not.toThrow();
      }
      expect(() => server.poll()).not.toThrow();
      const stats = server.get_stats();
      expect(stats.received).toBe(5000);
      expect(Object.values(stats.dropped).reduce((a, b) => a + (b ?? 0), 0)).toBeGreaterThan(auth ? 4000 : 1000);
      expect(sp.drops.length).toBeLessThanOrEqual(20); // one record per reason and peer
      if (auth) expect(server.get_peers()).toEqual([]);
    }
  });

  it('a server announcing peers: ADD_PEER of 0, 1, negative or our own id is dropped; at most MAX_RELAYED_PEERS are kept', () => {
    const { client, sp, cp } = pair();
    sp.set_target_peer(2);
    for (const bad of ['070100000000', '070101000000', '0701ffffffff', '070102000000']) sp.put_packet(bytesOf(bad));
    const add = new Uint8Array(6);
    add[0] = 7;
    add[1] = 1;
    for (let id = 3; id < 3 + MAX_RELAYED_PEERS + 10; id++) {
      new DataView(add.buffer).setInt32(2, id, true);
      sp.put_packet(add);
    }
    client.poll();
    expect(client.get_peers().length).toBe(MAX_RELAYED_PEERS);
    expect(client.get_stats().dropped).toEqual({ malformed: 4, too_many_peers: 11 });
    expect(cp.drops.length).toBe(2);
  });
});
