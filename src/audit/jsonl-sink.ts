import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import type { ConnectionRecord } from '../records/record.js';
import { redactRecord } from '../records/redact.js';

export interface JsonlSinkOptions {
  /** Applied to every record before it is written; the default removes TURN credentials and `ice-pwd`. */
  redact?: (record: ConnectionRecord) => ConnectionRecord;
  /** fsync after every line: survives a crash of the machine, not only of the writer (slower). Default false. */
  fsync?: boolean;
}

/**
 * An append-only JSON Lines file of records: one line per record, each written with a single
 * `write(2)` of the whole line on a file opened with O_APPEND, so a writer that dies leaves
 * whole lines behind. Opening a file whose last line was cut anyway (a machine crash, a full
 * disk) first truncates that torn tail, so the file never holds a partial line that a later
 * line would be glued to; `repairedBytes` says how many bytes were dropped.
 *
 * @example
 * ```ts
 * const sink = new JsonlSink('audit.jsonl');
 * const stop = observeRecords((record) => sink.write(record));
 * // ...
 * stop();
 * sink.close();
 * ```
 */
export class JsonlSink {
  /** Bytes of a torn last line removed when the file was opened (0 for a sound file). */
  readonly repairedBytes: number;
  private fd: number | null;
  private readonly redact: (record: ConnectionRecord) => ConnectionRecord;
  private readonly fsync: boolean;

  constructor(
    readonly path: string,
    options: JsonlSinkOptions = {},
  ) {
    this.redact = options.redact ?? redactRecord;
    this.fsync = options.fsync ?? false;
    this.fd = openSync(path, 'a+');
    this.repairedBytes = truncateTornTail(this.fd);
  }

  /** Appends one record as one line. Throws if the file cannot be written (the caller decides). */
  write(record: ConnectionRecord): void {
    if (this.fd === null) throw new Error(`the audit file ${this.path} is closed`);
    writeWhole(this.fd, Buffer.from(`${JSON.stringify(this.redact(record))}\n`, 'utf8'));
    if (this.fsync) fsyncSync(this.fd);
  }

  get closed(): boolean {
    return this.fd === null;
  }

  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    closeSync(fd);
  }
}

/** One write(2) for the whole buffer; the loop only runs if the kernel wrote less (a full disk). */
function writeWhole(fd: number, buffer: Buffer): void {
  let offset = 0;
  while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset);
}

/** Cuts the file back to its last newline; returns how many bytes went. */
function truncateTornTail(fd: number): number {
  const size = fstatSync(fd).size;
  if (size === 0) return 0;
  const chunk = Buffer.alloc(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const length = end - start;
    readSync(fd, chunk, 0, length, start);
    const newline = chunk.subarray(0, length).lastIndexOf(0x0a);
    if (newline !== -1) {
      const keep = start + newline + 1;
      if (keep < size) ftruncateSync(fd, keep);
      return size - keep;
    }
    end = start;
  }
  ftruncateSync(fd, 0);
  return size;
}
