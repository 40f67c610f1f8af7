/**
 * The Godot 3.x demo's text frames (src/signaling/text-frames.ts): golden frames of every command
 * in both directions, server.js 3.x's refusals in its order, the 3.x and 4.x framings of the same
 * lobby, and fast-check properties.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_PEER_ID, encodeFrame, decodeFrame, type SignalMessage } from '../../src/signaling/frames.js';
import {
  decodeClientTextFrame,
  decodeServerTextFrame,
  encodeTextFrame,
  toJsonMessage,
  toTextMessage,
  type TextMessage,
} from '../../src/signaling/text-frames.js';
import { anyString, check, expectKnownRefusal, B, CANDIDATE, LOBBY } from './support.js';

const SDP = 'v=0\r\no=- 4215 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n';

function client(frame: unknown): TextMessage {
  const result = decodeClientTextFrame(frame);
  if (!result.ok) throw new Error(`refused ${JSON.stringify(frame)}: ${result.reason}`);
  return result.message;
}
function server(frame: unknown): TextMessage {
  const result = decodeServerTextFrame(frame);
  if (!result.ok) throw new Error(`refused ${JSON.stringify(frame)}: ${result.reason}`);
  return result.message;
}

describe('client to server, as the 3.x client writes and server.js reads', () => {
  it('J: create and join, S: seal', () => {
    expect(encodeTextFrame({ command: 'J', lobby: '' })).toBe('J: \n');
    expect(client('J: \n')).toEqual({ command: 'J', lobby: '' });
    expect(encodeTextFrame({ command: 'J', lobby: LOBBY })).toBe(`J: ${LOBBY}\n`);
    expect(client(`J: ${LOBBY}\n`)).toEqual({ command: 'J', lobby: LOBBY });
    expect(client(`J:   ${LOBBY} \t\n`)).toEqual({ command: 'J', lobby: LOBBY }); // server.js trims
    expect(client(`J: ${LOBBY}\nignored`)).toEqual({ command: 'J', lobby: LOBBY });
    expect(encodeTextFrame({ command: 'S' })).toBe('S: \n');
    expect(client('S: \n')).toEqual({ command: 'S' });
    expect(client('S: whatever\npayload')).toEqual({ command: 'S' });
  });

  it('O, A and C to a destination (1 = the host), the payload after the first line exactly as sent', () => {
    expect(encodeTextFrame({ command: 'O', id: 1, payload: SDP })).toBe(`O: 1\n${SDP}`);
    expect(client(`O: 1\n${SDP}`)).toEqual({ command: 'O', id: 1, payload: SDP });
    expect(encodeTextFrame({ command: 'A', id: B, payload: SDP })).toBe(`A: ${B}\n${SDP}`);
    expect(client(`A: ${B}\n${SDP}`)).toEqual({ command: 'A', id: B, payload: SDP });
    expect(encodeTextFrame({ command: 'C', id: 1, payload: CANDIDATE })).toBe(`C: 1\n${CANDIDATE}`);
    expect(client(`C: 1\n${CANDIDATE}`)).toEqual({ command: 'C', id: 1, payload: CANDIDATE });
  });

  it("reads the destination with server.js's parseInt: leading spaces, trailing junk and 0x are taken", () => {
    expect(client('O:  7 \nx')).toMatchObject({ id: 7 });
    expect(client('O: 12abc\nx')).toMatchObject({ id: 12 });
    expect(client('O: 0x10\nx')).toMatchObject({ id: 16 });
    expect(client('O: 1.9\nx')).toMatchObject({ id: 1 });
    expect(client(`O: ${MAX_PEER_ID}\nx`)).toMatchObject({ id: MAX_PEER_ID });
  });

  const refusedBy = (frame: unknown) => {
    const result = decodeClientTextFrame(frame);
    return result.ok ? undefined : result;
  };

  it('no \\n, or a first line shorter than 3 characters: Invalid message format, before any other check', () => {
    for (const frame of ['', 'J: lobby', 'S: ', 'O: 1', '\n', 'J:\n', 'S:\nx', 'O\n', 'ab\ncd']) {
      expect(refusedBy(frame), JSON.stringify(frame)).toEqual({ ok: false, code: 4000, reason: 'Invalid message format', checkedAfter: 'none' });
    }
  });

  it('a destination that is not a number (or 0, negative, past 2^31−1): Invalid destination, after the lobby checks', () => {
    for (const frame of ['O: x\nv=0', 'O: \nv=0', 'O:1\nv=0', 'O: 0\nv=0', 'A: -5\nv=0', 'C: 2147483648\n\n0\n0\nc', 'X: abc\n', 'SS: x\n']) {
      expect(refusedBy(frame), JSON.stringify(frame)).toEqual({ ok: false, code: 4000, reason: 'Invalid destination', checkedAfter: 'lobby' });
    }
  });

  it('another letter with a valid destination: Invalid command, after the destination is found in the lobby', () => {
    expect(refusedBy('X: 5\npayload')).toEqual({ ok: false, code: 4000, reason: 'Invalid command', checkedAfter: 'destination', dest: 5 });
    expect(refusedBy('I: 1\n')).toMatchObject({ reason: 'Invalid command', dest: 1 });
    expect(refusedBy('Ox 5\n')).toMatchObject({ reason: 'Invalid command', dest: 5 });
    expect(refusedBy('o: 5\n')).toMatchObject({ reason: 'Invalid command', dest: 5 });
    // server.js reads the destination from the 4th character on, whatever the first three are.
    expect(refusedBy('SS: 1\n')).toMatchObject({ reason: 'Invalid command', dest: 1 });
    expect(refusedBy('JJ: 9\n')).toMatchObject({ reason: 'Invalid command', dest: 9 });
  });

  it('binary frames and non-strings: Invalid transfer mode, must be text; over the limit: Message too large', () => {
    expect(refusedBy(Buffer.from('J: \n'))).toMatchObject({ reason: 'Invalid transfer mode, must be text' });
    expect(refusedBy(undefined)).toMatchObject({ reason: 'Invalid transfer mode, must be text' });
    expect(decodeClientTextFrame(`O: 1\n${'é'.repeat(10)}`, { maxBytes: 15 })).toMatchObject({ ok: false, reason: 'Message too large' });
    expect(decodeClientTextFrame(`O: 1\n${'é'.repeat(10)}`, { maxBytes: 25 }).ok).toBe(true);
  });
});

describe('server to client, as server.js writes and the 3.x client reads', () => {
  it('I, N, J, D, S, byte for byte', () => {
    expect(encodeTextFrame({ command: 'I', id: 1 })).toBe('I: 1\n');
    expect(encodeTextFrame({ command: 'I', id: B })).toBe(`I: ${B}\n`);
    expect(encodeTextFrame({ command: 'N', id: B })).toBe(`N: ${B}\n`);
    expect(encodeTextFrame({ command: 'D', id: B })).toBe(`D: ${B}\n`);
    expect(server(`I: ${B}\n`)).toEqual({ command: 'I', id: B });
    expect(server('N: 1\n')).toEqual({ command: 'N', id: 1 });
    expect(server(`D: ${B}\n`)).toEqual({ command: 'D', id: B });
    expect(server(`J: ${LOBBY}\n`)).toEqual({ command: 'J', lobby: LOBBY });
    expect(server('S: \n')).toEqual({ command: 'S' });
  });

  it("the relays: the sender's id, then the payload exactly as the sender wrote it (a candidate keeps its leading \\n)", () => {
    const sent = client(`C: 1\n${CANDIDATE}`);
    if (sent.command !== 'C') throw new Error('not a candidate');
    const relay = encodeTextFrame({ ...sent, id: B });
    expect(relay).toBe(`C: ${B}\n\n0\n0\ncandidate:1 1 UDP 2122317823 127.0.0.1 50412 typ host`);
    expect(server(relay)).toEqual({ command: 'C', id: B, payload: CANDIDATE });
    expect(encodeTextFrame({ command: 'O', id: B, payload: SDP })).toBe(`O: ${B}\n${SDP}`);
    expect(server(`A: 1\n${SDP}`)).toEqual({ command: 'A', id: 1, payload: SDP });
  });

  it('refuses what the 3.x client ignores: no \\n, a short first line, an id that is not an integer, an unknown letter', () => {
    for (const frame of ['I: 5', 'I:\n', 'I: \n', 'N: abc\n', 'D: 1.5\n', 'I:  5\n', 'O: 0x10\nv=0']) {
      expect(decodeServerTextFrame(frame), JSON.stringify(frame)).toMatchObject({ ok: false, reason: 'Invalid message format' });
    }
    expect(decodeServerTextFrame('Q: 5\n')).toMatchObject({ ok: false, reason: 'Invalid command' });
    expect(server('J:  spaced \n')).toEqual({ command: 'J', lobby: ' spaced ' }); // the client does not trim
    expect(server('N: +7\n')).toEqual({ command: 'N', id: 7 });
  });
});

describe('the 3.x and 4.x framings of the same lobby (the §3.6 trace)', () => {
  // [3.x frame, 4.x frame], in the order they cross the wire.
  const clientFrames: Array<[string, string]> = [
    ['J: \n', '{"type":0,"id":0,"data":""}'],
    [`J: ${LOBBY}\n`, `{"type":0,"id":0,"data":"${LOBBY}"}`],
    [`O: 1\n${SDP}`, encodeFrame({ type: 4, id: 1, data: SDP })],
    [`A: ${B}\n${SDP}`, encodeFrame({ type: 5, id: B, data: SDP })],
    [`C: 1\n${CANDIDATE}`, '{"type":6,"id":1,"data":"\\n0\\n0\\ncandidate:1 1 UDP 2122317823 127.0.0.1 50412 typ host"}'],
    ['S: \n', '{"type":7,"id":0,"data":""}'],
  ];
  const serverFrames: Array<[string, string]> = [
    ['I: 1\n', '{"type":1,"id":1,"data":"true"}'],
    [`J: ${LOBBY}\n`, `{"type":0,"id":0,"data":"${LOBBY}"}`],
    [`I: ${B}\n`, `{"type":1,"id":${B},"data":"true"}`],
    [`N: ${B}\n`, `{"type":2,"id":${B},"data":""}`],
    ['N: 1\n', '{"type":2,"id":1,"data":""}'],
    [`O: ${B}\n${SDP}`, encodeFrame({ type: 4, id: B, data: SDP })],
    [`A: 1\n${SDP}`, encodeFrame({ type: 5, id: 1, data: SDP })],
    [`C: ${B}\n${CANDIDATE}`, `{"type":6,"id":${B},"data":"\\n0\\n0\\ncandidate:1 1 UDP 2122317823 127.0.0.1 50412 typ host"}`],
    ['S: \n', '{"type":7,"id":0,"data":""}'],
    [`D: ${B}\n`, `{"type":3,"id":${B},"data":""}`],
  ];
  const json = (frame: string): SignalMessage => {
    const result = decodeFrame(frame);
    if (!result.ok) throw new Error(result.reason);
    return result.message;
  };

  it.each([
    ['client', clientFrames, client],
    ['server', serverFrames, server],
  ] as const)('%s frames map both ways, byte for byte', (_, frames, decodeText) => {
    for (const [text, jsonFrame] of frames) {
      expect(encodeFrame(toJsonMessage(decodeText(text))), text).toBe(jsonFrame);
      const asText = toTextMessage(json(jsonFrame));
      expect(asText && encodeTextFrame(asText), jsonFrame).toBe(text);
    }
  });

  it('a client/server lobby has no 3.x form', () => {
    expect(toTextMessage({ type: 0, id: 1, data: '' })).toBeUndefined();
    expect(toTextMessage({ type: 1, id: B, data: '' })).toBeUndefined();
  });
});

describe('properties (fast-check)', () => {
  it('any string or value decodes, both ways, to a message or a known refusal', () => {
    const frame = fc.oneof(
      anyString(120),
      fc.tuple(fc.constantFrom('J: ', 'S: ', 'O: ', 'A: ', 'C: ', 'I: ', 'N: ', 'D: ', 'X: ', ''), anyString(12), fc.constantFrom('\n', ''), anyString(60)).map((parts) => parts.join('')),
      fc.anything(),
    );
    check(
      'text frames',
      fc.property(frame, (value) => {
        for (const result of [decodeClientTextFrame(value), decodeServerTextFrame(value)]) {
          if (result.ok) expect(typeof result.message.command).toBe('string');
          else expectKnownRefusal(result);
        }
      }),
    );
  });

  const id = fc.integer({ min: 1, max: MAX_PEER_ID });
  const lobby = anyString(24).filter((name) => !name.includes('\n') && name === name.trim());
  const relay = fc.record({ command: fc.constantFrom('O' as const, 'A' as const, 'C' as const), id, payload: anyString(200) });

  it('encode then decode gives the message back: client frames through server.js, server frames through the client', () => {
    const fromClient = fc.oneof(lobby.map((name): TextMessage => ({ command: 'J', lobby: name })), fc.constant<TextMessage>({ command: 'S' }), relay);
    check('client round trip', fc.property(fromClient, (message) => void expect(decodeClientTextFrame(encodeTextFrame(message))).toEqual({ ok: true, message })));
    const fromServer = fc.oneof(
      anyString(24).filter((name) => !name.includes('\n')).map((name): TextMessage => ({ command: 'J', lobby: name })),
      fc.constant<TextMessage>({ command: 'S' }),
      fc.record({ command: fc.constantFrom('I' as const, 'N' as const, 'D' as const), id }),
      relay,
    );
    check('server round trip', fc.property(fromServer, (message) => void expect(decodeServerTextFrame(encodeTextFrame(message))).toEqual({ ok: true, message })));
  });

  it('a relay means the same in both framings: the 4.x data is the 3.x payload', () => {
    check(
      'framings agree',
      fc.property(relay, (message) => {
        const asJson = toJsonMessage(message);
        expect(asJson.data).toBe(message.payload);
        expect(decodeFrame(encodeFrame(asJson))).toEqual({ ok: true, message: asJson });
        expect(toTextMessage(asJson)).toEqual(message);
      }),
    );
  });
});
