/**
 * The bench's child processes: a signaling server (ours or the demo's server.js, each in a
 * process of its own with probe.cjs preloaded for CPU and memory questions) and the load
 * generators (load-child.ts). Every wait is bounded; `stop()` ends exactly the process started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadCommand, Mark } from './load-child.js';

const here = dirname(fileURLToPath(import.meta.url));
const PROBE = join(here, 'probe.cjs');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `ours+cork` is an experiment (writes batched per socket per turn, see our-server.ts), only when asked for. */
export type ServerKind = 'ours' | 'ours+audit' | 'ours+cork' | 'server.js';

export interface MemoryUsage {
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  rss: number;
}

/** A free TCP port on 127.0.0.1 (bound and released: the child binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

async function portOpen(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((r) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), r(true)));
      socket.once('error', () => r(false));
    });
    if (open) return true;
    await sleep(50);
  }
  return false;
}

/** Waits for the next IPC message that `accept` takes, for at most `timeoutMs`. */
function nextMessage<T>(proc: ChildProcess, accept: (m: any) => boolean, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolveMessage, reject) => {
    const timer = setTimeout(() => (proc.off('message', listener), reject(new Error(`${what}: no answer in ${timeoutMs} ms`))), timeoutMs);
    const listener = (m: unknown) => {
      if (!accept(m)) return;
      clearTimeout(timer);
      proc.off('message', listener);
      resolveMessage(m as T);
    };
    proc.on('message', listener);
  });
}

/**
 * server.js listens on its `PORT` constant (9080) and reads no environment variable: it runs
 * from a temporary copy in which only `const PORT = 9080;` is replaced by the port, requiring
 * `ws` from the reference's own directory (NODE_PATH). Returns the copy's path.
 */
export function referenceCopy(reference: string, port: number): string {
  const source = readFileSync(reference, 'utf8');
  const constant = /const PORT = \d+;/;
  if (!constant.test(source)) throw new Error(`${reference} has no "const PORT = N;" to replace`);
  const dir = mkdtempSync(join(tmpdir(), 'signaling-reference-'));
  const copy = join(dir, 'server.js');
  writeFileSync(copy, source.replace(constant, `const PORT = ${port};`));
  return copy;
}

/** The ws version the reference will load (its own node_modules). */
export function referenceWsVersion(reference: string): string {
  try {
    return (JSON.parse(readFileSync(join(dirname(resolve(reference)), 'node_modules', 'ws', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not found';
  }
}

export class ServerProcess {
  cpuAtStart = 0;
  private stderr = '';

  private constructor(
    readonly kind: ServerKind,
    readonly port: number,
    private readonly proc: ChildProcess,
    /** The audit trail's file, for ours+audit. */
    readonly auditFile: string | null,
  ) {
    proc.stderr?.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 4000) this.stderr += chunk.toString();
    });
  }

  get url() {
    return `ws://127.0.0.1:${this.port}`;
  }

  get pid() {
    return this.proc.pid;
  }

  /** Starts a server and resolves once its port accepts connections. */
  static async start(kind: ServerKind, options: { reference?: string; auditFile?: string; extraNodeArgs?: string[] }): Promise<ServerProcess> {
    const port = await freePort();
    const nodeArgs = ['--expose-gc', '--require', PROBE, ...(options.extraNodeArgs ?? [])];
    let args: string[];
    const env = { ...process.env };
    if (kind === 'server.js') {
      if (!options.reference) throw new Error('server.js needs --reference');
      args = [...nodeArgs, referenceCopy(options.reference, port)];
      env.NODE_PATH = join(dirname(resolve(options.reference)), 'node_modules');
    } else {
      args = [...nodeArgs, '--import', 'tsx', join(here, 'our-server.ts'), String(port), ...(kind === 'ours+audit' ? [options.auditFile!] : [])];
      if (kind === 'ours+cork') env.BENCH_CORK = '1';
    }
    // 4096 sockets and more: the soft limit on open files goes up to the hard one.
    const proc = spawn('bash', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'bash', process.execPath, ...args], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env,
    });
    const server = new ServerProcess(kind, port, proc, kind === 'ours+audit' ? options.auditFile! : null);
    const exited = new Promise<false>((r) => proc.once('exit', () => r(false)));
    const open = await Promise.race([portOpen(port, 20_000), exited]);
    if (!open) {
      server.stop();
      throw new Error(`${kind} did not listen on ${port}: ${server.stderr.trim() || 'no output'}`);
    }
    server.cpuAtStart = await server.cpuUs();
    return server;
  }

  async cpuUs(): Promise<number> {
    this.proc.send({ probe: 'cpu' });
    const m = await nextMessage<{ user: number; system: number }>(this.proc, (m) => m?.probe === 'cpu', 10_000, `${this.kind} cpu`);
    return m.user + m.system;
  }

  async memory(): Promise<MemoryUsage> {
    this.proc.send({ probe: 'memory' });
    return nextMessage<MemoryUsage>(this.proc, (m) => m?.probe === 'memory', 30_000, `${this.kind} memory`);
  }

  /** Starts a CPU profile of the server process (its probe's inspector session). */
  async profileStart(): Promise<void> {
    this.proc.send({ probe: 'profile-start' });
    await nextMessage(this.proc, (m) => m?.probe === 'profile-start', 10_000, `${this.kind} profile start`);
  }

  /** Writes the profile since profileStart to `file`. */
  async profileStop(file: string): Promise<void> {
    this.proc.send({ probe: 'profile-stop', file });
    await nextMessage(this.proc, (m) => m?.probe === 'profile-stop', 30_000, `${this.kind} profile stop`);
  }

  get errors() {
    return this.stderr.trim();
  }

  /** Ours closes itself (server.close(), then the audit); server.js is told to exit by its probe. Bounded: SIGKILL after 5 s. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    if (this.kind === 'server.js') this.proc.send({ probe: 'exit' });
    else this.proc.send({ cmd: 'stop' });
    const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
    if (!done) {
      this.proc.kill('SIGKILL');
      await Promise.race([exited, sleep(2000)]);
    }
  }
}

export interface SetupAnswer {
  joined: number;
  wanted: number;
  ms: number;
  problems: string[];
}

/** The load generator processes, each with its share of the lobbies. */
export class LoadGenerators {
  private constructor(private readonly procs: ChildProcess[]) {}

