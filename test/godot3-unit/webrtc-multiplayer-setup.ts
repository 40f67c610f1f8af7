import { afterEach } from 'vitest';
import { peer, wire } from '../support/loopback.js';
import type { PeerConnectionOptions, WebRTCPeerConnection } from '../../src/index.js';
import { WebRTCMultiplayer, type WebRTCMultiplayerOptions } from '../../src/godot3/webrtc-multiplayer.js';

/** A WebRTCMultiplayer and everything it emitted, as `peer_connected(2)`, `connection_succeeded`, ... */
export interface Member {
  mp: WebRTCMultiplayer;
  id: number;
  signals: string[];
}

const made = new Set<WebRTCMultiplayer>();

afterEach(() => {
  for (const mp of made) mp.close();
  made.clear();
});

/** A multiplayer initialized as `id` (with `server_compatibility` when asked), its signals logged; closed after the test. */
export function member(id: number, serverCompatibility = false, options: WebRTCMultiplayerOptions = {}): Member {
  const mp = new WebRTCMultiplayer(options);
  made.add(mp);
  const signals: string[] = [];
  mp.peer_connected.connect((peerId) => signals.push(`peer_connected(${peerId})`));
  mp.peer_disconnected.connect((peerId) => signals.push(`peer_disconnected(${peerId})`));
  mp.connection_succeeded.connect(() => signals.push('connection_succeeded'));
  mp.connection_failed.connect(() => signals.push('connection_failed'));
  mp.server_disconnected.connect(() => signals.push('server_disconnected'));
  if (mp.initialize(id, serverCompatibility) !== 0) throw new Error(`initialize(${id}) refused: ${JSON.stringify(mp.get_records().at(-1))}`);
  return { mp, id, signals };
}

/**
 * Two wired connections, one added to each member as the other's id (the lower id offers, as the
 * Godot demo's lobby has it); the offer goes out at the offerer's next poll.
 */
export function link(a: Member, b: Member, lifetime = 1000, options: PeerConnectionOptions = {}): { ab: WebRTCPeerConnection; ba: WebRTCPeerConnection } {
  const ab = peer(options);
  const ba = peer(options);
  wire(ab, ba);
  for (const [self, pc, other] of [[a, ab, b], [b, ba, a]] as const) {
    const added = self.mp.add_peer(pc, other.id, lifetime);
    if (added !== 0) throw new Error(`add_peer(${other.id}) refused: ${JSON.stringify(self.mp.get_records().at(-1))}`);
  }
  (a.id < b.id ? ab : ba).create_offer();
  return { ab, ba };
}

/** Polls the members every 2 ms until `done()` holds; rejects after `timeoutMs`, saying what each emitted. */
export function pollAll(members: Member[], done: () => boolean, timeoutMs = 8000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      for (const m of members) m.mp.poll();
      if (done()) return resolve();
      if (Date.now() - started > timeoutMs) {
        const seen = members.map((m) => `${m.id}: ${m.mp.get_stats().state} [${m.signals.join(', ')}]`).join('; ');
        return reject(new Error(`condition not met within ${timeoutMs} ms (${seen})`));
      }
      setTimeout(tick, 2);
    };
    tick();
  });
}

/** Whether `m` counts `id` as connected (its three channels were open at a poll). */
export const counts = (m: Member, id: number) => m.mp.has_peer(id) && m.mp.get_peer(id)!.connected;

/** Polls a few more times (about `ms`), for tests that check nothing more is emitted. */
export async function settle(members: Member[], ms = 40): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    for (const m of members) m.mp.poll();
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

export const text = (value: string) => new TextEncoder().encode(value);
export const untext = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
