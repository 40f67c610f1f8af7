/**
 * Real WebRTCMultiplayers linked over loopback for the audit, model and property tests: two
 * wired WebRTCPeerConnections (test/support `peer()`/`wire()`), one added to each multiplayer as
 * the other's id, the lower id offering (as the Godot demo's lobby has it).
 */
import { peer, wire } from '../support/loopback.js';
import type { WebRTCPeerConnection } from '../../src/index.js';
import type { WebRTCMultiplayer } from '../../src/godot3/webrtc-multiplayer.js';

export interface Linked {
  /** `a`'s connection to `b`, and `b`'s to `a`. */
  ab: WebRTCPeerConnection;
  ba: WebRTCPeerConnection;
}

/** Adds a wired pair to `a` (as `bId`) and `b` (as `aId`); throws if either add_peer is refused. */
export function linkMultiplayers(a: WebRTCMultiplayer, aId: number, b: WebRTCMultiplayer, bId: number): Linked {
  const ab = peer();
  const ba = peer();
  wire(ab, ba);
  for (const [self, pc, other] of [[a, ab, bId], [b, ba, aId]] as const) {
    const added = self.add_peer(pc, other);
    if (added !== 0) throw new Error(`${self.id}: add_peer(${other}) refused: ${JSON.stringify(self.get_records().at(-1))}`);
  }
  (aId < bId ? ab : ba).create_offer();
  return { ab, ba };
}

/** Polls the multiplayers every 2 ms until `done()` holds; rejects after `timeoutMs` with their states. */
export function pollMultiplayers(all: readonly WebRTCMultiplayer[], done: () => boolean, timeoutMs = 8000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      for (const mp of all) mp.poll();
      if (done()) return resolve();
      if (Date.now() - started > timeoutMs) {
        return reject(new Error(`condition not met within ${timeoutMs} ms: ${all.map((mp) => JSON.stringify(mp.get_stats())).join('; ')}`));
      }
      setTimeout(tick, 2);
    };
    tick();
  });
}

/** Whether `mp` counts `id` as connected (its three channels were open at a poll); get_peer of an id not in the map would make a refusal record. */
export const countsConnected = (mp: WebRTCMultiplayer, id: number): boolean => mp.has_peer(id) && mp.get_peer(id)!.connected;
