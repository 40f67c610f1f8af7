/**
 * Signaling benchmarks (issue 11, point 7): our SignalingServer against the Godot demo's own
 * server.js, the same load for both, taking turns (ours, server.js, ours with an audit trail, ...)
 * so that machine noise hits all of them. Each server runs in a process of its own, the load
 * generators in others.
 *
 *   npx tsx bench/signaling.ts [--reference PATH/server.js] [--quick] [--turns=N] [--only=load,memory]
 *                              [--no-audit] [--window=N] [--generators=N] [--profile=DIR] [--servers=ours,server.js,ours+audit]
 *
 * --reference (or env SIGNALING_REFERENCE): the demo's networking/webrtc_signaling/server_node/server.js
 * with its ws 7 installed next to it (`npm install ws@7` in its directory); without it, our figures alone.
 * --profile=DIR: each server's CPU profile of each flood interval, DIR/<server>-turn<N>-flood.cpuprofile;
 * read one with `npx tsx bench/signaling/profile.ts FILE`.
 * --quick: one turn of each, shorter intervals, no ours+audit unless --audit.
 * Prints the tables and writes bench/results/signaling-latest.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo } from './lib/machine.js';
import { goal, table, type Goal } from './lib/report.js';
import { round } from './lib/stats.js';
import { LoadGenerators, ServerProcess, referenceWsVersion, type ServerKind } from './signaling/processes.js';
import { loadTurn, memoryTurn, type LoadPlan, type LoadTurn, type MemoryTurn } from './signaling/turns.js';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
function option(name: string): string | undefined {
  const inline = argv.find((a) => a.startsWith(`--${name}=`));
  if (inline) return inline.slice(name.length + 3);
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? argv[at + 1] : undefined;
}

const quick = flag('quick');
const referenceArg = option('reference') ?? process.env.SIGNALING_REFERENCE;
const reference = referenceArg ? resolve(referenceArg) : undefined;
if (reference && !(existsSync(reference) && statSync(reference).isFile())) {
  console.error(`--reference ${reference}: no such file`);
  process.exit(2);
}
const turns = Number(option('turns') ?? (quick ? 1 : 3));
const only = option('only')?.split(',') ?? ['load', 'memory'];
const withAudit = quick ? flag('audit') : !flag('no-audit');
const profileDir = option('profile');
const generatorCount = Number(option('generators') ?? 2);

const plan: LoadPlan = {
  lobbies: 50,
  members: 6,
  window: Number(option('window') ?? 8),
  floodWarmupMs: quick ? 1000 : 2000,
  floodMs: quick ? 2000 : 6000,
  pacedRate: 2000,
  pacedWarmupMs: quick ? 500 : 1000,
  pacedMs: quick ? 1500 : 3000,
};
const memory = { lobbies: 1024, members: 3 };

const defaultKinds: ServerKind[] = ['ours', ...(reference ? (['server.js'] as const) : []), ...(withAudit ? (['ours+audit'] as const) : [])];
const kinds = (option('servers')?.split(',') as ServerKind[] | undefined) ?? defaultKinds;
const work = mkdtempSync(join(tmpdir(), 'signaling-bench-'));
if (profileDir) mkdirSync(profileDir, { recursive: true });
let auditCount = 0;

const profiles: string[] = [];
const start = (kind: ServerKind) => () => ServerProcess.start(kind, { reference, auditFile: join(work, `audit-${auditCount++}.jsonl`) });
function profileFile(kind: ServerKind, turn: number): string | undefined {
  if (!profileDir) return undefined;
  const file = join(resolve(profileDir), `${kind}-turn${turn + 1}-flood.cpuprofile`);
  profiles.push(file);
  return file;
}

const machine = machineInfo();
console.log(`Signaling bench (${quick ? 'quick' : 'full'}): ${machine.cpuModel}, ${machine.nproc} cores, Node ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}`);
if (reference) {
  console.log(`Reference: ${reference} (ws ${referenceWsVersion(reference)}), run from a temporary copy in which only "const PORT = 9080;" is replaced by a free port (server.js reads no port from the environment)`);
} else {
  console.log('Reference: not given (--reference PATH/server.js or SIGNALING_REFERENCE): our figures alone, no ratios.');
}

const started = Date.now();
const generators = await LoadGenerators.start(generatorCount);
const loads: LoadTurn[] = [];
const memories: MemoryTurn[] = [];
const failures: string[] = [];

async function attempt<T>(what: string, run: () => Promise<T>): Promise<T | null> {
  try {
    return await run();
  } catch (error) {
    const text = `${what}: ${error instanceof Error ? error.message : String(error)}`;
    failures.push(text);
    console.error(text);
    return null;
  }
}

try {
  for (let turn = 0; turn < turns; turn++) {
    if (only.includes('load')) {
      for (const kind of kinds) {
        process.stderr.write(`turn ${turn + 1}/${turns} load ${kind}...`);
        const result = await attempt(`load ${kind} turn ${turn + 1}`, () => loadTurn(kind, generators, plan, start(kind), profileFile(kind, turn)));
        if (result) {
          loads.push(result);
          const audit = result.auditBytes === null ? '' : `, audit trail ${result.auditBytes} B`;
          process.stderr.write(` ${result.floodMessagesPerSecond} msg/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, others ${result.otherCpu} cores${audit}\n`);
        }
      }
    }
    if (only.includes('memory')) {
      for (const kind of kinds.filter((k) => k !== 'ours+audit')) {
        process.stderr.write(`turn ${turn + 1}/${turns} memory ${kind}...`);
        const result = await attempt(`memory ${kind} turn ${turn + 1}`, () => memoryTurn(kind, generators, memory.lobbies, memory.members, start(kind)));
        if (result) {
          memories.push(result);
          process.stderr.write(` ${result.perSession.heapUsed} B heap, ${result.perSession.rss} B RSS per session\n`);
        }
      }
    }
  }
} finally {
  await generators.stop();
  rmSync(work, { recursive: true, force: true });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const spread = (xs: number[]) => (xs.length ? `${Math.min(...xs)}–${Math.max(...xs)}` : '');
const ratio = (ours: number, ref: number | undefined) => (ref === undefined || !Number.isFinite(ref) || ref === 0 ? '' : (ours / ref).toFixed(2));

const loadOf = (kind: ServerKind) => loads.filter((l) => l.server === kind);
const memOf = (kind: ServerKind) => memories.filter((m) => m.server === kind);
const loadMedian = (kind: ServerKind, pick: (l: LoadTurn) => number) => median(loadOf(kind).map(pick));
const goals: Goal[] = [];

if (loads.length) {
  console.log(`\nEvery turn: ${plan.lobbies} lobbies × ${plan.members + 1} plain ws clients (mesh, 4.x JSON), ${generatorCount} generator processes`);
  console.log(
    table(
      ['server', 'msg/s', 'msg/CPU-s', 'server CPU', 'generators CPU', 'others CPU', 'samples', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'lost'],
      loads.map((l) => [l.server, l.floodMessagesPerSecond, l.floodMessagesPerCpuSecond, l.serverCpu, l.generatorCpu, l.otherCpu, l.latency.n, l.latency.p50, l.latency.p90, l.latency.p99, l.latency.max, l.latency.lost]),
    ),
  );
  const ref = reference ? 'server.js' : undefined;
  const refMedian = (pick: (l: LoadTurn) => number) => (ref ? loadMedian(ref, pick) : undefined);
  console.log(
    `\nMedians of the turns. Flood: every member keeps ${plan.window} CANDIDATE frames (~100 B of data) in flight to its host, the host echoes each; ` +
      `messages delivered per second over ${plan.floodMs / 1000} s after ${plan.floodWarmupMs / 1000} s. Latency: ${plan.pacedRate} round trips/s ` +
      `(${plan.pacedRate * 2} relays/s) member → host → member, ${plan.pacedMs / 1000} s after ${plan.pacedWarmupMs / 1000} s.`,
  );
  const metrics: Array<[string, (l: LoadTurn) => number]> = [
    ['flood msg/s', (l) => l.floodMessagesPerSecond],
    ['flood msg per server CPU-s', (l) => l.floodMessagesPerCpuSecond],
    ['server CPU (cores)', (l) => l.serverCpu],
    ['generators CPU (cores)', (l) => l.generatorCpu],
    ['others CPU (cores)', (l) => l.otherCpu],
    ['p50 ms', (l) => l.latency.p50],
    ['p90 ms', (l) => l.latency.p90],
    ['p99 ms', (l) => l.latency.p99],
    ['max ms', (l) => l.latency.max],
  ];
  console.log(
    table(
      ['metric', ...kinds.flatMap((k) => [k, `${k} spread`]), ...(ref ? kinds.filter((k) => k !== ref).map((k) => `${k}/server.js`) : [])],
      metrics.map(([name, pick]) => [
        name,
        ...kinds.flatMap((k) => [round(loadMedian(k, pick), 3), spread(loadOf(k).map(pick))]),
        ...(ref ? kinds.filter((k) => k !== ref).map((k) => ratio(loadMedian(k, pick), refMedian(pick))) : []),
      ]),
    ),
  );
  if (ref && loadOf(ref).length) {
    for (const kind of kinds.filter((k) => k !== ref && loadOf(k).length)) {
      const ours = loadMedian(kind, (l) => l.floodMessagesPerSecond);
      const theirs = loadMedian(ref, (l) => l.floodMessagesPerSecond);
      goals.push(goal(`${kind}: flood throughput ≥ server.js`, ours >= theirs, `${ours} vs ${theirs} msg/s`));
      const oursCpu = loadMedian(kind, (l) => l.floodMessagesPerCpuSecond);
      const theirsCpu = loadMedian(ref, (l) => l.floodMessagesPerCpuSecond);
      goals.push(goal(`${kind}: relays per CPU-second ≥ server.js (less sensitive to others' load)`, oursCpu >= theirsCpu, `${oursCpu} vs ${theirsCpu} msg/CPU-s`));
      for (const p of ['p50', 'p99'] as const) {
        const a = loadMedian(kind, (l) => l.latency[p]);
        const b = loadMedian(ref, (l) => l.latency[p]);
        goals.push(goal(`${kind}: ${p} no worse than server.js`, a <= b, `${round(a, 3)} vs ${round(b, 3)} ms`));
      }
    }
  }
}

if (memories.length) {
  const memKinds = kinds.filter((k) => memOf(k).length);
  console.log(`\nMemory per idle session: ${memory.lobbies} lobbies × ${memory.members + 1} sockets joined, after GC, minus the same process with none, / sockets (bytes)`);
  const pickers: Array<[string, (m: MemoryTurn) => number]> = [
    ['heapUsed / session', (m) => m.perSession.heapUsed],
    ['external / session', (m) => m.perSession.external],
    ['RSS / session', (m) => m.perSession.rss],
    ['baseline heapUsed', (m) => m.baseline.heapUsed],
    ['baseline RSS', (m) => m.baseline.rss],
  ];
  const memMedian = (k: ServerKind, pick: (m: MemoryTurn) => number) => median(memOf(k).map(pick));
  console.log(
    table(
      ['metric', ...memKinds.flatMap((k) => [k, `${k} spread`]), ...(reference && memOf('server.js').length ? memKinds.filter((k) => k !== 'server.js').map((k) => `${k}/server.js`) : [])],
      pickers.map(([name, pick]) => [
        name,
        ...memKinds.flatMap((k) => [memMedian(k, pick), spread(memOf(k).map(pick))]),
        ...(reference && memOf('server.js').length ? memKinds.filter((k) => k !== 'server.js').map((k) => ratio(memMedian(k, pick), memMedian('server.js', pick))) : []),
      ]),
    ),
  );
}

if (goals.length) {
  console.log('\nGoals');
  console.log(table(['goal', 'met', 'figure'], goals.map((g) => [g.name, g.met ? 'yes' : 'NO', g.figure])));
}
if (failures.length) console.log(`\nFailed turns:\n${failures.join('\n')}`);
const seconds = Math.round((Date.now() - started) / 1000);
console.log(`\n${seconds} s`);

const out = join(here, 'results', 'signaling-latest.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  JSON.stringify({ machine, mode: quick ? 'quick' : 'full', reference: reference ?? null, referenceWs: reference ? referenceWsVersion(reference) : null, plan, memory, generators: generatorCount, turns, profiles, loads, memories, goals, failures, seconds }, null, 2),
);
console.log(`wrote ${out}`);
process.exit(failures.length ? 1 : 0);
