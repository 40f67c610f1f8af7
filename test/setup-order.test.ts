import nodeDataChannel from 'node-datachannel';
import { describe, expect, it, vi } from 'vitest';
import { peer, pollUntil, bothOpen, stackOrderExtension, withExtension } from './support/loopback.js';
import { WebRTCPeerConnection, WebRTCDataChannel, createNodeDataChannelExtension } from '../src/index.js';
import { OFFERER_FIRST_ATTRIBUTE, answersPassive, asActiveOffer, dtlsRoleStack, isOffererFirst, markOffererFirst, offersActpass, SignalHold } from '../src/adapters/setup-order.js';

const OFFER = ['v=0', 'o=rtc 1193030189 0 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0', 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'a=mid:0', 'a=setup:actpass', ''].join('\r\n');

describe('setup order: the SDP side', () => {
  it('marks an offer as offerer-first in its session section, once', () => {
    const marked = markOffererFirst(OFFER);
    expect(isOffererFirst(OFFER)).toBe(false);
    expect(isOffererFirst(marked)).toBe(true);
    const lines = marked.split('\r\n');
    expect(lines.indexOf(OFFERER_FIRST_ATTRIBUTE)).toBe(lines.findIndex((line) => line.startsWith('m=')) - 1);
    expect(markOffererFirst(marked)).toBe(marked);
    expect(marked.replace(`${OFFERER_FIRST_ATTRIBUTE}\r\n`, '')).toBe(OFFER);
  });

  it("answers passive under 'auto' to a libwebrtc actpass offer that is not offerer-first, never under 'stack'", () => {
    const browser = OFFER.replace(/^o=.*$/m, 'o=- 3399586674761169175 2 IN IP4 127.0.0.1');
    expect(answersPassive('auto', browser)).toBe(true);
    expect(answersPassive('auto', markOffererFirst(browser))).toBe(false);
    expect(answersPassive('stack', browser)).toBe(false);
    const active = asActiveOffer(browser);
    expect(offersActpass(active)).toBe(false);
    expect(answersPassive('auto', active)).toBe(false);
    // libdatachannel's (this OFFER) is answered active: its early fingerprint check (bench/setup-race.ts).
    expect(answersPassive('auto', OFFER)).toBe(false);
  });

  it('answers passive only to stacks whose stream ids follow their DTLS role, known by their origin line, libdatachannel excepted', () => {
    // The origin lines as each stack writes them (werift 0.24.4, @roamhq/wrtc, libdatachannel 0.24.5, Chromium, Firefox).
    const withOrigin = (origin: string) => OFFER.replace(/^o=.*$/m, origin);
    const origins: Array<[string, string | null]> = [
      ['o=rtc 882274294 0 IN IP4 127.0.0.1', 'libdatachannel'],
      ['o=- 3399586674761169175 2 IN IP4 127.0.0.1', 'libwebrtc'],
      ['o=mozilla...THIS_IS_SDPARTA-128.0 3108213925393946023 0 IN IP4 0.0.0.0', 'Firefox'],
      ['o=- 47688348 0 IN IP4 0.0.0.0', null],
      ['o=- 3926880938 3926880938 IN IP4 0.0.0.0', null],
      ['o=rtc 882274294 0 IN IP4 0.0.0.0', null],
    ];
    for (const [origin, stack] of origins) {
      expect(dtlsRoleStack(withOrigin(origin)), origin).toBe(stack);
      expect(answersPassive('auto', withOrigin(origin)), origin).toBe(stack !== null && stack !== 'libdatachannel');
    }
    expect(dtlsRoleStack(OFFER.replace(/^o=.*\r\n/m, ''))).toBe(null);
  });

  it('changes only the setup lines of the offer it applies', () => {
    expect(asActiveOffer(OFFER)).toBe(OFFER.replace('a=setup:actpass', 'a=setup:active'));
  });
});

/** A pair with a negotiated channel each, and what each side emitted, in order. */
function tracedPair() {
  const offerer = peer();
  const answerer = peer();
  const channels = [offerer.create_data_channel('chat', { negotiated: true, id: 1 })!, answerer.create_data_channel('chat', { negotiated: true, id: 1 })!] as const;
  const offers: string[] = [];
  const answers: string[] = [];
  const offererCandidates: Array<{ at: number; media: string; index: number; name: string }> = [];
  offerer.session_description_created.connect((type, sdp) => type === 'offer' && offers.push(sdp));
  answerer.session_description_created.connect((type, sdp) => type === 'answer' && answers.push(sdp));
  offerer.ice_candidate_created.connect((media, index, name) => offererCandidates.push({ at: performance.now(), media, index, name }));
  return { offerer, answerer, channels, offers, answers, offererCandidates };
}

