import { describe, isInteger } from '../api/arguments.js';
import { TransferMode } from '../godot3/constants.js';
import type { ExtraChannel } from '../multiplayer/remote-peer.js';

/** The transfer channels beyond 0 that set_transfer_channel can name (its hint is 0..255). */
export const MAX_EXTRA_CHANNELS = 255;

export type ChannelsConfig = { ok: true; channels: ExtraChannel[]; modes: TransferMode[] } | { ok: false; reason: string };

/**
 * create_*'s `channels_config` (§1.2): entry k is a TransferMode and becomes negotiated channel
 * 4 + k, labelled "4", "5", …; ordered unless UNRELIABLE; UNRELIABLE and UNRELIABLE_ORDERED with a
 * 1 ms lifetime (Godot asks with the misspelt `maxPacketLifetime`, which no stack reads; ours
 * honours it on what this end sends).
 */
export function parseChannelsConfig(config: unknown): ChannelsConfig {
  if (!Array.isArray(config)) return { ok: false, reason: `channels_config must be an Array of TransferMode values, not ${describe(config)}` };
  if (config.length > MAX_EXTRA_CHANNELS) return { ok: false, reason: `channels_config may hold at most ${MAX_EXTRA_CHANNELS} channels (transfer channels 1..255), not ${config.length}` };
  const channels: ExtraChannel[] = [];
  const modes: TransferMode[] = [];
  for (const [k, mode] of config.entries()) {
    if (!isInteger(mode)) return { ok: false, reason: `The 'channels_config' array must contain only enum values from 'MultiplayerPeer.TransferMode' (entry ${k} is ${describe(mode)})` };
    if (mode !== TransferMode.TRANSFER_MODE_RELIABLE && mode !== TransferMode.TRANSFER_MODE_UNRELIABLE_ORDERED && mode !== TransferMode.TRANSFER_MODE_UNRELIABLE) {
      return { ok: false, reason: `The 'channels_config' array must contain only enum values from 'MultiplayerPeer.TransferMode'. Got: ${mode}` };
    }
    const id = 4 + k;
    const reliable = mode === TransferMode.TRANSFER_MODE_RELIABLE;
    channels.push({ label: String(id), id, ordered: mode !== TransferMode.TRANSFER_MODE_UNRELIABLE, ...(reliable ? {} : { maxPacketLifeTime: 1 }) });
    modes.push(mode);
  }
  return { ok: true, channels, modes };
}
