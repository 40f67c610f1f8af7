/**
 * Issue 3, part 1: paths generated from the machines with `xstate/graph`, replayed on real
 * `WebRTCPeerConnection`s.
 *
 * - For each machine: a path for every transition (the shortest way to its source, then it) and
 *   every simple path extended by each transition out of its end. Every path whose steps a
 *   loopback pair can cause (see `support/loopback-causes.ts`) is replayed on node-datachannel
 *   over 127.0.0.1, the far end driven to make the stack report what the step needs; every path
 *   is also replayed through the scripted stack, which can report anything.
 * - The transitions into closed that need a whole connected pair (the stack's report of closed
 *   to the signaling machine, a limit): caused over loopback by a far end that closes or sends
 *   packets past a tiny `maxQueuedPackets` (`support/close-causes.ts`). A timeout
 *   (`timed_out(setup)`) is caused by L's own setup timer, short in those replays, running out
 *   while the gate holds the stack's reports; through the scripted stack, by `failForTimeout`.
 * - The whole model (the four machines put together as `WebRTCPeerConnection` routes calls and
 *   reports): the shortest path to each of its states, replayed through the scripted stack;
 *   `get_close_info()` must say what the model's connection machine says at every step.
 *
 * After every step: the machine is in the state the path says, every getter equals its machine's
 * snapshot, the connection recorded exactly the transition(s) the model predicts and no refusal
 * or anomaly, and `session_description_created` fired exactly when the model says a description
 * was made. The coverage table (states reached and transitions taken, over loopback and through
 * the scripted stack) is printed at the end, and the run fails if loopback missed a transition
 * that is not listed as impossible over loopback, or if the two together missed any.
 */
import { afterAll, describe, expect, it } from 'vitest';
import '../support/loopback.js';
import {
  MACHINES,
  ModelCoverage,
  MODEL_LIMIT,
  generatePaths,
  peerModelShortestPaths,
  type ModelMachineName,
  type ModelPath,
} from '../../src/testing/index.js';
import { NOT_CAUSABLE_OVER_LOOPBACK } from './support/loopback-causes.js';
import { closeOverLoopback } from './support/close-causes.js';
import { loopbackRuns, nativeRetries, withNativeRetry, replayOverLoopback, replayScripted, replayWholeModel } from './support/replay.js';

const coverage = new ModelCoverage();
const stopObserving = coverage.observe((record) =>
  record.connection.startsWith('model-loopback-') ? 'loopback' : record.connection.startsWith('model-scripted-') ? 'scripted' : null,
);

const NAMES = Object.keys(MACHINES) as ModelMachineName[];

function pathsOf(machine: ModelMachineName): ModelPath[] {
  const all = [...generatePaths(MACHINES[machine], { strategy: 'transitions' }), ...generatePaths(MACHINES[machine], { strategy: 'simple', maxPaths: 500 })];
  const unique = new Map(all.map((path) => [path.description, path]));
  return [...unique.values()];
}

const generated = Object.fromEntries(NAMES.map((name) => [name, pathsOf(name)])) as Record<ModelMachineName, ModelPath[]>;
const counts = { loopback: 0, scripted: 0, wholeModel: 0, closeCauses: 0 };

for (const machine of NAMES) {
  describe(`${machine}: generated paths`, () => {
    describe.concurrent('over loopback (node-datachannel on 127.0.0.1)', () => {
      for (const { path, plan, prefixOf } of loopbackRuns(machine, generated[machine])) {
        it(prefixOf ? `${path.description} (up to what loopback can cause of: ${prefixOf})` : path.description, async () => {
          await withNativeRetry(() => replayOverLoopback(machine, path, plan, coverage));
          counts.loopback++;
        }, 30_000);
      }
    });
    describe('through the scripted stack', () => {
      it.each(generated[machine].map((path) => [path.description, path] as const))('%s', (_description, path) => {
        replayScripted(machine, path, coverage);
        counts.scripted++;
      });
    });
  });
}

describe.concurrent('the transitions into closed only a connected pair causes, over loopback', () => {
  for (const signaling of ['stable', 'haveRemoteOffer', 'haveLocalPranswer'] as const) {
    for (const ending of ['remote', 'limit'] as const) {
      it(`${signaling}: ${ending === 'remote' ? 'the far end closes' : `the far end sends packets past ${MODEL_LIMIT}`}`, async () => {
        await closeOverLoopback(signaling, ending);
        counts.closeCauses++;
      }, 30_000);
    }
  }
});

describe('the whole model: shortest path to every state, through the scripted stack', () => {
  const paths = peerModelShortestPaths().filter((path) => path.steps.length > 0);
  it.each(paths.map((path) => [path.description, path] as const))('%s', (_description, path) => {
    replayWholeModel(path, coverage);
    counts.wholeModel++;
  });
});

afterAll(() => {
  stopObserving();
  const lines = ['', 'Model coverage (generated paths replayed on real WebRTCPeerConnections):', coverage.table(['loopback', 'scripted'])];
  lines.push(`paths replayed: ${counts.loopback} over loopback, ${counts.scripted} through the scripted stack, ${counts.wholeModel} of the whole model; ${counts.closeCauses} closes caused over loopback by a connected pair`);
  if (nativeRetries.count > 0) lines.push(`loopback replays run again after libdatachannel rejected a valid description by itself: ${nativeRetries.count}`);
  for (const machine of NAMES) {
    const missed = coverage.missing(machine, ['loopback']);
    if (missed.length === 0) continue;
    lines.push(`${machine}: not taken over loopback (driven through the scripted stack):`);
    for (const edge of missed) lines.push(`  ${edge.key}: ${NOT_CAUSABLE_OVER_LOOPBACK[machine][edge.key] ?? 'NOT LISTED AS IMPOSSIBLE'}`);
  }
  console.log(lines.join('\n'));

  for (const machine of NAMES) {
    const keys = new Set(coverage.edges[machine].map((edge) => edge.key));
    // The list of what loopback cannot cause names only transitions the machine has...
    expect(Object.keys(NOT_CAUSABLE_OVER_LOOPBACK[machine]).filter((key) => !keys.has(key)), `${machine}: stale entries`).toEqual([]);
    // ...loopback took every other one...
    const missedOverLoopback = coverage.missing(machine, ['loopback']).map((edge) => edge.key);
    expect(missedOverLoopback.filter((key) => !(key in NOT_CAUSABLE_OVER_LOOPBACK[machine])), `${machine}: causable over loopback but not taken`).toEqual([]);
    // ...and the scripted stack took every one of them.
    expect(coverage.missing(machine, ['scripted']).map((edge) => edge.key), `${machine}: not taken through the scripted stack`).toEqual([]);
  }
});
