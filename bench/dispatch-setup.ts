/**
 * Setup time as the application sees it, by how it is told: plain `poll()` at a setInterval of
 * 16 ms (the README's loop) and of 2 ms, `poll()` on every turn of the event loop (a setImmediate
 * spin, what the setup suite measures), and event dispatch (`dispatch: 'events'`, no poll at all),
 * told by the signals or by the promise helpers. Two library peers on 127.0.0.1 (default setup
 * order, a negotiated channel each), fresh pairs one after the other, the ways taking turns pair
 * by pair. Time: from create_offer() to the moment the application learns that both connections
 * are STATE_CONNECTED and both channels STATE_OPEN (polling: the first poll turn that reads it;
 * events: the last of the four state-change signals, or the four promises). Raw node-datachannel
 * ordered as the library orders it (offerer-first, from its callbacks) is the stack's own figure.
 * `npx tsx bench/dispatch-setup.ts [pairs=100]`; prints a markdown table, ratios to the spin.
 */
import {
  ConnectionState,
  GodotError,
  WebRTCDataChannel,
  WebRTCPeerConnection,
  createNodeDataChannelExtension,
  type DispatchMode,
} from '../src/index.js';
import { machineInfo } from './lib/machine.js';
import { now, sleep, spinUntil, tick } from './lib/loop.js';
import { percentile, round } from './lib/stats.js';
import { wire } from './peers/library.js';
import { rawStack } from './peers/raw.js';

const TIMEOUT_MS = 5000;
const MAX_PAIRS = 1000;
const CONNECTED = ConnectionState.STATE_CONNECTED;
const OPEN = WebRTCDataChannel.STATE_OPEN;

interface Pair {
  a: WebRTCPeerConnection;
  b: WebRTCPeerConnection;
  ca: WebRTCDataChannel;
  cb: WebRTCDataChannel;
}

function makePair(dispatch: DispatchMode): Pair {
  const a = new WebRTCPeerConnection({ dispatch });
  const b = new WebRTCPeerConnection({ dispatch });
  const ca = a.create_data_channel('bench', { negotiated: true, id: 1 })!;
  const cb = b.create_data_channel('bench', { negotiated: true, id: 1 })!;
  wire(a, b);
  return { a, b, ca, cb };
}

const setUp = ({ a, b, ca, cb }: Pair) => a.get_connection_state() === CONNECTED && b.get_connection_state() === CONNECTED && ca.get_ready_state() === OPEN && cb.get_ready_state() === OPEN;

async function closePair({ a, b }: Pair): Promise<void> {
  a.close();
  b.close();
  await tick();
}

/** Polls both connections every `intervalMs` (setInterval) and reads the states after each poll. */
function pollEvery(intervalMs: number) {
  return async (): Promise<number | null> => {
    const pair = makePair('poll');
    const t0 = now();
    pair.a.create_offer();
    const ms = await new Promise<number | null>((resolve) => {
      const frame = setInterval(() => {
        pair.a.poll();
        pair.b.poll();
        const elapsed = now() - t0;
        if (setUp(pair)) resolve(elapsed);
        else if (elapsed > TIMEOUT_MS) resolve(null);
        else return;
        clearInterval(frame);
      }, intervalMs);
    });
    await closePair(pair);
    return ms;
  };
}

/** Polls both connections on every turn of the event loop. */
async function pollSpin(): Promise<number | null> {
  const pair = makePair('poll');
  const t0 = now();
  pair.a.create_offer();
  const ok = await spinUntil(() => {
    pair.a.poll();
    pair.b.poll();
    return setUp(pair);
  }, TIMEOUT_MS);
  const ms = now() - t0;
  await closePair(pair);
  return ok ? ms : null;
}

/** No poll: the time of the last of the four state-change signals that say connected and open. */
async function eventSignals(): Promise<number | null> {
  const pair = makePair('events');
  const { a, b, ca, cb } = pair;
  let t0 = 0;
  const ms = await new Promise<number | null>((resolve) => {
    let waiting = 4;
    const timer = setTimeout(() => resolve(null), TIMEOUT_MS);
    const one = () => {
      if (--waiting > 0) return;
      clearTimeout(timer);
      resolve(now() - t0);
    };
    for (const pc of [a, b]) {
      let seen = false;
      pc.connection_state_changed.connect((state) => state === CONNECTED && !seen && ((seen = true), one()));
    }
    for (const channel of [ca, cb]) {
      let seen = false;
      channel.ready_state_changed.connect((state) => state === OPEN && !seen && ((seen = true), one()));
    }
    t0 = now();
    a.create_offer();
  });
  await closePair(pair);
  return ms;
}

