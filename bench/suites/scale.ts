import { libraryStack } from '../peers/library.js';
import { rawStack } from '../peers/raw.js';
import type { ConnectedPair, StackUnderTest } from '../peers/types.js';
import { now, sleep } from '../lib/loop.js';
import { round, summarize } from '../lib/stats.js';

const gc = (globalThis as { gc?: () => void }).gc;

async function settle(): Promise<{ heapUsed: number; rss: number }> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await sleep(50);
  }
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss };
}

/** Times `sweep` `count` times, one per turn of the event loop (with `between` before each), in µs. */
async function timeSweeps(count: number, sweep: () => number, between: () => Promise<void>) {
  const micros: number[] = [];
  let items = 0;
  for (let i = 0; i < count; i++) {
    await between();
    const t0 = process.hrtime.bigint();
    items += sweep();
    micros.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  const s = summarize(micros);
  return { medianUs: round(s.median, 1), p99Us: round(s.p99, 1), maxUs: round(s.max, 1), itemsPerSweep: round(items / count, 1) };
}

/**
 * N pairs connected at once in this process (2N connections): the time until every channel is
 * open, the heap and RSS they add per connection (after GC, --expose-gc), and the cost of one
 * sweep over all of them, as a Godot game loop does every frame (poll() every connection, read
 * every channel), idle and while every pair carries a 64-byte message per sweep.
 */
export async function scaleRun(stackName: 'library' | 'node-datachannel', n: number, sweeps: number) {
  if (!gc) throw new Error('run with node --expose-gc');
  const stack: StackUnderTest = stackName === 'library' ? libraryStack('library') : rawStack('node-datachannel');
  // One pair first, closed again: module and native initialisation are not per connection.
  (await (await stack.connect({ timeoutMs: 5000 }))?.close());
  const before = await settle();
  const t0 = now();
  const results = await Promise.all(Array.from({ length: n }, () => stack.connect({ timeoutMs: 120_000 })));
  const connectAllMs = now() - t0;
  const pairs = results.filter((p): p is ConnectedPair => p !== null);
  const after = await settle();
  const connected = 2 * pairs.length;
  const setup = summarize(pairs.map((p) => p.setupMs));

  const sweep = () => {
    let bytes = 0;
    for (const pair of pairs) {
      pair.poll();
      bytes += pair.drain();
    }
    return bytes;
  };
  const idle = await timeSweeps(sweeps, sweep, () => new Promise((r) => setImmediate(r)));
  const message = new Uint8Array(64);
  const busy = await timeSweeps(sweeps, () => sweep() / 64, async () => {
    for (const pair of pairs) pair.send(message);
    await sleep(2);
  });
  for (const pair of pairs) await pair.close();
  await sleep(200);
  return {
    stack: stackName,
    pairs: n,
    connectedPairs: pairs.length,
    connections: 2 * n,
    connected,
    connectAllMs: round(connectAllMs, 1),
    setupMedianMs: round(setup.median),
    setupMaxMs: round(setup.max),
    heapPerConnectionKB: round((after.heapUsed - before.heapUsed) / connected / 1024, 2),
    rssPerConnectionKB: round((after.rss - before.rss) / connected / 1024, 1),
    idleSweep: idle,
    busySweep: busy,
  };
}
