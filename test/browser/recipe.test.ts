import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WebRTCPeerConnection } from '../../src/index.js';
import '../support/loopback.js'; // the default stack gathers on 127.0.0.1 only
import { useLoopbackChromium } from './chromium.js';

/**
 * README's "Talking to a browser", run exactly as written: its Node block in this process (written
 * to a temporary file with the package name pointed at this checkout's source, then imported), its
 * browser block in a Chromium page. The bridge between them stands for the signaling transport
 * and forwards only 127.0.0.1 UDP candidates (and the end of candidates): every byte stays on loopback.
 */
const chromium = useLoopbackChromium();
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const recipe = /<!-- browser-recipe:start -->([\s\S]*?)<!-- browser-recipe:end -->/.exec(readme)![1]!;
const nodeBlock = /```ts\n([\s\S]*?)\n```/.exec(recipe)![1]!;
const browserBlock = /```js\n([\s\S]*?)\n```/.exec(recipe)![1]!;
/** "In a Node service": the same echo, event-driven, against the same page. */
const serviceRecipe = /<!-- service-recipe:start -->([\s\S]*?)<!-- service-recipe:end -->/.exec(readme)![1]!;
const serviceBlock = /```ts\n([\s\S]*?)\n```/.exec(serviceRecipe)![1]!;

type Message = { type?: string; sdp?: string; mid?: string; index?: number; candidate?: string };
const loopbackOrEnd = (m: Message) => m.candidate === undefined || m.candidate === '' || (/ udp /i.test(m.candidate) && m.candidate.split(' ')[4] === '127.0.0.1');

describe("README's browser recipe", () => {
  it('connects Chromium to the library; strings come back as strings, bytes as ArrayBuffers; the end of candidates is taken', async () => {
    await runRecipe(nodeBlock);
  }, 30_000);

  it('works the same with the service recipe: event dispatch, no poll loop, packets iterated, then closed', async () => {
    await runRecipe(serviceBlock);
  }, 30_000);
});

async function runRecipe(block: string): Promise<void> {
  {
    // Outside the project (tsc type-checks every file under test/), the package name pointed at this checkout's source.
    const file = join(mkdtempSync(join(tmpdir(), 'recipe-')), 'serve.ts');
    writeFileSync(file, block.replace("from 'webrtc-statecharts'", `from ${JSON.stringify(new URL('../../src/index.ts', import.meta.url).pathname)}`));
    const { serve } = (await import(file)) as { serve: (send: (m: unknown) => void, onMessage: (h: (m: unknown) => void) => void) => WebRTCPeerConnection };

    const page = await chromium.newPage();
    const logged: string[] = [];
    page.on('console', (message) => logged.push(message.text()));
    const fromPage: Message[] = [];
    let toNode: (m: unknown) => void = () => {};
    await page.exposeFunction('toNode', (m: Message) => {
      fromPage.push(m);
      if (loopbackOrEnd(m)) toNode(m);
    });
    await page.addScriptTag({ content: browserBlock });

    // Node to page, in order (page.evaluate is asynchronous; send is called inside poll()).
    let chain = Promise.resolve();
    const send = (m: unknown) => {
      if (!loopbackOrEnd(m as Message)) return;
      chain = chain.then(() => page.evaluate((message) => (globalThis as any).deliver(message), m as Message));
    };
    const pc = serve(send, (handler) => (toNode = handler));
    await page.evaluate(() => {
      const w = globalThis as any;
      w.recipe = w.connect((m: unknown) => w.toNode(m), (handler: unknown) => (w.deliver = handler));
    });

    await expect.poll(() => logged.slice().sort(), { timeout: 10_000 }).toEqual(['ArrayBuffer: Hi as bytes', 'string: Hi as a string']);
    expect(pc.get_connection_state()).toBe(WebRTCPeerConnection.STATE_CONNECTED);
    expect(fromPage.some((m) => m.candidate === '')).toBe(true);
    expect(pc.get_records().filter((r) => r.kind === 'refusal')).toEqual([]);

    // The page closes its channel: the Node side clears its interval and closes.
    await page.evaluate(() => (globalThis as any).recipe.close());
    await expect.poll(() => pc.get_connection_state(), { timeout: 10_000 }).toBe(WebRTCPeerConnection.STATE_CLOSED);
    await chain;
    await page.close();
  }
}
