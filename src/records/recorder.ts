import type { ConnectionRecord } from './record.js';

type Listener = (record: ConnectionRecord) => void;

const globalListeners = new Set<Listener>();

/**
 * Observes the records of every connection in the process (refusals, stack anomalies, stack
 * errors) as they are made. Returns a function that stops the observation.
 */
export function observeRecords(listener: Listener): () => void {
  globalListeners.add(listener);
  return () => globalListeners.delete(listener);
}

/**
 * One connection's records: a bounded ring, kept in order, plus the process-wide observers.
 * Records never carry secrets: the callers put only methods, states, codes and reasons in them.
 */
export class Recorder {
  private readonly ring: ConnectionRecord[] = [];

  constructor(
    private readonly capacity = 256,
    private readonly onRecord?: Listener,
  ) {}

  add(record: ConnectionRecord): void {
    this.ring.push(record);
    if (this.ring.length > this.capacity) this.ring.shift();
    if (this.onRecord) safely(this.onRecord, record);
    for (const listener of globalListeners) safely(listener, record);
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
