import { GodotError } from '../godot/constants.js';
import { TransferMode, type SysCommand } from './constants.js';
import type { MultiplayerPeer4 } from './multiplayer-peer.js';
import type { SceneCounters } from './scene-stats.js';
import { encodeSys, wrapRelay } from './scene-wire.js';

/** What `sendCommand` returns: the peer's code, or why it was refused (the caller records it). */
export type SendResult = { code: GodotError } | { refused: GodotError; reason: string };

/** One put to `to` in this mode and channel (Godot sets channel, mode, target, then puts). */
export function putTo(peer: MultiplayerPeer4, counters: SceneCounters, to: number, packet: Uint8Array, mode: TransferMode, channel: number): GodotError {
  peer.set_transfer_channel(channel);
  peer.set_transfer_mode(mode);
  peer.set_target_peer(to);
  const code = peer.put_packet(packet);
  if (code === GodotError.OK) counters.sent++;
  return code;
}

/** Godot's `_send_sys`: `07 cmd · i32 about`, reliable on channel 0 (§2.4). */
export function sendSys(peer: MultiplayerPeer4, counters: SceneCounters, to: number, cmd: SysCommand, about: number): void {
  const packet = encodeSys(cmd, about);
  if (packet.ok) putTo(peer, counters, to, packet.value, TransferMode.TRANSFER_MODE_RELIABLE, 0);
}

/**
 * Godot's `send_command` (§2.4): with the relay on, a client sends whatever is not for 1 as
 * `07 03 · to · packet` to 1 (broadcasts and exclusions included); otherwise one put per admitted
 * target (0 all, -n all but n), so a peer still authenticating gets nothing.
 */
export function sendCommand(
  peer: MultiplayerPeer4,
  counters: SceneCounters,
  connected: ReadonlySet<number>,
  relaying: boolean,
  to: number,
  packet: Uint8Array,
  mode: TransferMode,
  channel: number,
): SendResult {
  if (relaying && peer.get_unique_id() !== 1 && to !== 1) {
    const wrapped = wrapRelay(to, packet);
    if (!wrapped.ok) return { refused: GodotError.ERR_INVALID_DATA, reason: wrapped.reason };
    return { code: putTo(peer, counters, 1, wrapped.value, mode, channel) };
  }
  if (to > 0) {
    if (!connected.has(to)) return { refused: GodotError.ERR_BUG, reason: `peer ${to} is not connected` };
    return { code: putTo(peer, counters, to, packet, mode, channel) };
  }
  let code: GodotError = GodotError.OK;
  for (const id of [...connected]) {
    if (to !== 0 && id === -to) continue;
    const sent = putTo(peer, counters, id, packet, mode, channel);
    if (sent !== GodotError.OK) code = sent;
  }
  return { code };
}
