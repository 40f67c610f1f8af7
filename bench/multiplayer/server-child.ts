/**
 * The game server (`node --import tsx bench/multiplayer/server-child.ts`, with an IPC channel):
 * one of the stacks of server-stacks.ts, alone in its process, so that process.cpuUsage() is the
 * server's (its JS and every libdatachannel thread it runs). Ticks at fixed slots from the
 * window's start: each tick reads every input, then broadcasts a state stamped with the time it
 * is sent. CPU, event-loop utilization and the tick's own time are taken over the slots in
 * [t0, t1); only packets whose send time is in [t0, t1) are counted, on both ends.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { clock, Samples, sentAtOf, writeState, type FromServer, type RunWindow, type ServerReport, type ToServer, type TurnPlan } from './protocol.js';
import { makeServer, type ServerStack } from './server-stacks.js';
import { round, summarize } from '../lib/stats.js';
import { threadDelta, threadTimes, type ThreadTimes } from './threads.js';

const send = (message: FromServer) => process.send?.(message);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let plan: TurnPlan | null = null;
let stack: ServerStack | null = null;
let window: RunWindow | null = null;
let profileFile: string | null = null;
let inputsReceived = 0;
let malformed = 0;
let latency = new Samples(1);
let report: ServerReport | null = null;
let reportAsked = false;
const problems: string[] = [];
let timer: NodeJS.Timeout | undefined;

function onInput(bytes: Uint8Array): void {
  const at = clock();
  const sentAt = sentAtOf(bytes, plan!.inputBytes, 8);
  if (Number.isNaN(sentAt)) return void malformed++;
  if (window !== null && sentAt >= window.t0 && sentAt < window.t1) {
    inputsReceived++;
    latency.push(at - sentAt);
  }
}

async function connect(turn: TurnPlan, ids: number[], timeoutMs: number): Promise<void> {
  plan = turn;
  const problems: string[] = [];
  const started = clock();
  try {
    stack = makeServer(turn, onInput);
    for (const id of ids) stack.add(id, (signal) => send({ cmd: 'signal', to: id, signal }));
  } catch (error) {
    problems.push(String(error));
  }
  const deadline = started + timeoutMs;
  while (stack && stack.connected() < ids.length && clock() < deadline) {
    stack.pump();
    await sleep(2);
  }
  send({ cmd: 'connected', connected: stack?.connected() ?? 0, ms: Math.round(clock() - started), problems });
}

/**
 * An inspector CPU profile of the window only (a file for bench/multiplayer/profile.ts), and a
 * sampling heap profile of the same window next to it (`.heapprofile`: what allocated the bytes).
 */
class WindowProfile {
  private readonly session = new Session();
  constructor(private readonly file: string) {
    this.session.connect();
  }
  start(): void {
    this.session.post('HeapProfiler.startSampling', { samplingInterval: 4096 });
    this.session.post('Profiler.enable', () => this.session.post('Profiler.setSamplingInterval', { interval: 100 }, () => this.session.post('Profiler.start')));
  }
  stop(): Promise<void> {
    const cpu = new Promise<void>((resolve) => {
      this.session.post('Profiler.stop', (error, result) => {
        if (!error && result) writeFileSync(this.file, JSON.stringify(result.profile));
        resolve();
      });
    });
    const heap = new Promise<void>((resolve) => {
      this.session.post('HeapProfiler.stopSampling', (error, result) => {
        if (!error && result) writeFileSync(this.file.replace(/\.cpuprofile$/, '') + '.heapprofile', JSON.stringify(result.profile));
        resolve();
      });
    });
    return Promise.all([cpu, heap]).then(() => undefined);
  }
}

