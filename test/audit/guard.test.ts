/**
 * The audit's crash guard (src/audit/guard.ts): one small process per process, shared by every
 * file sink, that cuts the torn last lines a crash leaves. Each crash here is real: a child
 * process killed with SIGKILL, aborted with process.abort() on another thread than the writer's,
 * or ended by an uncaught exception.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JsonlSink, parseTrail } from '../../src/audit/index.js';
import { activeGuard, useGuardKind } from '../../src/audit/guard.js';
import { scratchDir } from './support.js';

const dir = scratchDir();
const fixture = (name: string) => new URL(`./fixtures/${name}.ts`, import.meta.url).pathname;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(() => useGuardKind('sh'));

/** This process's guard processes, found in /proc by their command line. */
function guardProcesses(): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (Number(ppid) === process.pid && state !== 'Z' && command.includes('webrtc-statecharts-audit-guard')) found.push(Number(entry));
    } catch {
      // Gone between the listing and the read.
    }
  }
  return found;
}

const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

async function until(done: () => boolean, limitMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (!done()) {
    if (Date.now() - started > limitMs) throw new Error(`not within ${limitMs} ms: ${what}`);
    await sleep(10);
  }
}

/** Runs a fixture (tsx as a loader: one process) and resolves with how it ended. */
function run(name: string, args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture(name), ...args], { stdio: 'ignore', timeout: 30_000, killSignal: 'SIGKILL' });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
}

/** The file holds only whole records, numbered from 1 without a gap, at least `min` of them. */
function expectWholeRecords(file: string, min: number): number {
  const { entries, problems } = parseTrail(readFileSync(file, 'utf8'));
  expect(problems).toEqual([]);
  expect(entries.length).toBeGreaterThanOrEqual(min);
  expect(entries.map((entry) => entry.record.seq)).toEqual(entries.map((_, index) => index + 1));
  return entries.length;
}

/** A crashed writer's guard cuts a torn line within moments: wait for every file to end with a newline. */
async function untilWhole(files: string[]): Promise<void> {
  await until(() => files.every((file) => readFileSync(file, 'utf8').endsWith('\n')), 5000, `${files.join(', ')} cut back to a whole last line`);
}

describe('the crash guard', () => {
  it('is one process for every sink of the process, about 2 MB, gone once the last sink closes', async () => {
    expect(guardProcesses()).toEqual([]);
    const sinks = Array.from({ length: 10 }, (_, index) => new JsonlSink(join(dir, `shared-${index}.jsonl`)));
    const again = new JsonlSink(join(dir, 'shared-0.jsonl'));
    await until(() => guardProcesses().length === 1, 3000, 'the guard started');
    const [pid] = guardProcesses();
    expect(activeGuard()).toEqual({ pid, kind: 'sh', files: 10 });
    expect(rssKb(pid!)).toBeLessThan(8 * 1024);
    // A file open twice stays guarded until both sinks closed it.
    sinks[0]!.close();
    expect(activeGuard()?.files).toBe(10);
    for (const sink of sinks.slice(1)) sink.close();
    expect(activeGuard()).toEqual({ pid, kind: 'sh', files: 1 });
    expect(guardProcesses()).toEqual([pid]);
    again.close();
    expect(activeGuard()).toBe(null);
    await until(() => guardProcesses().length === 0, 3000, 'the guard gone after the last close');
    // The next sink starts a guard again.
    const later = new JsonlSink(join(dir, 'later.jsonl'));
    await until(() => guardProcesses().length === 1, 3000, 'a new guard');
    expect(guardProcesses()[0]).not.toBe(pid);
    later.close();
    await until(() => guardProcesses().length === 0, 3000, 'the new guard gone');
  });

  it('killed from outside, is started again and told of every open file', async () => {
    const sinks = [new JsonlSink(join(dir, 'restart-a.jsonl')), new JsonlSink(join(dir, 'restart-b.jsonl'))];
    const first = activeGuard()!.pid;
    process.kill(first, 'SIGKILL');
    await until(() => activeGuard() !== null && activeGuard()!.pid !== first, 3000, 'another guard');
    await until(() => guardProcesses().length === 1, 3000, 'one guard running');
    expect(activeGuard()!.files).toBe(2);
    for (const sink of sinks) sink.close();
    await until(() => guardProcesses().length === 0, 3000, 'the guard gone');
  });

  it.each([['sh'], ['node']])(
    '(%s) cuts the torn last line of every file still open when the process dies, and leaves a closed one alone',
    async (kind) => {
      const files = ['a', 'b', 'c'].map((name) => join(dir, `torn-${kind}-${name}.jsonl`));
      const long = join(dir, `torn-${kind}-long.jsonl`);
      const closed = join(dir, `torn-${kind}-closed.jsonl`);
      const exit = await run('torn-writer', [...(kind === 'node' ? ['--node-guard'] : []), ...files, `--long=${long}`, `--closed=${closed}`]);
      expect(exit.signal).toBe('SIGKILL');
      await untilWhole([...files, long]);
      for (const file of [...files, long]) expect(expectWholeRecords(file, 2)).toBe(2);
      // Not guarded once closed: its torn tail is another writer's business (a sink opening it cuts it).
      await sleep(300);
      expect(readFileSync(closed, 'utf8').endsWith('{"kind":"stack_err')).toBe(true);
      const reopened = new JsonlSink(closed);
      expect(reopened.repairedBytes).toBe('{"kind":"stack_err'.length);
      reopened.close();
    },
    30_000,
  );

  it('a writer killed with SIGKILL mid-write leaves only whole lines in each of its three files', async () => {
    for (let round = 0; round < 3; round++) {
      const files = ['a', 'b', 'c'].map((name) => join(dir, `kill-${round}-${name}.jsonl`));
      const child = spawn(process.execPath, ['--import', 'tsx', fixture('crash-writer'), ...files], { stdio: 'ignore', timeout: 30_000, killSignal: 'SIGKILL' });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      const size = () => {
        try {
          return statSync(files[2]!).size;
        } catch {
          return 0;
        }
      };
      await until(() => size() > 1_000_000 + round * 777_777, 15_000, 'the writer wrote a few MB');
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      await untilWhole(files);
      for (const file of files) expectWholeRecords(file, 100);
    }
  }, 60_000);

  it('a writer on a worker thread, aborted by process.abort() on the main thread, leaves only whole lines', async () => {
    for (let round = 0; round < 3; round++) {
      const files = ['a', 'b'].map((name) => join(dir, `abort-${round}-${name}.jsonl`));
      const exit = await run('crash-writer', [`--abort=${1_500_000 + round * 654_321}`, ...files]);
      expect(exit.signal).toBe('SIGABRT');
      await untilWhole(files);
      for (const file of files) expectWholeRecords(file, 100);
    }
  }, 60_000);

  it('an uncaught exception loses no record written before it and tears no line', async () => {
    const file = join(dir, 'thrown.jsonl');
    const exit = await run('crash-writer', ['--throw=500', file]);
    expect(exit).toEqual({ code: 1, signal: null });
    expect(readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
    expect(expectWholeRecords(file, 500)).toBe(500);
  });
});
