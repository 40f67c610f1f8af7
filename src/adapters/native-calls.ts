import { GodotError } from '../godot/constants.js';
import type { StackResult } from './extension.js';

/** How the node-datachannel adapter turns native calls into results: none of them may throw out of it. */
export const OK = <T>(value: T): StackResult<T> => ({ code: GodotError.OK, value });
export const fail = (code: GodotError, reason: string): StackResult<never> => ({ code, reason });
export const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A native getter's value, or `fallback` if it threw. */
export function safe<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}
