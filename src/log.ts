/**
 * Where the library's own messages go: an error thrown by a listener or observer, a native call
 * that failed where no code can be returned, and (once routed, see `onStackLog`) the stack's log.
 * By default errors and warnings are printed with console.error; `setLogger` sends them elsewhere.
 *
 * @example
 * ```ts
 * setLogger((entry) => pino[entry.level]({ source: entry.source, err: entry.error }, entry.message));
 * ```
 */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/** What wrote the message: a user's `listener` or `observer`, the `library` itself, the `stack` (libdatachannel), the `audit`. */
export type LogSource = 'listener' | 'observer' | 'library' | 'stack' | 'audit';

export interface LogEntry {
  level: LogLevel;
  source: LogSource;
  message: string;
  /** The error thrown, when there was one. */
  error?: unknown;
}

export type Logger = (entry: LogEntry) => void;

const consoleLogger: Logger = (entry) => {
  if (entry.level !== 'error' && entry.level !== 'warn') return;
  if (entry.error === undefined) console.error(`webrtc-statecharts: ${entry.message}`);
  else console.error(`webrtc-statecharts: ${entry.message}`, entry.error);
};

let logger: Logger = consoleLogger;

/** Sends the library's messages to `next` from now on; null goes back to console.error. */
export function setLogger(next: Logger | null): void {
  logger = next ?? consoleLogger;
}

/** Logs one message; never throws, whatever the logger does (it may run inside a native callback). */
export function log(level: LogLevel, source: LogSource, message: string, error?: unknown): void {
  try {
    logger(error === undefined ? { level, source, message } : { level, source, message, error });
  } catch {
    // A logger that throws loses its message: nothing may leave here.
  }
}
