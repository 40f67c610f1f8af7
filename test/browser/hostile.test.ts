import { describe, expect, it } from 'vitest';
import { WebRTCDataChannel, WebRTCPeerConnection } from '../../src/index.js';
import { peer, pollUntil } from '../support/loopback.js';
import { longestStall } from '../hostile/support/remote.js';
import { useLoopbackChromium } from './chromium.js';
import { browserEnd, connectAndTalk, type BrowserEnd } from './page-peer.js';

/**
 * An unmodified Chromium page as the remote: in-band channels each way (what a browser client
 * opens), and the labels a hostile page can give them.
 */
const chromium = useLoopbackChromium();

/** The library answers the page's offer: the answer goes to the page, and the library's candidates into the list returned. */
async function answerOffer(pc: WebRTCPeerConnection, end: BrowserEnd): Promise<string[]> {
  const libraryCandidates: string[] = [];
  pc.session_description_created.connect((type, sdp) => {
    pc.set_local_description(type, sdp);
    void end.setAnswer(sdp);
  });
  pc.ice_candidate_created.connect((_media, _index, name) => libraryCandidates.push(name));
  expect(pc.set_remote_description('offer', await end.describe())).toBe(0);
  return libraryCandidates;
}

/** Answers the page's offer and trades candidates both ways until `done()` or 10 s. */
async function answerPage(pc: WebRTCPeerConnection, end: BrowserEnd, done: () => Promise<boolean>): Promise<void> {
  const libraryCandidates = await answerOffer(pc, end);
  const deadline = Date.now() + 10_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`not done within 10 s; records ${JSON.stringify(pc.get_records().slice(-5))}`);
    pc.poll();
    for (const c of libraryCandidates.splice(0)) await end.addCandidate(c);
    for (const c of await end.takeCandidates()) pc.add_ice_candidate('0', 0, c);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('Chromium as the remote', () => {
  it("opens an in-band channel towards the library: it arrives, opens, and carries data both ways", async () => {
    const end = await browserEnd(chromium, { labels: ['from-chromium'] });
    const pc = peer();
    const received: WebRTCDataChannel[] = [];
    pc.data_channel_received.connect((channel) => received.push(channel));
    await connectAndTalk(pc, () => received[0], end, await answerOffer(pc, end));
    expect(received.map((channel) => channel.get_label())).toEqual(['from-chromium']);
    await end.page.close();
  });

  it('takes an in-band channel the library opens: it arrives in the page and carries data both ways', async () => {
    const end = await browserEnd(chromium, { labels: [] });
    const pc = peer();
    const channel = pc.create_data_channel('from-library')!;
    const libraryCandidates: string[] = [];
    pc.session_description_created.connect((type, sdp) => {
      pc.set_local_description(type, sdp);
      void end.describe(sdp).then((answer) => pc.set_remote_description('answer', answer));
    });
    pc.ice_candidate_created.connect((_media, _index, name) => libraryCandidates.push(name));
    pc.create_offer();
    await pollUntil([pc], () => pc.get_signaling_state() === WebRTCPeerConnection.SIGNALING_STATE_STABLE);
    await connectAndTalk(pc, () => channel, end, libraryCandidates);
    await end.page.close();
  });

  it('three channels with 64 KiB labels of the redactor\'s worst case neither freeze the service (was 4.0 s) nor fill its records', async () => {
    const label = ('@' + 'ws:'.repeat(21_845)).slice(0, 65_000);
    const end = await browserEnd(chromium, { labels: [`${label}1`, `${label}2`, `${label}3`] });
    const pc = peer();
    const { stallMs } = await longestStall(() =>
      answerPage(pc, end, async () => pc.get_connection_state() === WebRTCPeerConnection.STATE_CONNECTED && (await end.channelStates()).every((state) => state !== 'connecting')),
    );
    for (const record of pc.get_records()) expect(JSON.stringify(record).length).toBeLessThan(2048);
    expect(stallMs).toBeLessThan(500);
    await end.page.close();
  });
});
