/**
 * The crash guard of the JSON Lines sinks: one small process for the whole process, shared by
 * every file sink, that outlives it and cuts a torn last line off each file still open when it
 * dies.
 *
 * What tears a line (measured, bench/audit-guard.ts and test/audit/guard.test.ts): a sink writes
 * each line with one synchronous write(2), which Linux copies page by page, checking between
 * pages only for SIGKILL. So a line spanning a page boundary is left half written by a SIGKILL
 * (1 of 20 kills mid-write) and by an abort on another thread than the writer's, such as a
 * libdatachannel thread (1 of 30): the kernel kills the other threads with SIGKILL. An uncaught
 * exception, `process.exit` or a signal handled by the writing thread cannot tear one: the write
 * has returned before the process ends. Nothing inside the dying process can mend the file, so
 * the guard is another process.
 *
 * It is `/bin/sh` where there is one (about 1.7 MB of RSS; Node's own would be about 41 MB),
 * started with the first guarded file, in its own process group (a Ctrl-C that stops this
 * process does not stop it first). It is told which files to watch on its stdin, one line each
 * (`+path`, `-path`), and waits for the pipe to close: by the last file's release (it exits) or
 * by this process's death (it cuts the files still listed, then exits).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { log } from '../log.js';

/** What the guard's command line says, so that a process listing tells what it is. */
const GUARD_NAME = 'webrtc-statecharts-audit-guard';

/**
 * POSIX sh and utilities only (tail, od, awk, wc, dd). The tail is searched for the last newline
 * in chunks that double, so a large file costs little; `dd` with `seek` and no input truncates.
 */
const SH_GUARD = `
set -f
nl='
'
files=''
cut_torn_tail() {
  [ -f "$1" ] || return 0
  last=$(tail -c 1 "$1" | od -An -tu1 | tr -d ' ')
  [ -z "$last" ] && return 0
  [ "$last" = 10 ] && return 0
  size=$(wc -c < "$1" | tr -d ' ')
  chunk=65536
  while :; do
    found=$(tail -c "$chunk" "$1" | od -An -v -tu1 | awk '{ for (i = 1; i <= NF; i++) { n++; if ($i == 10) k = n } } END { print k + 0, n + 0 }')
    at=\${found% *}
    seen=\${found#* }
    if [ "$at" -gt 0 ]; then keep=$((size - seen + at)); break; fi
    if [ "$seen" -ge "$size" ]; then keep=0; break; fi
    chunk=$((chunk * 2))
  done
  dd if=/dev/null of="$1" bs=1 seek="$keep" 2>/dev/null
}
while IFS= read -r line; do
  path=\${line#?}
  case $line in
    +*) files=$files$path$nl ;;
    -*) kept=''
        IFS=$nl
        for f in $files; do [ "$f" = "$path" ] || kept=$kept$f$nl; done
        unset IFS
        files=$kept ;;
  esac
done
IFS=$nl
for f in $files; do cut_torn_tail "$f"; done
`;

/** The same in plain Node (no dependency, so it runs the same from src/ and dist/): where there is no /bin/sh. */
const NODE_GUARD = `
const fs = require('node:fs');
const files = new Set();
let rest = '';
function cut(file) {
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
}
let done = false;
function end() {
  if (done) return;
  done = true;
  for (const file of files) cut(file);
  process.exit(0);
}
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text) => {
  const lines = (rest + text).split('\\n');
  rest = lines.pop();
  for (const line of lines) {
    if (line.startsWith('+')) files.add(line.slice(1));
    else if (line.startsWith('-')) files.delete(line.slice(1));
  }
});
process.stdin.on('end', end);
process.stdin.on('close', end);
process.stdin.on('error', end);
`;

export type GuardKind = 'sh' | 'node';

let kind: GuardKind = process.platform !== 'win32' && existsSync('/bin/sh') ? 'sh' : 'node';
let guard: ChildProcess | null = null;
/** Guards started again after one ended by itself: a guard that cannot live is not started for ever. */
let restarts = 0;
const MAX_RESTARTS = 3;
/** Each guarded file (absolute path) and how many sinks have it open. */
const guarded = new Map<string, number>();

/**
 * Guards `path` until the returned function is called: if this process dies meanwhile, a torn
 * last line is cut off it. Every file of the process shares one guard process, gone once the last
 * file is released. Never throws: without a guard (it could not start, or the path holds a
 * newline) a torn line stays until a sink next opens the file, which cuts it.
 */
export function guardFile(path: string): () => void {
  const file = resolve(path);
  if (file.includes('\n')) {
    log('warn', 'audit', `the audit file ${JSON.stringify(file)} has a newline in its path: it is not guarded (a crash may leave a torn last line until the file is next opened)`);
    return () => {};
  }
  const count = guarded.get(file) ?? 0;
  guarded.set(file, count + 1);
  if (count === 0) tell(`+${file}`);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (guarded.get(file) ?? 1) - 1;
    if (left > 0) {
      guarded.set(file, left);
      return;
    }
    guarded.delete(file);
    if (guarded.size === 0) stopGuard();
    else tell(`-${file}`);
  };
}

/** @internal For tests: the guard process now, and how many files it watches. */
export function activeGuard(): { pid: number; kind: GuardKind; files: number } | null {
  return guard?.pid === undefined ? null : { pid: guard.pid, kind, files: guarded.size };
}

/** @internal For tests: which guard the next one started is (the Node one is what Windows gets). */
export function useGuardKind(next: GuardKind): void {
  kind = next;
}

function tell(line: string): void {
  guard ??= startGuard();
  try {
    guard?.stdin?.write(`${line}\n`);
  } catch (error) {
    log('warn', 'audit', 'the audit guard process cannot be told of a file', error);
  }
}

/** The guard sees its pipe close with no file listed, and exits. */
function stopGuard(): void {
  const ending = guard;
  guard = null;
  try {
    ending?.stdin?.end();
  } catch {
    // A guard that is already gone has nothing to stop.
  }
}

function startGuard(): ChildProcess | null {
  try {
    const [command, args] = kind === 'sh' ? ['/bin/sh', ['-c', SH_GUARD, GUARD_NAME]] : [process.execPath, ['-e', NODE_GUARD, GUARD_NAME]];
    const child = spawn(command, args, { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    child.on('error', (error) => log('warn', 'audit', 'the audit guard process could not start: a crash may leave a torn last line until the file is next opened', error));
    child.on('exit', () => {
      if (guard !== child) return;
      guard = null;
      // Killed from outside: another one, told of every file.
      const files = [...guarded.keys()];
      const again = restarts < MAX_RESTARTS;
      log('warn', 'audit', `the audit guard process ended while it guarded ${files.length} file(s); ${again ? 'starting another' : 'no other is started'}`);
      if (!again) return;
      restarts++;
      for (const file of files) tell(`+${file}`);
    });
    child.stdin?.on('error', () => {});
    // Neither the guard nor its pipe keeps this process alive.
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    return child;
  } catch (error) {
    log('warn', 'audit', 'the audit guard process could not start: a crash may leave a torn last line until the file is next opened', error);
    return null;
  }
}
