import type { HeldSignal } from '../adapters/extension.js';

/**
 * How a connection's signals reach the application: `poll` (Godot's way, the default) emits them
 * only from `poll()`; `events` also emits them from a task scheduled (setImmediate) as soon as the
 * stack reports, after its native callback has returned, so that a service needs no poll loop.
 */
export type DispatchMode = 'poll' | 'events';
export const DISPATCH_MODES: readonly DispatchMode[] = ['poll', 'events'];

interface Entry {
  emit: () => void;
  /** The kind a stack may hold (see WebRTCPeerConnectionExtension.signalReady). */
  held?: HeldSignal;
  /** One of Godot's three signals: `close()` drops those not emitted yet; state changes stay. */
  godot?: boolean;
}

/**
 * A connection's signals not emitted yet, in the order the stack reported them. Emitting stops at
 * the first held signal, and those after it wait behind it.
 */
export class SignalQueue {
  private entries: Entry[] = [];
  private scheduled = false;

  constructor(
    readonly mode: DispatchMode,
    private readonly ready: (held: HeldSignal) => boolean,
  ) {}

  get length(): number {
    return this.entries.length;
  }

  push(entry: Entry): void {
    this.entries.push(entry);
    this.schedule();
  }

  /** Emits what may be emitted now; a listener may call back into the connection (even poll()). */
  drain(): void {
    while (this.entries.length > 0) {
      const next = this.entries[0]!;
      if (next.held !== undefined && !this.ready(next.held)) break;
      this.entries.shift();
      next.emit();
    }
  }

  /** `close()`: Godot drops the signals not emitted yet; the state changes that led here stay. */
  dropGodotSignals(): void {
    if (this.entries.some((entry) => entry.godot)) this.entries = this.entries.filter((entry) => !entry.godot);
  }

  /** Under event dispatch, one task emits everything reported until it runs (a held signal is tried again when its stack releases it). */
  schedule(): void {
    if (this.mode !== 'events' || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }
}
