import type { ChannelState, ConnectionState } from '../godot/constants.js';
import type { CandidateEndpoint, StackStats } from '../adapters/extension.js';

/** Not Godot: what one data channel has carried and holds, from `channel.get_stats()`. */
export interface ChannelStats {
  label: string;
  /** The SCTP stream id (-1 before the stack assigns one). */
  id: number;
  state: ChannelState;
  state_name: string;
  /** Packets `put_packet` handed to the stack, and their payload bytes. */
  messages_sent: number;
  bytes_sent: number;
  /** Packets the stack delivered, and their payload bytes (read or not). */
  messages_received: number;
  bytes_received: number;
  /** What the stack buffers for sending (`get_buffered_amount()`). */
  buffered_amount: number;
  /** Received packets not read yet, and what they count against `maxQueuedBytes`. */
  queued_packets: number;
  queued_bytes: number;
}

/** Not Godot: a connection's figures, from `pc.get_stats()`. */
export interface ConnectionStats {
  id: string;
  /** Milliseconds since the connection was constructed. */
  age_ms: number;
  connection_state: ConnectionState;
  /** The three machines' state names. */
  states: Record<'signaling' | 'connection' | 'gathering', string>;
  /** The channels' payload, summed over every channel since the last `initialize()`, closed ones included. */
  messages_sent: number;
  bytes_sent: number;
  messages_received: number;
  bytes_received: number;
  /** The messages' payload as libdatachannel counts it, handed to SCTP and delivered by it (no protocol overhead, every channel); null without a stack connection. */
  transport_bytes_sent: number | null;
  transport_bytes_received: number | null;
  /** SCTP's smoothed round-trip time in ms; null before the stack has one. */
  rtt_ms: number | null;
  /** The candidate pair ICE selected; null before it has one. */
  selected_pair: { local: CandidateEndpoint; remote: CandidateEndpoint } | null;
  /** Received and unread over all channels (`get_queued_bytes()`), and buffered for sending over the open ones. */
  queued_bytes: number;
  buffered_amount: number;
  /** The channels not closed yet. */
  channels: ChannelStats[];
}

/** What a channel has carried: the counters a connection sums. */
export type CarriedCounts = Pick<ChannelStats, 'messages_sent' | 'bytes_sent' | 'messages_received' | 'bytes_received'>;

export const CARRIED_KEYS = ['messages_sent', 'bytes_sent', 'messages_received', 'bytes_received'] as const;

export function noneCarried(): CarriedCounts {
  return { messages_sent: 0, bytes_sent: 0, messages_received: 0, bytes_received: 0 };
}

/** A connection's stats from its parts: its open channels' stats are summed with what its closed ones carried. */
export function connectionStats(
  own: Pick<ConnectionStats, 'id' | 'age_ms' | 'connection_state' | 'states' | 'queued_bytes'>,
  channels: ChannelStats[],
  closedCarried: CarriedCounts,
  stack: StackStats | null,
): ConnectionStats {
  const carried = { ...closedCarried };
  for (const channel of channels) for (const key of CARRIED_KEYS) carried[key] += channel[key];
  return {
    ...own,
    ...carried,
    transport_bytes_sent: stack?.bytesSent ?? null,
    transport_bytes_received: stack?.bytesReceived ?? null,
    rtt_ms: stack?.rttMs ?? null,
    selected_pair: stack?.selectedPair ?? null,
    buffered_amount: channels.reduce((sum, channel) => sum + channel.buffered_amount, 0),
    channels,
  };
}
