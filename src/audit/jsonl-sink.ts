import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import type { ConnectionRecord } from '../records/record.js';
import { redactRecord } from '../records/redact.js';

export interface JsonlSinkOptions {
  /** Applied to every record before it is written; the default removes TURN credentials and `ice-pwd`. */
  redact?: (record: ConnectionRecord) => ConnectionRecord;
  /** fsync after every line: survives a crash of the machine, not only of the writer (slower). Default false. */
  fsync?: boolean;
  /**
   * Start a guard process that outlives this one and cuts a torn last line if this process dies
   * in the middle of a write (default true). Without it, a torn line stays until the file is
   * next opened by a sink.
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
 * Two things make sure no partial line stays: a small guard process, started with the sink in
 * its own process group, that waits for this process to end (its pipe closes) and then cuts the
 * file back to its last newline; and the same cut when a sink opens a file (after a machine
 * crash, or with `guard: false`). `repairedBytes` says how many bytes the opening cut dropped.
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
  private guard: ChildProcess | null = null;

  constructor(
    readonly path: string,
    options: JsonlSinkOptions = {},
  ) {
    this.redact = options.redact ?? redactRecord;
    this.fsync = options.fsync ?? false;
    this.fd = openSync(path, 'a+');
    this.repairedBytes = truncateTornTail(this.fd);
    if (options.guard ?? true) this.guard = startGuard(path);
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
    // The guard sees its pipe close, finds the file whole, and exits.
    this.guard?.stdin?.end();
    this.guard = null;
  }
}

/**
 * The guard: plain Node, no dependency, so it runs the same from src/ (tsx) and dist/. It reads
 * its stdin until the sink's process closes it (by `close()` or by dying), then cuts a torn tail.
 */
const GUARD = `
const fs = require('node:fs');
const file = process.argv[1];
let done = false;
function cut() {
  if (done) return;
  done = true;
  try {
    const fd = fs.openSync(file, 'r+');
    const size = fs.fstatSync(fd).size;
    const chunk = Buffer.alloc(65536);
    let end = size;
    let keep = 0;
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      fs.readSync(fd, chunk, 0, end - start, start);
      const newline = chunk.subarray(0, end - start).lastIndexOf(10);
      if (newline !== -1) { keep = start + newline + 1; break; }
      end = start;
    }
    if (keep < size) fs.ftruncateSync(fd, keep);
    fs.closeSync(fd);
  } catch {}
  process.exit(0);
}
process.stdin.on('data', () => {});
process.stdin.on('end', cut);
process.stdin.on('close', cut);
process.stdin.on('error', cut);
`;

function startGuard(path: string): ChildProcess | null {
  try {
    // Its own process group: a Ctrl-C that stops this process does not stop the guard first.
    const guard = spawn(process.execPath, ['-e', GUARD, path], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    guard.on('error', () => {});
    guard.stdin?.on('error', () => {});
    // Neither the guard nor its pipe keeps this process alive.
    guard.unref();
    (guard.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    return guard;
  } catch {
    return null;
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
