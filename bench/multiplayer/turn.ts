/**
 * One turn of the multiplayer bench: a fresh server process and fresh client processes, the
 * server's signals relayed to the clients over IPC (and back), everyone connected, then one run
 * at fixed times on the shared clock, then both ends' reports. Every wait is bounded; every
 * process started here is stopped here (SIGKILL after 5 s).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LossyRelay, type LinkImpairment, type RelayStats } from './lossy-relay.js';
import { clock, type ClientReport, type FromClients, type FromServer, type RunWindow, type ServerReport, type Signal, type TurnPlan } from './protocol.js';

const here = dirname(fileURLToPath(import.meta.url));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface TurnTiming {
  warmupMs: number;
  durationMs: number;
  /** Sending goes on this long after t1, so that the window's last packets travel as the others did. */
  tailMs: number;
  /** After sending stops, the server keeps reading this long. */
  graceMs: number;
  connectTimeoutMs: number;
}

export interface TurnResult {
  plan: TurnPlan;
  window: RunWindow;
  connectMs: number;
  server: ServerReport;
  clients: ClientReport[];
  /** The lossy link's counters (`link` given): over the whole turn, setup included. */
  relay: RelayStats | null;
  problems: string[];
}

function start(script: string, nodeArgs: string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(here, script)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function next<T>(proc: ChildProcess, accept: (m: any) => boolean, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = () => (clearTimeout(timer), proc.off('message', listener), reject(new Error(`${what}: the process exited`)));
    const timer = setTimeout(() => (proc.off('message', listener), proc.off('exit', onExit), reject(new Error(`${what}: no answer in ${timeoutMs} ms`))), timeoutMs);
    const listener = (m: unknown) => {
      if (!accept(m)) return;
      clearTimeout(timer);
      proc.off('message', listener);
      proc.off('exit', onExit);
      resolve(m as T);
    };
    proc.on('message', listener);
    proc.once('exit', onExit);
  });
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  if (proc.connected) proc.send({ cmd: 'stop' });
  if (!(await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]))) {
    proc.kill('SIGKILL');
    await Promise.race([exited, sleep(2000)]);
  }
}

/** Runs `plan` once: `clientProcesses` processes share the clients (ids 2, 3, ...; the server is 1). */
export async function runTurn(plan: TurnPlan, timing: TurnTiming, clientProcesses: number, profile: string | null, link: LinkImpairment | null = null): Promise<TurnResult> {
  const problems: string[] = [];
  const relay = link ? new LossyRelay(link) : null;
  const server = start('server-child.ts');
  const clients = Array.from({ length: clientProcesses }, () => start('client-child.ts'));
  const all = [server, ...clients];
  try {
    await Promise.all(all.map((p) => next(p, (m) => m?.cmd === 'ready', 30_000, 'process start')));
    const ids = Array.from({ length: plan.clients }, (_, i) => i + 2);
    await relay?.open(ids);
    const toClient = (id: number, signal: Signal) => (relay ? relay.toClient(id, signal) : signal);
    const fromClient = (id: number, signal: Signal) => (relay ? relay.fromClient(id, signal) : signal);
    const owner = new Map<number, ChildProcess>();
    const shares = clients.map((proc, i) => ids.filter((_, k) => k % clients.length === i));
    shares.forEach((share, i) => share.forEach((id) => owner.set(id, clients[i]!)));
    server.on('message', (m: FromServer) => {
      if (m.cmd === 'signal') {
        const signal = toClient(m.to, m.signal);
        if (signal) owner.get(m.to)?.send({ cmd: 'signal', to: m.to, signal });
      }
      else if (m.cmd === 'error' && problems.length < 20) problems.push(`server: ${m.message}`);
    });
    for (const proc of clients) {
      proc.on('message', (m: FromClients) => {
        if (m.cmd === 'signal' && server.connected) {
          const signal = fromClient(m.from, m.signal);
          if (signal) server.send({ cmd: 'signal', from: m.from, signal });
        }
        else if (m.cmd === 'error' && problems.length < 20) problems.push(m.message);
      });
    }
    await Promise.all(clients.map((proc, i) => {
      const answer = next(proc, (m) => m?.cmd === 'prepared', 20_000, 'clients prepare');
      proc.send({ cmd: 'prepare', plan, ids: shares[i] });
      return answer;
    }));
    const connectedAnswer = next<Extract<FromServer, { cmd: 'connected' }>>(server, (m) => m?.cmd === 'connected', timing.connectTimeoutMs + 10_000, 'server connect');
    server.send({ cmd: 'connect', plan, ids, timeoutMs: timing.connectTimeoutMs, profile });
    const connected = await connectedAnswer;
    problems.push(...connected.problems);
    if (connected.connected < plan.clients) problems.push(`only ${connected.connected} of ${plan.clients} clients connected in ${connected.ms} ms`);
    const begin = clock() + 300;
    const t0 = begin + timing.warmupMs;
    const t1 = t0 + timing.durationMs;
    const window: RunWindow = { start: begin, t0, t1, stop: t1 + timing.tailMs, end: t1 + timing.tailMs + timing.graceMs };
    for (const proc of all) proc.send({ cmd: 'run', window });
    // The link is impaired from the run's first tick (its warm-up included) to its end.
    await sleep(window.start - clock());
    relay?.impair(true);
    await sleep(window.end - clock() + 300);
    relay?.impair(false);
    const serverAnswer = next<Extract<FromServer, { cmd: 'report' }>>(server, (m) => m?.cmd === 'report', 30_000, 'server report');
    server.send({ cmd: 'report' });
    const clientAnswers = clients.map((proc) => {
      const answer = next<Extract<FromClients, { cmd: 'report' }>>(proc, (m) => m?.cmd === 'report', 30_000, 'client report');
      proc.send({ cmd: 'report' });
      return answer;
    });
    const reports = await Promise.all([serverAnswer, ...clientAnswers]);
    problems.push(...(reports[0] as Extract<FromServer, { cmd: 'report' }>).report.problems);
    return {
      plan,
      window,
      connectMs: connected.ms,
      server: (reports[0] as Extract<FromServer, { cmd: 'report' }>).report,
      clients: reports.slice(1).map((r) => (r as Extract<FromClients, { cmd: 'report' }>).report),
      relay: relay?.stats() ?? null,
      problems,
    };
  } finally {
    await Promise.all(all.map(stop));
    relay?.close();
  }
}
