/**
 * The library's end of a hostile receive, alone in this process so that its RSS is its own:
 * `node --expose-gc --import tsx bench/hostile-receive.ts ATTACK MAX_MESSAGE_SIZE GUARD READ COUNT`
 * - ATTACK `ppid` (test/hostile/fixtures/ppid-sender.ts: COUNT pairs of a 1-byte "partial" and an
 *   empty message) or `flood-empty` / `flood-64k` (test/hostile/fixtures/flood.ts: COUNT messages);
 * - MAX_MESSAGE_SIZE the local max-message-size announced;
 * - GUARD `on` (the default limits), `budget` (the receive budget alone: no amplification
 *   detection) or `off` (receive limits so high that nothing is closed: the library as it was);
 * - READ `none` or `all` (every packet read at each 2 ms poll, as a service that keeps up would).
 * Prints one JSON line: RSS before and at its peak (sampled every 5 ms), the heap at the end, how
 * the connection ended, what arrived, and how long the attack took.
 */
import { WebRTCPeerConnection, WebRTCDataChannel, createNodeDataChannelExtension } from '../src/index.js';
import { HostileRemote, LibraryEnd, until } from '../test/hostile/support/remote.js';

const [attack = 'ppid', size = '65536', guard = 'on', read = 'none', countText = '2000'] = process.argv.slice(2);
const count = Number(countText);
WebRTCPeerConnection.set_default_extension(createNodeDataChannelExtension({ name: 'bench', bindAddress: '127.0.0.1', maxMessageSize: Number(size) }));
const MiB = 1024 * 1024;
const off = { maxQueuedBytes: 2 ** 50, maxQueuedPackets: 2 ** 50, maxAmplifiedMessages: 2 ** 50 };
const limits = guard === 'off' ? off : guard === 'budget' ? { maxAmplifiedMessages: 2 ** 50 } : {};

const remote = HostileRemote.start(attack === 'ppid' ? 'ppid-sender' : 'flood', attack === 'ppid' ? [] : [attack]);
const end = new LibraryEnd(remote, { offer: attack === 'ppid', channel: 'ppid', limits });
const pc = end.pc;
let channel: WebRTCDataChannel | null = attack === 'ppid' ? pc.get_data_channels()[0]! : null;
pc.data_channel_received.connect((c) => (channel ??= c));
let received = 0;
let receivedBytes = 0;
const drain = setInterval(() => {
  if (read !== 'all' || !channel) return;
  while (channel.get_available_packet_count() > 0) {
    receivedBytes += channel.get_packet().byteLength;
    received++;
  }
}, 2);
await remote.next('open', 15_000);
await until(() => channel?.get_ready_state() === WebRTCDataChannel.STATE_OPEN, 5000, 'the channel open');
global.gc?.();
const rssBefore = process.memoryUsage().rss;
let rssPeak = rssBefore;
const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 5);
const started = performance.now();
remote.send(attack === 'ppid' ? { type: 'pairs', count } : { type: 'flood', count });
await remote.next('sent', 120_000, remote.messages.length);
// What is in flight lands, or the connection has closed.
let last = -1;
await until(() => {
  const now = received + channel!.get_available_packet_count();
  const settled = now === last;
  last = now;
  return settled || pc.get_connection_state() === WebRTCPeerConnection.STATE_CLOSED;
}, 60_000);
await new Promise((resolve) => setTimeout(resolve, 300));
const ms = performance.now() - started;
clearInterval(sampler);
clearInterval(drain);
const queued = channel!.get_available_packet_count();
const records = pc.get_records().filter((r) => r.kind === 'stack_error').map((r) => `${(r as { method: string }).method}`);
global.gc?.();
console.log(
  JSON.stringify({
    attack,
    maxMessageSize: Number(size),
    guard,
    read,
    count,
    rssBeforeMiB: +(rssBefore / MiB).toFixed(1),
    rssPeakMiB: +(rssPeak / MiB).toFixed(1),
    heapAfterMiB: +(process.memoryUsage().heapUsed / MiB).toFixed(1),
    state: pc.get_connection_state(),
    received: received + queued,
    receivedMiB: +((receivedBytes + channel!.get_queued_bytes()) / MiB).toFixed(1),
    records,
    ms: Math.round(ms),
  }),
);
end.stop();
remote.stop();
process.exit(0);
