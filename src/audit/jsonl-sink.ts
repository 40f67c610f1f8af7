import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import type { ConnectionRecord } from '../records/record.js';
import { redactRecord } from '../records/redact.js';
import { guardFile } from './guard.js';

export interface JsonlSinkOptions {
  /** Applied to every record before it is written; the default removes TURN credentials and `ice-pwd`. */
  redact?: (record: ConnectionRecord) => ConnectionRecord;
  /** fsync after every line: survives a crash of the machine, not only of the writer (slower). Default false. */
  fsync?: boolean;
  /**
   * Have the process's crash guard (guard.ts: one small process shared by every sink) cut a torn
   * last line if this process dies in the middle of a write (default true). Without it, a torn
   * line stays until the file is next opened by a sink.
   */
  guard?: boolean;
}

/**
 * An append-only JSON Lines file of records: one line per record, written synchronously (so a
 * crash loses no record that was made before it) with one `write(2)` of the whole line on a
 * file opened with O_APPEND.
 *
 * One write is not enough to leave whole lines behind: Linux copies a write page by page and
 * stops between pages when the process is killed, so a SIGKILL (or an abort) in the middle of
 * a line that spans a page boundary leaves part of it (measured: test/audit/jsonl-sink.test.ts).
 * Two things make sure no partial line stays: the process's one guard process (guard.ts), which
 * outlives this process and then cuts every file still open back to its last newline; and the
 * same cut when a sink opens a file (after a machine crash, or with `guard: false`).
 * `repairedBytes` says how many bytes the opening cut dropped.
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
  private readonly releaseGuard: () => void;

  constructor(
    readonly path: string,
    options: JsonlSinkOptions = {},
  ) {
    this.redact = options.redact ?? redactRecord;
    this.fsync = options.fsync ?? false;
    this.fd = openSync(path, 'a+');
    this.repairedBytes = truncateTornTail(this.fd);
    this.releaseGuard = options.guard ?? true ? guardFile(path) : () => {};
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
    this.releaseGuard();
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
