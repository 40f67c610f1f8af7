import { existsSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
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
 * What Chromium needs to gather 127.0.0.1 candidates, besides `--allow-loopback-in-peer-connection`:
 * without a media permission it gathers on the default route only (here 192.0.2.2 and fd00::2, the
 * machine's own eth0 addresses), and only a secure origin (http://127.0.0.1, not about:blank) can
 * hold that permission. This flag grants it without a prompt.
 */
export const ENUMERATE_ALL_INTERFACES = '--use-fake-ui-for-media-stream';

/** A tiny http server on 127.0.0.1 serving one blank page: a secure origin for WebRTC pages. */
export async function serveLoopbackPage(title = 'webrtc-statecharts test page'): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><title>${title}</title>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface LoopbackChromium {
  readonly browser: Browser;
  /** A blank page at http://127.0.0.1, where Chromium gathers 127.0.0.1 candidates. */
  newPage(): Promise<Page>;
}

/**
 * One Chromium for the tests of a file, for WebRTC over loopback: its pages come from
 * http://127.0.0.1 and hold the media permission, so it gathers on 127.0.0.1, and it shows real
 * addresses instead of mDNS names (libdatachannel cannot resolve those).
 */
export function useLoopbackChromium(): LoopbackChromium {
  let opened: (LoopbackChromium & { close(): Promise<void> }) | undefined;
  beforeAll(async () => {
    opened = await openLoopbackChromium();
  }, 60_000);
  afterAll(async () => {
    await opened?.close();
  });
  return {
    get browser() {
      return opened!.browser;
    },
    newPage: () => opened!.newPage(),
  };
}

/** The same, for one test: the caller closes it. */
export async function openLoopbackChromium(): Promise<LoopbackChromium & { close(): Promise<void> }> {
  const origin = await serveLoopbackPage();
  const browser = await launchChromium(['--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns', ENUMERATE_ALL_INTERFACES]);
  return {
    browser,
    async newPage(): Promise<Page> {
      const page = await browser.newPage();
      await page.goto(origin.url);
      return page;
    },
    async close(): Promise<void> {
      await browser.close();
      await origin.close();
    },
  };
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
