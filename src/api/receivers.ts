import { GodotError } from '../godot/constants.js';

type Receiver = (packet: Uint8Array | null, error: GodotError) => void;

/**
 * A channel's `receive()` calls waiting for a packet, oldest first. A packet that arrives in a
 * stack callback is not handed over there: `wake()` queues the hand-over to the connection's
 * `poll()` or event dispatch, once however many packets arrive before it runs.
 */
export class Receivers {
  private waiting: Receiver[] = [];
  private wakeQueued = false;

  constructor(
    /** The channel's oldest queued packet, taken out of its queue, or null. */
    private readonly take: () => Uint8Array | null,
    /** Whether the channel is closed: then the waiting calls get null once its packets are taken. */
    private readonly closed: () => boolean,
    private readonly queue: (emit: () => void) => void,
  ) {}

  get length(): number {
    return this.waiting.length;
  }

  /** Waits for the next packet: null with ERR_TIMEOUT after `timeout` ms, or with ERR_UNAVAILABLE once the channel is closed and read. */
  wait(timeout: number | undefined, settled: Receiver): void {
    let timer: NodeJS.Timeout | undefined;
    const receiver: Receiver = (packet, error) => {
      if (timer !== undefined) clearTimeout(timer);
      settled(packet, error);
    };
    this.waiting.push(receiver);
    if (timeout === undefined) return;
    timer = setTimeout(() => {
      const index = this.waiting.indexOf(receiver);
      if (index < 0) return;
      this.waiting.splice(index, 1);
      settled(null, GodotError.ERR_TIMEOUT);
    }, timeout);
  }

  /** A packet arrived or the channel closed: the waiting calls are served at the next poll or dispatch. */
  wake(): void {
    if (this.wakeQueued || this.waiting.length === 0) return;
    this.wakeQueued = true;
    this.queue(() => {
      this.wakeQueued = false;
      while (this.waiting.length > 0) {
        const packet = this.take();
        if (packet === null) break;
        this.waiting.shift()!(packet, GodotError.OK);
      }
      // Still waiting: no packet is left. Once closed, none will come.
      if (this.closed() && this.waiting.length > 0) {
        const waiting = this.waiting;
        this.waiting = [];
        for (const receiver of waiting) receiver(null, GodotError.ERR_UNAVAILABLE);
      }
    });
  }
}
