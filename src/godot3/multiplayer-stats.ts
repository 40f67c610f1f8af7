import type { ConnectionStatus } from './constants.js';
import type { ModeCounts, ModeName } from '../multiplayer/stats.js';

export type { ModeCounts } from '../multiplayer/stats.js';

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
