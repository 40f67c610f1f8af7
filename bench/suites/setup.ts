import { libraryStack } from '../peers/library.js';
import { rawStack } from '../peers/raw.js';
import { weriftStack, wrtcStack } from '../peers/wrtc.js';
import type { StackUnderTest } from '../peers/types.js';
import { round, summarize } from '../lib/stats.js';
import { sleep } from '../lib/loop.js';
import type { Mode } from '../lib/mode.js';

const STALL_MS = 500;
const TIMEOUT_MS = 5000;

export interface SetupRow {
  stack: string;
  runs: number;
  failed: number;
  medianMs: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  over15ms: number;
  over500ms: number;
  shareOver500ms: number;
}

/**
 * Setup time: from the offer to both channels open, over fresh pairs made one after the other.
 * The stacks take turns (one pair each per round), so that a slow minute of the machine falls on
 * all of them alike.
 */
export async function setupSuite(mode: Mode) {
  const main: Array<[StackUnderTest, number]> = [
    [libraryStack('library'), mode.setupPairs],
    [rawStack('node-datachannel'), mode.setupPairs],
    [libraryStack("library, setupOrder 'stack'", { setupOrder: 'stack' }), mode.setupPairsVariants],
    [rawStack('node-datachannel, offerer-first by hand', { order: 'offerer-first' }), mode.setupPairsVariants],
    [rawStack('node-datachannel, passive answer held by hand', { order: 'passive-held' }), mode.setupPairsVariants],
    [wrtcStack(), mode.setupPairsOthers],
    [await weriftStack(), mode.setupPairsOthers],
  ];
  const times = new Map<string, number[]>(main.map(([stack]) => [stack.name, []]));
  const failed = new Map<string, number>(main.map(([stack]) => [stack.name, 0]));
  const rounds = Math.max(...main.map(([, n]) => n));
  for (let round = 0; round < rounds; round++) {
    for (const [stack, n] of main) {
      if (round >= n) continue;
      const pair = await stack.connect({ timeoutMs: TIMEOUT_MS });
      if (pair) {
        times.get(stack.name)!.push(pair.setupMs);
        await pair.close();
      } else {
        failed.set(stack.name, failed.get(stack.name)! + 1);
        times.get(stack.name)!.push(TIMEOUT_MS);
      }
      await sleep(1);
    }
    if ((round + 1) % 50 === 0) process.stderr.write(`  setup: ${round + 1}/${rounds} rounds\n`);
  }
  const rows: SetupRow[] = main.map(([stack]) => {
    const sample = times.get(stack.name)!;
    const s = summarize(sample);
    const over500 = sample.filter((t) => t > STALL_MS).length;
    return {
      stack: stack.name,
      runs: sample.length,
      failed: failed.get(stack.name)!,
      medianMs: round(s.median),
      p95Ms: round(s.p95),
      p99Ms: round(s.p99),
      maxMs: round(s.max),
      over15ms: sample.filter((t) => t > 15).length,
      over500ms: over500,
      shareOver500ms: round(over500 / (sample.length || 1), 3),
    };
  });
  return { rows, samples: Object.fromEntries([...times].map(([k, v]) => [k, v.map((t) => round(t, 2))])) };
}
