import type { DispatchMode } from '../api/signal-queue.js';

/**
 * A WebRTCMultiplayer's or WebRTCMultiplayerPeer's signals not emitted yet, and, under event dispatch, the one task that
 * runs its poll step after the stack has reported. `reported` (a connection's or channel's state
 * change, emitted by the connection's own dispatch) and `packet` (called inside the stack's
 * callback as each packet is queued) only set a flag and schedule: no user code runs in them.
 * Under poll dispatch nothing is ever scheduled: signals wait for `poll()`.
 */
export class MultiplayerDispatch {
  private queued: Array<() => void> = [];
  private scheduled = false;
  /** A connection or channel changed state since the last step. */
  stateReported = false;
  /** A packet arrived since `packets_available` was last considered. */
  packetsArrived = false;

  constructor(
    readonly mode: DispatchMode,
    private readonly task: () => void,
  ) {}

  /** Queues a signal: emitted by the next `drain()` (the end of poll(), or the scheduled task). */
  queue(emit: () => void): void {
    this.queued.push(emit);
    this.schedule();
  }

  /** Emits the queued signals in order; a listener may call back in (even poll(), or close(), which drops the rest). */
  drain(): void {
    while (this.queued.length > 0) this.queued.shift()!();
  }

  /** close(): the signals not emitted yet are dropped. */
  drop(): void {
    this.queued = [];
  }

  /** A listener for the connections' and channels' state signals (one function, so it connects to each signal once). */
  readonly reported = (): void => {
    this.stateReported = true;
    this.schedule();
  };

  /** Set as each channel's `onPacketQueued`: the cheapest notice, once per packet. */
  readonly packet = (): void => {
    this.packetsArrived = true;
    if (!this.scheduled) this.schedule();
  };

  schedule(): void {
    if (this.mode !== 'events' || this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.run);
  }

  private readonly run = (): void => {
    this.scheduled = false;
    this.task();
  };
}
