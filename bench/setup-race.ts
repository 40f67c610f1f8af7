/**
 * How often a setup with a raw libdatachannel offerer fails, and how often it stalls, with this
 * library answering it each way, in the same run, taking turns:
 *
 * - `held`: a passive answer held until this end's ICE is up (what `auto` did for libdatachannel
 *   offerers until 2026-12-02, and still does for libwebrtc's): the offer's `o=` line is shown to
 *   this end as libwebrtc's, nothing else changes;
 * - `auto`: the default, now an active answer at once for libdatachannel;
 * - `stack`: libdatachannel's own order (the same answer, and this end's offers unheld).
 *
 * The offerer is a child process trickling its candidates at once (as a Godot native peer does);
 * `--parallel` setups run at once, `--busy` busy loops load the cores.
 *
 *   npx tsx bench/setup-race.ts [--setups=160] [--parallel=8] [--busy=2] [--variants=held,auto(,stack)]
 *
 * A failure is classified from the offerer's libdatachannel log: `early fingerprint check` when
 * its DTLS handshake failed with `certificate verify failed` (it checked this end's certificate
 * before it had stored the answer: libdatachannel PR #1612, see src/adapters/setup-order.ts).
 * A stall: open after more than 500 ms from the offer (OpenSSL's one-second ClientHello resend).
 * Loopback only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { WebRTCDataChannel, WebRTCPeerConnection, createNodeDataChannelExtension } from '../src/index.js';
import { HostileRemote, LibraryEnd } from '../test/hostile/support/remote.js';
import { machineInfo } from './lib/machine.js';
import { table } from './lib/report.js';
import { percentile } from './lib/stats.js';

const argv = process.argv.slice(2);
/** --name=N as a whole number from `min` to `max`; `fallback` when absent or not a number. */
const option = (name: string, fallback: number, min: number, max: number) => {
  const value = Math.round(Number(argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback));
  return Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
};
const setups = option('setups', 160, 1, 2000);
const parallel = option('parallel', 8, 1, 16);
const busy = option('busy', 2, 0, 8);
type Variant = 'held' | 'auto' | 'stack';
const orders = (argv.find((a) => a.startsWith('--variants='))?.slice(11).split(',') ?? ['held', 'auto']) as Variant[];
for (const order of orders) if (!['held', 'auto', 'stack'].includes(order)) throw new Error(`--variants: ${order} is not held, auto or stack`);
const rounds = 4;
const remoteScript = new URL('./setup-race/remote.ts', import.meta.url);

interface Outcome {
  ms: number;
  failed: string | null;
  /** The a=setup of this end's answer. */
  setup?: string;
}

async function setup(order: Variant): Promise<Outcome> {
  WebRTCPeerConnection.set_default_extension(createNodeDataChannelExtension({ name: `setup-race-${order}`, bindAddress: '127.0.0.1', setupOrder: order === 'stack' ? 'stack' : 'auto' }));
  const remote = HostileRemote.startScript(remoteScript);
  let started = 0;
  try {
    const offer = await remote.next('offer', 30_000);
    // LibraryEnd reads the same message object: under `held`, this end sees a libwebrtc origin line.
    if (order === 'held') offer.sdp = String(offer.sdp).replace(/^o=rtc (\d+) 0 IN IP4 127\.0\.0\.1$/m, 'o=- $1 2 IN IP4 127.0.0.1');
    started = Date.now();
    const end = new LibraryEnd(remote);
    let channel: WebRTCDataChannel | null = null;
    end.pc.data_channel_received.connect((received) => (channel = received));
    let setup: string | undefined;
    end.pc.session_description_created.connect((_type, sdp) => (setup = /^a=setup:(\w+)/m.exec(sdp)?.[1]));
    try {
      for (const deadline = started + 20_000; ; ) {
        const state = end.pc.get_connection_state();
        if (channel !== null && (channel as WebRTCDataChannel).get_ready_state() === WebRTCDataChannel.STATE_OPEN) return { ms: Date.now() - started, failed: null, setup };
        if (state === WebRTCPeerConnection.STATE_FAILED || state === WebRTCPeerConnection.STATE_CLOSED || Date.now() > deadline) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          const log = remote.stderr.join('');
          const why = /certificate verify failed/.test(log) ? 'early fingerprint check' : Date.now() > deadline ? 'not open in 20 s' : `other: ${log.split('\n').filter(Boolean).slice(-2).join(' / ') || 'no log'}`;
          return { ms: Date.now() - started, failed: why, setup };
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    } finally {
      end.stop();
    }
  } catch (error) {
    return { ms: Date.now() - (started || Date.now()), failed: `no offer: ${String(error).slice(0, 120)}` };
  } finally {
    remote.stop();
  }
}

const loops: ChildProcess[] = Array.from({ length: busy }, () => spawn(process.execPath, ['-e', 'const end = Date.now() + 1800000; while (Date.now() < end) {}'], { stdio: 'ignore' }));
const stopLoops = () => loops.forEach((loop) => loop.kill('SIGKILL'));
process.on('exit', stopLoops);

const machine = machineInfo();
console.log(`$ npx tsx bench/setup-race.ts${argv.length ? ' ' + argv.join(' ') : ''}`);
console.log(`${machine.cpuModel}, ${machine.nproc} cores, node-datachannel ${machine.versions['node-datachannel']}; ${setups} setups per order, ${parallel} at once, ${busy} busy loops, variants taking turns in ${rounds} rounds`);
const outcomes = new Map<Variant, Outcome[]>(orders.map((order) => [order, []]));
const perRound = Math.ceil(setups / rounds);
for (let round = 0; round < rounds; round++) {
  for (const order of orders) {
    const list = outcomes.get(order)!;
    const target = Math.min(setups, list.length + perRound);
    await Promise.all(Array.from({ length: parallel }, async () => {
      while (list.length < target) {
        const slot = list.length;
        list.push({ ms: NaN, failed: 'pending' });
        list[slot] = await setup(order);
      }
    }));
    process.stderr.write(`round ${round + 1} ${order}: ${list.filter((o) => o.failed !== null).length} failed of ${list.length}\n`);
  }
}
stopLoops();

console.log(
  '\n' +
    table(
      ['answer', 'a=setup answered', 'setups', 'failed', 'early fingerprint check', 'other failures', 'stalled > 500 ms', 'median ms to open', 'p90 ms'],
      orders.map((order) => {
        const list = outcomes.get(order)!;
        const open = list.filter((o) => o.failed === null).map((o) => o.ms);
        const failed = list.filter((o) => o.failed !== null);
        const sorted = [...open].sort((a, b) => a - b);
        return [order, [...new Set(list.map((o) => o.setup ?? 'none'))].join(' '), list.length, failed.length, failed.filter((o) => o.failed === 'early fingerprint check').length, failed.filter((o) => o.failed !== 'early fingerprint check').length, open.filter((ms) => ms > 500).length, percentile(sorted, 50), percentile(sorted, 90)];
      }),
    ),
);
const others = [...outcomes.values()].flat().filter((o) => o.failed !== null && o.failed !== 'early fingerprint check');
if (others.length) console.log(`\nOther failures:\n${[...new Set(others.map((o) => o.failed))].join('\n')}`);
process.exit(0);
