import { WebRTCMultiplayer, type WebRTCMultiplayerOptions } from '../../src/godot3/webrtc-multiplayer.js';
import { lastRecord, watched, type Member as SharedMember } from '../support/multiplayer-members.js';

export { link, pollAll, settle, text, untext } from '../support/multiplayer-members.js';

/** A WebRTCMultiplayer and everything it emitted, as `peer_connected(2)`, `connection_succeeded`, ... */
export type Member = SharedMember<WebRTCMultiplayer>;

/** A multiplayer initialized as `id` (with `server_compatibility` when asked), its signals logged; closed after the test. */
export function member(id: number, serverCompatibility = false, options: WebRTCMultiplayerOptions = {}): Member {
  const signals: string[] = [];
  const mp = watched(new WebRTCMultiplayer(options), signals);
  mp.connection_succeeded.connect(() => signals.push('connection_succeeded'));
  mp.connection_failed.connect(() => signals.push('connection_failed'));
  mp.server_disconnected.connect(() => signals.push('server_disconnected'));
  if (mp.initialize(id, serverCompatibility) !== 0) throw new Error(`initialize(${id}) refused: ${lastRecord(mp)}`);
  return { mp, id, signals };
}

/** Whether `m` counts `id` as connected (its three channels were open at a poll). */
export const counts = (m: Member, id: number) => m.mp.has_peer(id) && m.mp.get_peer(id)!.connected;
