/** What one transfer mode (one of the three channels, over every peer) has carried. */
export interface ModeCounts {
  /** Packets put_packet handed to a channel (a broadcast to three peers counts three), and their bytes. */
  messages_sent: number;
  bytes_sent: number;
  /** Packets get_packet returned from this mode's channel, and their bytes. */
  messages_received: number;
  bytes_received: number;
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

