import { observeRecords } from '../records/recorder.js';
import type { ConnectionRecord } from '../records/record.js';
import { redactRecord } from '../records/redact.js';
import { JsonlSink, type JsonlSinkOptions } from './jsonl-sink.js';

export interface AuditOptions extends JsonlSinkOptions {
  /** A JSON Lines file the records are appended to. */
  file?: string;
  /** Called with every record, after redaction. A callback that throws is reported and does not stop the trail. */
  onRecord?: (record: ConnectionRecord) => void;
  /** Which connections to keep (all by default). */
  connections?: (connection: string) => boolean;
  /** Told once when the file cannot be written (the trail then stops writing to it); the default prints to stderr. */
  onError?: (error: unknown) => void;
}

export interface Audit {
  /** The file sink, when a file was given. */
  readonly sink: JsonlSink | null;
  /** Stops observing and closes the file. */
  stop(): void;
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
 * // ... later: npx webrtc-statecharts audit trail.jsonl
 * audit.stop();
 * ```
 */
export function startAudit(options: AuditOptions): Audit {
  const sink = options.file === undefined ? null : new JsonlSink(options.file, options);
  const redact = options.redact ?? redactRecord;
  const onError = options.onError ?? ((error: unknown) => console.error(`webrtc-statecharts: the audit file ${options.file} cannot be written; the trail stops`, error));
  let failed = false;
  const stopObserving = observeRecords((record) => {
    if (options.connections && !options.connections(record.connection)) return;
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
        console.error('webrtc-statecharts: an audit callback threw', error);
      }
    }
  });
  return {
    sink,
    stop() {
      stopObserving();
      sink?.close();
    },
  };
}
