/**
 * src/signaling/protocol.ts: telling the two demo protocols apart by the first frame, and the demo
 * clients' candidate payload. Last, a real pair of library connections over loopback whose whole
 * signaling crosses as demo frames (4.x JSON, then 3.x text) through a relay that decodes and
 * re-encodes every frame as the server will.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebRTCDataChannel, WebRTCPeerConnection } from '../../src/index.js';
import { MessageType, decodeFrame, encodeFrame, relayed, type SignalMessage } from '../../src/signaling/frames.js';
import { buildCandidatePayload, detectProtocol, parseCandidatePayload, type WireProtocol } from '../../src/signaling/protocol.js';
import { decodeClientTextFrame, decodeServerTextFrame, encodeTextFrame, toJsonMessage, toTextMessage } from '../../src/signaling/text-frames.js';
import { bothOpen, decode, encode, peer, pollUntil } from '../support/loopback.js';
import { anyString, check, expectKnownRefusal } from './support.js';

describe('detectProtocol: by the first frame', () => {
  it('JSON starts with {, the 3.x text protocol with J: and a line break', () => {
    expect(detectProtocol('{"type":0,"id":0,"data":""}')).toEqual({ ok: true, protocol: 'json' });
    expect(detectProtocol('{not json')).toEqual({ ok: true, protocol: 'json' }); // its decode refuses it next
    expect(detectProtocol('J: \n')).toEqual({ ok: true, protocol: 'text' });
    expect(detectProtocol('J: Qx7LmN2pR4sT8vWz\n')).toEqual({ ok: true, protocol: 'text' });
  });

  it("refuses a 3.x command other than J as server.js 3.x does (not in a lobby), anything else as a bad format", () => {
    for (const frame of ['S: \n', 'O: 1\nv=0', 'X: 5\n', 'JJ: \n']) {
      expect(detectProtocol(frame), frame).toEqual({ ok: false, code: 4000, reason: 'Invalid message when not in a lobby', checkedAfter: 'none' });
    }
    for (const frame of ['', 'J: ', 'J:\n', ' {"type":0}', '[0,0,""]', 'hello', '\n{']) {
      expect(detectProtocol(frame), frame).toEqual({ ok: false, code: 4000, reason: 'Invalid message format', checkedAfter: 'none' });
    }
  });

  it('refuses binary frames and frames over the limit', () => {
    expect(detectProtocol(Buffer.from('J: \n'))).toMatchObject({ ok: false, reason: 'Invalid transfer mode, must be text' });
    expect(detectProtocol(new Uint8Array(100), { maxBytes: 10 })).toMatchObject({ ok: false, reason: 'Message too large' });
    expect(detectProtocol(`J: ${'x'.repeat(100)}\n`, { maxBytes: 50 })).toMatchObject({ ok: false, reason: 'Message too large' });
  });

  it('any input gives a protocol or a known refusal', () => {
    check(
      'detect',
      fc.property(fc.oneof(anyString(60), fc.anything(), anyString(20).map((tail) => `J: ${tail}`), anyString(20).map((tail) => `{${tail}`)), (frame) => {
        const result = detectProtocol(frame);
        if (result.ok) expect(['json', 'text']).toContain(result.protocol);
        else expectKnownRefusal(result);
      }),
    );
  });
});

const CANDIDATE = 'candidate:1 1 UDP 2122317823 127.0.0.1 50412 typ host';

describe('the candidate payload', () => {
  it('is built as the demo writes it: "\\n" mid "\\n" index "\\n" candidate', () => {
    expect(buildCandidatePayload('0', 0, CANDIDATE)).toEqual({ ok: true, value: `\n0\n0\n${CANDIDATE}` });
    expect(buildCandidatePayload('data', 3, 'c')).toEqual({ ok: true, value: '\ndata\n3\nc' });
    expect(buildCandidatePayload('0', -1, 'c')).toEqual({ ok: true, value: '\n0\n-1\nc' });
  });

  it('is parsed as the demo client parses it: empty parts dropped, 3 parts, an integer index', () => {
    expect(parseCandidatePayload(`\n0\n0\n${CANDIDATE}`)).toEqual({ ok: true, value: { mid: '0', index: 0, candidate: CANDIDATE } });
    expect(parseCandidatePayload(`0\n0\n${CANDIDATE}`)).toEqual({ ok: true, value: { mid: '0', index: 0, candidate: CANDIDATE } });
    expect(parseCandidatePayload('\n\nvideo\n\n+2\n\nc\n')).toEqual({ ok: true, value: { mid: 'video', index: 2, candidate: 'c' } });
    expect(parseCandidatePayload('\n0\n-0\nc')).toEqual({ ok: true, value: { mid: '0', index: 0, candidate: 'c' } });
    expect(parseCandidatePayload('\n0\n0\nc\r')).toEqual({ ok: true, value: { mid: '0', index: 0, candidate: 'c\r' } });
  });

  it('refuses what the demo client refuses, and says why', () => {
    const reasons = (data: unknown) => {
      const result = parseCandidatePayload(data);
      return result.ok ? 'accepted' : result.reason;
    };
    expect(reasons('')).toBe('Candidate payload must have 3 non-empty lines (mid, index, candidate), got 0');
    expect(reasons(`\n\n0\n${CANDIDATE}`)).toBe('Candidate payload must have 3 non-empty lines (mid, index, candidate), got 2'); // an empty mid
    expect(reasons('\n0\n0\nc\nextra')).toBe('Candidate payload must have 3 non-empty lines (mid, index, candidate), got 4');
    for (const index of ['x', '1.5', '0x1', '1e3', ' 1', '+', '-', '１']) expect(reasons(`\n0\n${index}\nc`), index).toBe('Candidate index is not an integer');
    expect(reasons('\n0\n99999999999999999999\nc')).toBe('Candidate index is out of range');
    expect(reasons(undefined)).toBe('Candidate payload is not a string');
    expect(reasons(Buffer.from('\n0\n0\nc'))).toBe('Candidate payload is not a string');
  });

  it('refuses to build what the other side would refuse', () => {
    const reasons = (mid: unknown, index: unknown, candidate: unknown) => {
      const result = buildCandidatePayload(mid, index, candidate);
      return result.ok ? 'accepted' : result.reason;
    };
    const MID = 'Candidate mid must be a non-empty string without a line break';
    const INDEX = 'Candidate index must be a safe integer';
    const CAND = 'Candidate must be a non-empty string without a line break';
    expect([reasons('', 0, 'c'), reasons('a\nb', 0, 'c'), reasons(0, 0, 'c')]).toEqual([MID, MID, MID]);
    expect([reasons('0', 0.5, 'c'), reasons('0', Number.NaN, 'c'), reasons('0', 2 ** 53, 'c'), reasons('0', '0', 'c')]).toEqual([INDEX, INDEX, INDEX, INDEX]);
    expect([reasons('0', 0, ''), reasons('0', 0, 'a\nb'), reasons('0', 0, null)]).toEqual([CAND, CAND, CAND]);
  });

  it('build then parse gives the parts back; parse never throws', () => {
    const line = anyString(40).filter((text) => text !== '' && !text.includes('\n'));
    check(
      'candidate round trip',
      fc.property(line, fc.oneof(fc.integer(), fc.maxSafeInteger()), line, (mid, index, candidate) => {
        const built = buildCandidatePayload(mid, index, candidate);
        if (!built.ok) throw new Error(built.reason);
        expect(parseCandidatePayload(built.value)).toEqual({ ok: true, value: { mid, index: index === 0 ? 0 : index, candidate } });
      }),
    );
    check('candidate parse', fc.property(fc.oneof(anyString(80), fc.anything()), (data) => void expect(typeof parseCandidatePayload(data).ok).toBe('boolean')));
  });
});

/**
 * The server's part, as it will be: a client frame in, decoded; the relay out, encoded with the
 * sender's id. Every frame must decode at each hop.
 */
