import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo } from '../lib/machine.js';
import { goal, table, type Goal } from '../lib/report.js';
import { round, summarize } from '../lib/stats.js';
import type { TurnPlan } from './protocol.js';
import { runTurn, type TurnResult } from './turn.js';
import type { LinkImpairment } from './lossy-relay.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface FanOutVariant {
  plan: Pick<TurnPlan, 'kind' | 'lifetime' | 'rawHeader'>;
  what: string;
  /** The variant its ratios are taken against (itself for a reference). */
  reference: string;
}

export interface FanOutBench {
  /** `multiplayer3`: the command is bench/<name>.ts, the results bench/results/<name>-latest.json. */
  name: string;
  title: string;
  /** The variants, given the run's --lifetime. */
  variants: (lifetime: number) => Record<string, FanOutVariant>;
  defaultVariants: string[];
  /** "<variant> within <bound>× of <reference>'s server CPU per tick", where both ran. */
  cpuGoals: Array<{ variant: string; bound: number }>;
  /** A line under the medians: when each variant's code sees an input. */
  latencyNote: (periodMs: number) => string;
}

/** Runs the bench `config` describes with the command line `argv` (see bench/multiplayer3.ts for the flags); exits when done. */
export async function runFanOutBench(config: FanOutBench, argv: string[]): Promise<never> {
  const flag = (name: string) => argv.includes(`--${name}`);
  const option = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const number = (name: string, fallback: number) => {
    const value = Number(option(name) ?? fallback);
    if (!Number.isFinite(value) || value < 0) {
      console.error(`--${name}: a number, not ${option(name)}`);
      process.exit(2);
    }
    return value;
  };

  const quick = flag('quick');
  const seconds = number('seconds', quick ? 3 : 10);
  const turns = Math.min(20, Math.max(1, Math.round(number('turns', quick ? 2 : 3))));
  const clients = Math.min(256, Math.max(1, Math.round(number('clients', 32))));
  const hz = Math.min(240, Math.max(1, number('hz', 60)));
  const stateBytes = Math.min(60_000, Math.max(12, Math.round(number('state-bytes', 200))));
  const inputBytes = Math.min(60_000, Math.max(16, Math.round(number('input-bytes', 20))));
  const burst = Math.min(64, Math.max(1, Math.round(number('burst', 1))));
  const lifetime = Math.min(65535, Math.round(number('lifetime', 1)));
  const clientProcesses = Math.min(8, Math.max(1, Math.round(number('client-processes', 2))));
  const loss = Math.min(0.5, number('loss', 0));
  const delayMs = Math.min(500, number('delay', 0));
  const seed = Math.round(number('seed', 1));
  const link: LinkImpairment | null = option('loss') !== undefined || option('delay') !== undefined ? { loss, delayMs, seed } : null;
  const profileDir = option('profile') ? resolve(option('profile')!) : null;

  type VariantName = string;
  const VARIANTS = config.variants(lifetime);
  const variantNames = option('variants')?.split(',') ?? config.defaultVariants;
  for (const name of variantNames) {
    if (!(name in VARIANTS)) {
      console.error(`--variants: ${name} is not one of ${Object.keys(VARIANTS).join(', ')}`);
      process.exit(2);
    }
  }

  const timing = { warmupMs: quick ? 700 : 1500, durationMs: seconds * 1000, tailMs: 100, graceMs: 500, connectTimeoutMs: 30_000 };
  const command = `npx tsx bench/${config.name}.ts${argv.length ? ' ' + argv.join(' ') : ''}`;
  const machine = machineInfo();
  console.log(`$ ${command}`);
  console.log(`${config.title} (${quick ? 'quick' : 'full'}): ${machine.cpuModel}, ${machine.nproc} cores, Node ${machine.node}, node-datachannel ${machine.versions['node-datachannel']}, load average at start ${machine.loadAverageAtStart.join(' ')}`);
  console.log(
    `${clients} clients in ${clientProcesses} processes, ${hz} Hz, ${burst > 1 ? `${burst} states` : 'a state'} of ${stateBytes} B per tick server → every client, input ${inputBytes} B every client → server, both on channel 3 (unordered, unreliable); ` +
      `${turns} turn(s) of ${variantNames.join(', ')}; each run ${timing.warmupMs} ms warm-up, ${seconds} s measured, on 127.0.0.1`,
  );
  if (link) console.log(`Lossy link: every datagram between the server and its clients through a UDP relay on 127.0.0.1, dropped with probability ${loss} and delayed ${delayMs} ms, each direction (seed ${seed}), from the run's first tick (setup unimpaired)`);
  if (profileDir) {
    mkdirSync(profileDir, { recursive: true });
    console.log(`Profiling into ${profileDir}: the CPU figures of this run are not comparable`);
  }

  const started = Date.now();
  const results: Array<{ variant: VariantName; turn: number; result: TurnResult }> = [];
  const failures: string[] = [];
  for (let turn = 0; turn < turns; turn++) {
    for (const variant of variantNames) {
      const { plan } = VARIANTS[variant]!;
      const full: TurnPlan = { ...plan, clients, hz, stateBytes, burst, inputBytes };
      process.stderr.write(`turn ${turn + 1}/${turns} ${variant}...`);
      try {
        const profile = profileDir ? join(profileDir, `${variant}-turn${turn + 1}.cpuprofile`) : null;
        const result = await runTurn(full, timing, clientProcesses, profile, link);
        results.push({ variant, turn, result });
        const row = summaryOf(result);
        process.stderr.write(` ${row.cpuPerTickUs} µs CPU/tick, s→c ${row.shareStates} p50 ${row.stateP50} ms, c→s ${row.shareInputs}${result.problems.length ? `; ${result.problems.join('; ')}` : ''}\n`);
      } catch (error) {
        const text = `${variant} turn ${turn + 1}: ${error instanceof Error ? error.message : String(error)}`;
        failures.push(text);
        process.stderr.write(` failed: ${text}\n`);
      }
    }
  }

  function summaryOf(r: TurnResult) {
    const { server } = r;
    const s = timing.durationMs / 1000;
    const received = r.clients.reduce((sum, c) => sum + c.statesReceived, 0);
    const inputsSent = r.clients.reduce((sum, c) => sum + c.inputsSent, 0);
    const stateLatency = summarize(r.clients.flatMap((c) => c.stateLatency));
    const inputLatency = summarize(server.inputLatency);
    return {
      connected: server.connected,
      ticks: server.windowTicks,
      cpuPerTickUs: round(server.cpuUs / server.windowTicks, 1),
      cpuCores: round(server.cpuUs / 1000 / timing.durationMs, 3),
      mainPerTickUs: server.threads ? round(server.threads.mainUs / server.windowTicks, 1) : NaN,
      othersPerTickUs: server.threads ? round(server.threads.othersUs / server.windowTicks, 1) : NaN,
      elu: round(server.elu, 3),
      tickUsMedian: round(server.tickUs.median, 1),
      tickUsP99: round(server.tickUs.p99, 1),
      lagP99Ms: round(server.lagMs.p99, 2),
      statesSentPerS: Math.round(server.statesSent / s),
      statesReceivedPerS: Math.round(received / s),
      shareStates: round(received / server.statesSent, 5),
      inputsSentPerS: Math.round(inputsSent / s),
      inputsReceivedPerS: Math.round(server.inputsReceived / s),
      shareInputs: round(server.inputsReceived / inputsSent, 5),
      stateP50: round(stateLatency.median, 3),
      stateP99: round(stateLatency.p99, 3),
      stateMax: round(stateLatency.max, 3),
      inputP50: round(inputLatency.median, 3),
      inputP99: round(inputLatency.p99, 3),
      minPerClient: Math.min(...r.clients.map((c) => c.minPerClient)),
      malformed: server.malformed + r.clients.reduce((sum, c) => sum + c.malformed, 0),
      relayToClients: r.relay ? `${r.relay.toClients.dropped}/${r.relay.toClients.datagrams}` : '',
      relayToServer: r.relay ? `${r.relay.toServer.dropped}/${r.relay.toServer.datagrams}` : '',
      relayPairs: r.relay ? `${r.relay.pairsUsed}/${r.relay.pairs}` : '',
      clientCpuCores: round(r.clients.reduce((sum, c) => sum + c.cpuUs, 0) / 1000 / (r.window.end - r.window.start), 3),
    };
  }
  type Summary = ReturnType<typeof summaryOf>;

  const rows = results.map(({ variant, turn, result }) => ({ variant, turn, ...summaryOf(result) }));
  const median = (xs: number[]) => {
    const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
    return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const of = (variant: VariantName) => rows.filter((r) => r.variant === variant);
  const med = (variant: VariantName, pick: (r: Summary) => number) => median(of(variant).map(pick));

  console.log(`\nEvery run (${seconds} s measured; CPU = the server process's user + system time, its libdatachannel threads included)`);
  console.log(
    table(
      ['variant', 'turn', 'connected', 'ticks', 'CPU µs/tick', 'main thread', 'other threads', 'CPU cores', 'ELU', 'tick µs p50', 'tick µs p99', 'lag p99 ms', 's→c sent/s', 's→c recv/s', 's→c share', 'c→s sent/s', 'c→s recv/s', 'c→s share', 's→c p50 ms', 's→c p99 ms', 'c→s p50 ms', 'c→s p99 ms', ...(link ? ['s→c max ms', 'link s→c dropped/datagrams', 'link c→s dropped/datagrams', 'pairs through the link'] : [])],
      rows.map((r) => [r.variant, r.turn + 1, r.connected, r.ticks, r.cpuPerTickUs, r.mainPerTickUs, r.othersPerTickUs, r.cpuCores, r.elu, r.tickUsMedian, r.tickUsP99, r.lagP99Ms, r.statesSentPerS, r.statesReceivedPerS, r.shareStates, r.inputsSentPerS, r.inputsReceivedPerS, r.shareInputs, r.stateP50, r.stateP99, r.inputP50, r.inputP99, ...(link ? [r.stateMax, r.relayToClients, r.relayToServer, r.relayPairs] : [])]),
    ),
  );

  const present = variantNames.filter((v) => of(v).length);
  const ratioTo = (variant: VariantName, pick: (r: Summary) => number) => {
    const reference = VARIANTS[variant]!.reference;
    const a = med(variant, pick);
    const b = med(reference, pick);
    return of(reference).length && variant !== reference && b > 0 ? (a / b).toFixed(3) : '';
  };
  /** Each turn's own CPU ratio: variant and reference measured one after the other. */
  const turnRatios = (variant: VariantName): number[] => {
    const reference = VARIANTS[variant]!.reference;
    if (variant === reference) return [];
    return of(variant).map((r) => {
      const ref = rows.find((x) => x.variant === reference && x.turn === r.turn);
      return ref ? r.cpuPerTickUs / ref.cpuPerTickUs : NaN;
    });
  };
  const pairedRatios = (variant: VariantName) => turnRatios(variant).map((x) => (Number.isFinite(x) ? x.toFixed(2) : '?')).join(' ');
  const references = present.filter((v) => VARIANTS[v]!.reference !== v).map((v) => `${VARIANTS[v]!.reference} for ${v}`).join(', ');
  console.log(`\nMedians of the turns; × ref = the median against its reference's (${references}), same run`);
  console.log(
    table(
      ['variant', 'what', 'runs', 'CPU µs/tick', '× ref', 'each turn × ref', 'main thread µs/tick', '× ref', 'other threads µs/tick', '× ref', 'CPU cores', 'tick µs p50', 's→c msg/s', 's→c share', 'c→s msg/s', 'c→s share', 's→c p50 ms', 's→c p99 ms', '× ref p99', 'c→s p50 ms', 'c→s p99 ms', ...(link ? ['s→c max ms'] : [])],
      present.map((v) => [
        v,
        VARIANTS[v]!.what,
        of(v).length,
        round(med(v, (r) => r.cpuPerTickUs), 1),
        ratioTo(v, (r) => r.cpuPerTickUs),
        pairedRatios(v),
        round(med(v, (r) => r.mainPerTickUs), 1),
        ratioTo(v, (r) => r.mainPerTickUs),
        round(med(v, (r) => r.othersPerTickUs), 1),
        ratioTo(v, (r) => r.othersPerTickUs),
        round(med(v, (r) => r.cpuCores), 3),
        round(med(v, (r) => r.tickUsMedian), 1),
        Math.round(med(v, (r) => r.statesReceivedPerS)),
        round(med(v, (r) => r.shareStates), 5),
        Math.round(med(v, (r) => r.inputsReceivedPerS)),
        round(med(v, (r) => r.shareInputs), 5),
        round(med(v, (r) => r.stateP50), 3),
        round(med(v, (r) => r.stateP99), 3),
        ratioTo(v, (r) => r.stateP99),
        round(med(v, (r) => r.inputP50), 3),
        round(med(v, (r) => r.inputP99), 3),
        ...(link ? [round(med(v, (r) => r.stateMax), 3)] : []),
      ]),
    ),
  );
  console.log(config.latencyNote(round(1000 / hz, 1)));

  const goals: Goal[] = [];
  for (const { variant, bound } of config.cpuGoals) {
    const reference = VARIANTS[variant]?.reference;
    if (reference === undefined || !of(variant).length || !of(reference).length) continue;
    const ours = med(variant, (r) => r.cpuPerTickUs);
    const ref = med(reference, (r) => r.cpuPerTickUs);
    goals.push(goal(`${variant} within ${bound}× of ${reference}'s server CPU per tick`, ours / ref <= bound, `${(ours / ref).toFixed(3)} (${round(ours, 1)} vs ${round(ref, 1)} µs/tick; each turn ${pairedRatios(variant)}, their median ${median(turnRatios(variant)).toFixed(3)})`));
  }
  if (goals.length) {
    console.log('\nGoals');
    console.log(table(['goal', 'met', 'figure'], goals.map((g) => [g.name, g.met ? 'met' : 'MISSED', g.figure])));
  }
  const problems = results.flatMap(({ variant, turn, result }) => {
    const own = [...result.problems];
    const malformed = result.server.malformed + result.clients.reduce((sum, c) => sum + c.malformed, 0);
    if (malformed > 0) own.push(`${malformed} packets of the wrong size or kind`);
    if (result.server.windowTicks === 0) own.push('no tick in the window');
    if (result.relay && result.relay.pairsUsed < result.relay.pairs) own.push(`only ${result.relay.pairsUsed} of ${result.relay.pairs} pairs went through the lossy link`);
    if (result.relay && result.relay.toClients.overflow + result.relay.toServer.overflow > 0) own.push(`the link held too many datagrams: ${result.relay.toClients.overflow + result.relay.toServer.overflow} dropped beyond its bound`);
    return own.map((p) => `${variant} turn ${turn + 1}: ${p}`);
  });
  if (problems.length) console.log(`\nProblems:\n${problems.join('\n')}`);
  if (failures.length) console.log(`\nFailed runs:\n${failures.join('\n')}`);
  const durationS = Math.round((Date.now() - started) / 1000);
  console.log(`\n${durationS} s; load average at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);

  const out = join(here, '..', 'results', `${config.name}-latest.json`);
  mkdirSync(dirname(out), { recursive: true });
  const runs = results.map(({ variant, turn, result }) => ({ variant, turn, ...result, server: { ...result.server, inputLatency: summarize(result.server.inputLatency) }, clients: result.clients.map((c) => ({ ...c, stateLatency: summarize(c.stateLatency) })) }));
  writeFileSync(out, JSON.stringify({ command, machine, mode: quick ? 'quick' : 'full', settings: { seconds, turns, link, clients, hz, stateBytes, burst, inputBytes, lifetime, clientProcesses, timing }, variants: variantNames, rows, goals, problems, failures, runs, durationS }, null, 1) + '\n');
  console.log(`wrote ${out}`);
  process.exit(failures.length ? 1 : 0);
}
