import { describe, expect, it } from 'vitest';
import { OFFERER_FIRST_ATTRIBUTE } from '../../src/adapters/setup-order.js';
import { peer, pollUntil } from '../support/loopback.js';
import { useLoopbackChromium } from './chromium.js';
import { browserEnd, connectAndTalk } from './page-peer.js';

/**
 * Chromium's own RTCPeerConnection (libwebrtc) against this library in its default setup order,
 * each side offering: what a Godot web export or a browser client meets. Chromium gathers on
 * 127.0.0.1 (`--allow-loopback-in-peer-connection`) and shows real addresses instead of mDNS
 * names, which libdatachannel cannot resolve; only its 127.0.0.1 UDP candidates are forwarded.
 */
const chromium = useLoopbackChromium();

describe("Chromium and this library in the default setup order ('auto')", () => {
  it('the library offers (its offer says offerer-first; Chromium ignores the attribute) and the pair talks', async () => {
    const end = await browserEnd(chromium);
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
    await connectAndTalk(pc, () => channel, end, libraryCandidates);
    await end.page.close();
  });

  it('Chromium offers, the library answers passive once its ICE has connected, and the pair talks', async () => {
    const end = await browserEnd(chromium);
    const pc = peer();
    const channel = pc.create_data_channel('chat', { negotiated: true, id: 1 })!;
    const answers: string[] = [];
    const libraryCandidates: string[] = [];
    pc.session_description_created.connect((type, sdp) => {
      pc.set_local_description(type, sdp);
      answers.push(sdp);
      void end.setAnswer(sdp);
    });
    pc.ice_candidate_created.connect((_media, _index, name) => libraryCandidates.push(name));
    const offer = await end.describe();
    expect(pc.set_remote_description('offer', offer)).toBe(0);
    await connectAndTalk(pc, () => channel, end, libraryCandidates);
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatch(/^a=setup:passive/m);
    await end.page.close();
  });
});
