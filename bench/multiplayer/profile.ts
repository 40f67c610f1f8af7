/**
 * Where a multiplayer server's main thread spends a tick: `npx tsx bench/multiplayer/profile.ts
 * FILE.cpuprofile TICKS [TOP]` (the files `bench/multiplayer3.ts --profile=DIR` makes; TICKS: the
 * run's window ticks, 60 × seconds by default). Time from the profile's own sample deltas, as µs per
 * tick: by area (a native call made from the library, the library's own JS, the bench's code, Node's
 * timers and the rest), then the functions with the most self time, then the library's functions
 * with the most total time (self plus callees).
 */
import { frameUrl, readCpuProfile, type ProfileNode } from '../lib/cpuprofile.js';


const [file, ticksArg, topArg] = process.argv.slice(2);
if (!file || !ticksArg) {
  console.error('usage: profile.ts FILE.cpuprofile TICKS [TOP]');
  process.exit(2);
}
const ticks = Number(ticksArg);
const top = Number(topArg ?? 20);
const { profile, byId, parent } = readCpuProfile(file);

const label = (n: ProfileNode) => {
  const url = frameUrl(n);
  return `${n.callFrame.functionName || '(anonymous)'}${url ? ` ${url}:${n.callFrame.lineNumber + 1}` : ' (native)'}`;
};
const IDLE = new Set(['(idle)', '(program)']);
const inLibrary = (n: ProfileNode) => n.callFrame.url.includes('/src/');
const inBench = (n: ProfileNode) => n.callFrame.url.includes('/bench/');

const self = new Map<string, number>();
const total = new Map<string, number>();
const areas = new Map<string, number>();
let busyUs = 0;
profile.samples.forEach((id, i) => {
  // timeDeltas[i] is the time before sample i: the time sample i stands for is the next delta.
  const us = profile.timeDeltas[i + 1] ?? 0;
  const node = byId.get(id)!;
  if (IDLE.has(node.callFrame.functionName)) return;
  busyUs += us;
  self.set(label(node), (self.get(label(node)) ?? 0) + us);
  const stack: ProfileNode[] = [];
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push(byId.get(at)!);
  const native = node.callFrame.url === '' && node.callFrame.functionName !== '(garbage collector)';
  const libraryFrame = stack.find(inLibrary);
  const area =
    node.callFrame.functionName === '(garbage collector)'
      ? 'GC'
      : libraryFrame
        ? native
          ? 'native calls made by the library (node-datachannel: send, getters)'
          : "the library's own JS (src/)"
        : stack.some(inBench)
          ? native
            ? 'native calls made by the bench code (raw: sendMessageBinary)'
            : "the bench's own JS (tick, counting, stamps; raw's whole server)"
          : 'Node (timers, callbacks from the native side, the rest)';
  areas.set(area, (areas.get(area) ?? 0) + us);
  const seen = new Set<string>();
  for (const frame of stack) {
    const l = label(frame);
    if (seen.has(l) || !inLibrary(frame)) continue;
    seen.add(l);
    total.set(l, (total.get(l) ?? 0) + us);
  }
});

const perTick = (us: number) => (us / ticks).toFixed(1).padStart(8);
console.log(`${file}: main thread busy ${perTick(busyUs).trim()} µs per tick over ${ticks} ticks`);
console.log('\nµs per tick by area');
for (const [l, us] of [...areas].sort((a, b) => b[1] - a[1])) console.log(`${perTick(us)}  ${l}`);
console.log('\nSelf time, µs per tick');
for (const [l, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${perTick(us)}  ${l}`);
console.log("\nTotal time of the library's functions, µs per tick");
for (const [l, us] of [...total].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${perTick(us)}  ${l}`);
