/**
 * Setup time with in-band (DCEP) channels between this library (default setup order) and
 * werift, @roamhq/wrtc or raw node-datachannel, in one process, each side offering: both ends
 * open a channel before the offer, and a pair counts as set up when all four channel ends are
 * open. `npx tsx bench/in-band-setup.ts [pairs=30]`; prints a markdown table.
 */
import { createRequire } from 'node:module';
import nodeDataChannel from 'node-datachannel';
import { WebRTCDataChannel, WebRTCPeerConnection, createNodeDataChannelExtension } from '../src/index.js';
import { isLoopbackCandidate, now, sleep, spinUntil } from './lib/loop.js';
import { round, summarize } from './lib/stats.js';

const require = createRequire(import.meta.url);
const TIMEOUT_MS = 4000;

/** The other stack's end: its description handling and whether its two channel ends are open. */
interface OtherEnd {
  offer(): Promise<string>;
  answer(offer: string): Promise<string>;
  setAnswer(sdp: string): Promise<void>;
  addCandidate(candidate: string): void;
  onCandidate(listener: (candidate: string) => void): void;
  bothOpen(): boolean;
  close(): Promise<void>;
}

const withoutCandidates = (sdp: string) => sdp.split('\r\n').filter((line) => !line.startsWith('a=candidate') && line !== 'a=end-of-candidates').join('\r\n');

function w3cEnd(pc: any): OtherEnd {
  const channels = [pc.createDataChannel('other')];
  pc.ondatachannel = ({ channel }: { channel: unknown }) => channels.push(channel);
  let listener: (candidate: string) => void = () => {};
  pc.onicecandidate = ({ candidate }: any) => {
    if (candidate && isLoopbackCandidate(candidate.candidate) && / udp /i.test(candidate.candidate)) listener(candidate.candidate);
  };
  const describe = async (type: 'offer' | 'answer') => {
    await pc.setLocalDescription(type === 'offer' ? await pc.createOffer() : await pc.createAnswer());
    return withoutCandidates(pc.localDescription.sdp);
  };
  return {
    offer: () => describe('offer'),
    async answer(offer) {
      await pc.setRemoteDescription({ type: 'offer', sdp: offer });
      return describe('answer');
    },
    setAnswer: (sdp) => pc.setRemoteDescription({ type: 'answer', sdp }),
    addCandidate: (candidate) => void pc.addIceCandidate({ candidate, sdpMid: '0', sdpMLineIndex: 0 }).catch(() => {}),
    onCandidate: (l) => (listener = l),
    bothOpen: () => channels.length === 2 && channels.every((channel) => channel.readyState === 'open'),
    close: async () => void (await pc.close()),
  };
}

function rawEnd(): OtherEnd {
  const pc = new nodeDataChannel.PeerConnection('in-band', { iceServers: [], disableAutoNegotiation: true, bindAddress: '127.0.0.1' });
  pc.onStateChange(() => {});
  let opened = 0;
  const channels = [pc.createDataChannel('other')];
  channels[0]!.onOpen(() => opened++);
  pc.onDataChannel((channel) => {
    channels.push(channel);
    opened++;
  });
  let listener: (candidate: string) => void = () => {};
  pc.onLocalCandidate((candidate) => setImmediate(() => listener(candidate)));
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
    setAnswer: async (sdp) => pc.setRemoteDescription(sdp, 'answer'),
    addCandidate(candidate) {
      try {
        pc.addRemoteCandidate(candidate, '0');
      } catch {
        /* a candidate after end-of-candidates */
      }
    },
    onCandidate: (l) => (listener = l),
    bothOpen: () => opened === 2,
    close: async () => {
      pc.close();
      await sleep(1);
    },
  };
}

/** One pair: ms from the offer to all four channel ends open, or null. */
async function pair(other: OtherEnd, libraryOffers: boolean): Promise<number | null> {
  const pc = new WebRTCPeerConnection();
  const ours = pc.create_data_channel('library')!;
  const theirs: WebRTCDataChannel[] = [];
  pc.data_channel_received.connect((channel) => theirs.push(channel));
  let otherReady = false;
  let libraryReady = false;
  const toOther: string[] = [];
  const toLibrary: string[] = [];
  const giveLibrary = (c: string) => (libraryReady ? pc.add_ice_candidate('0', 0, c.replace(/^a=/, '')) : toLibrary.push(c));
  const otherGotRemote = () => ((otherReady = true), toOther.splice(0).forEach((c) => other.addCandidate(c)));
  const libraryGotRemote = () => ((libraryReady = true), toLibrary.splice(0).forEach(giveLibrary));
  pc.ice_candidate_created.connect((_mid, _index, c) => (otherReady ? other.addCandidate(c) : toOther.push(c)));
  other.onCandidate(giveLibrary);
  pc.session_description_created.connect((type, sdp) => {
    pc.set_local_description(type, sdp);
    const delivered = type === 'offer' ? other.answer(sdp).then((answer) => (otherGotRemote(), pc.set_remote_description('answer', answer), libraryGotRemote())) : other.setAnswer(sdp).then(otherGotRemote);
    delivered.catch((error) => console.error(`the other end rejected the ${type}`, String(error)));
  });
  const t0 = now();
  if (libraryOffers) pc.create_offer();
  else {
    pc.set_remote_description('offer', await other.offer());
    libraryGotRemote();
  }
  const open = (channel: WebRTCDataChannel | undefined) => channel?.get_ready_state() === WebRTCDataChannel.STATE_OPEN;
  const ok = await spinUntil(() => {
    pc.poll();
    return open(ours) && open(theirs[0]) && other.bothOpen();
  }, TIMEOUT_MS);
  const ms = now() - t0;
  pc.close();
  await other.close();
  await sleep(5);
  return ok ? ms : null;
}

WebRTCPeerConnection.set_default_extension(createNodeDataChannelExtension({ name: 'in-band-bench', bindAddress: '127.0.0.1' }));
const { RTCPeerConnection: Wrtc } = require('@roamhq/wrtc');
const { RTCPeerConnection: Werift } = (await import('werift')) as any;
const stacks: Array<[string, () => OtherEnd]> = [
  ['werift', () => w3cEnd(new Werift({ iceServers: [], iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'], iceInterfaceAddresses: { udp4: '127.0.0.1' } }))],
  ['@roamhq/wrtc', () => w3cEnd(new Wrtc({ iceServers: [] }))],
  ['node-datachannel', rawEnd],
];
const n = Number(process.argv[2] ?? 30);
console.log('| offerer | answerer | opened | median ms | p95 | max | > 500 ms |\n|---|---|---|---|---|---|---|');
for (const [name, make] of stacks) {
  for (const libraryOffers of [false, true]) {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const ms = await pair(make(), libraryOffers);
      if (ms !== null) times.push(ms);
    }
    const s = summarize(times);
    const [offerer, answerer] = libraryOffers ? ['library', name] : [name, 'library'];
    console.log(`| ${offerer} | ${answerer} | ${times.length}/${n} | ${round(s.median)} | ${round(s.p95)} | ${round(s.max)} | ${times.filter((t) => t > 500).length} |`);
  }
}
process.exit(0);