describe("setup order 'auto' (the default) over loopback", () => {
  it('the offerer keeps its candidates until it has the answer and its ICE has connected; the pair opens', async () => {
    const { offerer, answerer, channels, offers, answers, offererCandidates } = tracedPair();
    offerer.session_description_created.connect((type, sdp) => offerer.set_local_description(type, sdp));
    offerer.create_offer();
    await pollUntil([offerer], () => offerer.get_gathering_state() === WebRTCPeerConnection.GATHERING_STATE_COMPLETE && offers.length === 1);
    for (let i = 0; i < 10; i++) {
      offerer.poll();
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(offererCandidates).toHaveLength(0);
    expect(isOffererFirst(offers[0]!)).toBe(true);

    // From here on, wired as the docs do.
    answerer.session_description_created.connect((type, sdp) => answerer.set_local_description(type, sdp));
    answerer.session_description_created.connect((type, sdp) => offerer.set_remote_description(type, sdp));
    answerer.ice_candidate_created.connect((media, index, name) => offerer.add_ice_candidate(media, index, name));
    offerer.ice_candidate_created.connect((media, index, name) => answerer.add_ice_candidate(media, index, name));
    expect(answerer.set_remote_description('offer', offers[0]!)).toBe(0);
    await pollUntil([offerer, answerer], () => bothOpen(...channels));
    expect(offererCandidates.length).toBeGreaterThan(0);
    // An offerer-first offer is answered as libdatachannel answers: active.
    expect(answers[0]).toMatch(/^a=setup:active/m);
  });

  it('the offerer lets its candidates go after holdMs when its own checks cannot connect, and the pair still opens', async () => {
    await withExtension(createNodeDataChannelExtension({ name: 'order-hold', bindAddress: '127.0.0.1', holdMs: 40 }), async () => {
      const { offerer, answerer, channels, offererCandidates } = tracedPair();
      let answerApplied = 0;
      offerer.session_description_created.connect((type, sdp) => {
        offerer.set_local_description(type, sdp);
        answerer.set_remote_description(type, sdp);
      });
      answerer.session_description_created.connect((type, sdp) => {
        answerer.set_local_description(type, sdp);
        // Stamped before: the hold's deadline is set inside set_remote_description, which can take ms on a loaded machine.
        answerApplied = performance.now();
        offerer.set_remote_description(type, sdp);
      });
      // The answerer's candidates never reach the offerer: only the answerer can check.
      offerer.ice_candidate_created.connect((media, index, name) => answerer.add_ice_candidate(media, index, name));
      offerer.create_offer();
      await pollUntil([offerer, answerer], () => bothOpen(...channels));
      expect(answerApplied).toBeGreaterThan(0);
      expect(offererCandidates[0]!.at - answerApplied).toBeGreaterThanOrEqual(39);
    });
  });

  it('an offerer that takes a remote offer instead (glare) answers at once, its held candidates first', async () => {
    const { offerer, offers, offererCandidates } = tracedPair();
    offerer.session_description_created.connect((type, sdp) => type === 'offer' && offerer.set_local_description(type, sdp));
    const answers: string[] = [];
    offerer.session_description_created.connect((type) => type === 'answer' && answers.push(type));
    offerer.create_offer();
    await pollUntil([offerer], () => offerer.get_gathering_state() === WebRTCPeerConnection.GATHERING_STATE_COMPLETE && offers.length === 1);
    offerer.poll();
    expect(offererCandidates).toHaveLength(0);

    const other = peer();
    other.create_data_channel('chat', { negotiated: true, id: 1 });
    let otherOffer = '';
    other.session_description_created.connect((_type, sdp) => (otherOffer = sdp));
    other.create_offer();
    other.poll();
    expect(offerer.set_remote_description('offer', otherOffer)).toBe(0);
    offerer.poll();
    expect(answers).toEqual(['answer']);
    expect(offererCandidates.length).toBeGreaterThan(0);
  });

  /**
   * A raw libdatachannel offerer answered by this library; `origin` (when given) replaces the offer's
   * `o=` line as this end sees it. `afterOffer` runs once the offer is applied and polled, before
   * this end has any of the offerer's candidates; the answers are returned once the pair is open.
   */
  async function answerRawOffer(origin: string | null, afterOffer: (answers: string[]) => void): Promise<string[]> {
    const raw = new nodeDataChannel.PeerConnection('raw-offerer', { iceServers: [], disableAutoNegotiation: true, bindAddress: '127.0.0.1' });
    raw.onStateChange(() => {});
    const rawChannel = raw.createDataChannel('chat', { negotiated: true, id: 1 });
    let rawOpen = false;
    rawChannel.onOpen(() => (rawOpen = true));
    const rawCandidates: string[] = [];
    raw.onLocalCandidate((candidate) => rawCandidates.push(candidate));
    try {
      const answerer = peer();
      const channel = answerer.create_data_channel('chat', { negotiated: true, id: 1 })!;
      const answers: string[] = [];
      answerer.session_description_created.connect((type, sdp) => {
        answerer.set_local_description(type, sdp);
        answers.push(sdp);
        setImmediate(() => raw.setRemoteDescription(sdp, 'answer'));
      });
      answerer.ice_candidate_created.connect((_media, _index, name) => setImmediate(() => raw.addRemoteCandidate(name, '0')));
      raw.setLocalDescription('offer');
      const offer = raw.localDescription()!.sdp.split('\r\n').filter((line) => !line.startsWith('a=candidate') && line !== 'a=end-of-candidates').join('\r\n');
      expect(dtlsRoleStack(offer)).toBe('libdatachannel');
      expect(answerer.set_remote_description('offer', origin === null ? offer : offer.replace(/^o=.*$/m, origin))).toBe(0);
      answerer.poll();
      afterOffer(answers);
      await pollUntil([answerer], () => rawCandidates.length > 0);
      for (const candidate of rawCandidates) expect(answerer.add_ice_candidate('0', 0, candidate)).toBe(0);
      await pollUntil([answerer], () => rawOpen && channel.get_ready_state() === WebRTCDataChannel.STATE_OPEN);
      return answers;
    } finally {
      rawChannel.close();
      raw.close();
    }
  }

  it('answers a raw libdatachannel offerer as libdatachannel does: active, at once, and the pair opens', async () => {
    const answers = await answerRawOffer(null, (early) => {
      // Not held: the answer goes before this end has checked anyone (it has none of the offerer's candidates yet).
      expect(early).toHaveLength(1);
      expect(early[0]).toMatch(/^a=setup:active/m);
    });
    expect(answers).toHaveLength(1);
  });

  it("answers passive to a libwebrtc offer and holds the answer until its ICE has connected (a raw offerer shown as libwebrtc's)", async () => {
    const answers = await answerRawOffer('o=- 3399586674761169175 2 IN IP4 127.0.0.1', (early) => {
      // Held: the answerer has not checked the offerer yet (it has none of its candidates).
      expect(early).toHaveLength(0);
    });
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatch(/^a=setup:passive/m);
  });
});

describe('setup order with holdMs 0', () => {
  it('holds nothing and does not say offerer-first', async () => {
    await withExtension(createNodeDataChannelExtension({ name: 'order-no-hold', bindAddress: '127.0.0.1', holdMs: 0 }), async () => {
      const { offerer, offers, offererCandidates } = tracedPair();
      offerer.session_description_created.connect((type, sdp) => offerer.set_local_description(type, sdp));
      offerer.create_offer();
      await pollUntil([offerer], () => offererCandidates.length > 0);
      expect(isOffererFirst(offers[0]!)).toBe(false);
    });
  });
});

describe("setup order 'stack'", () => {
  it('sends candidates at once, marks nothing, and answers active', async () => {
    await withExtension(stackOrderExtension, async () => {
      const { offerer, answerer, channels, offers, answers, offererCandidates } = tracedPair();
      offerer.session_description_created.connect((type, sdp) => offerer.set_local_description(type, sdp));
      offerer.create_offer();
      await pollUntil([offerer], () => offererCandidates.length > 0);
      expect(isOffererFirst(offers[0]!)).toBe(false);
      answerer.session_description_created.connect((type, sdp) => {
        answerer.set_local_description(type, sdp);
        offerer.set_remote_description(type, sdp);
      });
      answerer.ice_candidate_created.connect((media, index, name) => offerer.add_ice_candidate(media, index, name));
      expect(answerer.set_remote_description('offer', offers[0]!)).toBe(0);
      for (const { media, index, name } of offererCandidates) expect(answerer.add_ice_candidate(media, index, name)).toBe(0);
      await pollUntil([offerer, answerer], () => bothOpen(...channels));
      expect(answers[0]).toMatch(/^a=setup:active/m);
    });
  });
});

describe('SignalHold (what the event dispatch waits on)', () => {
  it('reports its release once: by release(), or at the deadline even when the timer fires before performance.now() reaches it', async () => {
    let released = 0;
    const hold = new SignalHold(() => released++);
    hold.hold();
    hold.release();
    hold.release();
    expect(released).toBe(1);
    // From the arming on, a clock 3 ms behind the timers: its timer fires before performance.now() reaches the deadline.
    const now = performance.now.bind(performance);
    let lag = 0;
    const spy = vi.spyOn(performance, 'now').mockImplementation(() => now() - lag);
    try {
      hold.hold();
      hold.arm(5);
      lag = 3;
      expect(hold.held).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(released).toBe(2);
      expect(hold.held).toBe(false);
      lag = 0;
      // Armed and released before the deadline: once, not twice.
      hold.hold();
      hold.arm(5);
      hold.release();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(released).toBe(3);
    } finally {
      spy.mockRestore();
    }
  });
});
