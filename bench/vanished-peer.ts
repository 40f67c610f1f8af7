/**
 * How long a library connection takes to notice that its remote vanished, and how long a setup
 * whose ICE can never connect takes to fail: the figures of docs/vanished-peers.md.
 *
 * - `idle`, `busy`: the remote (test/fixtures/keepalive-remote.ts, a library peer in a child
 *   process) is SIGKILLed once connected; no keepalive on either end. `busy`: the survivor sends
 *   100 B every 20 ms on a reliable channel. Time from the kill (the child reaped) to each state
 *   change the survivor's app sees (poll() every 5 ms).
 * - `keepalive`: the same, idle, with `keepalive()` on both ends at its defaults (1000/5000 ms).
 * - `pings`: keepalives that ping every 1000 ms but time out only after 60 s, to see what their
 *   pings (unordered, never retransmitted) alone make the stack notice.
 * - `ice-stack`, `ice-setup`: two in-process peers whose candidates are never delivered (neither
 *   trickled nor left in the descriptions), so ICE has no pair to check. Time from create_offer()
 *   to STATE_FAILED: `setupTimeout: 0` (libjuice's own timer), and the default setup timeout.
 *
 * Every case runs `runs` times (default 3), all concurrently; prints a markdown table.
 * `npx tsx bench/vanished-peer.ts [runs=3] [cases=idle,busy,keepalive,pings,ice-stack,ice-setup]`
 * (about 45 s of wall time: the slowest case is ice-stack at about 40 s).
 */
import { ConnectionState, WebRTCDataChannel, WebRTCPeerConnection, createNodeDataChannelExtension } from '../src/index.js';
import { keepalive } from '../src/api/keepalive.js';
import { KeepaliveRemote, driveUntil } from '../test/fixtures/keepalive-spawn.js';
import { machineInfo } from './lib/machine.js';

WebRTCPeerConnection.set_default_extension(createNodeDataChannelExtension({ bindAddress: '127.0.0.1' }));

const CASES = ['idle', 'busy', 'keepalive', 'pings', 'ice-stack', 'ice-setup'] as const;
type Case = (typeof CASES)[number];
const STATE_NAMES = ['new', 'connecting', 'connected', 'disconnected', 'failed', 'closed'];
/** No case may take longer than this; the longest expected is libjuice's 39.5 s. */
const CASE_LIMIT_MS = 70_000;

interface Outcome {
  /** ms from the kill (or create_offer) to each state change the app saw, in order. */
  changes: Array<{ state: string; ms: number }>;
  closeInfo: string;
}

async function vanished(kind: 'idle' | 'busy' | 'keepalive' | 'pings'): Promise<Outcome> {
  const options = { intervalMs: 1000, timeoutMs: kind === 'pings' ? 60_000 : 5000 };
  const withKeepalive = kind === 'keepalive' || kind === 'pings';
  const remote = new KeepaliveRemote(withKeepalive ? options : null);
  const pc = new WebRTCPeerConnection();
  if (withKeepalive) keepalive(pc, options);
  const chat = pc.create_data_channel('chat', { negotiated: true, id: 1 })!;
  if (!(await remote.ready(60_000))) throw new Error(`${kind}: the remote did not start\n${remote.stderr.join('')}`);
  remote.connect(pc);
  const open = () => pc.get_connection_state() === ConnectionState.STATE_CONNECTED && chat.get_ready_state() === WebRTCDataChannel.STATE_OPEN && remote.has('open');
  if (!(await driveUntil(remote, pc, open, 15_000))) throw new Error(`${kind}: the pair did not connect (survivor ${JSON.stringify(pc.get_machine_states())}, chat ${chat.get_ready_state()}, remote said ${remote.messages.map((m) => (m.type === 'state' ? `state ${String(m.state)}` : m.type)).join(' ')})\n${remote.stderr.join('')}`);
  // Both consent checks and SCTP heartbeats have run for a while: a kill at a random point of their cycles.
  await driveUntil(remote, pc, () => false, 2000 + Math.random() * 5000);
  const payload = new Uint8Array(100);
  const sender = kind === 'busy' ? setInterval(() => chat.put_packet(payload), 20) : null;
  if (sender !== null) await driveUntil(remote, pc, () => false, 1000);
  await remote.kill();
  const killedAt = performance.now();
  const changes: Outcome['changes'] = [];
  pc.connection_state_changed.connect((state) => changes.push({ state: STATE_NAMES[state]!, ms: performance.now() - killedAt }));
  await driveUntil(remote, pc, () => pc.get_connection_state() === ConnectionState.STATE_CLOSED || pc.get_connection_state() === ConnectionState.STATE_FAILED, CASE_LIMIT_MS);
  // A failure is followed by closed at once in libdatachannel: wait a moment for it.
  await driveUntil(remote, pc, () => pc.get_connection_state() === ConnectionState.STATE_CLOSED, 500);
  if (sender !== null) clearInterval(sender);
  const outcome = { changes, closeInfo: JSON.stringify(pc.get_close_info()) };
  pc.close();
  return outcome;
}

