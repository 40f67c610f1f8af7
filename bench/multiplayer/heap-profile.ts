/**
 * What allocated during a multiplayer server's window: `npx tsx bench/multiplayer/heap-profile.ts
 * FILE.heapprofile TICKS [TOP]` (written next to each .cpuprofile by `bench/multiplayer3.ts
 * --profile=DIR`). V8's sampling heap profiler: bytes allocated (sampled, live or not) by the
 * allocating function, per tick.
 */
import { readFileSync } from 'node:fs';

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  id: number;
  children: HeapNode[];
}
interface HeapProfile {
  head: HeapNode;
  samples: Array<{ size: number; nodeId: number }>;
}

const [file, ticksArg, topArg] = process.argv.slice(2);
if (!file || !ticksArg) {
  console.error('usage: heap-profile.ts FILE.heapprofile TICKS [TOP]');
  process.exit(2);
}
const ticks = Number(ticksArg);
const top = Number(topArg ?? 20);
const profile = JSON.parse(readFileSync(file, 'utf8')) as HeapProfile;
const nodes = new Map<number, { node: HeapNode; parent: HeapNode | null }>();
const walk = (node: HeapNode, parent: HeapNode | null, depth: number) => {
  if (depth > 2000) return;
  nodes.set(node.id, { node, parent });
  for (const child of node.children) walk(child, node, depth + 1);
};
walk(profile.head, null, 0);

const label = (n: HeapNode) => {
  const url = n.callFrame.url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, 'node_modules/').replace(/.*\/work\/main\//, '');
  return `${n.callFrame.functionName || '(anonymous)'}${url ? ` ${url}:${n.callFrame.lineNumber + 1}` : ''}`;
};
const bySelf = new Map<string, number>();
let total = 0;
for (const sample of profile.samples) {
  const entry = nodes.get(sample.nodeId);
  if (!entry) continue;
  total += sample.size;
  // The allocating JS function: the nearest frame with a script (builtins name no url).
  let at: HeapNode | null = entry.node;
  let name = label(entry.node);
  for (let hops = 0; at && hops < 50; hops++) {
    if (at.callFrame.url) {
      name = label(at) + (at === entry.node ? '' : ` (via ${label(entry.node)})`);
      break;
    }
    at = nodes.get(at.id)?.parent ?? null;
  }
  bySelf.set(name, (bySelf.get(name) ?? 0) + sample.size);
}
console.log(`${file}: ${(total / ticks).toFixed(0)} bytes allocated per tick (sampled) over ${ticks} ticks`);
for (const [name, bytes] of [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${(bytes / ticks).toFixed(0).padStart(8)}  ${name}`);
