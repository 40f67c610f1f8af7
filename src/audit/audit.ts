import { observeRecords } from '../records/recorder.js';
import type { ConnectionRecord } from '../records/record.js';
import { redactRecord } from '../records/redact.js';
import { log } from '../log.js';
import { JsonlSink, type JsonlSinkOptions } from './jsonl-sink.js';

export interface AuditOptions extends JsonlSinkOptions {
  /** A JSON Lines file the records are appended to. */
  file?: string;
  /** Called with every record, after redaction. A callback that throws is reported and does not stop the trail. */
  onRecord?: (record: ConnectionRecord) => void;
  /** Which connections to keep (all by default). */
  connections?: (connection: string) => boolean;
  /** Told once when the file cannot be written (the trail then stops writing to it); the default logs it (`setLogger`, source 'audit'). */
  onError?: (error: unknown) => void;
  /**
   * How long `stop()` waits at most for the stack's last reports (default 1000 ms): a channel
   * closed by `close()` gets its `stack.closed` from libdatachannel a moment later.
   */
  settleMs?: number;
}

export interface Audit {
  /** The file sink, when a file was given. */
  readonly sink: JsonlSink | null;
  /**
   * Stops observing and closes the file: at once when no channel the trail saw closing still
   * waits for the stack's report of it (`stack.closed`, a moment after `close()`), otherwise
   * once the last of them came, or after `settleMs`. The promise resolves then; it never rejects.
   */
  stop(): Promise<void>;
}

/**
 * Starts an audit trail of every connection of the process: each record (every transition of
 * every machine, every refused call, stack anomalies and errors) goes, redacted, to a JSON Lines
 * file and/or a callback. The third sink, a bounded in-memory ring per connection, is always
 * there: `pc.get_records()` (its size is `new WebRTCPeerConnection({ recordCapacity })`).
 * Start it before creating the connections: a trail that misses a connection's first records
 * does not verify.
 *
 * @example
 * ```ts
 * const audit = startAudit({ file: 'trail.jsonl' });
 * const pc = new WebRTCPeerConnection();
 * // ... pc.close(); then:
 * await audit.stop(); // with the stack's last reports of the closes
 * // npx webrtc-statecharts audit trail.jsonl
 * ```
 */
export function startAudit(options: AuditOptions): Audit {
  const sink = options.file === undefined ? null : new JsonlSink(options.file, options);
  const redact = options.redact ?? redactRecord;
  const onError = options.onError ?? ((error: unknown) => log('error', 'audit', `the audit file ${options.file} cannot be written; the trail stops`, error));
  let failed = false;
  // Channels whose machine closed before the stack reported the close: `stack.closed` is on its way.
  const awaitingStack = new Set<string>();
  let settled: (() => void) | null = null;
  const stopObserving = observeRecords((record) => {
    if (options.connections && !options.connections(record.connection)) return;
    if (record.kind === 'transition' && record.machine === 'dataChannel') {
      const key = `${record.connection} ${record.channel ?? ''}`;
      if (record.event === 'stack.closed') awaitingStack.delete(key);
      else if (record.to === 'closed' && record.from !== 'closed') awaitingStack.add(key);
    }
    if (sink && !failed) {
      try {
        sink.write(record);
      } catch (error) {
        failed = true;
        onError(error);
      }
    }
    if (options.onRecord) {
      try {
        options.onRecord(redact(record));
      } catch (error) {
        log('error', 'audit', 'an audit callback threw', error);
      }
    }
    // Outside the stack's callback: the trail ends once this record is written.
    if (settled && awaitingStack.size === 0) queueMicrotask(settled);
  });
  let stopping: Promise<void> | null = null;
  const finish = () => {
    stopObserving();
    sink?.close();
  };
  return {
    sink,
    stop() {
      if (stopping) return stopping;
      if (awaitingStack.size === 0) {
        finish();
        stopping = Promise.resolve();
        return stopping;
      }
      stopping = new Promise<void>((resolve) => {
        const timer = setTimeout(() => settled?.(), options.settleMs ?? 1000);
        settled = () => {
          if (!settled) return;
          settled = null;
          clearTimeout(timer);
          finish();
          resolve();
        };
      });
      return stopping;
    },
  };
}
