/**
 * A small typed event emitter (`on`, `off`, `once`) whose `emit` never throws: a listener that
 * throws is logged (source `listener`) and the others still run. Unlike Node's EventEmitter, an
 * `error` event is nothing special and a throwing listener cannot unwind into the socket or stack
 * code that emitted.
 */
import { log } from '../log.js';

export type EventMap = { [event: string]: unknown[] };
export type Listener<Args extends unknown[]> = (...args: Args) => unknown;

export class SafeEmitter<Events extends EventMap> {
  private readonly listeners = new Map<keyof Events, Array<{ listener: Listener<never[]>; once: boolean }>>();

  constructor(private readonly owner: string) {}

  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    return this.add(event, listener, false);
  }

  once<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    return this.add(event, listener, true);
  }

  /** Removes one registration of `listener` (the latest, as Node's EventEmitter does). */
  off<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    const entries = this.listeners.get(event);
    if (!entries) return this;
    for (let i = entries.length - 1; i >= 0; i--) {
      if (entries[i]!.listener === (listener as unknown)) {
        entries.splice(i, 1);
        break;
      }
    }
    return this;
  }

  listenerCount(event: keyof Events): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  /** Runs the listeners in the order they were added; never throws. */
  emit<E extends keyof Events>(event: E, ...args: Events[E]): void {
    const entries = this.listeners.get(event);
    if (!entries || entries.length === 0) return;
    for (const entry of [...entries]) {
      if (entry.once) {
        const at = entries.indexOf(entry);
        if (at < 0) continue; // removed by an earlier listener
        entries.splice(at, 1);
      }
      try {
        (entry.listener as unknown as Listener<Events[E]>)(...args);
      } catch (error) {
        log('error', 'listener', `a listener of ${this.owner}'s ${String(event)} threw`, error);
      }
    }
  }

  private add<E extends keyof Events>(event: E, listener: Listener<Events[E]>, once: boolean): this {
    if (typeof listener !== 'function') {
      log('error', 'library', `${this.owner}.${once ? 'once' : 'on'}(${String(event)}) needs a function; nothing was added`);
      return this;
    }
    const entries = this.listeners.get(event) ?? [];
    entries.push({ listener: listener as unknown as Listener<never[]>, once });
    this.listeners.set(event, entries);
    return this;
  }
}
