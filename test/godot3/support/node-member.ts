/**
 * A Node member of a 3.x lobby for the Godot 3 tests: a SignalingClient (protocol 3) whose every
 * WebRTC connection gets WebRTCMultiplayer's three negotiated channels when it is added (before any
 * offer), and whose received packets are kept per peer and channel, as text.
 */
import { GodotError } from '../../../src/godot/constants.js';
import { WebRTCDataChannel } from '../../../src/api/data-channel.js';
import { SignalingClient } from '../../../src/signaling/client.js';

/** What `WebRTCMultiplayer.add_peer` opens in Godot 3 (godot3-multiplayer-wire.md §2.2), as Node mirrors it. */
export const MULTIPLAYER_CHANNELS = [
  { label: 'reliable', options: { negotiated: true, id: 1 } },
  { label: 'ordered', options: { negotiated: true, id: 2 } },
  { label: 'unreliable', options: { negotiated: true, id: 3, ordered: false, maxRetransmits: 0 } },
] as const;

export interface Received {
  channel: number;
  text: string;
  /** Godot always sends binary (its channels are never in text mode). */
  binary: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class NodeMember {
  readonly client: SignalingClient;
  /** By peer id: channel id → channel. */
  readonly channels = new Map<number, Map<number, WebRTCDataChannel>>();
  /** By peer id: every packet received from it, in arrival order. */
  readonly received = new Map<number, Received[]>();
  /** What went wrong inside listeners (where a throw would only be logged): the tests expect none. */
  readonly problems: string[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(url: string, lobby: string) {
    this.client = new SignalingClient({ url, lobby, protocol: 3 });
    this.client.on('peer_added', (id, pc) => {
      const channels = new Map<number, WebRTCDataChannel>();
      for (const { label, options } of MULTIPLAYER_CHANNELS) {
        const channel = pc.create_data_channel(label, options);
        if (channel === null) {
          this.problems.push(`create_data_channel(${label}) refused for peer ${id}`);
          continue;
        }
        channels.set(options.id, channel);
        void this.read(id, options.id, channel);
      }
      this.channels.set(id, channels);
      this.wake();
    });
  }

  get id(): number {
    return this.client.id ?? 0;
  }

  /** Joins and checks that it worked. */
  async join(): Promise<void> {
    const code = await this.client.join();
    if (code !== GodotError.OK) throw new Error(`join() gave ${code}, closed with ${JSON.stringify(this.client.closeInfo)}`);
  }

  /** Waits (at most `timeoutMs`) for every channel to `peer` to be open. */
  async opened(peer: number, timeoutMs = 30_000): Promise<void> {
    await this.until(() => this.channels.has(peer), timeoutMs, `channels to ${peer}`);
    for (const [id, channel] of this.channels.get(peer)!) {
      const code = await channel.opened({ timeout: timeoutMs });
      if (code !== GodotError.OK) throw new Error(`channel ${id} to ${peer} did not open: ${code}`);
    }
  }

  /** Sends `text` to `peer` on channel `channel` (binary, as Godot sends). */
  send(peer: number, channel: number, text: string): void {
    const code = this.channels.get(peer)?.get(channel)?.put_packet(encoder.encode(text));
    if (code !== GodotError.OK) throw new Error(`put_packet to ${peer} on channel ${channel} gave ${code}`);
  }

  /** The first packet from `peer` whose text is `text`, waiting at most `timeoutMs`. */
  async receivedText(peer: number, text: string, timeoutMs = 30_000): Promise<Received> {
    const find = () => this.received.get(peer)?.find((packet) => packet.text === text);
    await this.until(() => find() !== undefined, timeoutMs, `${JSON.stringify(text)} from ${peer}`);
    return find()!;
  }

  /** What this member's connection to `peer` went through: its machines' states and its records (for a failure's message). */
  describe(peer: number): string {
    const pc = this.client.peers.get(peer);
    if (!pc) return `member ${this.id} has no connection to ${peer}`;
    const records = pc.get_records().map((record) => JSON.stringify(record));
    return `member ${this.id} → ${peer}: ${JSON.stringify(pc.get_machine_states())}\n${records.join('\n')}`;
  }

  close(): void {
    this.client.close();
  }

  private async read(peer: number, channelId: number, channel: WebRTCDataChannel): Promise<void> {
    for await (const packet of channel.packets()) {
      const list = this.received.get(peer) ?? [];
      list.push({ channel: channelId, text: decoder.decode(packet), binary: !channel.was_string_packet() });
      this.received.set(peer, list);
      this.wake();
    }
  }

  private until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        finish();
        resolve();
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`member ${this.id}: no ${what} within ${timeoutMs} ms; received ${JSON.stringify([...this.received])}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
