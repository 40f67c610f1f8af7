import { createRequire } from 'node:module';
import nodeDataChannel from 'node-datachannel';
import { WebRTCPeerConnection, WebRTCDataChannel, createNodeDataChannelExtension } from '../../src/index.js';
import type { SetupOrder } from '../../src/adapters/setup-order.js';
import { isLoopbackCandidate, now, sleep, spinUntil, tick } from '../lib/loop.js';
import { round, summarize } from '../lib/stats.js';
import type { Mode } from '../lib/mode.js';

const require = createRequire(import.meta.url);

/** The other stack of an interop pair, seen through a few callbacks, offering or answering. */
interface OtherEnd {
  offer(): Promise<string>;
  answer(offer: string): Promise<string>;
  onCandidate(listener: (candidate: string) => void): void;
  setAnswer(sdp: string): Promise<void>;
  addCandidate(candidate: string): Promise<void>;
  isOpen(): boolean;
  close(): Promise<void>;
}

function w3cEnd(pc: any): OtherEnd {
  const channel = pc.createDataChannel('bench', { negotiated: true, id: 1 });
  let listener: (candidate: string) => void = () => {};
  pc.onicecandidate = (event: any) => {
    const c = event.candidate?.candidate as string | undefined;
    if (c && isLoopbackCandidate(c) && / udp /i.test(c)) listener(c);
  };
  return {
    async offer() {
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      return offer.sdp as string;
    },
    async answer(offer) {
      await pc.setRemoteDescription({ type: 'offer', sdp: offer });
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      return answer.sdp as string;
    },
    onCandidate: (l) => (listener = l),
    setAnswer: (sdp) => pc.setRemoteDescription({ type: 'answer', sdp }),
    addCandidate: (candidate) => pc.addIceCandidate({ candidate, sdpMid: '0', sdpMLineIndex: 0 }).catch(() => {}),
    isOpen: () => channel.readyState === 'open',
    close: async () => void (await pc.close()),
  };
}

const withoutCandidates = (sdp: string) => sdp.split('\r\n').filter((line) => !line.startsWith('a=candidate') && line !== 'a=end-of-candidates').join('\r\n');

function rawEnd(): OtherEnd {
  const pc = new nodeDataChannel.PeerConnection('interop', { iceServers: [], disableAutoNegotiation: true, bindAddress: '127.0.0.1' });
  pc.onStateChange(() => {});
  const dc = pc.createDataChannel('bench', { negotiated: true, id: 1 });
  let open = false;
  dc.onOpen(() => (open = true));
  dc.onClosed(() => {});
  let listener: (candidate: string) => void = () => {};
  pc.onLocalCandidate((c) => setImmediate(() => listener(c)));
  return {
    async offer() {
      pc.setLocalDescription('offer');
      return withoutCandidates(pc.localDescription()!.sdp);
    },
    async answer(offer) {
      pc.setRemoteDescription(offer, 'offer');
      pc.setLocalDescription('answer');
      return withoutCandidates(pc.localDescription()!.sdp);
    },
    onCandidate: (l) => (listener = l),
    setAnswer: async (sdp) => pc.setRemoteDescription(sdp, 'answer'),
    addCandidate: async (candidate) => {
      try {
        pc.addRemoteCandidate(candidate, '0');
      } catch {
        /* a candidate after end-of-candidates */
      }
    },
    // Reading dc here keeps the native channel referenced: a collected one never opens.
    isOpen: () => open && dc.isOpen(),
    close: async () => {
      pc.close();
      await tick();
    },
  };
}

function libraryEnd(order: SetupOrder) {
  WebRTCPeerConnection.set_default_extension(createNodeDataChannelExtension({ name: `interop-${order}`, bindAddress: '127.0.0.1', setupOrder: order }));
  const pc = new WebRTCPeerConnection();
  const channel = pc.create_data_channel('bench', { negotiated: true, id: 1 })!;
  return { pc, isOpen: () => channel.get_ready_state() === WebRTCDataChannel.STATE_OPEN };
}

/**
 * One pair between this library (with the given setup order) and another stack, the library
 * offering or answering; signals forwarded as soon as they come (the library's at each poll):
 * the setup time in ms, or null if the channels did not open.
 */
async function interopPair(makeOther: () => OtherEnd, order: SetupOrder, libraryOffers: boolean, timeoutMs: number): Promise<number | null> {
  const other = makeOther();
  const library = libraryEnd(order);
  const { pc } = library;
  // Candidates wait until their receiver has a remote description.
  let otherHasRemote = false;
  let libraryHasRemote = false;
  const toOther: string[] = [];
  const toLibrary: string[] = [];
  const giveOther = (c: string) => (otherHasRemote ? void other.addCandidate(c) : toOther.push(c));
  const giveLibrary = (c: string) => (libraryHasRemote ? pc.add_ice_candidate('0', 0, c.replace(/^a=/, '')) : toLibrary.push(c));
  const otherGotRemote = () => {
    otherHasRemote = true;
    for (const c of toOther.splice(0)) void other.addCandidate(c);
  };
  const libraryGotRemote = () => {
    libraryHasRemote = true;
    for (const c of toLibrary.splice(0)) pc.add_ice_candidate('0', 0, c.replace(/^a=/, ''));
  };
  pc.ice_candidate_created.connect((_media, _index, name) => giveOther(name));
  other.onCandidate(giveLibrary);
  pc.session_description_created.connect((type, sdp) => {
    pc.set_local_description(type, sdp);
    const delivered = type === 'offer' ? other.answer(sdp).then((answer) => (otherGotRemote(), pc.set_remote_description('answer', answer), libraryGotRemote())) : other.setAnswer(sdp).then(otherGotRemote);
    delivered.catch((error) => console.error(`interop: the other end rejected the ${type}`, String(error)));
  });
  const t0 = now();
  if (libraryOffers) pc.create_offer();
  else {
    pc.set_remote_description('offer', await other.offer());
    libraryGotRemote();
  }
  const ok = await spinUntil(() => {
    pc.poll();
    return other.isOpen() && library.isOpen();
  }, timeoutMs);
  const t = now() - t0;
  pc.close();
  await other.close();
  await sleep(5);
  return ok ? t : null;
}

export async function interopSuite(mode: Mode) {
  const { RTCPeerConnection: Wrtc } = require('@roamhq/wrtc');
  const { RTCPeerConnection: Werift } = (await import('werift')) as any;
  const others: Array<[string, () => OtherEnd]> = [
    ['node-datachannel', rawEnd],
    ['@roamhq/wrtc', () => w3cEnd(new Wrtc({ iceServers: [] }))],
    ['werift', () => w3cEnd(new Werift({ iceServers: [], iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'], iceInterfaceAddresses: { udp4: '127.0.0.1' } }))],
  ];
  const orders: SetupOrder[] = ['auto', 'stack'];
  const n = mode.name === 'full' ? 30 : 8;
  const rows = [];
  for (const [name, make] of others) {
    for (const libraryOffers of [false, true]) {
      for (const order of orders) {
        const times: number[] = [];
        let failed = 0;
        for (let i = 0; i < n; i++) {
          const t = await interopPair(make, order, libraryOffers, 4000);
          if (t === null) failed++;
          else times.push(t);
        }
        const s = summarize(times);
        const library = `library, setupOrder ${order}`;
        rows.push({ offerer: libraryOffers ? library : name, answerer: libraryOffers ? name : library, runs: n, opened: times.length, failed, medianMs: round(s.median), maxMs: round(s.max), over500ms: times.filter((t) => t > 500).length });
      }
    }
    process.stderr.write(`  interop: ${name} done\n`);
  }
  return { rows };
}
