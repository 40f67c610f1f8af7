import type { ChannelState, ConnectionState } from '../godot/constants.js';
import type { CandidateEndpoint } from '../adapters/extension.js';

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
