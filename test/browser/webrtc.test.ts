import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { WebRTCDataChannel, type WebRTCPeerConnection } from '../../src/index.js';
import { OFFERER_FIRST_ATTRIBUTE } from '../../src/adapters/setup-order.js';
import { decode, encode, peer, pollUntil } from '../support/loopback.js';
import { launchChromium } from './chromium.js';

/**
 * Chromium's own RTCPeerConnection (libwebrtc) against this library in its default setup order,
 * each side offering: what a Godot web export or a browser client meets. Chromium gathers on
 * 127.0.0.1 (`--allow-loopback-in-peer-connection`) and shows real addresses instead of mDNS
 * names, which libdatachannel cannot resolve; only its 127.0.0.1 UDP candidates are forwarded.
 */
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium(['--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns']);
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

interface BrowserEnd {
  page: Page;
  /** Makes an offer (or, given one, an answer) and applies it as the page's local description. */
  describe(offer?: string): Promise<string>;
  /** The page's 127.0.0.1 UDP candidates not taken yet. */
  takeCandidates(): Promise<string[]>;
  addCandidate(candidate: string): Promise<void>;
  isOpen(): Promise<boolean>;
  send(text: string): Promise<void>;
  received(): Promise<string[]>;
}

async function browserEnd(): Promise<BrowserEnd> {
  const page = await browser.newPage();
  await page.evaluate(() => {
    const w = globalThis as any;
    w.pc = new w.RTCPeerConnection();
    w.dc = w.pc.createDataChannel('chat', { negotiated: true, id: 1 });
    w.got = [];
    w.dc.onmessage = (event: any) => w.got.push(typeof event.data === 'string' ? event.data : new TextDecoder().decode(event.data));
    w.cands = [];
    w.pc.onicecandidate = (event: any) => {
      const c = event.candidate?.candidate;
      if (c && / udp /i.test(c) && c.split(' ')[4] === '127.0.0.1') w.cands.push(c);
    };
  });
  return {
    page,
    describe: (offer) =>
      page.evaluate(async (remote) => {
        const w = globalThis as any;
        if (remote !== null) await w.pc.setRemoteDescription({ type: 'offer', sdp: remote });
        const made = remote === null ? await w.pc.createOffer() : await w.pc.createAnswer();
        await w.pc.setLocalDescription(made);
        return made.sdp as string;
      }, offer ?? null),
    takeCandidates: () => page.evaluate(() => (globalThis as any).cands.splice(0)),
    addCandidate: (candidate) => page.evaluate((c) => (globalThis as any).pc.addIceCandidate({ candidate: c, sdpMid: '0', sdpMLineIndex: 0 }), candidate),
    isOpen: () => page.evaluate(() => (globalThis as any).dc.readyState === 'open'),
    send: (text) => page.evaluate((t) => (globalThis as any).dc.send(t), text),
    received: () => page.evaluate(() => (globalThis as any).got.slice()),
  };
}

/** Polls the library end and trades candidates both ways until both channels are open, then sends a message each way. */
async function connectAndTalk(pc: WebRTCPeerConnection, channel: WebRTCDataChannel, end: BrowserEnd, libraryCandidates: string[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    pc.poll();
    for (const c of libraryCandidates.splice(0)) await end.addCandidate(c);
    for (const c of await end.takeCandidates()) expect(pc.add_ice_candidate('0', 0, c)).toBe(0);
    if (channel.get_ready_state() === WebRTCDataChannel.STATE_OPEN && (await end.isOpen())) break;
    if (Date.now() > deadline) throw new Error(`not open within 10 s: library ${channel.get_ready_state()}, records ${JSON.stringify(pc.get_records().slice(-5))}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  expect(channel.put_packet(encode('from the library'))).toBe(0);
  await end.send('from Chromium');
  await pollUntil([pc], () => channel.get_available_packet_count() > 0);
  expect(decode(channel.get_packet())).toBe('from Chromium');
  await expect.poll(() => end.received(), { timeout: 5000 }).toEqual(['from the library']);
}

describe("Chromium and this library in the default setup order ('auto')", () => {
  it('the library offers (its offer says offerer-first; Chromium ignores the attribute) and the pair talks', async () => {
    const end = await browserEnd();
    const pc = peer();
    const channel = pc.create_data_channel('chat', { negotiated: true, id: 1 })!;
    const offers: string[] = [];
    const libraryCandidates: string[] = [];
    pc.session_description_created.connect((type, sdp) => {
      pc.set_local_description(type, sdp);
      offers.push(sdp);
    });
    pc.ice_candidate_created.connect((_media, _index, name) => libraryCandidates.push(name));
    pc.create_offer();
    await pollUntil([pc], () => offers.length === 1);
    expect(offers[0]).toContain(OFFERER_FIRST_ATTRIBUTE);
    const answer = await end.describe(offers[0]!);
    expect(pc.set_remote_description('answer', answer)).toBe(0);
    await connectAndTalk(pc, channel, end, libraryCandidates);
    await end.page.close();
  });

  it('Chromium offers, the library answers passive once its ICE has connected, and the pair talks', async () => {
    const end = await browserEnd();
    const pc = peer();
    const channel = pc.create_data_channel('chat', { negotiated: true, id: 1 })!;
    const answers: string[] = [];
    const libraryCandidates: string[] = [];
    pc.session_description_created.connect((type, sdp) => {
      pc.set_local_description(type, sdp);
      answers.push(sdp);
      void end.page.evaluate((a) => (globalThis as any).pc.setRemoteDescription({ type: 'answer', sdp: a }), sdp);
    });
    pc.ice_candidate_created.connect((_media, _index, name) => libraryCandidates.push(name));
    const offer = await end.describe();
    expect(pc.set_remote_description('offer', offer)).toBe(0);
    await connectAndTalk(pc, channel, end, libraryCandidates);
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatch(/^a=setup:passive/m);
    await end.page.close();
  });
});
