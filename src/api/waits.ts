import { GodotError } from '../godot/constants.js';
import type { Signal } from '../godot/signal.js';
import { describe } from './arguments.js';

/** How long a promise helper waits: `timeout` in ms (default: no limit). */
export interface WaitOptions {
  timeout?: number;
}

/** A signal, and what one of its emissions means for the wait: a code settles it, undefined waits on. */
export interface Watch<Args extends unknown[] = any[]> {
  signal: Signal<Args>;
  settle: (...args: Args) => GodotError | undefined;
}

/** Why `options` is not a WaitOptions, or null. */
export function badWaitOptions(options: unknown): string | null {
  if (options === undefined) return null;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) return `options must be an object such as { timeout: 5000 }, not ${describe(options)}`;
  const { timeout } = options as { timeout?: unknown };
  if (timeout === undefined) return null;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 0 || timeout > 2 ** 31 - 1) {
    return `options.timeout must be a number of ms from 0 to 2147483647, not ${describe(timeout)}`;
  }
  return null;
}

/**
 * Resolves with the first code `now()` or a watched signal's emission gives: OK when the awaited
 * state is reached, a failure code when it can no longer be, ERR_TIMEOUT after `timeout` ms. It
 * never rejects. It settles only when a signal is emitted (from `poll()`, or from the event
 * dispatch's task), so it cannot disagree with the signals, nor with the getters at that moment.
 * Options that are not WaitOptions resolve with what `refuse` (which records why) returns.
 */
export function waitFor(now: () => GodotError | undefined, watches: Watch[], options: WaitOptions | undefined, refuse: (reason: string) => GodotError): Promise<GodotError> {
  const bad = badWaitOptions(options);
  if (bad !== null) return Promise.resolve(refuse(bad));
  const already = now();
  if (already !== undefined) return Promise.resolve(already);
  const timeout = options?.timeout;
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const listeners: Array<[Signal<any[]>, (...args: any[]) => void]> = [];
    const finish = (code: GodotError) => {
      if (timer !== undefined) clearTimeout(timer);
      for (const [signal, listener] of listeners) signal.disconnect(listener);
      listeners.length = 0;
      resolve(code);
    };
    for (const { signal, settle } of watches) {
      const listener = (...args: any[]) => {
        const code = settle(...args);
        if (code !== undefined) finish(code);
      };
      signal.connect(listener);
      listeners.push([signal, listener]);
    }
    if (timeout !== undefined) timer = setTimeout(() => finish(GodotError.ERR_TIMEOUT), timeout);
  });
}
