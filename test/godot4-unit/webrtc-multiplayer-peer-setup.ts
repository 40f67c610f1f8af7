import { afterEach } from 'vitest';
import { peer, wire } from '../support/loopback.js';
import type { PeerConnectionOptions, WebRTCPeerConnection } from '../../src/index.js';
import { WebRTCMultiplayerPeer, type WebRTCMultiplayerPeerOptions } from '../../src/godot4/webrtc-multiplayer-peer.js';

/** A WebRTCMultiplayerPeer and the signals it emitted, as `peer_connected(2)`. */
export interface Member {
  mp: WebRTCMultiplayerPeer;
  id: number;
  signals: string[];
}

const made = new Set<WebRTCMultiplayerPeer>();

afterEach(() => {
  for (const mp of made) mp.close();
  made.clear();
});

export type Mode = 'server' | 'client' | 'mesh';

/** A peer made by create_server / create_client(id) / create_mesh(id), its signals logged; closed after the test. */
export function member(mode: Mode, id: number, channels: number[] = [], options: WebRTCMultiplayerPeerOptions = {}): Member {
  const mp = new WebRTCMultiplayerPeer(options);
  made.add(mp);
  const signals: string[] = [];
  mp.peer_connected.connect((peerId) => signals.push(`peer_connected(${peerId})`));
  mp.peer_disconnected.connect((peerId) => signals.push(`peer_disconnected(${peerId})`));
  const code = mode === 'server' ? mp.create_server(channels) : mode === 'client' ? mp.create_client(id, channels) : mp.create_mesh(id, channels);
  if (code !== 0) throw new Error(`create_${mode}(${id}) refused: ${JSON.stringify(mp.get_records().at(-1))}`);
  return { mp, id: mode === 'server' ? 1 : id, signals };
}

/** Two wired connections, one added to each member as the other's id; the lower id offers (at its next poll). */
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

/** Polls a few more times (about `ms`), for tests that check nothing more is emitted. */
export async function settle(members: Member[], ms = 40): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    for (const m of members) m.mp.poll();
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Every packet `m` has, as `[sender, channel, mode, text]`, read in get_packet's order (bounded). */
export function drain(m: Member, limit = 1000): Array<[number, number, number, string]> {
  const read: Array<[number, number, number, string]> = [];
  while (m.mp.get_available_packet_count() > 0 && read.length < limit) {
    const from = m.mp.get_packet_peer();
    const channel = m.mp.get_packet_channel();
    const mode = m.mp.get_packet_mode();
    read.push([from, channel, mode, untext(m.mp.get_packet())]);
  }
  return read;
}

export const text = (value: string) => new TextEncoder().encode(value);
export const untext = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
