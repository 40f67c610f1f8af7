import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import type { LoopbackChromium } from './chromium.js';
import { WebRTCDataChannel, type WebRTCPeerConnection } from '../../src/index.js';
import { decode, encode, pollUntil } from '../support/loopback.js';

/** Chromium's RTCPeerConnection in a page, driven from the test: what a Godot web export or a browser client is. */
export interface BrowserEnd {
  page: Page;
  /** Makes an offer (or, given one, an answer) and applies it as the page's local description. */
  describe(offer?: string): Promise<string>;
  setAnswer(answer: string): Promise<void>;
  /** The page's 127.0.0.1 UDP candidates not taken yet. */
  takeCandidates(): Promise<string[]>;
  addCandidate(candidate: string): Promise<void>;
  /** The ready state of each of the page's channels, its own and received, in the order they came. */
  channelStates(): Promise<string[]>;
  isOpen(): Promise<boolean>;
  /** Sends on the page's first open channel. */
  send(text: string): Promise<void>;
  received(): Promise<string[]>;
  /** How many 127.0.0.1 UDP candidates the page gathered (the others are never passed on). */
  loopbackCandidates(): Promise<number>;
}

/**
 * A page with one RTCPeerConnection and, by `channels`, a negotiated channel `chat` (id 1), or
 * in-band channels with these labels, or none (it takes the remote's). Only its 127.0.0.1 UDP
 * candidates are kept: every byte stays on loopback.
 */
export async function browserEnd(chromium: LoopbackChromium, channels: { negotiated: true } | { labels: string[] } = { negotiated: true }): Promise<BrowserEnd> {
  const page = await chromium.newPage();
  await page.evaluate((wanted) => {
    const w = globalThis as any;
    w.pc = new w.RTCPeerConnection();
    w.got = [];
    w.channels = [];
    const adopt = (dc: any) => {
      w.channels.push(dc);
      dc.onmessage = (event: any) => w.got.push(typeof event.data === 'string' ? event.data : new TextDecoder().decode(event.data));
    };
    if ('negotiated' in wanted) adopt(w.pc.createDataChannel('chat', { negotiated: true, id: 1 }));
    else for (const label of wanted.labels) adopt(w.pc.createDataChannel(label));
    w.pc.ondatachannel = (event: any) => adopt(event.channel);
    w.cands = [];
    w.gathered = 0;
    w.pc.onicecandidate = (event: any) => {
      const c = event.candidate?.candidate;
      if (c && / udp /i.test(c) && c.split(' ')[4] === '127.0.0.1') {
        w.cands.push(c);
        w.gathered++;
      }
    };
  }, channels);
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
    setAnswer: (answer) => page.evaluate((a) => (globalThis as any).pc.setRemoteDescription({ type: 'answer', sdp: a }), answer),
    takeCandidates: () => page.evaluate(() => (globalThis as any).cands.splice(0)),
    addCandidate: (candidate) => page.evaluate((c) => (globalThis as any).pc.addIceCandidate({ candidate: c, sdpMid: '0', sdpMLineIndex: 0 }), candidate),
    channelStates: () => page.evaluate(() => (globalThis as any).channels.map((dc: any) => dc.readyState)),
    isOpen: () => page.evaluate(() => (globalThis as any).channels.some((dc: any) => dc.readyState === 'open')),
    send: (text) => page.evaluate((t) => (globalThis as any).channels.find((dc: any) => dc.readyState === 'open').send(t), text),
    received: () => page.evaluate(() => (globalThis as any).got.slice()),
    loopbackCandidates: () => page.evaluate(() => (globalThis as any).gathered as number),
  };
}

/** Polls the library end and trades candidates both ways until both channels are open, then sends a message each way. */
export async function connectAndTalk(pc: WebRTCPeerConnection, channelOf: () => WebRTCDataChannel | undefined, end: BrowserEnd, libraryCandidates: string[]): Promise<void> {
  let channel: WebRTCDataChannel | undefined;
  const deadline = Date.now() + 10_000;
  for (;;) {
    pc.poll();
    for (const c of libraryCandidates.splice(0)) await end.addCandidate(c);
    for (const c of await end.takeCandidates()) expect(pc.add_ice_candidate('0', 0, c)).toBe(0);
    channel = channelOf();
    if (channel?.get_ready_state() === WebRTCDataChannel.STATE_OPEN && (await end.isOpen())) break;
    if (Date.now() > deadline) throw new Error(`not open within 10 s: library ${channel?.get_ready_state()}, records ${JSON.stringify(pc.get_records().slice(-5))}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  channel = channel!;
  expect(channel.put_packet(encode('from the library'))).toBe(0);
  await end.send('from Chromium');
  await pollUntil([pc], () => channel.get_available_packet_count() > 0);
  expect(decode(channel.get_packet())).toBe('from Chromium');
  await expect.poll(() => end.received(), { timeout: 5000 }).toEqual(['from the library']);
  // The pair connected over 127.0.0.1 on the page's side too, not over the machine's eth0 address.
  expect(await end.loopbackCandidates()).toBeGreaterThan(0);
}

