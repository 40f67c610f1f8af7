import { describe, expect, it } from 'vitest';
import {
  GodotError,
  WebRTCPeerConnection,
  WebRTCDataChannel,
  WriteMode,
  type ChannelInit,
  type Configuration,
  type SdpType,
} from '../src/index.js';

/**
 * The public signatures check their arguments at compile time. `typecheck` (part of `npm test`)
 * fails if any call marked `@ts-expect-error` below stops being an error. These functions are
 * never called; the runtime test after them makes the same calls from "JavaScript" (a cast).
 */
export function wrongCalls(pc: WebRTCPeerConnection, channel: WebRTCDataChannel): void {
  // @ts-expect-error the sdp is a String
  pc.set_remote_description('offer', undefined);
  // @ts-expect-error not an SDP type
  pc.set_remote_description('offre', 'v=0');
  // @ts-expect-error not an SDP type
  pc.set_local_description('Offer', 'v=0');
  // @ts-expect-error the media (mid) is a String
  pc.add_ice_candidate(0, 0, 'candidate:1 1 udp 1 127.0.0.1 9 typ host');
  // @ts-expect-error the index is an int
  pc.add_ice_candidate('0', '0', 'candidate:1 1 udp 1 127.0.0.1 9 typ host');
  // @ts-expect-error the candidate is a String
  pc.add_ice_candidate('0', 0, { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' });
  // @ts-expect-error misspelled options
  pc.create_data_channel('x', { maxRetransmit: 3, orderd: false });
  // @ts-expect-error an option of the wrong type
  pc.create_data_channel('x', { ordered: 'yes' });
  // @ts-expect-error the label is a String
  pc.create_data_channel(1);
  // @ts-expect-error `iceServer`, not `iceServers`
  pc.initialize({ iceServer: [{ url: 'stun:example.org' }] });
  // @ts-expect-error `url`, not `urls`
  pc.initialize({ iceServers: [{ url: 'stun:example.org' }] });
  // @ts-expect-error a credential is a String
  pc.initialize({ iceServers: [{ urls: 'turn:example.org', username: 'u', credential: 1 }] });
  // @ts-expect-error a packet is a Uint8Array
  channel.put_packet('Hi');
  // @ts-expect-error only WRITE_MODE_TEXT (0) and WRITE_MODE_BINARY (1)
  channel.set_write_mode(5);
  // @ts-expect-error misspelled wait option
  void pc.connected({ timout: 5000 });
  // @ts-expect-error a timeout is a number of ms
  void channel.receive({ timeout: '5s' });
  // @ts-expect-error the state-change signal gives a ConnectionState and the close info, not a string
  pc.connection_state_changed.connect((state: string) => state);
  // @ts-expect-error the dispatch is 'poll' or 'events'
  new WebRTCPeerConnection({ dispatch: 'immediate' });
  // @ts-expect-error the threshold is a number of bytes
  channel.set_buffered_amount_low_threshold('1 MiB');
}

/** The helpers' results are typed: a code, a packet or null, stats. */
export async function typedResults(pc: WebRTCPeerConnection, channel: WebRTCDataChannel): Promise<void> {
  const code: GodotError = await pc.connected({ timeout: 5000 });
  const packet: Uint8Array | null = await channel.receive();
  const bytes: number = pc.get_stats().bytes_sent + channel.get_stats().bytes_received;
  for await (const each of channel.packets()) {
    const length: number = each.byteLength;
    void length;
  }
  void [code, packet, bytes];
}

/** The right calls compile, including the README's signal wiring. */
export function rightCalls(pc: WebRTCPeerConnection, other: WebRTCPeerConnection, channel: WebRTCDataChannel): void {
  const configuration: Configuration = { iceServers: [{ urls: ['stun:example.org', 'turn:example.org?transport=tcp'], username: 'u', credential: 'c' }] };
  const options: ChannelInit = { negotiated: true, id: 1, ordered: false, maxRetransmits: 3, protocol: 'p' };
  const type: SdpType = 'rollback';
  pc.initialize(configuration);
  pc.initialize();
  pc.create_data_channel('x', options);
  pc.create_data_channel('x');
  pc.set_local_description(type, '');
  pc.session_description_created.connect((t, sdp) => other.set_remote_description(t, sdp));
  pc.ice_candidate_created.connect((media, index, name) => other.add_ice_candidate(media, index, name));
  channel.put_packet(new Uint8Array([1]));
  channel.set_write_mode(WriteMode.WRITE_MODE_BINARY);
}

/** What a JavaScript caller, unchecked by TypeScript, sees. */
type Loose = { [method: string]: (...args: unknown[]) => unknown };
const loose = (value: object): Loose => value as unknown as Loose;

describe('the typed signatures keep their runtime checks for JavaScript callers', () => {
  it('refuses each wrong call with its code and changes nothing', () => {
    const pc = new WebRTCPeerConnection();
    const channel = pc.create_data_channel('chat', { negotiated: true, id: 1 })!;
    const candidate = 'candidate:1 1 udp 1 127.0.0.1 9 typ host';
    const calls: Array<[string, () => unknown]> = [
      ['set_remote_description', () => loose(pc).set_remote_description!('offer', undefined)],
      ['set_remote_description', () => loose(pc).set_remote_description!('offre', 'v=0')],
      ['set_local_description', () => loose(pc).set_local_description!('Offer', 'v=0')],
      ['add_ice_candidate', () => loose(pc).add_ice_candidate!(0, 0, candidate)],
      ['add_ice_candidate', () => loose(pc).add_ice_candidate!('0', '0', candidate)],
      ['add_ice_candidate', () => loose(pc).add_ice_candidate!('0', 0, { candidate })],
      ['initialize', () => loose(pc).initialize!({ iceServers: [{ url: 'stun:example.org' }] })],
      ['initialize', () => loose(pc).initialize!({ iceServers: [{ urls: 'turn:example.org', username: 'u', credential: 1 }] })],
    ];
    for (const [method, call] of calls) {
      expect(call(), method).toBe(GodotError.ERR_INVALID_PARAMETER);
      expect(pc.get_records().at(-1), method).toMatchObject({ kind: 'refusal', method, code: GodotError.ERR_INVALID_PARAMETER });
    }
    for (const args of [['x', { maxRetransmit: 3, orderd: false }], ['x', { ordered: 'yes' }], [1]]) {
      expect(loose(pc).create_data_channel!(...args)).toBeNull();
      expect(pc.get_records().at(-1)).toMatchObject({ kind: 'refusal', method: 'create_data_channel', code: GodotError.ERR_INVALID_PARAMETER });
    }
    expect(loose(channel).put_packet!('Hi')).toBe(GodotError.ERR_INVALID_PARAMETER);
    loose(channel).set_write_mode!(5);
    expect(channel.get_write_mode()).toBe(WriteMode.WRITE_MODE_BINARY);
    expect(pc.get_signaling_state()).toBe(WebRTCPeerConnection.SIGNALING_STATE_STABLE);
    pc.close();
  });
});
