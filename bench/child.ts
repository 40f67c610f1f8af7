/**
 * One suite in its own process (`node --expose-gc --import tsx bench/child.ts SUITE MODE OUT [ARGS]`):
 * native objects, heap and timers of one suite never reach the next. Writes its result as JSON
 * to OUT and exits.
 */
import { writeFileSync } from 'node:fs';
import { FULL, QUICK } from './lib/mode.js';
import { setupSuite } from './suites/setup.js';
import { throughputSuite } from './suites/throughput.js';
import { transitionsSuite } from './suites/transitions.js';
import { scaleRun } from './suites/scale.js';
import { interopSuite } from './suites/interop.js';

const [suite, modeName, out, ...args] = process.argv.slice(2);
const mode = modeName === 'full' ? FULL : QUICK;

async function run(): Promise<unknown> {
  switch (suite) {
    case 'setup':
      return setupSuite(mode);
    case 'throughput':
      return throughputSuite(mode);
    case 'transitions':
      return transitionsSuite(mode);
    case 'interop':
      return interopSuite(mode);
    case 'scale':
      return scaleRun(args[0] as 'library' | 'node-datachannel', Number(args[1]), mode.sweeps);
    default:
      throw new Error(`unknown suite ${suite}`);
  }
}

run().then(
  (result) => {
    writeFileSync(out!, JSON.stringify(result));
    process.exit(0);
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
