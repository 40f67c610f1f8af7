/** Shared by the signaling frame tests: the property seed and runs, and what any decode may answer. */
import fc from 'fast-check';
import { expect } from 'vitest';
import { CloseReason, closeCodeOf, type FrameRefusal } from '../../src/signaling/frames.js';

/** A lobby name as server.js makes them (16 ALFNUM), a member's id, and a candidate payload as the demo client sends it. */
export const LOBBY = 'Qx7LmN2pR4sT8vWz';
export const B = 1234567;
export const CANDIDATE = '\n0\n0\ncandidate:1 1 UDP 2122317823 127.0.0.1 50412 typ host';

const seedSetting = process.env.PROPERTY_SEED ?? '20261202';
export const SEED = seedSetting === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(seedSetting);
export const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);

/** Runs a property with the suite's seed; on failure says how to run it again. */
export function check<T extends unknown[]>(name: string, property: fc.IPropertyWithHooks<T>, numRuns = RUNS): void {
  try {
    fc.assert(property, { seed: SEED, numRuns });
  } catch (error) {
    console.error(`property "${name}" failed with seed ${SEED}: rerun with PROPERTY_SEED=${SEED} PROPERTY_RUNS=${numRuns}`);
    throw error;
  }
}

const KNOWN_REASONS = new Set<string>(Object.values(CloseReason));

/** A refusal is one of the known reasons with server.js's code for it, and says which checks precede it. */
export function expectKnownRefusal(refused: FrameRefusal): void {
  expect(KNOWN_REASONS.has(refused.reason)).toBe(true);
  expect(refused.code).toBe(closeCodeOf(refused.reason));
  expect(['none', 'lobby', 'destination']).toContain(refused.checkedAfter);
  if (refused.checkedAfter === 'destination') expect(Number.isInteger(refused.dest)).toBe(true);
}

/** Strings of every kind: ASCII, any UTF-16 unit (lone surrogates too), whole graphemes. */
export const anyString = (maxLength: number): fc.Arbitrary<string> =>
  fc.oneof(fc.string({ maxLength }), fc.string({ unit: 'binary', maxLength }), fc.string({ unit: 'grapheme', maxLength }), fc.string({ unit: 'binary-ascii', maxLength }));

/** Numbers a hostile client may put where an integer belongs. */
export const anyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: -10, max: 10 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(-0, 0.5, -0.5, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53, Number.MAX_VALUE, Number.MIN_VALUE, 1e-300),
);
