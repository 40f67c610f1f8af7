import { bad, describe, isInteger, isPlainObject, ok, type Check } from './arguments.js';

/**
 * `create_data_channel`'s options as a caller writes them: Godot's options Dictionary, every key
 * optional. `id` is for negotiated channels only, and at most one of `maxRetransmits` and
 * `maxPacketLifeTime` (ms) may be set; the call checks both at run time and refuses otherwise.
 */
export interface ChannelInit {
  negotiated?: boolean;
  id?: number;
  ordered?: boolean;
  maxRetransmits?: number;
  maxPacketLifeTime?: number;
  protocol?: string;
}

/** `create_data_channel`'s options, checked. Unset numbers are -1, as Godot's getters report them. */
export interface ChannelOptions {
  negotiated: boolean;
  id: number;
  ordered: boolean;
  maxRetransmits: number;
  maxPacketLifeTime: number;
  protocol: string;
}

const KNOWN_KEYS = new Set(['negotiated', 'id', 'ordered', 'maxRetransmits', 'maxPacketLifeTime', 'protocol']);
/** Godot rejects ids above 1023 (libdatachannel's default stream count). */
export const MAX_CHANNEL_ID = 1023;
const MAX_RELIABILITY_VALUE = 65535;
const MAX_LABEL_BYTES = 65535;

export function parseChannelOptions(label: unknown, options: unknown): Check<{ label: string; options: ChannelOptions }> {
  if (typeof label !== 'string') return bad(`label must be a String, not ${describe(label)}`);
  if (Buffer.byteLength(label) > MAX_LABEL_BYTES) return bad(`label is longer than ${MAX_LABEL_BYTES} bytes`);
  if (options === undefined) options = {};
  if (!isPlainObject(options)) return bad(`options must be a Dictionary, not ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.has(key)) return bad(`unknown option ${describe(key)} (known: ${[...KNOWN_KEYS].join(', ')})`);
  }
  const parsed: ChannelOptions = { negotiated: false, id: -1, ordered: true, maxRetransmits: -1, maxPacketLifeTime: -1, protocol: '' };

  for (const key of ['negotiated', 'ordered'] as const) {
    const value = options[key];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') return bad(`option "${key}" must be a bool, not ${describe(value)}`);
    parsed[key] = value;
  }
  if (options.protocol !== undefined) {
    if (typeof options.protocol !== 'string') return bad(`option "protocol" must be a String, not ${describe(options.protocol)}`);
    if (Buffer.byteLength(options.protocol) > MAX_LABEL_BYTES) return bad(`option "protocol" is longer than ${MAX_LABEL_BYTES} bytes`);
    parsed.protocol = options.protocol;
  }
  if (options.id !== undefined) {
    if (!isInteger(options.id) || options.id < 0 || options.id > MAX_CHANNEL_ID) {
      return bad(`option "id" must be an integer from 0 to ${MAX_CHANNEL_ID}, not ${describe(options.id)}`);
    }
    parsed.id = options.id;
  }
  if (parsed.negotiated && parsed.id < 0) return bad('a negotiated channel needs an "id" (the same on both peers)');
  if (!parsed.negotiated && parsed.id >= 0) return bad('"id" is only for negotiated channels: set "negotiated": true as well');

  for (const key of ['maxRetransmits', 'maxPacketLifeTime'] as const) {
    const value = options[key];
    if (value === undefined) continue;
    if (!isInteger(value) || value < 0 || value > MAX_RELIABILITY_VALUE) {
      return bad(`option "${key}" must be an integer from 0 to ${MAX_RELIABILITY_VALUE}, not ${describe(value)}`);
    }
    parsed[key] = value;
  }
  if (parsed.maxRetransmits >= 0 && parsed.maxPacketLifeTime >= 0) {
    return bad('only one of "maxRetransmits" and "maxPacketLifeTime" may be set');
  }
  return ok({ label, options: parsed });
}
