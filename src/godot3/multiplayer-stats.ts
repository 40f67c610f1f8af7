import type { ConnectionStatus } from './constants.js';

/** What one transfer mode (one of the three channels, over every peer) has carried. */
export interface ModeCounts {
  /** Packets put_packet handed to a channel (a broadcast to three peers counts three), and their bytes. */
  messages_sent: number;
  bytes_sent: number;
  /** Packets get_packet returned from this mode's channel, and their bytes. */
  messages_received: number;
  bytes_received: number;
}

/** Not Godot: a WebRTCMultiplayer's figures, from `get_stats()`. */
export interface MultiplayerStats {
  id: string;
  state: string;
  connection_status: ConnectionStatus;
  unique_id: number;
  /** Every peer in the map, and those that count as connected, ascending. */
  peers: number[];
  connected: number[];
  /** By transfer mode: `reliable` (channel 1), `ordered` (2), `unreliable` (3). */
  modes: Record<ModeName, ModeCounts>;
  /** Deliveries put_packet refused: a whole call refused counts one, each peer whose channel refused a broadcast one. */
  packets_refused: number;
  /** Received packets dropped by the MultiplayerAPI on top (recordDropped). */
  packets_dropped: number;
  /** Packets queued unread over every peer (get_available_packet_count()). */
  queued_packets: number;
}

export type ModeName = 'reliable' | 'ordered' | 'unreliable';
/** By channel index (0/1/2 = ids 1/2/3, MULTIPLAYER_CHANNELS). */
export const MODE_NAMES: readonly ModeName[] = ['reliable', 'ordered', 'unreliable'];

/** The counters get_stats() reports, kept by channel index so that the packet paths only add. */
export class MultiplayerCounters {
  readonly modes: [ModeCounts, ModeCounts, ModeCounts] = [none(), none(), none()];
  refused = 0;
  dropped = 0;

  sent(channel: number, bytes: number): void {
    const counts = this.modes[channel]!;
    counts.messages_sent++;
    counts.bytes_sent += bytes;
  }

  received(channel: number, bytes: number): void {
    const counts = this.modes[channel]!;
    counts.messages_received++;
    counts.bytes_received += bytes;
  }

  byMode(): Record<ModeName, ModeCounts> {
    const [reliable, ordered, unreliable] = this.modes;
    return { reliable: { ...reliable }, ordered: { ...ordered }, unreliable: { ...unreliable } };
  }
}

function none(): ModeCounts {
  return { messages_sent: 0, bytes_sent: 0, messages_received: 0, bytes_received: 0 };
}

