import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ICE_TRANSPORT_RACE } from '../audit/support.js';
import { artifacts, launchChromium } from './chromium.js';

const root = new URL('../..', import.meta.url).pathname;
const bin = new URL('../../bin/webrtc-statecharts.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'webrtc-statecharts-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run example -- --inspect --audit FILE, watched in Chromium', () => {
  it('the page shows the demo live, Ctrl-C ends it with status 0, and its trail verifies clean', async () => {
    // Again (twice at most) only if the known stack race struck: see ICE_TRANSPORT_RACE.
    for (let attempt = 1; ; attempt++) {
      const raced = await watchDemo(join(dir, `demo-${attempt}.jsonl`));
      if (!raced) return;
      if (attempt === 3) throw new Error(`the stack race struck three times: ${ICE_TRANSPORT_RACE}`);
      console.warn(`the demo hit the stack race (${ICE_TRANSPORT_RACE}); running it again`);
    }
  }, 240_000);
});

/** One watched demo session; true if the stack race made it fail (nothing else is tolerated). */
async function watchDemo(trail: string): Promise<boolean> {
  // One process (node with tsx's loader), so that SIGINT reaches the demo itself, as Ctrl-C does.
  const demo = spawn(process.execPath, ['--import', 'tsx', 'demo/minimal.ts', '--inspect', '--audit', trail], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  demo.stdout.on('data', (chunk) => (output += chunk));
  demo.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => demo.on('close', (code) => resolve(code)));
  const waitFor = async (pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(output);
      if (match) return match;
      if (Date.now() > deadline) throw new Error(`the demo did not print ${pattern} in ${timeoutMs} ms:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const browser = await launchChromium();
  try {
    const url = (await waitFor(/^inspector: (http:\/\/127\.0\.0\.1:\d+\/)$/m))[1]!;
    // It waits for a page before it starts the peers.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(output).not.toContain('p1  signal');
    const page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
    await page.goto(url);
    await page.locator('#connections li[data-connection="pc-1"]').waitFor({ timeout: 10_000 });
    await page.locator('#connections li[data-connection="pc-2"]').waitFor();
    // The connection machine reaches connected on the page, live (or the stack race strikes).
    const connected = page.locator('.panel[data-machine="connection"] g.state.current[data-state="connected"]');
    for (const deadline = Date.now() + 15_000; (await connected.count()) === 0; ) {
      if (output.includes(ICE_TRANSPORT_RACE)) return true;
      if (Date.now() > deadline) throw new Error(`the page never showed connected\npage: ${await page.locator('body').innerText()}\ndemo: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(await page.locator('#detail h2').first().innerText()).toBe('pc-1');
    await waitFor(/both messages crossed .*the peers stay connected/);
    await page.locator('.panel[data-machine="dataChannel"][data-channel="chat#1"] g.state.current[data-state="open"]').waitFor();
    await page.screenshot({ path: `${artifacts}inspector-demo.png`, fullPage: true });

    demo.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toMatch(/SIGINT: closing the peers/);
    expect(output).toMatch(/audit: \d+ records appended to /);
    const verified = spawnSync(process.execPath, [bin, 'audit', trail], { encoding: 'utf8' });
    expect(verified.status, verified.stdout).toBe(0);
    expect(verified.stdout).toMatch(/connection\s+connected → closed\s+close/);
    expect(verified.stdout).toMatch(/verified: \d+ records of 2 connections/);
    return false;
  } finally {
    demo.kill('SIGKILL');
    await browser.close();
  }
}