  get size() {
    return this.procs.length;
  }

  static async start(count: number): Promise<LoadGenerators> {
    const procs = Array.from({ length: count }, () =>
      spawn('bash', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'bash', process.execPath, '--import', 'tsx', join(here, 'load-child.ts')], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    await Promise.all(procs.map((p) => nextMessage(p, (m) => m?.cmd === 'ready', 20_000, 'load generator start')));
    return new LoadGenerators(procs);
  }

  private ask<T>(commands: LoadCommand[] | LoadCommand, timeoutMs: number): Promise<T[]> {
    return Promise.all(
      this.procs.map((proc, i) => {
        const command = Array.isArray(commands) ? commands[i]! : commands;
        const answer = nextMessage<T>(proc, (m) => m?.cmd === command.cmd, timeoutMs, `load generator ${command.cmd}`);
        proc.send(command);
        return answer;
      }),
    );
  }

  /** `lobbies` lobbies of a host and `members` members, split over the generators. */
  async setup(url: string, lobbies: number, members: number): Promise<SetupAnswer> {
    const shares = this.procs.map((_, i) => Math.floor(lobbies / this.procs.length) + (i < lobbies % this.procs.length ? 1 : 0));
    const answers = await this.ask<SetupAnswer>(
      shares.map((share) => ({ cmd: 'setup', url, lobbies: share, members, concurrency: 16, timeoutMs: 20_000 })),
      180_000,
    );
    return {
      joined: answers.reduce((s, a) => s + a.joined, 0),
      wanted: answers.reduce((s, a) => s + a.wanted, 0),
      ms: Math.max(...answers.map((a) => a.ms)),
      problems: answers.flatMap((a) => a.problems),
    };
  }

  async flood(window: number) {
    await this.ask({ cmd: 'flood', window }, 10_000);
  }

  /** Every generator's counters now, summed, with the parent's clock. */
  async mark(): Promise<{ t: number; received: number; sent: number; cpuUs: number; unexpectedCloses: number }> {
    const marks = await this.ask<Mark>({ cmd: 'mark' }, 10_000);
    return {
      t: performance.now(),
      received: marks.reduce((s, m) => s + m.received, 0),
      sent: marks.reduce((s, m) => s + m.sent, 0),
      cpuUs: marks.reduce((s, m) => s + m.cpuUs, 0),
      unexpectedCloses: marks.reduce((s, m) => s + m.unexpectedCloses, 0),
    };
  }

  async idle(): Promise<{ left: number; problems: string[] }> {
    const answers = await this.ask<{ left: number; problems: string[] }>({ cmd: 'idle', timeoutMs: 5000 }, 15_000);
    return { left: answers.reduce((s, a) => s + a.left, 0), problems: answers.flatMap((a) => a.problems) };
  }

  /** Probes at `rate` round trips per second in total; the samples of all generators (ms). */
  async paced(rate: number, warmupMs: number, durationMs: number) {
    const answers = await this.ask<{ samples: number[]; probes: number; lost: number; problems: string[] }>(
      { cmd: 'paced', rate: rate / this.procs.length, warmupMs, durationMs },
      warmupMs + durationMs + 20_000,
    );
    return {
      samples: answers.flatMap((a) => a.samples),
      probes: answers.reduce((s, a) => s + a.probes, 0),
      lost: answers.reduce((s, a) => s + a.lost, 0),
      problems: answers.flatMap((a) => a.problems),
    };
  }

  async close() {
    const answers = await this.ask<{ closed: number; clean: boolean; unexpectedCloses: number; problems: string[] }>({ cmd: 'close', timeoutMs: 10_000 }, 30_000);
    return { closed: answers.reduce((s, a) => s + a.closed, 0), clean: answers.every((a) => a.clean), unexpectedCloses: answers.reduce((s, a) => s + a.unexpectedCloses, 0), problems: answers.flatMap((a) => a.problems) };
  }

  async stop() {
    await Promise.all(
      this.procs.map(async (proc) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return;
        const exited = new Promise<void>((r) => proc.once('exit', () => r()));
        proc.disconnect();
        if (!(await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]))) proc.kill('SIGKILL');
      }),
    );
  }
}

