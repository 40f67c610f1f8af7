import { describe, expect, it } from 'vitest';
import { WebRTCDataChannel, type WebRTCPeerConnection } from '../../src/index.js';
import { ICE_TRANSPORT_RACE } from '../audit/support.js';
import { bothOpen, peer, pollUntil, wire } from '../support/loopback.js';
import { artifacts, useInspectorInChromium } from './chromium.js';

const opened = useInspectorInChromium();

const connectionState = (state: string) => `.panel[data-machine="connection"] g.state.current[data-state="${state}"]`;

describe('the inspector in Chromium', () => {
  it('sees a connection appear and its connection machine reach connected, live', async () => {
    const page = await opened.browser.newPage({ viewport: { width: 1500, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(opened.inspector.url);
    await page.waitForSelector('body[data-socket="open"]');
    // A mark that a reload would wipe: everything below arrives over the open socket.
    await page.evaluate(() => ((globalThis as unknown as { mark: number }).mark = 42));

    // A pair appears on the page, is selected, and connects (again, twice at most, only if the
    // known stack race struck: see ICE_TRANSPORT_RACE).
    let p1!: WebRTCPeerConnection;
    let ch1!: WebRTCDataChannel;
    for (let attempt = 1; ; attempt++) {
      p1 = peer();
      const p2 = peer();
      await page.locator(`#connections li[data-connection="${p1.id}"]`).waitFor();
      await page.locator(`#connections li[data-connection="${p1.id}"]`).click();
      await page.locator(connectionState('new')).waitFor();
      expect(await page.locator('#detail h2').first().innerText()).toBe(p1.id);
      // Every machine is drawn, each with its states, the current one marked.
      for (const machine of ['signaling', 'connection', 'gathering']) {
        expect(await page.locator(`.panel[data-machine="${machine}"] g.state`).count()).toBeGreaterThan(2);
        expect(await page.locator(`.panel[data-machine="${machine}"] g.state.current`).count()).toBe(1);
      }
      ch1 = p1.create_data_channel('chat', { negotiated: true, id: 1 })!;
      const ch2 = p2.create_data_channel('chat', { negotiated: true, id: 1 })!;
      wire(p1, p2);
      p1.create_offer();
      const raced = () => [p1, p2].some((pc) => pc.get_records().some((record) => 'reason' in record && record.reason.includes(ICE_TRANSPORT_RACE)));
      await pollUntil([p1, p2], () => bothOpen(ch1, ch2) || raced(), 10_000).catch((error) => {
        const records = [p1, p2].flatMap((pc) => pc.get_records().filter((record) => record.kind !== 'transition' || record.machine !== 'signaling'));
        throw new Error(`${error}: ${JSON.stringify(records)}`);
      });
      if (!raced()) break;
      if (attempt === 3) throw new Error(`the stack race struck three times: ${ICE_TRANSPORT_RACE}`);
      console.warn(`the pair hit the stack race (${ICE_TRANSPORT_RACE}); connecting another`);
      p1.close();
      p2.close();
    }

    await page.locator(connectionState('connected')).waitFor({ timeout: 10_000 });
    await page.locator('.panel[data-machine="dataChannel"][data-channel="chat#1"] g.state.current[data-state="open"]').waitFor();
    await page.locator('.panel[data-machine="connection"] g.edge.taken[data-edge="connecting->connected"]').waitFor();
    expect(await page.locator(`#connections li[data-connection="${p1.id}"]`).getAttribute('data-connection-state')).toBe('connected');
    expect(await page.locator('#records tr[data-kind="transition"]').count()).toBeGreaterThan(5);
    expect(await page.locator('#records').innerText()).toContain('stack.connection_state(connected)');
    expect(await page.evaluate(() => (globalThis as unknown as { mark: number }).mark)).toBe(42);
    expect(ch1.get_ready_state()).toBe(WebRTCDataChannel.STATE_OPEN);
    await page.screenshot({ path: `${artifacts}inspector.png`, fullPage: true });

    // A page opened now gets the current picture at once.
    const late = await opened.browser.newPage();
    await late.goto(`${opened.inspector.url}#${p1.id}`);
    await late.locator(connectionState('connected')).waitFor({ timeout: 5000 });

    p1.close();
    await page.locator(connectionState('closed')).waitFor();
    await late.locator(connectionState('closed')).waitFor();
    expect(errors).toEqual([]);
    await late.close();
    await page.close();
  }, 60_000);

  it('lights the loop of the event taken: add_ice_candidate its own, not the one of create_data_channel or create_offer', async () => {
    const page = await opened.browser.newPage({ viewport: { width: 1500, height: 1000 } });
    const pc = peer();
    await page.goto(`${opened.inspector.url}#${pc.id}`);
    const signaling = '.panel[data-machine="signaling"]';
    const lit = async () => {
      const taken = page.locator(`${signaling} [data-drawn].taken`);
      expect(await taken.count()).toBe(1);
      return { drawn: await taken.getAttribute('data-drawn'), label: await taken.locator('text.label').textContent() };
    };
    pc.create_data_channel('chat', { negotiated: true, id: 1 });
    await page.locator(`${signaling} g.loop.taken[data-drawn="stable/create_data_channel"]`).waitFor({ timeout: 5000 });
    expect(await lit()).toEqual({ drawn: 'stable/create_data_channel', label: 'create_data_channel()' });

    // Before a remote description the candidate is held: the machine takes it, staying in stable.
    expect(pc.add_ice_candidate('0', 0, 'candidate:1 1 UDP 2122317823 127.0.0.1 9 typ host')).toBe(0);
    await page.locator(`${signaling} g.loop.taken[data-drawn="stable/add_ice_candidate"]`).waitFor({ timeout: 5000 });
    expect(await lit()).toEqual({ drawn: 'stable/add_ice_candidate', label: 'add_ice_candidate()' });
    // Its label is drawn only while lit: the note speaks for it otherwise.
    expect(await page.locator(`${signaling} g.loop.taken text.label`).isVisible()).toBe(true);
    expect(await page.locator(`${signaling} g.loop[data-drawn="haveLocalOffer/add_ice_candidate"] text.label`).isVisible()).toBe(false);
    expect(await page.locator(`${signaling} .last`).innerText()).toContain('stable → stable on add_ice_candidate');

    expect(pc.create_offer()).toBe(0);
    await page.locator(`${signaling} g.loop.taken[data-drawn="stable/create_offer"]`).waitFor({ timeout: 5000 });
    expect(await lit()).toEqual({ drawn: 'stable/create_offer', label: 'create_offer()' });
    await page.close();
  }, 30_000);
});
