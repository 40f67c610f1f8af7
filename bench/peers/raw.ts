import nodeDataChannel from 'node-datachannel';
import type { DataChannel, PeerConnection } from 'node-datachannel';
import { asActiveOffer, DEFAULT_HOLD_MS } from '../../src/adapters/setup-order.js';
import { now, tick } from '../lib/loop.js';
import type { ConnectedPair, StackUnderTest } from './types.js';

/** Native channels must stay referenced until they close (a collected one crashes cleanup(), and loses its open event). */
const live = new Set<DataChannel>();

/**
 * How raw node-datachannel code can order the setup by hand: `stack` as its README does;
 * `offerer-first` as this library's default `setupOrder: 'auto'` does between two of its
 * connections (the offerer sends its candidates once its ICE has connected, at most
 * DEFAULT_HOLD_MS after the answer); `passive-held`, the lead of the stack notes (the answerer
 * applies the offer as `a=setup:active`, so that it answers passive, and sends its answer once
 * its ICE has connected): fast, but it opens libdatachannel's early fingerprint check.
 */
export type RawOrder = 'stack' | 'offerer-first' | 'passive-held';

/**
 * Raw node-datachannel, written as its README does: descriptions and candidates forwarded from
 * the callbacks (one setImmediate later, so that no native method runs inside a native
 * callback), candidates held until the remote description is set, a negotiated channel on each
 * side; ordered by hand as `order` says.
 */
export function rawStack(name: string, { order = 'stack' as RawOrder, inlineAnswer = false } = {}): StackUnderTest {
  return {
    name,
    connect({ timeoutMs }) {
      return new Promise((resolve) => {
        const config = { iceServers: [], disableAutoNegotiation: true, bindAddress: '127.0.0.1' };
        const a: PeerConnection = new nodeDataChannel.PeerConnection('bench-a', config);
        const b: PeerConnection = new nodeDataChannel.PeerConnection('bench-b', config);
        a.onStateChange(() => {});
        b.onStateChange(() => {});
        let bIceUp = false;
        let heldAnswer: string | null = null;
        let holdTimer: NodeJS.Timeout | undefined;
        const releaseAnswer = () => {
          clearTimeout(holdTimer);
          if (heldAnswer === null) return;
          const sdp = heldAnswer;
          heldAnswer = null;
          setImmediate(guarded(() => toA(sdp)));
        };
        b.onIceStateChange((state) => {
          if (state === 'connected' || state === 'completed') {
            bIceUp = true;
            if (heldAnswer !== null) releaseAnswer();
          }
        });
        // offerer-first: a's candidates wait for a's ICE (at most DEFAULT_HOLD_MS after the answer).
        let aIceUp = order !== 'offerer-first';
        const aHeld: Array<[string, string]> = [];
        let aHoldTimer: NodeJS.Timeout | undefined;
        const releaseCandidates = () => {
          clearTimeout(aHoldTimer);
          aIceUp = true;
          for (const [c, m] of aHeld.splice(0)) forwardToB(c, m);
        };
        a.onIceStateChange((state) => {
          if (!aIceUp && (state === 'connected' || state === 'completed')) releaseCandidates();
        });
        const da = a.createDataChannel('bench', { negotiated: true, id: 1 });
        const db = b.createDataChannel('bench', { negotiated: true, id: 1 });
        for (const dc of [da, db]) {
          live.add(dc);
          dc.onClosed(() => live.delete(dc));
        }
        let received = 0;
        db.onMessage((message) => {
          received += typeof message === 'string' ? Buffer.byteLength(message) : (message as Buffer).byteLength;
        });
        const held: Record<'a' | 'b', Array<[string, string]>> = { a: [], b: [] };
        const hasRemote = { a: false, b: false };
        // A native call that throws (a connection that failed meanwhile) makes the setup fail, not the bench.
        const guarded = (call: () => void) => () => {
          try {
            call();
          } catch (error) {
            errors.push(String(error));
          }
        };
        const errors: string[] = [];
        const toB = (sdp: string) => {
          b.setRemoteDescription(order === 'passive-held' ? asActiveOffer(sdp) : sdp, 'offer');
          hasRemote.b = true;
          for (const [c, m] of held.b.splice(0)) b.addRemoteCandidate(c, m);
          b.setLocalDescription('answer');
          if (inlineAnswer) sendAnswer(b.localDescription()!.sdp);
        };
        const toA = (sdp: string) => {
          a.setRemoteDescription(sdp, 'answer');
          hasRemote.a = true;
          for (const [c, m] of held.a.splice(0)) a.addRemoteCandidate(c, m);
          if (!aIceUp) aHoldTimer = setTimeout(releaseCandidates, DEFAULT_HOLD_MS);
        };
        a.onLocalDescription((sdp) => setImmediate(guarded(() => toB(sdp))));
        const sendAnswer = (sdp: string) => {
          if (order === 'passive-held' && !bIceUp) {
            heldAnswer = sdp;
            holdTimer = setTimeout(releaseAnswer, DEFAULT_HOLD_MS);
          } else setImmediate(guarded(() => toA(sdp)));
        };
        if (!inlineAnswer) b.onLocalDescription((sdp) => sendAnswer(sdp));
        const forwardToB = (c: string, m: string) => setImmediate(guarded(() => (hasRemote.b ? b.addRemoteCandidate(c, m) : held.b.push([c, m]))));
        a.onLocalCandidate((c, m) => (aIceUp ? forwardToB(c, m) : aHeld.push([c, m])));
        b.onLocalCandidate((c, m) => setImmediate(guarded(() => (hasRemote.a ? a.addRemoteCandidate(c, m) : held.a.push([c, m])))));

        let opened = 0;
        let settled = false;
        const close = async () => {
          clearTimeout(holdTimer);
          clearTimeout(aHoldTimer);
          a.close();
          b.close();
          await tick();
        };
        const finish = (ok: boolean) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const setupMs = now() - t0;
          setImmediate(async () => {
            if (!ok) {
              await close();
              return resolve(null);
            }
            resolve({
              setupMs,
              send: (data) => void da.sendMessageBinary(data),
              buffered: () => da.bufferedAmount(),
              drain: () => {
                const bytes = received;
                received = 0;
                return bytes;
              },
              poll: () => {},
              close,
            } satisfies ConnectedPair);
          });
        };
        const timer = setTimeout(() => finish(false), timeoutMs);
        da.onOpen(() => ++opened === 2 && finish(true));
        db.onOpen(() => ++opened === 2 && finish(true));
        const t0 = now();
        a.setLocalDescription('offer');
      });
    },
  };
}
