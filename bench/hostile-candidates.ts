/**
 * What a remote's candidates cost the library's end, alone in this process:
 * `node --import tsx bench/hostile-candidates.ts MODE COUNT GUARD`
 * - MODE `held` (COUNT candidates before the offer, then the offer), `applied` (COUNT after it) or
 *   `hostnames` (COUNT candidates naming `localhost`, which /etc/hosts answers: no DNS);
 * - GUARD `on` (the default limits) or `off` (maxRemoteCandidates and maxHostnameCandidates so
 *   high that nothing is refused: the library as it was).
 * Prints one JSON line: the main-thread time of the calls and of set_remote_description, the
 * codes returned, and the thread count (/proc/self/task) before, at its sampled peak and after.
 */
import { readdirSync } from 'node:fs';
import { WebRTCPeerConnection, createNodeDataChannelExtension } from '../src/index.js';

const [mode = 'held', countText = '30000', guard = 'on'] = process.argv.slice(2);
const count = Number(countText);
WebRTCPeerConnection.set_default_extension(createNodeDataChannelExtension({ name: 'bench', bindAddress: '127.0.0.1' }));
const limits = guard === 'off' ? { maxRemoteCandidates: 2 ** 50, maxHostnameCandidates: 2 ** 50 } : {};
const threads = () => readdirSync('/proc/self/task').length;

const offerer = new WebRTCPeerConnection();
let offer = '';
offerer.session_description_created.connect((_type, sdp) => (offer = sdp));
offerer.create_data_channel('bench');
offerer.create_offer();
offerer.poll();
offerer.close();

const pc = new WebRTCPeerConnection({ limits, recordCapacity: 16 });
const address = mode === 'hostnames' ? 'localhost' : '127.0.0.1';
const codes = new Map<number, number>();
let peak = 0;
function addAll(): number {
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const code = pc.add_ice_candidate('0', 0, `candidate:${i} 1 UDP ${2122260223 - i} ${address} ${10_000 + (i % 50_000)} typ host`);
    codes.set(code, (codes.get(code) ?? 0) + 1);
    if (i % 20 === 0) peak = Math.max(peak, threads());
  }
  return performance.now() - started;
}
function setOffer(): number {
  const started = performance.now();
  pc.set_remote_description('offer', offer);
  return performance.now() - started;
}

const before = threads();
peak = before;
const result =
  mode === 'held'
    ? { callsMs: addAll(), setRemoteMs: setOffer() }
    : { setRemoteMs: setOffer(), callsMs: addAll() };
const after = threads();
await new Promise((resolve) => setTimeout(resolve, 500));
console.log(JSON.stringify({ mode, count, guard, ...result, codes: Object.fromEntries(codes), threads: { before, peak, after, after500ms: threads() } }, (_key, value) => (typeof value === 'number' ? Math.round(value * 10) / 10 : value)));
pc.close();
setTimeout(() => process.exit(0), 100);
