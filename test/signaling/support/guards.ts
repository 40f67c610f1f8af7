/**
 * What the hostile-input tests watch besides the sockets: the process (any uncaught exception or
 * unhandled rejection fails the run that caused it), every record made (observeRecords) and
 * every library log line (setLogger), and async fast-check properties run with the suite's seed.
 */
import fc from 'fast-check';
import { observeRecords } from '../../../src/records/recorder.js';
import { setLogger, type LogEntry } from '../../../src/log.js';
import type { ConnectionRecord } from '../../../src/records/record.js';
import { SEED, RUNS } from '../support.js';

export { SEED, RUNS };

/** Runs an async property with the suite's seed (PROPERTY_SEED, PROPERTY_RUNS); on failure says how to run it again. */
export async function checkAsync<T extends unknown[]>(name: string, property: fc.IAsyncPropertyWithHooks<T>, numRuns: number): Promise<void> {
  try {
    await fc.assert(property, { seed: SEED, numRuns });
  } catch (error) {
    console.error(`property "${name}" failed with seed ${SEED}: rerun with PROPERTY_SEED=${SEED} PROPERTY_RUNS=${numRuns}`);
    throw error;
  }
}

/** The default run count of a network property: RUNS (300 by default for pure ones) scaled down, PROPERTY_RUNS raises it. */
export function networkRuns(defaultRuns: number): number {
  return process.env.PROPERTY_RUNS === undefined ? defaultRuns : RUNS;
}

/** Collects process-level failures while installed. */
export class CrashWatch {
  readonly failures: string[] = [];
  private readonly onException = (error: unknown) => this.failures.push(`uncaughtException: ${describe(error)}`);
  private readonly onRejection = (reason: unknown) => this.failures.push(`unhandledRejection: ${describe(reason)}`);

  install(): this {
    process.on('uncaughtException', this.onException);
    process.on('unhandledRejection', this.onRejection);
    return this;
  }

  uninstall(): void {
    process.off('uncaughtException', this.onException);
    process.off('unhandledRejection', this.onRejection);
  }

  /** The failures since the last call. */
  take(): string[] {
    return this.failures.splice(0);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
}

/** Every record of the signaling service's actors (`session-*`, `lobby-*`) and every log entry, while installed. */
export class ServiceTrail {
  readonly records: ConnectionRecord[] = [];
  readonly logs: LogEntry[] = [];
  private stop: (() => void) | null = null;

  /** `keepRecords: false` watches the logs only (a flood makes more records than a test should hold). */
  constructor(private readonly keepRecords = true) {}

  install(): this {
    if (this.keepRecords) {
      this.stop = observeRecords((record) => {
        if (record.connection.startsWith('session-') || record.connection.startsWith('lobby-')) this.records.push(record);
      });
    }
    setLogger((entry) => this.logs.push(entry));
    return this;
  }

  uninstall(): void {
    this.stop?.();
    this.stop = null;
    setLogger(null);
  }

  /** The records and logs as one text, to search for what must never be in them. */
  text(): string {
    return JSON.stringify(this.records) + '\n' + this.logs.map((entry) => `${entry.level} ${entry.source} ${entry.message} ${entry.error === undefined ? '' : describe(entry.error)}`).join('\n');
  }

  errorLogs(): LogEntry[] {
    return this.logs.filter((entry) => entry.level === 'error');
  }
}
