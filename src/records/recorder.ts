import type { ConnectionRecord, RecordDraft } from './record.js';
import { redactRecord } from './redact.js';
import { cutText } from './cut.js';
import { DEFAULT_LIMITS } from '../limits.js';
import { log } from '../log.js';

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
 * `ice-pwd`) before it is kept or handed out. Records are bounded whatever their makers quote:
 * after redaction (so that a cut never leaves half a secret behind) every text field is cut to
 * `textLength` characters, a reason to four times that.
 */
export class Recorder {
  private readonly ring: ConnectionRecord[] = [];
  private seq = 0;

  constructor(
    readonly connection: string,
    private readonly capacity = 256,
    private readonly onRecord?: Listener,
    private readonly textLength = DEFAULT_LIMITS.recordTextLength,
  ) {}

  add(draft: RecordDraft): ConnectionRecord {
    const record = this.bounded(redactRecord({ seq: ++this.seq, time: Date.now(), monotonic: performance.now(), connection: this.connection, ...draft } as ConnectionRecord));
    this.ring.push(record);
    if (this.ring.length > this.capacity) this.ring.shift();
    if (this.onRecord) safely(this.onRecord, record);
    for (const listener of globalListeners) safely(listener, record);
    return record;
  }

  list(): ConnectionRecord[] {
    return [...this.ring];
  }

  private bounded(record: ConnectionRecord): ConnectionRecord {
    const fields = record as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(fields)) {
      if (typeof value === 'string') fields[key] = cutText(value, key === 'reason' ? 4 * this.textLength : this.textLength);
    }
    if (record.kind === 'refusal') {
      for (const [machine, state] of Object.entries(record.states)) record.states[machine] = cutText(state, this.textLength);
    }
    return record;
  }
}

function safely(listener: Listener, record: ConnectionRecord): void {
  try {
    listener(record);
  } catch (error) {
    log('error', 'observer', 'a record observer threw', error);
  }
}
