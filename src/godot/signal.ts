import { GodotError } from './constants.js';
import { log } from '../log.js';

/**
 * A Godot 4 style signal: `connect`, `disconnect`, `is_connected`, `emit`.
 * Listeners run in connection order; a listener that throws does not stop the others,
 * its error goes to `onListenerError` (by default the library's logger, `setLogger`, source 'listener').
 */
export class Signal<Args extends unknown[]> {
  private listeners: Array<(...args: Args) => unknown> = [];

  constructor(
    readonly name: string,
    private readonly onListenerError: (error: unknown, signal: string) => void = reportListenerError,
  ) {}

  /** As in Godot: connecting the same callable twice is refused with ERR_INVALID_PARAMETER. */
  connect(callable: (...args: Args) => unknown): GodotError {
    if (typeof callable !== 'function' || this.listeners.includes(callable)) {
      return GodotError.ERR_INVALID_PARAMETER;
    }
    this.listeners.push(callable);
    return GodotError.OK;
  }

  disconnect(callable: (...args: Args) => unknown): void {
    const index = this.listeners.indexOf(callable);
    if (index >= 0) this.listeners.splice(index, 1);
  }

  is_connected(callable: (...args: Args) => unknown): boolean {
    return this.listeners.includes(callable);
  }

  get_connections(): ReadonlyArray<(...args: Args) => unknown> {
    return [...this.listeners];
  }

  emit(...args: Args): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(...args);
      } catch (error) {
        this.onListenerError(error, this.name);
      }
    }
  }
}

function reportListenerError(error: unknown, signal: string): void {
  log('error', 'listener', `a listener of ${signal} threw`, error);
}
