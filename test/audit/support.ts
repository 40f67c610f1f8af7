import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A fresh directory for this test file, removed after it. */
export function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'webrtc-statecharts-audit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const tsx = new URL('../../node_modules/.bin/tsx', import.meta.url).pathname;
export const bin = new URL('../../bin/webrtc-statecharts.js', import.meta.url).pathname;
