/**
 * Godot 3 multiplayer over WebRTC, a game server's load (issue 12, point 6): one server, 32
 * clients; every tick (60 Hz) the server reads each client's input and broadcasts a 200-byte state
 * on channel 3 (TRANSFER_MODE_UNRELIABLE: unordered, maxPacketLifeTime = unreliable_lifetime), and
 * each client sends a 20-byte input on channel 3 too (unreliable, as a game's input usually is).
 * The same load on this library's WebRTCMultiplayer (ours), on MultiplayerAPI.send_bytes over it
 * (api), and on plain node-datachannel with the same negotiated channels and nothing in between
 * (raw), in the same run, taking turns (ours, raw, api, ..., ours, raw, ...). The server runs alone
 * in a process; the clients (plain node-datachannel, the same for every server) in others.
 *
 *   npx tsx bench/multiplayer3.ts [--quick] [--seconds=N] [--turns=N] [--clients=32] [--hz=60]
 *        [--state-bytes=200] [--burst=1] [--input-bytes=20] [--lifetime=1] [--client-processes=2]
 *        [--variants=ours,raw,api,ours-reliable,raw-reliable(,channels)] [--profile=DIR]
 *        [--loss=0.05] [--delay=20] [--seed=1]
 *
 * --burst=N: N states per tick (each stamped when sent), to load the link and see what share a
 * 1 ms lifetime lets through (e.g. --state-bytes=1100 --burst=8).
 * --profile=DIR: each server's CPU profile of its window, DIR/<variant>-turn<N>.cpuprofile (read one
 * with `npx tsx bench/signaling/profile.ts FILE`); profiled CPU figures are not comparable.
 * --loss=P, --delay=MS: a lossy link (bench/multiplayer3/lossy-relay.ts, a UDP relay on 127.0.0.1
 * the candidates are rewritten to): each datagram dropped with probability P and held MS ms, each
 * direction, from the run's first tick on (setup is not impaired). Without them, no relay: loopback.
 * Prints the tables and writes bench/results/multiplayer3-latest.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo } from './lib/machine.js';
import { goal, table, type Goal } from './lib/report.js';
import { round, summarize } from './lib/stats.js';
import type { TurnPlan } from './multiplayer3/protocol.js';
import { runTurn, type TurnResult } from './multiplayer3/turn.js';
import { OURS_LONGEST_LIFETIME } from './multiplayer3/server-stacks.js';
import type { LinkImpairment } from './multiplayer3/lossy-relay.js';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
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

type VariantName = 'ours' | 'raw' | 'api' | 'ours-reliable' | 'raw-reliable' | 'channels';
const VARIANTS: Record<VariantName, { plan: Pick<TurnPlan, 'kind' | 'lifetime' | 'rawPrefix'>; what: string; reference: VariantName }> = {
  ours: { plan: { kind: 'ours', lifetime, rawPrefix: false }, what: `WebRTCMultiplayer, add_peer(pc, id, ${lifetime}): put_packet to 0, get_packet_peer + get_packet`, reference: 'raw' },
  raw: { plan: { kind: 'raw', lifetime, rawPrefix: false }, what: `node-datachannel, channel 3 maxPacketLifeTime ${lifetime}`, reference: 'raw' },
  api: { plan: { kind: 'api', lifetime, rawPrefix: true }, what: `MultiplayerAPI over it: send_bytes(state, 0, UNRELIABLE), network_peer_packet`, reference: 'raw' },
  'ours-reliable': { plan: { kind: 'ours', lifetime: null, rawPrefix: false }, what: `WebRTCMultiplayer, add_peer(pc, id, ${OURS_LONGEST_LIFETIME}) (the longest; clients' channel 3 fully reliable)`, reference: 'raw-reliable' },
  'raw-reliable': { plan: { kind: 'raw', lifetime: null, rawPrefix: false }, what: 'node-datachannel, channel 3 unordered but fully reliable', reference: 'raw-reliable' },
  channels: { plan: { kind: 'channels', lifetime, rawPrefix: false }, what: 'the layer below alone: WebRTCPeerConnection.poll, WebRTCDataChannel get_packet/put_packet', reference: 'raw' },
};
/** The default set; `channels` (where ours's cost sits) only when asked for. */
const DEFAULT_VARIANTS: VariantName[] = ['ours', 'raw', 'api', 'ours-reliable', 'raw-reliable'];
const variantNames = (option('variants')?.split(',') ?? DEFAULT_VARIANTS) as VariantName[];
for (const name of variantNames) {
  if (!(name in VARIANTS)) {
    console.error(`--variants: ${name} is not one of ${Object.keys(VARIANTS).join(', ')}`);
    process.exit(2);
  }
}

