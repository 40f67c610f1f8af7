import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { connectedPair } from '../support/loopback.js';
import { artifacts, useInspectorInChromium } from './chromium.js';

const opened = useInspectorInChromium();

/** The number a stats figure of the page holds (`data-value`). */
async function figure(page: Page, selector: string): Promise<number> {
  return Number(await page.locator(selector).getAttribute('data-value'));
}

/** Waits until the figure at `selector` is at least `least`; bounded by `timeoutMs`. */
async function figureReaches(page: Page, selector: string, least: number, timeoutMs = 8000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = (await page.locator(selector).count()) > 0 ? await figure(page, selector) : NaN;
    if (value >= least) return value;
    if (Date.now() > deadline) throw new Error(`${selector} is ${value}, not ${least} or more, after ${timeoutMs} ms`);
    await page.waitForTimeout(100);
  }
}

describe("the inspector's stats in Chromium", () => {
  it("shows each connection's get_stats() with its age, refreshed live as bytes flow", async () => {
    const { p1, p2, ch1, ch2 } = await connectedPair();
    const poller = setInterval(() => {
      p1.poll();
      p2.poll();
      while (ch2.get_available_packet_count() > 0) ch2.get_packet();
    }, 10);
    const page = await opened.browser.newPage({ viewport: { width: 1500, height: 1000 } });
    try {
      await page.goto(`${opened.inspector.url}#${p1.id}`);
      const stats = `#stats[data-connection="${p1.id}"] .figures`;
      await page.locator(`${stats} [data-stat="age_ms"]`).waitFor({ timeout: 5000 });
      const chunk = new Uint8Array(1000).fill(7);
      for (let i = 0; i < 3; i++) ch1.put_packet(chunk);
      const firstBytes = await figureReaches(page, `${stats} [data-stat="bytes_sent"]`, 3000);
      const firstAge = await figure(page, `${stats} [data-stat="age_ms"]`);
      expect(firstBytes).toBe(3000);
      expect(await page.locator(`${stats} [data-stat="bytes_sent"] .value`).innerText()).toContain('3,000 B in 3 messages');

      for (let i = 0; i < 7; i++) ch1.put_packet(chunk);
      // The next push (about a second later) shows the bytes grown and the connection older.
      expect(await figureReaches(page, `${stats} [data-stat="bytes_sent"]`, 10_000)).toBe(10_000);
      expect(await figure(page, `${stats} [data-stat="age_ms"]`)).toBeGreaterThan(firstAge + 500);
      expect(await figure(page, `#stats[data-connection="${p1.id}"] tr[data-channel="chat#1"] [data-stat="bytes_sent"]`)).toBe(10_000);
      expect(await figure(page, `${stats} [data-stat="queued_bytes"]`)).toBe(0);
      expect(await page.locator(`${stats} [data-stat="selected_pair"] .value`).innerText()).toMatch(/^host 127\.0\.0\.1:\d+ udp ⇄ host 127\.0\.0\.1:\d+ udp$/);
      expect(await page.locator(`${stats} [data-stat="rtt_ms"] .value`).innerText()).toMatch(/ms$|–/);
      expect(await page.locator(`${stats} [data-stat="age_ms"] .value`).innerText()).toMatch(/^\d+\.\d s$/);

      // The other end, selected by its id, counts what it received.
      await page.goto(`${opened.inspector.url}#${p2.id}`);
      expect(await figureReaches(page, `#stats[data-connection="${p2.id}"] .figures [data-stat="bytes_received"]`, 10_000)).toBe(10_000);
      expect(await figure(page, `#stats[data-connection="${p2.id}"] .figures [data-stat="bytes_received"]`)).toBe(p2.get_stats().bytes_received);
      await page.screenshot({ path: `${artifacts}inspector-stats.png`, fullPage: true });
    } finally {
      clearInterval(poller);
      await page.close();
    }
  }, 60_000);

  it('draws no label over another label, a state or a note, as Chromium measures them (getBBox), in every diagram', async () => {
    const { p1: pc } = await connectedPair();
    const page = await opened.browser.newPage({ viewport: { width: 1500, height: 1000 } });
    try {
      await page.goto(`${opened.inspector.url}#${pc.id}`);
      await page.locator('.panel[data-machine="dataChannel"] g.state').first().waitFor({ timeout: 5000 });
      // The worst case: every label shown (also those drawn only while lit), all in bold.
      await page.addStyleTag({ content: 'svg text.label.hidden { display: inline !important } svg text.label { font-weight: 600 !important }' });
      // Page code as text: tsc here has no DOM types.
      const overlaps: Record<string, string[]> = await page.evaluate(`(() => {
        const result = {};
        for (const panel of document.querySelectorAll('.panel')) {
          const items = [...panel.querySelectorAll('text.label, g.state rect, text.note')].map((node) => {
            const owner = node.closest('[data-drawn], g.state') || node;
            return { owner, name: (owner.getAttribute('data-drawn') || owner.getAttribute('data-state')) + ': ' + node.textContent, box: node.getBBox() };
          });
          const hits = [];
          for (let i = 0; i < items.length; i++) {
            for (let j = i + 1; j < items.length; j++) {
              const a = items[i], b = items[j];
              if (a.owner === b.owner) continue;
              const apart = a.box.x + a.box.width <= b.box.x || b.box.x + b.box.width <= a.box.x || a.box.y + a.box.height <= b.box.y || b.box.y + b.box.height <= a.box.y;
              if (!apart) hits.push(a.name + ' × ' + b.name);
            }
          }
          result[panel.dataset.key] = hits.concat(items.length < 5 ? ['only ' + items.length + ' boxes measured'] : []);
        }
        return result;
      })()`);
      expect(Object.keys(overlaps)).toEqual(['signaling', 'connection', 'gathering', 'channel:chat#1']);
      for (const [panel, hits] of Object.entries(overlaps)) expect(hits, panel).toEqual([]);
      await page.screenshot({ path: `${artifacts}inspector-labels.png`, fullPage: true });
    } finally {
      await page.close();
    }
  }, 60_000);
});
