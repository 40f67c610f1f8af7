import { existsSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { startInspector, type RunningInspector } from '../../src/inspector/index.js';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it). Nothing is downloaded. */
export const CHROMIUM = '/usr/bin/chromium';

/** Where the browser tests leave their screenshots (ignored by git). */
export const artifacts = new URL('../artifacts/', import.meta.url).pathname;

/**
 * Headless Chromium, loopback only: no QUIC, no background traffic, no component or sync
 * updates; playwright gives it a fresh user-data directory of its own, removed on close.
 * A missing Chromium fails the test (it is never skipped): install it with
 * `apt-get install -y --no-install-recommends chromium`.
 */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install it with \`apt-get update && apt-get install -y --no-install-recommends chromium\` (.ci/run does)`);
  }
  mkdirSync(artifacts, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

/**
 * One Chromium for the tests of a file, for WebRTC over loopback: it gathers on 127.0.0.1 and
 * shows real addresses instead of mDNS names (libdatachannel cannot resolve those).
 */
export function useLoopbackChromium(): { readonly browser: Browser } {
  const holder = {} as { browser: Browser };
  beforeAll(async () => {
    holder.browser = await launchChromium(['--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns']);
  }, 60_000);
  afterAll(async () => {
    await holder.browser?.close();
  });
  return holder;
}

/** One Chromium and one inspector of this process for the tests of a file, both closed after them. */
export function useInspectorInChromium(): { readonly browser: Browser; readonly inspector: RunningInspector } {
  const holder = {} as { browser: Browser; inspector: RunningInspector };
  beforeAll(async () => {
    holder.browser = await launchChromium();
    holder.inspector = await startInspector();
  }, 60_000);
  afterAll(async () => {
    await holder.browser?.close();
    await holder.inspector?.close();
  });
  return holder;
}
