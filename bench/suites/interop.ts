import { createRequire } from 'node:module';
import nodeDataChannel from 'node-datachannel';
import { WebRTCPeerConnection, WebRTCDataChannel, createNodeDataChannelExtension } from '../../src/index.js';
import type { DtlsRolePolicy } from '../../src/adapters/dtls-role.js';
import { isLoopbackCandidate, now, sleep, spinUntil, tick } from '../lib/loop.js';
import { round, summarize } from '../lib/stats.js';
import type { Mode } from '../lib/mode.js';

const require = createRequire(import.meta.url);

/** The offering side of an interop pair: another stack, seen through a few callbacks. */
interface Offerer {
  offer(): Promise<string>;
  onCandidate(listener: (candidate: string) => void): void;
  setAnswer(sdp: string): Promise<void>;
  addCandidate(candidate: string): Promise<void>;
  isOpen(): boolean;
  close(): Promise<void>;
}

function w3cOfferer(pc: any): Offerer {
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
    onCandidate: (l) => (listener = l),
    setAnswer: (sdp) => pc.setRemoteDescription({ type: 'answer', sdp }),
    addCandidate: (candidate) => pc.addIceCandidate({ candidate, sdpMid: '0', sdpMLineIndex: 0 }).catch(() => {}),
    isOpen: () => channel.readyState === 'open',
    close: async () => void (await pc.close()),
  };
}

function rawOfferer(): Offerer {
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
      return pc.localDescription()!.sdp;
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

/**
 * Another stack offers, this library answers with the given dtlsRole: does the pair open, and
 * how fast. With `offerer-client` the answer says a=setup:passive whatever the offerer is; with
 * `auto` only libdatachannel offers get it.
 */
async function interopPair(makeOfferer: () => Offerer, policy: DtlsRolePolicy, timeoutMs: number): Promise<number | null> {
  WebRTCPeerConnection.set_default_extension(createNodeDataChannelExtension({ name: `interop-${policy}`, bindAddress: '127.0.0.1', dtlsRole: policy }));
  const offerer = makeOfferer();
  const answerer = new WebRTCPeerConnection();
  const channel = answerer.create_data_channel('bench', { negotiated: true, id: 1 })!;
  let answered = false;
  const held: string[] = [];
  answerer.session_description_created.connect((type, sdp) => {
    answerer.set_local_description(type, sdp);
    offerer.setAnswer(sdp).then(() => {
      answered = true;
      for (const c of held.splice(0)) void offerer.addCandidate(c);
    }, (error) => console.error('interop: the offerer rejected the answer', String(error)));
  });
  answerer.ice_candidate_created.connect((_media, _index, name) => (answered ? void offerer.addCandidate(name) : held.push(name)));
  let remoteSet = false;
  const early: string[] = [];
  offerer.onCandidate((c) => (remoteSet ? answerer.add_ice_candidate('0', 0, c.replace(/^a=/, '')) : early.push(c)));
  const t0 = now();
  const offer = await offerer.offer();
  answerer.set_remote_description('offer', offer);
  remoteSet = true;
  for (const c of early.splice(0)) answerer.add_ice_candidate('0', 0, c.replace(/^a=/, ''));
  const ok = await spinUntil(() => {
    answerer.poll();
    return offerer.isOpen() && channel.get_ready_state() === WebRTCDataChannel.STATE_OPEN;
  }, timeoutMs);
  const t = now() - t0;
  answerer.close();
  await offerer.close();
  await sleep(5);
  return ok ? t : null;
}

export async function interopSuite(mode: Mode) {
  const { RTCPeerConnection: Wrtc } = require('@roamhq/wrtc');
  const { RTCPeerConnection: Werift } = (await import('werift')) as any;
  const offerers: Array<[string, () => Offerer]> = [
    ['node-datachannel', rawOfferer],
    ['@roamhq/wrtc', () => w3cOfferer(new Wrtc({ iceServers: [] }))],
    ['werift', () => w3cOfferer(new Werift({ iceServers: [], iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'], iceInterfaceAddresses: { udp4: '127.0.0.1' } }))],
  ];
  const policies: DtlsRolePolicy[] = ['stack', 'auto', 'offerer-client'];
  const n = mode.name === 'full' ? 30 : 8;
  const rows = [];
  for (const [name, make] of offerers) {
    for (const policy of policies) {
      const times: number[] = [];
      let failed = 0;
      for (let i = 0; i < n; i++) {
        const t = await interopPair(make, policy, 4000);
        if (t === null) failed++;
        else times.push(t);
      }
      const s = summarize(times);
      rows.push({ offerer: name, answerer: `library, dtlsRole ${policy}`, runs: n, opened: times.length, failed, medianMs: round(s.median), maxMs: round(s.max), over500ms: times.filter((t) => t > 500).length });
    }
    process.stderr.write(`  interop: ${name} done\n`);
  }
  return { rows };
}