const timing = { warmupMs: quick ? 700 : 1500, durationMs: seconds * 1000, tailMs: 100, graceMs: 500, connectTimeoutMs: 30_000 };
const command = `npx tsx bench/multiplayer3.ts${argv.length ? ' ' + argv.join(' ') : ''}`;
const machine = machineInfo();
console.log(`$ ${command}`);
console.log(`Godot 3 multiplayer bench (${quick ? 'quick' : 'full'}): ${machine.cpuModel}, ${machine.nproc} cores, Node ${machine.node}, node-datachannel ${machine.versions['node-datachannel']}, load average at start ${machine.loadAverageAtStart.join(' ')}`);
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
    const { plan } = VARIANTS[variant];
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
  const reference = VARIANTS[variant].reference;
  const a = med(variant, pick);
  const b = med(reference, pick);
  return of(reference).length && variant !== reference && b > 0 ? (a / b).toFixed(3) : '';
};
/** Each turn's own CPU ratio: variant and reference measured one after the other. */
const turnRatios = (variant: VariantName): number[] => {
  const reference = VARIANTS[variant].reference;
  if (variant === reference) return [];
  return of(variant).map((r) => {
    const ref = rows.find((x) => x.variant === reference && x.turn === r.turn);
    return ref ? r.cpuPerTickUs / ref.cpuPerTickUs : NaN;
  });
};
const pairedRatios = (variant: VariantName) => turnRatios(variant).map((x) => (Number.isFinite(x) ? x.toFixed(2) : '?')).join(' ');
console.log(`\nMedians of the turns; × ref = the median against its reference's (raw for ours, api and channels, raw-reliable for ours-reliable), same run`);
console.log(
  table(
    ['variant', 'what', 'runs', 'CPU µs/tick', '× ref', 'each turn × ref', 'main thread µs/tick', '× ref', 'other threads µs/tick', '× ref', 'CPU cores', 'tick µs p50', 's→c msg/s', 's→c share', 'c→s msg/s', 'c→s share', 's→c p50 ms', 's→c p99 ms', '× ref p99', 'c→s p50 ms', 'c→s p99 ms', ...(link ? ['s→c max ms'] : [])],
    present.map((v) => [
      v,
      VARIANTS[v].what,
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
console.log(
  `c→s latency is until the server's code sees the input: ours and api read at the next tick's poll() (Godot 3's model: up to one tick, ${round(1000 / hz, 1)} ms, later), raw in channel 3's onMessage as it arrives.`,
);

const goals: Goal[] = [];
if (of('ours').length && of('raw').length) {
  const ours = med('ours', (r) => r.cpuPerTickUs);
  const raw = med('raw', (r) => r.cpuPerTickUs);
  goals.push(goal("ours within 1.1× of raw's server CPU per tick", ours / raw <= 1.1, `${(ours / raw).toFixed(3)} (${round(ours, 1)} vs ${round(raw, 1)} µs/tick; each turn ${pairedRatios('ours')}, their median ${median(turnRatios('ours')).toFixed(3)})`));
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

const out = join(here, 'results', 'multiplayer3-latest.json');
mkdirSync(dirname(out), { recursive: true });
const runs = results.map(({ variant, turn, result }) => ({ variant, turn, ...result, server: { ...result.server, inputLatency: summarize(result.server.inputLatency) }, clients: result.clients.map((c) => ({ ...c, stateLatency: summarize(c.stateLatency) })) }));
writeFileSync(out, JSON.stringify({ command, machine, mode: quick ? 'quick' : 'full', settings: { seconds, turns, link, clients, hz, stateBytes, burst, inputBytes, lifetime, clientProcesses, timing }, variants: variantNames, rows, goals, problems, failures, runs, durationS }, null, 1) + '\n');
console.log(`wrote ${out}`);
process.exit(failures.length ? 1 : 0);
