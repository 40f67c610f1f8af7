/**
 * The Godot 4 demo's JSON frames (src/signaling/frames.ts): golden frames of the reference's §3.6
 * trace and of every server message byte for byte, server.js's decode rules one by one, and
 * fast-check properties (never throws, always a known answer, encode→decode round trips).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_MESSAGE_TYPES,
  CloseCode,
  CloseReason,
  MAX_JSON_DEPTH,
  MAX_PEER_ID,
  MESSAGE_TYPE_NAMES,
  MessageType,
  closeCodeOf,
  decodeFrame,
  encodeFrame,
  relayed,
  type SignalMessage,
} from '../../src/signaling/frames.js';
import { anyNumber, anyString, check, expectKnownRefusal, B, CANDIDATE, LOBBY } from './support.js';

const SDP = 'v=0\r\no=- 4215 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n';
const SDP_JSON = 'v=0\\r\\no=- 4215 2 IN IP4 127.0.0.1\\r\\ns=-\\r\\nt=0 0\\r\\na=group:BUNDLE 0\\r\\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\\r\\n';
const CANDIDATE_JSON = '\\n0\\n0\\ncandidate:1 1 UDP 2122317823 127.0.0.1 50412 typ host';

function decoded(frame: unknown): SignalMessage {
  const result = decodeFrame(frame);
  if (!result.ok) throw new Error(`refused ${JSON.stringify(frame)}: ${result.reason}`);
  return result.message;
}

describe('constants: server.js names and numbers', () => {
  it('has the eight message types by number', () => {
    expect(MessageType).toEqual({ JOIN: 0, ID: 1, PEER_CONNECT: 2, PEER_DISCONNECT: 3, OFFER: 4, ANSWER: 5, CANDIDATE: 6, SEAL: 7 });
    expect(MESSAGE_TYPE_NAMES.map((name) => MessageType[name])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(CLIENT_MESSAGE_TYPES).toEqual([0, 4, 5, 6, 7]);
  });

  it("has server.js's fifteen close reasons word for word, all 4000 but Seal complete (1000), and one of its own", () => {
    const reasons = Object.values(CloseReason);
    expect(reasons).toEqual([
      'Have not joined lobby yet',
      'Room host has disconnected',
      'Only host can seal the lobby',
      'Seal complete',
      'Too many lobbies open, disconnecting',
      'Already in a lobby',
      'Lobby does not exists',
      'Lobby is sealed',
      'Invalid message format',
      'Invalid message when not in a lobby',
      'Server error, lobby not found',
      'Invalid destination',
      'Invalid command',
      'Too many peers connected',
      'Invalid transfer mode, must be text',
      'Message too large',
    ]);
    expect(reasons.filter((reason) => closeCodeOf(reason) === CloseCode.NORMAL)).toEqual(['Seal complete']);
    expect(reasons.filter((reason) => closeCodeOf(reason) === 4000)).toHaveLength(15);
  });
});

describe('golden frames: the §3.6 mesh trace, byte for byte', () => {
  it("A creates a lobby: A's JOIN in, ID(1, mesh) and JOIN(lobby) out", () => {
    expect(decoded('{"type":0,"id":0,"data":""}')).toEqual({ type: MessageType.JOIN, id: 0, data: '' });
    expect(encodeFrame({ type: MessageType.ID, id: 1, data: 'true' })).toBe('{"type":1,"id":1,"data":"true"}');
    expect(encodeFrame({ type: MessageType.JOIN, id: 0, data: LOBBY })).toBe(`{"type":0,"id":0,"data":"${LOBBY}"}`);
  });

  it('B joins it: ID(B, mesh) to B, PEER_CONNECT(B) to A, PEER_CONNECT(1) to B, JOIN(lobby) to B', () => {
    expect(decoded(`{"type":0,"id":0,"data":"${LOBBY}"}`)).toEqual({ type: MessageType.JOIN, id: 0, data: LOBBY });
    expect(encodeFrame({ type: MessageType.ID, id: B, data: 'true' })).toBe(`{"type":1,"id":${B},"data":"true"}`);
    expect(encodeFrame({ type: MessageType.PEER_CONNECT, id: B })).toBe(`{"type":2,"id":${B},"data":""}`);
    expect(encodeFrame({ type: MessageType.PEER_CONNECT, id: 1 })).toBe('{"type":2,"id":1,"data":""}');
    expect(encodeFrame({ type: MessageType.JOIN, id: 0, data: LOBBY })).toBe(`{"type":0,"id":0,"data":"${LOBBY}"}`);
  });

  it("B offers to the host (id 1) and A gets it with B's id; A answers B and B gets it with id 1; candidates both ways", () => {
    const offer = decoded(`{"type":4,"id":1,"data":"${SDP_JSON}"}`);
    expect(offer).toEqual({ type: MessageType.OFFER, id: 1, data: SDP });
    expect(encodeFrame(relayed(offer, B))).toBe(`{"type":4,"id":${B},"data":"${SDP_JSON}"}`);

    const answer = decoded(`{"type":5,"id":${B},"data":"${SDP_JSON}"}`);
    expect(answer).toEqual({ type: MessageType.ANSWER, id: B, data: SDP });
    expect(encodeFrame(relayed(answer, 1))).toBe(`{"type":5,"id":1,"data":"${SDP_JSON}"}`);

    const fromB = decoded(`{"type":6,"id":1,"data":"${CANDIDATE_JSON}"}`);
    expect(fromB.data).toBe(CANDIDATE);
    expect(encodeFrame(relayed(fromB, B))).toBe(`{"type":6,"id":${B},"data":"${CANDIDATE_JSON}"}`);
    const fromA = decoded(`{"type":6,"id":${B},"data":"${CANDIDATE_JSON}"}`);
    expect(encodeFrame(relayed(fromA, 1))).toBe(`{"type":6,"id":1,"data":"${CANDIDATE_JSON}"}`);
  });

  it('the host seals: SEAL(0) in, SEAL(0) with empty data to every member; a member leaves: PEER_DISCONNECT(id)', () => {
    expect(decoded('{"type":7,"id":0,"data":""}')).toEqual({ type: MessageType.SEAL, id: 0, data: '' });
    expect(encodeFrame({ type: MessageType.SEAL, id: 0 })).toBe('{"type":7,"id":0,"data":""}');
    expect(encodeFrame({ type: MessageType.PEER_DISCONNECT, id: B })).toBe(`{"type":3,"id":${B},"data":""}`);
  });

  it('a client/server JOIN (id 1) and its ID with empty data', () => {
    expect(decoded('{"type":0,"id":1,"data":""}')).toEqual({ type: MessageType.JOIN, id: 1, data: '' });
    expect(encodeFrame({ type: MessageType.ID, id: B, data: '' })).toBe(`{"type":1,"id":${B},"data":""}`);
  });

  it('relays data verbatim: quotes, backslashes, unicode, NUL and a lone surrogate come out as JSON.stringify writes them', () => {
    const data = 'say "hi" \\ é 😀 \u0000 \ud800';
    const frame = encodeFrame({ type: MessageType.OFFER, id: 1, data });
    expect(frame).toBe('{"type":4,"id":1,"data":"say \\"hi\\" \\\\ é 😀 \\u0000 \\ud800"}');
    expect(decoded(frame).data).toBe(data);
  });
});

describe("decoding follows server.js's parseMsg", () => {
  const refused = (frame: unknown, options = {}) => {
    const result = decodeFrame(frame, options);
    return result.ok ? undefined : { code: result.code, reason: result.reason, checkedAfter: result.checkedAfter };
  };
  const FORMAT = { code: 4000, reason: 'Invalid message format', checkedAfter: 'none' };

  it('floors floats for type and id', () => {
    expect(decoded('{"type":4.9,"id":1.99,"data":"x"}')).toEqual({ type: 4, id: 1, data: 'x' });
    expect(decoded('{"type":0,"id":-0,"data":""}').id).toBe(0);
    expect(Object.is(decoded('{"type":0,"id":-0,"data":""}').id, 0)).toBe(true);
    expect(Object.is(decoded('{"type":-0,"id":-0.0,"data":""}').type, 0)).toBe(true);
  });

  it('takes the keys in any order, ignores other keys, and the last of duplicated keys', () => {
    expect(decoded('{"data":"d","extra":[1],"id":5,"type":6}')).toEqual({ type: 6, id: 5, data: 'd' });
    expect(decoded('{"type":1,"type":4,"id":2}')).toEqual({ type: 4, id: 2, data: '' });
    expect(decoded('{"__proto__":{"type":4},"type":5,"id":2}')).toEqual({ type: 5, id: 2, data: '' });
  });

  it('treats a data that is not a string as ""', () => {
    for (const data of ['5', 'null', 'true', '[]', '{"a":1}']) expect(decoded(`{"type":4,"id":1,"data":${data}}`).data).toBe('');
    expect(decoded('{"type":4,"id":1}').data).toBe('');
  });

  it('refuses a type or id that is not a JSON number, or is negative, with Invalid message format', () => {
    for (const frame of [
      '{"type":"4","id":1,"data":""}',
      '{"type":4,"id":"1","data":""}',
      '{"type":null,"id":1}',
      '{"type":true,"id":1}',
      '{"type":[4],"id":1}',
      '{"id":1,"data":""}',
      '{"type":4}',
      '{"type":-1,"id":1}',
      '{"type":4,"id":-1}',
      '{"type":4,"id":-0.5}',
      '{"type":-1e400,"id":1}',
    ]) {
      expect(refused(frame), frame).toEqual(FORMAT);
    }
  });

  it('refuses what is not a JSON object with Invalid message format (JSON null included, where server.js throws a TypeError)', () => {
    for (const frame of ['', ' ', 'hello', '{', '{"type":4,}', "{'type':4}", 'null', '[]', '[4,1,""]', '4', '"text"', 'true', '{"type":4,"id":1}x']) {
      expect(refused(frame), frame).toEqual(FORMAT);
    }
  });

  it('refuses an unknown type with Invalid command, after the lobby checks', () => {
    for (const frame of ['{"type":8,"id":1}', '{"type":1e400,"id":1}', '{"type":4294967296,"id":1}']) {
      expect(refused(frame), frame).toEqual({ code: 4000, reason: 'Invalid command', checkedAfter: 'lobby' });
    }
    expect(decoded('{"type":7.5,"id":0}').type).toBe(MessageType.SEAL);
  });

  it('refuses an id above 2^31−1 (not in server.js): Infinity, 2^31', () => {
    expect(decoded(`{"type":4,"id":${MAX_PEER_ID}}`).id).toBe(2147483647);
    expect(decoded(`{"type":4,"id":${MAX_PEER_ID}.9}`).id).toBe(2147483647);
    expect(refused('{"type":4,"id":2147483648}')).toEqual(FORMAT);
    expect(refused('{"type":0,"id":1e400}')).toEqual(FORMAT);
  });

  it('refuses binary frames and non-strings with Invalid transfer mode, must be text', () => {
    const mode = { code: 4000, reason: 'Invalid transfer mode, must be text', checkedAfter: 'none' };
    for (const frame of [Buffer.from('{"type":0,"id":0,"data":""}'), new Uint8Array([123, 125]), undefined, null, 5, {}, ['{}']]) {
      expect(refused(frame)).toEqual(mode);
    }
  });

  it('refuses a frame over the size limit in UTF-8 bytes with Message too large, and takes one exactly at it', () => {
    const frame = encodeFrame({ type: MessageType.OFFER, id: 1, data: 'é'.repeat(100) });
    const bytes = Buffer.byteLength(frame);
    expect(bytes).toBe(frame.length + 100);
    expect(decodeFrame(frame, { maxBytes: bytes }).ok).toBe(true);
    expect(refused(frame, { maxBytes: bytes - 1 })).toEqual({ code: 4000, reason: 'Message too large', checkedAfter: 'none' });
    expect(refused(Buffer.alloc(11), { maxBytes: 10 })?.reason).toBe('Message too large');
  });

  it('refuses JSON nested deeper than 32 (not in server.js), counting no bracket inside a string', () => {
    const nested = (depth: number) => `{"type":4,"id":1,"data":"x","extra":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
    expect(MAX_JSON_DEPTH).toBe(32);
    expect(decoded(nested(32))).toEqual({ type: 4, id: 1, data: 'x' });
    expect(refused(nested(33))).toEqual(FORMAT);
    const data = '[{'.repeat(100) + '\\"[{\\' + '}]'.repeat(100);
    expect(decoded(encodeFrame({ type: 4, id: 1, data })).data).toBe(data);
    expect(refused(`{"type":4,"id":1,"data":"\\","x":${'['.repeat(40)}${']'.repeat(40)}}`)).toEqual(FORMAT);
  });

  it('refuses 4 MiB of nested arrays in milliseconds (JSON.parse takes about half a second per MiB of them)', () => {
    const frame = `{"type":4,"id":1,"data":"","x":${'['.repeat(2 << 20)}${']'.repeat(2 << 20)}}`;
    const started = performance.now();
    expect(refused(frame)).toEqual(FORMAT);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('decodes a 16 MiB frame without a limit, and refuses it at once with one', () => {
    const data = 'a'.repeat(16 * 1024 * 1024);
    const frame = encodeFrame({ type: MessageType.OFFER, id: 1, data });
    expect(decoded(frame).data.length).toBe(data.length);
    const started = performance.now();
    expect(refused(frame, { maxBytes: 65536 })?.reason).toBe('Message too large');
    expect(performance.now() - started).toBeLessThan(50);
  });
});

describe('properties (fast-check)', () => {
  const expectAnswer = (frame: unknown, maxBytes?: number) => {
    const result = decodeFrame(frame, maxBytes === undefined ? {} : { maxBytes });
    if (result.ok) {
      expect(MESSAGE_TYPE_NAMES[result.message.type]).toBeDefined();
      expect(Number.isInteger(result.message.id) && result.message.id >= 0 && result.message.id <= MAX_PEER_ID).toBe(true);
      expect(typeof result.message.data).toBe('string');
    } else {
      expectKnownRefusal(result);
    }
    return result;
  };

  it('any string decodes to a message or a known refusal', () => {
    check('random strings', fc.property(anyString(200), (frame) => void expectAnswer(frame)));
  });

  it('any JSON value in an extra key is ignored, unless it nests deeper than the limit', () => {
    const depthOf = (value: unknown): number =>
      value !== null && typeof value === 'object' ? 1 + Math.max(0, ...Object.values(value as object).map(depthOf)) : 0;
    check(
      'extra keys',
      fc.property(fc.jsonValue({ maxDepth: 40 }), (extra) => {
        const result = decodeFrame(`{"type":5,"id":9,"data":"d","extra":${JSON.stringify(extra)}}`);
        if (1 + depthOf(extra) <= MAX_JSON_DEPTH) expect(result).toEqual({ ok: true, message: { type: 5, id: 9, data: 'd' } });
        else expect(result).toMatchObject({ ok: false, reason: 'Invalid message format' });
      }),
    );
  });

  it('any JSON value, and anything at all, decodes to a message or a known refusal', () => {
    check('random JSON', fc.property(fc.jsonValue(), (value) => void expectAnswer(JSON.stringify(value))));
    check('random values', fc.property(fc.anything(), (value) => void expectAnswer(value)));
  });

  it('frames with hostile type, id and data give exactly the floored message or the right refusal', () => {
    const field = fc.oneof(anyNumber, anyString(8), fc.constant(null), fc.boolean(), fc.array(fc.integer(), { maxLength: 2 }));
    check(
      'hostile fields',
      fc.property(field, field, fc.oneof(anyString(30), field), (type, id, data) => {
        const result = expectAnswer(JSON.stringify({ type, id, data }));
        // JSON.stringify writes NaN and ±Infinity as null and -0 as 0; JSON.parse reads the rest back as they were.
        const asRead = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? Math.floor(value) || 0 : -1);
        const t = asRead(type);
        const i = asRead(id);
        if (t < 0 || i < 0 || i > MAX_PEER_ID) expect(result).toMatchObject({ ok: false, reason: 'Invalid message format' });
        else if (t > 7) expect(result).toMatchObject({ ok: false, reason: 'Invalid command', checkedAfter: 'lobby' });
        else expect(result).toEqual({ ok: true, message: { type: t, id: i, data: typeof data === 'string' ? data : '' } });
      }),
    );
  });

  const message = fc.record({
    type: fc.integer({ min: 0, max: 7 }) as fc.Arbitrary<SignalMessage['type']>,
    id: fc.oneof(fc.integer({ min: 0, max: MAX_PEER_ID }), fc.constantFrom(0, 1, MAX_PEER_ID)),
    data: anyString(300),
  });

  it('encode then decode gives the message back, and the frame has its keys in order type, id, data', () => {
    check(
      'round trip',
      fc.property(message, (original) => {
        const frame = encodeFrame(original);
        expect(frame.startsWith(`{"type":${original.type},"id":${original.id},"data":"`)).toBe(true);
        expect(decodeFrame(frame)).toEqual({ ok: true, message: original });
      }),
    );
  });

  it('huge frames: a few MiB of random unicode round trip, and the limit refuses them', () => {
    check(
      'huge frames',
      fc.property(anyString(64), fc.integer({ min: 1, max: 4 }), (unit, mebibytes) => {
        const piece = unit === '' ? 'x' : unit;
        const data = piece.repeat(Math.ceil((mebibytes * 1024 * 1024) / piece.length)).slice(0, mebibytes * 1024 * 1024);
        const frame = encodeFrame({ type: MessageType.ANSWER, id: 2, data });
        expect(decodeFrame(frame)).toEqual({ ok: true, message: { type: 5, id: 2, data } });
        expect(decodeFrame(frame, { maxBytes: 1024 * 1024 })).toMatchObject({ ok: false, reason: 'Message too large', code: 4000 });
      }),
      8,
    );
  });
});