function relayFrame(protocol: WireProtocol, frame: string, senderId: number): { dest: number; frame: string } {
  if (protocol === 'json') {
    const result = decodeFrame(frame);
    if (!result.ok) throw new Error(`server refused ${frame}: ${result.reason}`);
    return { dest: result.message.id, frame: encodeFrame(relayed(result.message, senderId)) };
  }
  const result = decodeClientTextFrame(frame);
  if (!result.ok || (result.message.command !== 'O' && result.message.command !== 'A' && result.message.command !== 'C')) throw new Error(`server refused ${frame}`);
  return { dest: result.message.id, frame: encodeTextFrame({ ...result.message, id: senderId }) };
}

/** What a client reads from a relay: the 4.x message, through the 3.x mapping for text. */
function readRelay(protocol: WireProtocol, frame: string): SignalMessage {
  if (protocol === 'json') {
    const result = decodeFrame(frame);
    if (!result.ok) throw new Error(`client refused ${frame}: ${result.reason}`);
    return result.message;
  }
  const result = decodeServerTextFrame(frame);
  if (!result.ok) throw new Error(`client refused ${frame}: ${result.reason}`);
  return toJsonMessage(result.message);
}

function clientFrame(protocol: WireProtocol, message: SignalMessage): string {
  if (protocol === 'json') return encodeFrame(message);
  const text = toTextMessage(message);
  if (!text) throw new Error('no 3.x form');
  return encodeTextFrame(text);
}