/** Two peers that exchange descriptions without a single candidate. */
async function neverConnects(kind: 'ice-stack' | 'ice-setup'): Promise<Outcome> {
  const options = kind === 'ice-stack' ? { setupTimeout: 0 } : {};
  const a = new WebRTCPeerConnection(options);
  const b = new WebRTCPeerConnection(options);
  a.create_data_channel('chat', { negotiated: true, id: 1 });
  b.create_data_channel('chat', { negotiated: true, id: 1 });
  const withoutCandidates = (sdp: string) => sdp.split(/\r?\n/).filter((line) => !line.startsWith('a=candidate:') && line !== 'a=end-of-candidates').join('\r\n');
  for (const [self, other] of [[a, b], [b, a]] as const) {
    self.session_description_created.connect((type, sdp) => {
      self.set_local_description(type, sdp);
      other.set_remote_description(type, withoutCandidates(sdp));
    });
  }
  const startedAt = performance.now();
  const changes: Outcome['changes'] = [];
  a.connection_state_changed.connect((state) => changes.push({ state: STATE_NAMES[state]!, ms: performance.now() - startedAt }));
  a.create_offer();
  const deadline = startedAt + CASE_LIMIT_MS;
  // Poll, then look: the state change is emitted (and timed) by the poll that finds it.
  while (performance.now() < deadline) {
    a.poll();
    b.poll();
    if (a.get_connection_state() === ConnectionState.STATE_CLOSED || a.get_connection_state() === ConnectionState.STATE_FAILED) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  a.poll();
  const outcome = { changes, closeInfo: JSON.stringify(a.get_close_info()) };
  a.close();
  b.close();
  return outcome;
}

function run(kind: Case): Promise<Outcome> {
  return kind === 'ice-stack' || kind === 'ice-setup' ? neverConnects(kind) : vanished(kind);
}

const runs = Math.max(1, Math.min(10, Number(process.argv[2] ?? 3) || 3));
const cases = (process.argv[3]?.split(',') ?? CASES).filter((name): name is Case => (CASES as readonly string[]).includes(name));
const started = Date.now();
const jobs = cases.flatMap((kind) => Array.from({ length: runs }, (_, i) => ({ kind, i })));
const results = await Promise.all(jobs.map(async ({ kind, i }) => ({ kind, i, outcome: await run(kind).catch((error: unknown) => ({ changes: [], closeInfo: `error: ${String(error)}` })) })));

const info = machineInfo();
console.log(`# vanished peers (${runs} runs per case, concurrently; ${Math.round((Date.now() - started) / 1000)} s wall)`);
console.log(`${info.date}, node ${info.node}, node-datachannel ${info.versions['node-datachannel']}, ${info.cpuModel} ×${info.nproc}, load ${info.loadAverageAtStart.join(' ')}`);
console.log('');
console.log('| case | run | state changes the app saw (ms after the kill, or after create_offer for ice-*) | close info |');
console.log('|---|---|---|---|');
for (const { kind, i, outcome } of results) {
  const changes = outcome.changes.map(({ state, ms }) => `${state} ${(ms / 1000).toFixed(2)} s`).join(' → ') || '(none)';
  console.log(`| ${kind} | ${i + 1} | ${changes} | ${outcome.closeInfo} |`);
}
process.exit(0);
