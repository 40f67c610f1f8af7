import { libraryStack } from '../peers/library.js';
import { rawStack } from '../peers/raw.js';
import { weriftStack, wrtcStack } from '../peers/wrtc.js';
import type { ConnectedPair, StackUnderTest } from '../peers/types.js';
import { now, sleep } from '../lib/loop.js';
import { round } from '../lib/stats.js';
import type { Mode } from '../lib/mode.js';

/** Flow control: fill up to HIGH bytes buffered, refill when under LOW (the stack notes' values). */
const HIGH = 1024 * 1024;
const LOW = 256 * 1024;
export const SIZES = [1024, 16 * 1024, 64 * 1024];

/**
 * Sends `size`-byte messages from A to B for `seconds` (after a warm-up of a fifth of that),
 * with the same loop for every stack: on each turn of the event loop, poll (this library),
 * read everything B has received, and top A's buffer up to HIGH once it is under LOW.
 * Gives the bytes B received per second of the measured window.
 */
function pump(pair: ConnectedPair, size: number, seconds: number): Promise<{ bytes: number; elapsed: number }> {
  const message = new Uint8Array(size).fill(7);
  const warmUpEnd = now() + seconds * 200;
  let end = 0;
  let start = 0;
  let bytes = 0;
  return new Promise((resolve) => {
    const turn = () => {
      pair.poll();
      const got = pair.drain();
      const t = now();
      if (start === 0 && t >= warmUpEnd) {
        start = t;
        end = t + seconds * 1000;
      } else if (start > 0) bytes += got;
      if (start > 0 && t >= end) return resolve({ bytes, elapsed: (t - start) / 1000 });
      if (pair.buffered() < LOW) {
        // At most HIGH bytes per turn: some stacks (werift) update bufferedAmount only later.
        for (let queued = 0; queued < HIGH && pair.buffered() < HIGH; queued += size) pair.send(message);
      }
      setImmediate(turn);
    };
    turn();
  });
}

export interface ThroughputRow {
  stack: string;
  size: number;
  runs: number;
  mbPerS: number;
  messagesPerS: number;
  /** Every run's MB/s, in order. */
  all: number[];
}

/** Runs alternate between the stacks, size by size; a row gives the median of its runs. */
export async function throughputSuite(mode: Mode) {
  const stacks: StackUnderTest[] = [libraryStack('library'), rawStack('node-datachannel'), wrtcStack(), await weriftStack()];
  const rounds = mode.throughputRounds;
  const rows: ThroughputRow[] = [];
  for (const size of SIZES) {
    const runs = new Map<string, number[]>(stacks.map((s) => [s.name, []]));
    for (let r = 0; r < rounds; r++) {
      // The library and raw take turns going first, round by round.
      const order = r % 2 === 0 ? stacks : [stacks[1]!, stacks[0]!, ...stacks.slice(2)];
      for (const stack of order) {
        // werift and wrtc are reference points: one run each per size is enough.
        if (r > 0 && (stack.name === 'werift' || stack.name === '@roamhq/wrtc')) continue;
        const pair = await stack.connect({ timeoutMs: 5000 });
        if (!pair) {
          process.stderr.write(`  throughput: ${stack.name} did not connect\n`);
          continue;
        }
        const { bytes, elapsed } = await pump(pair, size, mode.throughputSeconds);
        await pair.close();
        runs.get(stack.name)!.push(bytes / elapsed / 1e6);
        await sleep(20);
      }
    }
    for (const stack of stacks) {
      const all = runs.get(stack.name)!;
      const sorted = [...all].sort((a, b) => a - b);
      const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN;
      rows.push({ stack: stack.name, size, runs: all.length, mbPerS: round(median), messagesPerS: Math.round((median * 1e6) / size), all: all.map((x) => round(x)) });
    }
    process.stderr.write(`  throughput: ${size} B done\n`);
  }
  return { rows, flowControl: { highBytes: HIGH, lowBytes: LOW }, rounds };
}
