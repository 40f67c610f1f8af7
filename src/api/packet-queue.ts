import type { Limits } from '../limits.js';

/** A FIFO of received packets with O(1) push and shift; `bytes` is what it holds as the receive budget counts it. */
export class PacketQueue {
  private items: Array<{ data: Uint8Array; isString: boolean } | undefined> = [];
  private head = 0;
  bytes = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(data: Uint8Array, isString: boolean, cost: number): void {
    this.items.push({ data, isString });
    this.bytes += cost;
  }

  shift(overhead: number): { data: Uint8Array; isString: boolean } | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head]!;
    this.items[this.head++] = undefined;
    this.bytes -= item.data.byteLength + overhead;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

type ReceiveLimit = 'maxQueuedPackets' | 'maxQueuedBytes' | 'maxAmplifiedMessages';

/**
 * What a connection's channels hold unread, together: each packet counted as its payload plus
 * `packetOverheadBytes`. A packet that takes a channel past `maxQueuedPackets`, or the connection
 * past `maxQueuedBytes`, is queued (nothing received is lost) and `exceeded` is called once: the
 * connection closes, and nothing more is received. The same for amplified messages.
 */
export class ReceiveBudget {
  bytes = 0;
  private spent = false;
  private amplifiedMessages = 0;

  constructor(
    readonly limits: Pick<Limits, ReceiveLimit | 'packetOverheadBytes'>,
    private readonly exceeded: (limit: ReceiveLimit, reason: string) => void,
  ) {}

  /** The stack delivered a message with the signature of its deprecated-PPID amplification. */
  amplified(reason: string): void {
    if (!this.spent && ++this.amplifiedMessages > this.limits.maxAmplifiedMessages) this.spend('maxAmplifiedMessages', reason);
  }

  /** Counts a packet `queue` has just taken; `channel` names it in the reason. */
  took(queue: PacketQueue, cost: number, channel: () => string): void {
    this.bytes += cost;
    if (this.spent) return;
    const { maxQueuedPackets, maxQueuedBytes } = this.limits;
    if (queue.length > maxQueuedPackets) {
      this.spend('maxQueuedPackets', `channel ${channel()} holds ${queue.length} unread packets, more than maxQueuedPackets (${maxQueuedPackets}): the remote sends faster than the application reads`);
    } else if (this.bytes > maxQueuedBytes) {
      this.spend('maxQueuedBytes', `the connection's channels hold ${this.bytes} unread bytes (payload plus ${this.limits.packetOverheadBytes} per packet), more than maxQueuedBytes (${maxQueuedBytes}): the remote sends faster than the application reads`);
    }
  }

  private spend(limit: ReceiveLimit, reason: string): void {
    this.spent = true;
    this.exceeded(limit, reason);
  }
}
