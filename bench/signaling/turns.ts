/**
 * One turn of each measure against one freshly started server: flood throughput then paced
 * latency on the same lobbies, or memory per idle session with the server at its peer limit.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { summarize, round } from '../lib/stats.js';
import { LoadGenerators, ServerProcess, type MemoryUsage, type ServerKind } from './processes.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** CPU seconds the whole machine spent busy so far (/proc/stat; NaN elsewhere): others' load shows as busy time that is neither the server's nor the generators'. */
function machineBusySeconds(): number {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
    return (user + nice + system + irq + softirq + steal) / 100;
  } catch {
    return NaN;
  }
}

export interface LoadPlan {
  lobbies: number;
  members: number;
  window: number;
  floodWarmupMs: number;
  floodMs: number;
  /** Round trips per second in total (each is two relays: member → host, host → member). */
  pacedRate: number;
  pacedWarmupMs: number;
  pacedMs: number;
}

export interface LoadTurn {
  server: ServerKind;
  clients: number;
  setupMs: number;
  /** Relayed messages delivered to clients per second during the flood interval. */
  floodMessagesPerSecond: number;
  floodDelivered: number;
  /** Messages delivered per second of the server's CPU time: its cost per relay, whatever share of the cores it got. */
  floodMessagesPerCpuSecond: number;
  floodSeconds: number;
  /** CPU time over wall time during the flood interval (1 = one core). */
  serverCpu: number;
  generatorCpu: number;
  /** The rest of the machine's busy CPU during the flood interval (other processes: noise), in cores. */
  otherCpu: number;
  latency: { n: number; probes: number; lost: number; p50: number; p90: number; p99: number; max: number; mean: number };
  unexpectedCloses: number;
  /** The audit trail's size once the server stopped (ours+audit), in bytes. */
  auditBytes: number | null;
  problems: string[];
}

export interface MemoryTurn {
  server: ServerKind;
  sockets: number;
  setupMs: number;
  baseline: MemoryUsage;
  loaded: MemoryUsage;
  /** Bytes per session: (loaded − baseline) / sockets. */
  perSession: { heapUsed: number; external: number; rss: number };
  problems: string[];
}

function percentile(sorted: number[], p: number) {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** With `profileFile`, the server's CPU profile of the flood interval is written there. */
export async function loadTurn(kind: ServerKind, generators: LoadGenerators, plan: LoadPlan, start: () => Promise<ServerProcess>, profileFile?: string): Promise<LoadTurn> {
  const server = await start();
  const problems: string[] = [];
  let result: Omit<LoadTurn, 'auditBytes'>;
  try {
    const setup = await generators.setup(server.url, plan.lobbies, plan.members);
    problems.push(...setup.problems);
    if (setup.joined !== setup.wanted) throw new Error(`${kind}: only ${setup.joined} of ${setup.wanted} clients joined: ${setup.problems.slice(0, 3).join('; ')}`);

    await generators.flood(plan.window);
    await sleep(plan.floodWarmupMs);
    if (profileFile) await server.profileStart();
    const [m0, c0] = await Promise.all([generators.mark(), server.cpuUs()]);
    const busy0 = machineBusySeconds();
    await sleep(plan.floodMs);
    const [m1, c1] = await Promise.all([generators.mark(), server.cpuUs()]);
    const busy1 = machineBusySeconds();
    if (profileFile) await server.profileStop(profileFile);
    const settled = await generators.idle();
    problems.push(...settled.problems);
    const seconds = (m1.t - m0.t) / 1000;

    const paced = await generators.paced(plan.pacedRate, plan.pacedWarmupMs, plan.pacedMs);
    problems.push(...paced.problems);
    const sorted = [...paced.samples].sort((a, b) => a - b);
    const summary = summarize(sorted);
    const closed = await generators.close();
    problems.push(...closed.problems);
    result = {
      server: kind,
      clients: setup.joined,
      setupMs: round(setup.ms, 0),
      floodMessagesPerSecond: Math.round((m1.received - m0.received) / seconds),
      floodDelivered: m1.received - m0.received,
      floodMessagesPerCpuSecond: Math.round((m1.received - m0.received) / ((c1 - c0) / 1e6)),
      floodSeconds: round(seconds, 2),
      serverCpu: round((c1 - c0) / 1e6 / seconds, 2),
      generatorCpu: round((m1.cpuUs - m0.cpuUs) / 1e6 / seconds, 2),
      otherCpu: round((busy1 - busy0 - (c1 - c0) / 1e6 - (m1.cpuUs - m0.cpuUs) / 1e6) / seconds, 2),
      latency: {
        n: sorted.length,
        probes: paced.probes,
        lost: paced.lost,
        p50: round(percentile(sorted, 50), 3),
        p90: round(percentile(sorted, 90), 3),
        p99: round(percentile(sorted, 99), 3),
        max: round(summary.max, 3),
        mean: round(summary.mean, 3),
      },
      unexpectedCloses: closed.unexpectedCloses,
      problems: problems.slice(0, 10),
    };
  } catch (error) {
    await generators.close().catch(() => undefined);
    throw error;
  } finally {
    await server.stop();
  }
  const audit = server.auditFile;
  return { ...result, auditBytes: audit ? (existsSync(audit) ? statSync(audit).size : 0) : null };
}

/**
 * `lobbies` lobbies of `1 + members` sockets (1024 × 4 = server.js's 4096 peers and 1024 lobbies).
 * The baseline is the same process after one lobby came and went (the code paths loaded), with
 * no socket open.
 */
export async function memoryTurn(kind: ServerKind, generators: LoadGenerators, lobbies: number, members: number, start: () => Promise<ServerProcess>): Promise<MemoryTurn> {
  const server = await start();
  const problems: string[] = [];
  try {
    const warm = await generators.setup(server.url, 1, members);
    if (warm.joined !== warm.wanted) throw new Error(`${kind}: warm-up lobby did not fill: ${warm.problems.join('; ')}`);
    await generators.close();
    await sleep(500);
    const baseline = await server.memory();
    const setup = await generators.setup(server.url, lobbies, members);
    problems.push(...setup.problems);
    if (setup.joined !== setup.wanted) throw new Error(`${kind}: only ${setup.joined} of ${setup.wanted} sockets joined: ${setup.problems.slice(0, 3).join('; ')}`);
    await sleep(1500);
    const loaded = await server.memory();
    const closed = await generators.close();
    problems.push(...closed.problems);
    const per = (key: keyof MemoryUsage) => Math.round((loaded[key] - baseline[key]) / setup.joined);
    return {
      server: kind,
      sockets: setup.joined,
      setupMs: round(setup.ms, 0),
      baseline,
      loaded,
      perSession: { heapUsed: per('heapUsed'), external: per('external'), rss: per('rss') },
      problems: problems.slice(0, 10),
    };
  } catch (error) {
    await generators.close().catch(() => undefined);
    throw error;
  } finally {
    await server.stop();
  }
}
