import { describe, expect, it } from 'vitest';
import { peer, pollUntil, wire, bothOpen, loopbackExtension } from './support/loopback.js';
import { WebRTCPeerConnection, createNodeDataChannelExtension } from '../src/index.js';
import { answersPassive, asActiveOffer, isLibdatachannelOffer, offersActpass } from '../src/adapters/dtls-role.js';

const LIBDATACHANNEL_OFFER = ['v=0', 'o=rtc 1193030189 0 IN IP4 127.0.0.1', 's=-', 't=0 0', 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'a=mid:0', 'a=setup:actpass', ''].join('\r\n');
const LIBWEBRTC_OFFER = LIBDATACHANNEL_OFFER.replace('o=rtc 1193030189 0', 'o=- 2322233598800015521 2');

describe('dtlsRole: the SDP side', () => {
  it('knows a libdatachannel offer by its origin line', () => {
    expect(isLibdatachannelOffer(LIBDATACHANNEL_OFFER)).toBe(true);
    expect(isLibdatachannelOffer(LIBWEBRTC_OFFER)).toBe(false);
  });

  it('answers passive per policy, and only to an actpass offer', () => {
    expect(answersPassive('stack', LIBDATACHANNEL_OFFER)).toBe(false);
    expect(answersPassive('auto', LIBDATACHANNEL_OFFER)).toBe(true);
    expect(answersPassive('auto', LIBWEBRTC_OFFER)).toBe(false);
    expect(answersPassive('offerer-client', LIBWEBRTC_OFFER)).toBe(true);
    const active = asActiveOffer(LIBDATACHANNEL_OFFER);
    expect(offersActpass(active)).toBe(false);
    expect(answersPassive('offerer-client', active)).toBe(false);
  });

  it('changes only the setup lines of the offer it applies', () => {
    const active = asActiveOffer(LIBDATACHANNEL_OFFER);
    expect(active).toBe(LIBDATACHANNEL_OFFER.replace('a=setup:actpass', 'a=setup:active'));
  });
});

/** The answer the answerer of a freshly connected loopback pair sent (its channels open). */
async function answerOfOpenPair(): Promise<string[]> {
  const offerer = peer();
  const answerer = peer();
  const ch1 = offerer.create_data_channel('chat', { negotiated: true, id: 1 })!;
  const ch2 = answerer.create_data_channel('chat', { negotiated: true, id: 1 })!;
  const answers: string[] = [];
  answerer.session_description_created.connect((type, sdp) => type === 'answer' && answers.push(sdp));
  wire(offerer, answerer);
  offerer.create_offer();
  await pollUntil([offerer, answerer], () => bothOpen(ch1, ch2));
  return answers;
}

describe('dtlsRole over loopback', () => {
  it("with dtlsRole 'auto' the answerer answers passive and the pair opens", async () => {
    WebRTCPeerConnection.set_default_extension(createNodeDataChannelExtension({ name: 'dtls-auto', bindAddress: '127.0.0.1', dtlsRole: 'auto' }));
    try {
      const answers = await answerOfOpenPair();
      expect(answers).toHaveLength(1);
      expect(answers[0]).toMatch(/^a=setup:passive/m);
    } finally {
      WebRTCPeerConnection.set_default_extension(loopbackExtension);
    }
  });

  it("by default (dtlsRole 'stack') the answerer answers active, as libdatachannel does", async () => {
    const answers = await answerOfOpenPair();
    expect(answers[0]).toMatch(/^a=setup:active/m);
  });
});
