import type { ConnectionRecord, RecordDraft } from './record.js';
import { redactRecord } from './redact.js';

type Listener = (record: ConnectionRecord) => void;

const globalListeners = new Set<Listener>();

/**
 * Observes the records of every connection in the process (transitions, refusals, stack
 * anomalies, stack errors) as they are made. Returns a function that stops the observation.
 * A listener that throws is reported and does not stop the others; listeners may run inside a
 * stack callback, so they must not block.
 */
export function observeRecords(listener: Listener): () => void {
  globalListeners.add(listener);
  return () => globalListeners.delete(listener);
}

/**
 * One connection's records: numbered, timed, kept in a bounded ring, and handed to the
 * process-wide observers. Records never carry secrets: their makers put only methods, states,
 * codes and reasons in them, and every record passes through `redactRecord` (TURN credentials,
 * `ice-pwd`) before it is kept or handed out.
 */
export class Recorder {
  private readonly ring: ConnectionRecord[] = [];
  private seq = 0;

  constructor(
    readonly connection: string,
    private readonly capacity = 256,
    private readonly onRecord?: Listener,
  ) {}

  add(draft: RecordDraft): ConnectionRecord {
    const record = redactRecord({ seq: ++this.seq, time: Date.now(), monotonic: performance.now(), connection: this.connection, ...draft } as ConnectionRecord);
    this.ring.push(record);
    if (this.ring.length > this.capacity) this.ring.shift();
    if (this.onRecord) safely(this.onRecord, record);
    for (const listener of globalListeners) safely(listener, record);
    return record;
  }

  list(): ConnectionRecord[] {
    return [...this.ring];
  }
}

function safely(listener: Listener, record: ConnectionRecord): void {
  try {
    listener(record);
  } catch (error) {
    console.error('webrtc-statecharts: a record observer threw', error);
  }
}
