/**
 * Where a server's time goes: `npx tsx bench/signaling/profile.ts FILE.cpuprofile [TOP]` (the
 * files `bench/signaling.ts --profile=DIR` makes). Prints the functions with the most self time
 * and, for the project's own code (src/) and ws, the most total time (self plus callees), as
 * shares of the samples that were not idle.
 */
import { frameUrl, readCpuProfile, type ProfileNode } from '../lib/cpuprofile.js';


const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: profile.ts FILE.cpuprofile [TOP]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const { profile, byId, parent } = readCpuProfile(file);

const label = (n: ProfileNode) => {
  const url = frameUrl(n);
  return `${n.callFrame.functionName || '(anonymous)'} ${url ? `${url}:${n.callFrame.lineNumber + 1}` : ''}`.trim();
};
const IDLE = new Set(['(idle)', '(program)', '(garbage collector)']);

const selfCount = new Map<string, number>();
const totalCount = new Map<string, number>();
let busy = 0;
let gc = 0;
for (const id of profile.samples) {
  const node = byId.get(id)!;
  const name = node.callFrame.functionName;
  if (name === '(garbage collector)') gc++;
  if (name === '(idle)' || name === '(program)') continue;
  busy++;
  selfCount.set(label(node), (selfCount.get(label(node)) ?? 0) + 1);
  // Inclusive: each distinct frame on the stack once.
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const l = label(byId.get(at)!);
    if (seen.has(l)) continue;
    seen.add(l);
    totalCount.set(l, (totalCount.get(l) ?? 0) + 1);
  }
}

/** Self time by area: the socket write syscall, ws, the server's own code, xstate, GC, the rest of Node. */
function area(l: string): string {
  if (l.startsWith('writev ') || l === 'writev') return 'writev (the send syscall, one per frame)';
  if (l.startsWith('(garbage collector)')) return 'GC';
  if (l.includes('node_modules/ws/')) return 'ws (JS)';
  if (l.includes('node_modules/xstate/')) return 'xstate';
  if (l.includes('src/') || l.includes('server.js')) return 'the server\'s own code (src/ or server.js)';
  if (l.includes('node:internal/streams') || l.includes('stream_base_commons') || l.includes('node:net')) return 'node streams and net';
  return 'other (node internals, builtins)';
}
const areas = new Map<string, number>();
for (const [l, n] of selfCount) areas.set(area(l), (areas.get(area(l)) ?? 0) + n);

const pct = (n: number) => `${((100 * n) / busy).toFixed(1)}%`;
console.log(`${file}: ${profile.samples.length} samples, ${busy} busy, GC ${pct(gc)} of busy`);
console.log('\nSelf time by area');
for (const [l, n] of [...areas].sort((a, b) => b[1] - a[1])) console.log(`${pct(n).padStart(6)}  ${l}`);
console.log('\nSelf time');
for (const [l, n] of [...selfCount].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(n).padStart(6)}  ${l}`);
console.log('\nTotal time, src/ and ws');
for (const [l, n] of [...totalCount].filter(([l]) => (l.includes('src/') || l.includes('node_modules/ws/')) && !IDLE.has(l)).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(n).padStart(6)}  ${l}`);
