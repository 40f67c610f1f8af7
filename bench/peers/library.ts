import {
  WebRTCPeerConnection,
  WebRTCDataChannel,
  createNodeDataChannelExtension,
  type NodeDataChannelOptions,
} from '../../src/index.js';
import { now, spinUntil, tick } from '../lib/loop.js';
import type { ConnectedPair, StackUnderTest } from './types.js';

const OPEN = WebRTCDataChannel.STATE_OPEN;

/** Wires two connections as Godot's docs do: each side's signals to its own set_local_description and the other's methods. */
export function wire(a: WebRTCPeerConnection, b: WebRTCPeerConnection): void {
  for (const [self, other] of [
    [a, b],
    [b, a],
  ] as const) {
    self.session_description_created.connect((type, sdp) => {
      self.set_local_description(type, sdp);
      other.set_remote_description(type, sdp);
    });
    self.ice_candidate_created.connect((media, index, name) => other.add_ice_candidate(media, index, name));
  }
}

/**
 * This library: two WebRTCPeerConnections, signals forwarded as soon as poll() gives them (poll
 * on every turn of the event loop), a negotiated channel on each side.
 */
export function libraryStack(name: string, options: Omit<NodeDataChannelOptions, 'name' | 'bindAddress'> = {}): StackUnderTest {
  const factory = createNodeDataChannelExtension({ name: `bench-${name}`, bindAddress: '127.0.0.1', ...options });
  return {
    name,
    async connect({ timeoutMs }) {
      WebRTCPeerConnection.set_default_extension(factory);
      const a = new WebRTCPeerConnection();
      const b = new WebRTCPeerConnection();
      const ca = a.create_data_channel('bench', { negotiated: true, id: 1 })!;
      const cb = b.create_data_channel('bench', { negotiated: true, id: 1 })!;
      wire(a, b);
      const t0 = now();
      a.create_offer();
      const open = await spinUntil(() => {
        a.poll();
        b.poll();
        return ca.get_ready_state() === OPEN && cb.get_ready_state() === OPEN;
      }, timeoutMs);
      const setupMs = now() - t0;
      const close = async () => {
        a.close();
        b.close();
        await tick();
      };
      if (!open) {
        await close();
        return null;
      }
      return {
        setupMs,
        send: (data) => void ca.put_packet(data),
        buffered: () => ca.get_buffered_amount(),
        drain: () => {
          let bytes = 0;
          for (let n = cb.get_available_packet_count(); n > 0; n--) bytes += cb.get_packet().byteLength;
          return bytes;
        },
        poll: () => {
          a.poll();
          b.poll();
        },
        close,
      } satisfies ConnectedPair;
    },
  };
}