/** No poll: `await` of connected() on both connections and opened() on both channels. */
async function eventPromises(): Promise<number | null> {
  const pair = makePair('events');
  const { a, b, ca, cb } = pair;
  const t0 = now();
  a.create_offer();
  const codes = await Promise.all([a.connected({ timeout: TIMEOUT_MS }), b.connected({ timeout: TIMEOUT_MS }), ca.opened({ timeout: TIMEOUT_MS }), cb.opened({ timeout: TIMEOUT_MS })]);
  const ms = now() - t0;
  await closePair(pair);
  return codes.every((code) => code === GodotError.OK) ? ms : null;
}

const raw = rawStack('raw', { order: 'offerer-first' });
async function rawOffererFirst(): Promise<number | null> {
  const pair = await raw.connect({ timeoutMs: TIMEOUT_MS });
  if (pair === null) return null;
  await pair.close();
  return pair.setupMs;
}

const SPIN = 'poll(), setImmediate spin';
const ways: Array<[string, () => Promise<number | null>]> = [
  ['poll(), setInterval 16 ms', pollEvery(16)],
  ['poll(), setInterval 2 ms', pollEvery(2)],
  [SPIN, pollSpin],
  ["dispatch: 'events', signals", eventSignals],
  ["dispatch: 'events', connected() + opened()", eventPromises],
  ['raw node-datachannel, offerer-first by hand (stack only)', rawOffererFirst],
];

WebRTCPeerConnection.set_default_extension(createNodeDataChannelExtension({ name: 'dispatch-setup-bench', bindAddress: '127.0.0.1' }));
const n = Math.min(MAX_PAIRS, Math.max(1, Number(process.argv[2] ?? 100) || 100));
const times = new Map<string, number[]>(ways.map(([name]) => [name, []]));
const failed = new Map<string, number>(ways.map(([name]) => [name, 0]));
const started = now();
const loadAtStart = machineInfo().loadAverageAtStart;
for (let turn = 0; turn < n; turn++) {
  // Each round starts with another way, so that none always follows the same one.
  for (let k = 0; k < ways.length; k++) {
    const [name, run] = ways[(turn + k) % ways.length]!;
    const ms = await run();
    if (ms === null) {
      failed.set(name, failed.get(name)! + 1);
      times.get(name)!.push(TIMEOUT_MS);
    } else times.get(name)!.push(ms);
    await sleep(1);
  }
  if ((turn + 1) % 25 === 0) process.stderr.write(`  ${turn + 1}/${n} rounds\n`);
}

const stats = (sample: number[]) => {
  const sorted = [...sample].sort((x, y) => x - y);
  return { median: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.at(-1)! };
};
const spin = stats(times.get(SPIN)!);
const info = machineInfo();
console.log(`${n} pairs per way, create_offer() to both connected and both channels open as the application learns it (ms); × spin: the same figure over the spin's, same run\n`);
console.log('| how the application is told | pairs | failed | median | p90 | p99 | max | > 15 ms | > 500 ms | median × spin | p90 × spin | p99 × spin |\n|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const [name] of ways) {
  const sample = times.get(name)!;
  const s = stats(sample);
  const over = (ms: number) => sample.filter((t) => t > ms).length;
  const ratio = (x: number, reference: number) => (x / reference).toFixed(2);
  console.log(`| ${name} | ${sample.length} | ${failed.get(name)} | ${round(s.median)} | ${round(s.p90)} | ${round(s.p99)} | ${round(s.max)} | ${over(15)} | ${over(500)} | ${ratio(s.median, spin.median)} | ${ratio(s.p90, spin.p90)} | ${ratio(s.p99, spin.p99)} |`);
}
console.log(`\n${info.nproc} cores, ${info.cpuModel}, Node ${info.node}, node-datachannel ${info.versions['node-datachannel']}; load average at start ${loadAtStart.join(' ')}, at end ${info.loadAverageAtStart.join(' ')}; ${((now() - started) / 1000).toFixed(1)} s`);
process.exit(0);
