import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const tsx = new URL('../node_modules/.bin/tsx', import.meta.url).pathname;
const fixture = new URL('./fixtures/exit-by-itself.ts', import.meta.url).pathname;

describe('the process exits by itself', () => {
  it.each([['both'], ['one'], ['channels']])(
    'once its connections are closed (%s), with no process.exit and no hanging libdatachannel threads',
    (mode) => {
      const started = Date.now();
      const run = spawnSync(tsx, [fixture, mode], { encoding: 'utf8', timeout: 15_000, killSignal: 'SIGKILL' });
      expect(run.signal, `killed after ${Date.now() - started} ms: the process hung\n${run.stdout}${run.stderr}`).toBeNull();
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toContain(`closed (${mode})`);
    },
    20_000,
  );
});