function run(w: RunWindow, turn: TurnPlan, server: ServerStack): void {
  window = w;
  latency = new Samples(Math.ceil(((w.t1 - w.t0) / 1000) * turn.hz * turn.clients) + 1000);
  const period = 1000 / turn.hz;
  const state = new Uint8Array(turn.stateBytes);
  const tickUs: number[] = [];
  const lags: number[] = [];
  const spikes: ServerReport['lagSpikes'] = [];
  const profile = profileFile ? new WindowProfile(profileFile) : null;
  let cpu0: NodeJS.CpuUsage | null = null;
  let elu0: ReturnType<typeof performance.eventLoopUtilization> | null = null;
  let cpu: NodeJS.CpuUsage | null = null;
  let threads0: ThreadTimes | null = null;
  let threads: ServerReport['threads'] = null;
  let elu = 0;
  let windowTicks = 0;
  let statesSent = 0;
  let slot = 0;
  let profileDone: Promise<void> = Promise.resolve();
  const finish = async () => {
    await profileDone;
    const lag = summarize(lags);
    const tick = summarize(tickUs);
    const behind = clock() - (w.start + slot * period);
    if (behind > 100) problems.push(`the ticks ran ${Math.round(behind)} ms behind their slots at the end`);
    report = {
      kind: turn.kind,
      connected: server.connected(),
      windowTicks,
      cpuUs: cpu ? cpu.user + cpu.system : NaN,
      cpuUserUs: cpu?.user ?? NaN,
      cpuSystemUs: cpu?.system ?? NaN,
      threads,
      elu,
      tickUs: { median: tick.median, p99: tick.p99 },
      lagMs: { median: lag.median, p99: lag.p99, max: lag.max },
      lagSpikes: spikes,
      statesSent,
      inputsReceived,
      inputLatency: latency.list(),
      malformed,
      libraryCounts: server.counts(),
      profile: profileFile,
      problems,
    };
    if (reportAsked) send({ cmd: 'report', report });
  };
  const step = () => {
    const scheduled = w.start + slot * period;
    // A server that cannot keep up runs every slot late; it still stops a second after the end.
    if (scheduled >= w.end || clock() >= w.end + 1000) return void finish();
    const inWindow = scheduled >= w.t0 && scheduled < w.t1;
    if (inWindow && cpu0 === null) {
      threads0 = threadTimes();
      cpu0 = process.cpuUsage();
      elu0 = performance.eventLoopUtilization();
      profile?.start();
    }
    if (!inWindow && cpu0 !== null && cpu === null) {
      cpu = process.cpuUsage(cpu0);
      threads = threadDelta(threads0, threadTimes());
      elu = performance.eventLoopUtilization(elu0!).utilization;
      if (profile) profileDone = profile.stop();
    }
    const began = performance.now();
    if (inWindow) {
      const lag = clock() - scheduled;
      lags.push(lag);
      if (lag > 2 * period && spikes.length < 20) spikes.push({ tick: windowTicks, lagMs: round(lag, 1), previousTickUs: Math.round(tickUs.at(-1) ?? NaN) });
    }
    server.read();
    if (scheduled < w.stop) {
      for (let k = 0; k < turn.burst; k++) {
        const sentAt = clock();
        writeState(state, 0, slot, sentAt);
        const count = server.broadcast(state);
        if (sentAt >= w.t0 && sentAt < w.t1) statesSent += count;
      }
    }
    if (inWindow) {
      windowTicks++;
      tickUs.push((performance.now() - began) * 1000);
    }
    slot++;
    timer = setTimeout(step, Math.max(0, w.start + slot * period - clock()));
  };
  timer = setTimeout(step, Math.max(0, w.start - clock()));
}

process.on('message', (message: ToServer) => {
  switch (message.cmd) {
    case 'connect':
      profileFile = message.profile;
      void connect(message.plan, message.ids, message.timeoutMs);
      break;
    case 'signal':
      try {
        stack?.signal(message.from, message.signal);
      } catch (error) {
        send({ cmd: 'error', message: `signal from ${message.from}: ${String(error)}` });
      }
      break;
    case 'run':
      if (plan && stack) run(message.window, plan, stack);
      break;
    case 'report':
      // Sent once the run has finished (bounded: the ticks stop a second after the window's end).
      if (report) send({ cmd: 'report', report });
      else reportAsked = true;
      break;
    case 'stop':
      clearTimeout(timer);
      try {
        stack?.close();
      } catch {
        /* best effort at exit */
      }
      setTimeout(() => process.exit(0), 100);
      break;
  }
});
process.on('disconnect', () => process.exit(0));
send({ cmd: 'ready' });
