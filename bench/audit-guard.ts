/**
 * What the audit's crash guard costs: `node --import tsx bench/audit-guard.ts [AUDITS] [RECORDS]`
 * (Linux: reads /proc). Starts AUDITS (default 1) file audits in this process, then reports:
 * - the guard processes this process has (children found in /proc) and their total RSS, once
 *   they are up (polled for at most 3 s);
 * - how long the startAudit calls took, this process's own RSS growth, and the time per record
 *   of RECORDS (default 20 000) records made while the audits run (each goes to every file);
 * - how long until every guard has gone once the last audit stopped (polled, at most 3 s).
 * Prints one JSON line.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAudit } from '../src/audit/index.js';
import { Recorder } from '../src/records/recorder.js';

const audits = Number(process.argv[2] ?? 1);
const records = Number(process.argv[3] ?? 20_000);

/** RSS in KB of a process, from /proc; 0 once it is gone. */
function rssKb(pid: number | 'self'): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** The pids whose parent is this process, not zombies, and not tsx's esbuild service. */
function children(): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (Number(ppid) === process.pid && state !== 'Z' && command !== 'esbuild') found.push(Number(entry));
    } catch {
      // The process went between the listing and the read.
    }
  }
  return found;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function pollUntil(done: () => boolean, limitMs: number): Promise<number> {
  const started = performance.now();
  while (!done() && performance.now() - started < limitMs) await sleep(5);
  return performance.now() - started;
}

const dir = mkdtempSync(join(tmpdir(), 'bench-audit-guard-'));
try {
  const ownBefore = rssKb('self');
  const started = performance.now();
  const running = Array.from({ length: audits }, (_, index) => startAudit({ file: join(dir, `trail-${index}.jsonl`) }));
  const startMs = performance.now() - started;
  // Each guard is up once its RSS has settled: a spawned process grows for a while.
  let last = -1;
  await pollUntil(() => {
    const now = children().reduce((sum, pid) => sum + rssKb(pid), 0);
    const settled = now > 0 && now === last;
    last = now;
    return settled;
  }, 3000);
  await sleep(200);
  const guards = children();
  const guardRssKb = guards.reduce((sum, pid) => sum + rssKb(pid), 0);
  const ownGrowthKb = rssKb('self') - ownBefore;

  const recorder = new Recorder('bench');
  const writeStarted = performance.now();
  for (let i = 0; i < records; i++) recorder.add({ kind: 'stack_error', method: 'bench', code: 1, codeName: 'FAILED', reason: `record ${i}` });
  const usPerRecord = ((performance.now() - writeStarted) * 1000) / records;

  const stopStarted = performance.now();
  await Promise.all(running.map((audit) => audit.stop()));
  const stopMs = performance.now() - stopStarted;
  const goneMs = await pollUntil(() => children().length === 0, 3000);
  console.log(
    JSON.stringify({
      audits,
      guardProcesses: guards.length,
      guardRssMB: +(guardRssKb / 1024).toFixed(1),
      startAuditMs: +startMs.toFixed(1),
      ownRssGrowthMB: +(ownGrowthKb / 1024).toFixed(1),
      records,
      usPerRecord: +usPerRecord.toFixed(2),
      stopMs: +stopMs.toFixed(1),
      guardsGoneMs: +goneMs.toFixed(0),
      guardsLeft: children().length,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