describe('a real pair whose signaling crosses only as demo frames', () => {
  it.each(['json', 'text'] as const)('%s: offer, answer and every candidate through encode, relay and decode; a packet crosses', async (protocol) => {
    const HOST = 1;
    const MEMBER = 1234567;
    const peers = new Map<number, WebRTCPeerConnection>([
      [HOST, peer()],
      [MEMBER, peer()],
    ]);
    const wire: Array<{ from: number; frame: string }> = [];
    const crossed: string[] = [];
    // Failures inside signal handlers and the poll loop are kept here and thrown after it.
    const failures: unknown[] = [];
    for (const [self, pc] of peers) {
      const other = self === HOST ? MEMBER : HOST;
      // A client addresses the host as 1; the host addresses the member by its id.
      const send = (message: SignalMessage) => wire.push({ from: self, frame: clientFrame(protocol, message) });
      pc.session_description_created.connect((type, sdp) => {
        pc.set_local_description(type, sdp);
        send({ type: type === 'offer' ? MessageType.OFFER : MessageType.ANSWER, id: other, data: sdp });
      });
      pc.ice_candidate_created.connect((mid, index, candidate) => {
        const payload = buildCandidatePayload(mid, index, candidate);
        if (!payload.ok) return void failures.push(new Error(payload.reason));
        send({ type: MessageType.CANDIDATE, id: other, data: payload.value });
      });
    }
    const channels = [...peers.values()].map((pc) => pc.create_data_channel('chat', { negotiated: true, id: 1 })!);
    // The 4.x demo: the higher id offers, the host never does. The 3.x demo: the lower id offers.
    peers.get(protocol === 'json' ? MEMBER : HOST)!.create_offer();

    const deliver = () => {
      for (const { from, frame } of wire.splice(0)) {
        const relay = relayFrame(protocol, frame, from);
        crossed.push(relay.frame);
        const message = readRelay(protocol, relay.frame);
        const to = peers.get(relay.dest)!;
        expect(message.id).toBe(from);
        if (message.type === MessageType.CANDIDATE) {
          const parts = parseCandidatePayload(message.data);
          if (!parts.ok) throw new Error(parts.reason);
          expect(to.add_ice_candidate(parts.value.mid, parts.value.index, parts.value.candidate)).toBe(0);
        } else {
          expect(to.set_remote_description(message.type === MessageType.OFFER ? 'offer' : 'answer', message.data)).toBe(0);
        }
      }
    };
    const connected = (pc: WebRTCPeerConnection) => pc.get_connection_state() === WebRTCPeerConnection.STATE_CONNECTED;
    await pollUntil([...peers.values()], () => {
      try {
        deliver();
      } catch (error) {
        failures.push(error);
      }
      return failures.length > 0 || bothOpen(channels[0]!, channels[1]!) && [...peers.values()].every(connected);
    }, 10_000);
    if (failures.length > 0) throw failures[0];

    const kinds = crossed.map((frame) => readRelay(protocol, frame).type);
    expect(kinds.filter((type) => type === MessageType.OFFER)).toHaveLength(1);
    expect(kinds.filter((type) => type === MessageType.ANSWER)).toHaveLength(1);
    expect(kinds.filter((type) => type === MessageType.CANDIDATE).length).toBeGreaterThanOrEqual(2);
    const prefix = protocol === 'json' ? '{"type":6,"id":' : 'C: ';
    expect(crossed.filter((frame) => frame.startsWith(prefix)).every((frame) => frame.includes(protocol === 'json' ? '"data":"\\n' : '\n\n'))).toBe(true);

    expect(channels[0]!.put_packet(encode(`hello over ${protocol} frames`))).toBe(0);
    await pollUntil([...peers.values()], () => channels[1]!.get_available_packet_count() > 0);
    expect(decode(channels[1]!.get_packet())).toBe(`hello over ${protocol} frames`);
    expect(channels[1]!.get_ready_state()).toBe(WebRTCDataChannel.STATE_OPEN);
  });
});
