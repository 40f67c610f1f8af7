/**
 * `npm run bench` (quick, about 3 minutes on 2 cores) or `npm run bench:full` / `npm run bench -- --full`
 * (the published figures, about 10 minutes). This library and raw node-datachannel doing the same
 * work in the same run, with @roamhq/wrtc and werift as the peers a user would pick instead:
 * setup time, throughput, scale and the lifecycle overhead. Prints the tables with ratios and
 * writes bench/results/latest.json (and, for --full, bench/results/full-DATE.json).
 * Options: --full, --only=setup,interop,throughput,scale,transitions.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FULL, QUICK } from './lib/mode.js';
import { machineInfo } from './lib/machine.js';
import { table, goal, type Goal } from './lib/report.js';
import type { SetupRow } from './suites/setup.js';
import type { ThroughputRow } from './suites/throughput.js';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const mode = argv.includes('--full') ? FULL : QUICK;
const ALL = ['setup', 'interop', 'throughput', 'scale', 'transitions'];
const only = argv.find((a) => a.startsWith('--only='))?.slice(7).split(',') ?? ALL;
const work = join(tmpdir(), `webrtc-statecharts-bench-${process.pid}`);
mkdirSync(work, { recursive: true });

function child<T>(suite: string, ...args: string[]): Promise<T> {
  const out = join(work, `${suite}-${args.join('-') || 'all'}.json`);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    process.stderr.write(`${suite} ${args.join(' ')}...\n`);
    const proc = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, 'child.ts'), suite, mode.name, out, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    proc.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${suite} ${args.join(' ')} exited with ${code}`));
      process.stderr.write(`${suite} ${args.join(' ')}: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      resolve(JSON.parse(readFileSync(out, 'utf8')) as T);
    });
  });
}

const machine = machineInfo();
const results: Record<string, unknown> = {};
const goals: Goal[] = [];
const started = Date.now();

if (only.includes('setup')) {
  const setup = await child<{ rows: SetupRow[]; samples: Record<string, number[]> }>('setup');
  results.setup = setup;
  const raw = setup.rows.find((r) => r.stack === 'node-datachannel')!;
  console.log(`\nSetup: create_offer() to both channels open, fresh pairs one after the other on 127.0.0.1 (ms)`);
  console.log(
    table(
      ['stack', 'pairs', 'failed', 'median', 'p95', 'p99', 'max', '>15 ms', '>500 ms', 'share >500', 'median − raw'],
      setup.rows.map((r) => [r.stack, r.runs, r.failed, r.medianMs, r.p95Ms, r.p99Ms, r.maxMs, r.over15ms, r.over500ms, r.shareOver500ms, (r.medianMs - raw.medianMs).toFixed(2)]),
    ),
  );
  for (const r of setup.rows.filter((r) => r.stack.startsWith('library'))) {
    goals.push(goal(`setup (${r.stack}): no setup over 500 ms`, r.over500ms === 0 && r.failed === 0, `${r.over500ms} over 500 ms, ${r.failed} failed, of ${r.runs}`));
    goals.push(goal(`setup (${r.stack}): p99 ≤ 15 ms`, r.p99Ms <= 15, `p99 ${r.p99Ms} ms`));
    goals.push(goal(`setup (${r.stack}): median at most 1 ms above raw's`, r.medianMs - raw.medianMs <= 1, `${r.medianMs} vs ${raw.medianMs} ms`));
  }
}

if (only.includes('interop')) {
  type Row = { offerer: string; answerer: string; runs: number; opened: number; failed: number; medianMs: number; maxMs: number; over500ms: number };
  const interop = await child<{ rows: Row[] }>('interop');
  results.interop = interop;
  console.log(`\nInterop of the setup orders: this library with another stack, each side offering (setup in ms)`);
  console.log(table(['offerer', 'answerer', 'runs', 'opened', 'failed', 'median', 'max', '>500 ms'], interop.rows.map((r) => [r.offerer, r.answerer, r.runs, r.opened, r.failed, r.medianMs, r.maxMs, r.over500ms])));
}

if (only.includes('throughput')) {
  const throughput = await child<{ rows: ThroughputRow[] }>('throughput');
  results.throughput = throughput;
  console.log(`\nThroughput: put_packet/get_packet, reliable ordered channel, flow control 1 MiB high / 256 KiB low (median of runs)`);
  const rows = throughput.rows.map((r) => {
    const raw = throughput.rows.find((x) => x.stack === 'node-datachannel' && x.size === r.size)!;
    return [`${r.size / 1024} KB`, r.stack, r.runs, r.mbPerS, r.messagesPerS, (r.mbPerS / raw.mbPerS).toFixed(3), r.all.join(' ')];
  });
  console.log(table(['size', 'stack', 'runs', 'MB/s', 'messages/s', '× raw', 'each run (MB/s)'], rows));
  for (const r of throughput.rows.filter((r) => r.stack === 'library')) {
    const raw = throughput.rows.find((x) => x.stack === 'node-datachannel' && x.size === r.size)!;
    goals.push(goal(`throughput ${r.size / 1024} KB ≥ 0.97 × raw`, r.mbPerS / raw.mbPerS >= 0.97, `${(r.mbPerS / raw.mbPerS).toFixed(3)} (${r.mbPerS} vs ${raw.mbPerS} MB/s)`));
  }
}

if (only.includes('scale')) {
  type Scale = { stack: string; pairs: number; connectedPairs: number; connections: number; connected: number; connectAllMs: number; setupMedianMs: number; setupMaxMs: number; heapPerConnectionKB: number; rssPerConnectionKB: number; idleSweep: { medianUs: number; p99Us: number }; busySweep: { medianUs: number; p99Us: number; itemsPerSweep: number } };
  const runs: Scale[] = [];
  for (const n of mode.scalePairs) {
    runs.push(await child<Scale>('scale', 'library', String(n)));
    runs.push(await child<Scale>('scale', 'node-datachannel', String(n)));
  }
  results.scale = runs;
  console.log(`\nScale: N pairs connected at once in one process (2N connections); sweep = poll() every connection and read every channel`);
  console.log(
    table(
      ['stack', 'connections', 'connected', 'connect all (ms)', 'setup max (ms)', 'heap/conn (KB)', 'RSS/conn (KB)', 'idle sweep median (µs)', 'idle p99 (µs)', 'busy sweep median (µs)', 'msgs/sweep'],
      runs.map((r) => [r.stack, r.connections, r.connected, r.connectAllMs, r.setupMaxMs, r.heapPerConnectionKB, r.rssPerConnectionKB, r.idleSweep.medianUs, r.idleSweep.p99Us, r.busySweep.medianUs, r.busySweep.itemsPerSweep]),
    ),
  );
  const largest = Math.max(...mode.scalePairs);
  const lib = runs.find((r) => r.stack === 'library' && r.pairs === largest)!;
  const raw = runs.find((r) => r.stack === 'node-datachannel' && r.pairs === largest)!;
  const own = lib.heapPerConnectionKB - raw.heapPerConnectionKB;
  console.log(`library's own heap per connection (library − raw) at ${lib.connections} connections: ${own.toFixed(2)} KB`);
  goals.push(goal(`${lib.connections} connections in one process`, lib.connected === lib.connections, `${lib.connected} of ${lib.connections} connected in ${lib.connectAllMs} ms`));
  goals.push(goal(`own heap per connection < 20 KB (${lib.connections} connections)`, own < 20, `${own.toFixed(2)} KB`));
  goals.push(goal(`idle poll() sweep over ${lib.connections} connections < 1 ms`, lib.idleSweep.medianUs < 1000, `median ${lib.idleSweep.medianUs} µs, p99 ${lib.idleSweep.p99Us} µs`));
}

if (only.includes('transitions')) {
  const t = await child<{ memory: { actorKB: Record<string, number>; idleConnectionWithChannelKB: number; idleInspectedConnectionWithChannelKB: number; recordKB: number } | null; bareXstateUs: number; recordedTransitionUs: number; connectionSession: { transitions: number; totalUs: number; perTransitionUs: number }; refusalUs: number }>('transitions');
  results.transitions = t;
  console.log(`\nLifecycle overhead (µs)`);
  console.log(
    table(
      ['what', 'µs'],
      [
        ['one transition, bare xstate actor.send (dataChannel machine)', t.bareXstateUs],
        ['one transition as the library sends it: can(), send, transition record', t.recordedTransitionUs],
        [`a whole scripted connection (${t.connectionSession.transitions} transitions, construction included)`, t.connectionSession.totalUs],
        ['… per transition', t.connectionSession.perTransitionUs],
        ['one refused call (put_packet on a closed channel): explanation + refusal record', t.refusalUs],
      ],
    ),
  );
  if (t.memory) {
    console.log(`\nHeap without the network (scripted stack), KB each`);
    console.log(
      table(
        ['what', 'KB'],
        [
          ...Object.entries(t.memory.actorKB).map(([name, kb]) => [`a started actor of ${name}`, kb] as [string, number]),
          ['a WebRTCPeerConnection with one channel (4 machine snapshots, recorder, signals), idle', t.memory.idleConnectionWithChannelKB],
          ['the same, created with `inspect` (4 running actors instead)', t.memory.idleInspectedConnectionWithChannelKB],
          ['one record (a transition)', t.memory.recordKB],
        ],
      ),
    );
  }
}

rmSync(work, { recursive: true, force: true });
const command = `npm run bench${mode.name === 'full' ? ':full' : ''}`;
const report = { command, mode: mode.name, durationS: Math.round((Date.now() - started) / 1000), machine, goals, results };
if (goals.length) {
  console.log('\nGoals');
  console.log(table(['goal', 'met', 'figure'], goals.map((g) => [g.name, g.met ? 'yes' : 'NO', g.figure])));
}
console.log(`\n${machine.nproc} cores, ${machine.cpuModel}, Node ${machine.node}, load average at start ${machine.loadAverageAtStart.join(' ')}; ${report.durationS} s`);
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'latest.json'), JSON.stringify(report, null, 1) + '\n');
if (mode.name === 'full' && only.length === ALL.length) writeFileSync(join(here, 'results', `full-${machine.date.slice(0, 10)}.json`), JSON.stringify(report, null, 1) + '\n');
