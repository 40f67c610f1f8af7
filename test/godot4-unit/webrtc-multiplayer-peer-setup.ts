import { WebRTCMultiplayerPeer, type WebRTCMultiplayerPeerOptions } from '../../src/godot4/webrtc-multiplayer-peer.js';
import { lastRecord, untext, watched, type Member as SharedMember } from '../support/multiplayer-members.js';

export { link, pollAll, settle, text, untext } from '../support/multiplayer-members.js';

/** A WebRTCMultiplayerPeer and the signals it emitted, as `peer_connected(2)`. */
export type Member = SharedMember<WebRTCMultiplayerPeer>;

export type Mode = 'server' | 'client' | 'mesh';

/** A peer made by create_server / create_client(id) / create_mesh(id), its signals logged; closed after the test. */
export function member(mode: Mode, id: number, channels: number[] = [], options: WebRTCMultiplayerPeerOptions = {}): Member {
  const signals: string[] = [];
  const mp = watched(new WebRTCMultiplayerPeer(options), signals);
  const code = mode === 'server' ? mp.create_server(channels) : mode === 'client' ? mp.create_client(id, channels) : mp.create_mesh(id, channels);
  if (code !== 0) throw new Error(`create_${mode}(${id}) refused: ${lastRecord(mp)}`);
  return { mp, id: mode === 'server' ? 1 : id, signals };
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
