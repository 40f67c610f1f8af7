import type { WebRTCPeerConnection } from '../api/peer-connection.js';
import type { ChannelStats, ConnectionStats } from '../api/stats.js';

/** One end of the selected pair as the page shows it (the candidate line left out). */
export interface EndpointView {
  type: string;
  address: string;
  port: number;
  transport: string;
}

/** `pc.get_stats()` as the inspector sends it: the figures, without the candidate lines. */
export type ConnectionStatsView = Omit<ConnectionStats, 'selected_pair' | 'channels'> & {
  selected_pair: { local: EndpointView; remote: EndpointView } | null;
  channels: ChannelStats[];
};

/** The connection's stats for the page; null if get_stats failed (it is not expected to). */
export function statsView(pc: WebRTCPeerConnection): ConnectionStatsView | null {
  let stats: ConnectionStats;
  try {
    stats = pc.get_stats();
  } catch {
    return null;
  }
  const endpoint = ({ type, address, port, transport }: EndpointView): EndpointView => ({ type, address, port, transport });
  const pair = stats.selected_pair;
  return { ...stats, selected_pair: pair === null ? null : { local: endpoint(pair.local), remote: endpoint(pair.remote) } };
}
