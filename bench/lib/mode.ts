/** How much work each suite does: quick fits a CI-size machine in about 3 minutes, full is the published run. */
export interface Mode {
  name: 'quick' | 'full';
  /** Pairs for this library and raw node-datachannel (as they ship). */
  setupPairs: number;
  /** Pairs for the other orders (library in libdatachannel's order, raw ordered by hand two ways). */
  setupPairsVariants: number;
  /** Pairs for @roamhq/wrtc and werift. */
  setupPairsOthers: number;
  throughputRounds: number;
  throughputSeconds: number;
  scalePairs: number[];
  sweeps: number;
  transitionIterations: number;
}

export const QUICK: Mode = {
  name: 'quick',
  setupPairs: 60,
  setupPairsVariants: 60,
  setupPairsOthers: 10,
  throughputRounds: 2,
  throughputSeconds: 1,
  scalePairs: [100],
  sweeps: 200,
  transitionIterations: 20_000,
};

export const FULL: Mode = {
  name: 'full',
  setupPairs: 300,
  setupPairsVariants: 300,
  setupPairsOthers: 100,
  throughputRounds: 5,
  throughputSeconds: 4,
  scalePairs: [100, 250, 500],
  sweeps: 1000,
  transitionIterations: 200_000,
};
