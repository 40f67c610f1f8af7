import { createRequire } from 'node:module';
import { isLoopbackCandidate, now, spinUntil, tick } from '../lib/loop.js';
import type { ConnectedPair, StackUnderTest } from './types.js';

const require = createRequire(import.meta.url);

/** The W3C API as @roamhq/wrtc (libwebrtc) and werift give it, the parts the benches use. */
interface W3CChannel {
  readyState: string;
  bufferedAmount: number;
  binaryType: string;
  onmessage: ((event: { data: ArrayBuffer | Buffer | string }) => void) | null;
  send(data: Uint8Array): void;
}
interface W3CConnection {
  createDataChannel(label: string, options: object): W3CChannel;
  createOffer(): Promise<{ type: string; sdp: string }>;
  createAnswer(): Promise<{ type: string; sdp: string }>;
  setLocalDescription(description: object): Promise<void>;
  setRemoteDescription(description: object): Promise<void>;
  addIceCandidate(candidate: object): Promise<void>;
  onicecandidate: ((event: { candidate: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null } | null }) => void) | null;
  close(): void | Promise<void>;
}

/**
 * A W3C RTCPeerConnection pair: offer and answer exchanged as soon as each promise resolves,
 * trickled candidates filtered to udp on 127.0.0.1 and held until the remote description is set.
 */
export function w3cStack(name: string, make: () => W3CConnection): StackUnderTest {
  return {
    name,
    async connect({ timeoutMs }) {
      const a = make();
      const b = make();
      const ca = a.createDataChannel('bench', { negotiated: true, id: 1 });
      const cb = b.createDataChannel('bench', { negotiated: true, id: 1 });
      ca.binaryType = cb.binaryType = 'arraybuffer';
      let received = 0;
      cb.onmessage = (event) => {
        const data = event.data;
        received += typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
      };
      const ready = { a: false, b: false };
      const held = { a: [] as object[], b: [] as object[] };
      const forward = (to: 'a' | 'b', pc: W3CConnection) => (event: Parameters<NonNullable<W3CConnection['onicecandidate']>>[0]) => {
        const candidate = event.candidate;
        if (!candidate || !isLoopbackCandidate(candidate.candidate) || !/ udp /i.test(candidate.candidate)) return;
        const init = { candidate: candidate.candidate, sdpMid: candidate.sdpMid ?? '0', sdpMLineIndex: candidate.sdpMLineIndex ?? 0 };
        if (ready[to]) pc.addIceCandidate(init).catch(() => {});
        else held[to].push(init);
      };
      a.onicecandidate = forward('b', b);
      b.onicecandidate = forward('a', a);
      const flush = (to: 'a' | 'b', pc: W3CConnection) => {
        ready[to] = true;
        for (const init of held[to].splice(0)) pc.addIceCandidate(init).catch(() => {});
      };
      const t0 = now();
      const signaling = (async () => {
        const offer = await a.createOffer();
        await a.setLocalDescription(offer);
        await b.setRemoteDescription(offer);
        flush('b', b);
        const answer = await b.createAnswer();
        await b.setLocalDescription(answer);
        await a.setRemoteDescription(answer);
        flush('a', a);
      })().catch((error) => console.error(`${name}: signaling failed`, error));
      const open = await spinUntil(() => ca.readyState === 'open' && cb.readyState === 'open', timeoutMs);
      const setupMs = now() - t0;
      await signaling;
      const close = async () => {
        await a.close();
        await b.close();
        await tick();
      };
      if (!open) {
        await close();
        return null;
      }
      return {
        setupMs,
        send: (data) => ca.send(data),
        buffered: () => ca.bufferedAmount,
        drain: () => {
          const bytes = received;
          received = 0;
          return bytes;
        },
        poll: () => {},
        close,
      } satisfies ConnectedPair;
    },
  };
}

export function wrtcStack(): StackUnderTest {
  const { RTCPeerConnection } = require('@roamhq/wrtc') as { RTCPeerConnection: new (config: object) => W3CConnection };
  return w3cStack('@roamhq/wrtc', () => new RTCPeerConnection({ iceServers: [] }));
}

export async function weriftStack(): Promise<StackUnderTest> {
  const { RTCPeerConnection } = (await import('werift')) as unknown as { RTCPeerConnection: new (config: object) => W3CConnection };
  return w3cStack('werift', () => new RTCPeerConnection({ iceServers: [], iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'], iceInterfaceAddresses: { udp4: '127.0.0.1' } }));
}
