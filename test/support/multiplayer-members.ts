import { afterEach } from 'vitest';
import type { PeerConnectionOptions, WebRTCPeerConnection } from '../../src/index.js';
import { peer, wire } from './loopback.js';

/** What the Godot 3 WebRTCMultiplayer and the Godot 4 WebRTCMultiplayerPeer both have, for the helpers below. */
export interface LinkablePeer {
  add_peer(pc: WebRTCPeerConnection, id: number, lifetime?: number): number;
  poll(): unknown;
  close(): void;
  get_records(): readonly unknown[];
  get_stats(): { state: string };
}

/** A multiplayer peer under test and the signals it emitted, as `peer_connected(2)`. */
export interface Member<P extends LinkablePeer = LinkablePeer> {
  mp: P;
  id: number;
  signals: string[];
}

const made = new Set<LinkablePeer>();

afterEach(() => {
  for (const mp of made) mp.close();
  made.clear();
});

/** Closes `mp` after the test; logs its peer_connected / peer_disconnected. */
export function watched<P extends LinkablePeer & { peer_connected: Connectable<[number]>; peer_disconnected: Connectable<[number]> }>(mp: P, signals: string[]): P {
  made.add(mp);
  mp.peer_connected.connect((peerId) => signals.push(`peer_connected(${peerId})`));
  mp.peer_disconnected.connect((peerId) => signals.push(`peer_disconnected(${peerId})`));
  return mp;
}

interface Connectable<A extends unknown[]> {
  connect(listener: (...args: A) => void): unknown;
}

/** The last record of `mp`, for a refusal's error message. */
export const lastRecord = (mp: LinkablePeer) => JSON.stringify(mp.get_records().at(-1));

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
    if (added !== 0) throw new Error(`add_peer(${other.id}) refused: ${lastRecord(self.mp)}`);
  }
  (a.id < b.id ? ab : ba).create_offer();
  return { ab, ba };
}

/** Calls `poll` every 2 ms until `done()` holds; rejects after `timeoutMs` with what `seen()` says. */
export function pollUntil(poll: () => void, done: () => boolean, seen: () => string, timeoutMs = 8000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      poll();
      if (done()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`condition not met within ${timeoutMs} ms (${seen()})`));
      setTimeout(tick, 2);
    };
    tick();
  });
}

/** Polls the members every 2 ms until `done()` holds; rejects after `timeoutMs`, saying what each emitted. */
export function pollAll(members: Member[], done: () => boolean, timeoutMs = 8000): Promise<void> {
  const seen = () => members.map((m) => `${m.id}: ${m.mp.get_stats().state} [${m.signals.join(', ')}]`).join('; ');
  return pollUntil(() => members.forEach((m) => m.mp.poll()), done, seen, timeoutMs);
}

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
