/**
 * fast-check arbitraries of what a hostile client sends the signaling server: any string, any
 * JSON value, demo-shaped JSON with wrong types in every field (strings, 1.5, -3, 1e400, -0,
 * null, arrays, nested objects, duplicate and missing keys), valid frames of both protocols in
 * any order, 3.x text frames malformed every way, binary frames, and frames around and far over
 * the size limit. No arbitrary names a real lobby (a JOIN by name is for a lobby that does not exist).
 */
import fc from 'fast-check';
import type { OutgoingFrame } from './probe.js';
import { anyNumber, anyString } from '../support.js';

/** Put in SDP-like data and lobby names: no record or log may ever contain them. */
export const SECRET_PWD = 'HostilePwdSecret7f3a9c';
export const DATA_MARKER = 'HOSTILE-DATA-MARKER-51d0';
export const LOBBY_MARKER = 'HostileLobbyMarker93';

export const SDP_WITH_SECRET = `v=0\r\no=- 4215 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=ice-ufrag:Hx7q\r\na=ice-pwd:${SECRET_PWD}\r\na=note:${DATA_MARKER}\r\n`;

const text = (value: string): OutgoingFrame => ({ text: value });

/** JSON text for a field's value, including forms JSON.stringify never writes (1e400, -0, 1E0, 4.0). */
const jsonToken: fc.Arbitrary<string> = fc.oneof(
  anyNumber.map((n) => (Number.isFinite(n) ? JSON.stringify(n) : '1e400')),
  fc.constantFrom('1e400', '-1e400', '-0', '0.0', '4.0', '4.5', '1.5', '1E0', '6e0', '-1', '-4', '2147483647', '2147483648', '9007199254740993', '1e-400', 'true', 'false', 'null', '[]', '[4]', '{}', '{"type":4}', '"4"', '"0"', '""', '" "'),
  anyString(12).map((s) => JSON.stringify(s)),
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
);

/** A field's value where an integer type or id belongs: mostly near-valid numbers, often wrong. */
const numberishToken: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: -2, max: 9 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('4.5', '6.999', '0.5', '1.0', '1.5', '-0', '-0.5', '1e400', '7e0') },
  { weight: 2, arbitrary: jsonToken },
);

const dataToken: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(SDP_WITH_SECRET, `\n0\n0\ncandidate:1 1 UDP 2122317823 127.0.0.1 50412 typ host ${DATA_MARKER}`, '', DATA_MARKER).map((s) => JSON.stringify(s)) },
  { weight: 2, arbitrary: anyString(40).map((s) => JSON.stringify(s)) },
  { weight: 1, arbitrary: jsonToken },
);

/** `{"type":…,"id":…,"data":…}` with any values, keys in any order, some missing, doubled or extra. */
const demoShapedJson: fc.Arbitrary<string> = fc
  .record({
    type: fc.option(numberishToken, { freq: 8 }),
    id: fc.option(numberishToken, { freq: 6 }),
    data: fc.option(dataToken, { freq: 4 }),
    extra: fc.array(fc.tuple(fc.constantFrom('type', 'id', 'data', 'x', '__proto__', 'constructor'), jsonToken), { maxLength: 2 }),
    reverse: fc.boolean(),
    spaces: fc.constantFrom('', ' ', '\n', '\t'),
  })
  .map(({ type, id, data, extra, reverse, spaces }) => {
    const pairs: Array<[string, string]> = [];
    if (type !== null) pairs.push(['type', type]);
    if (id !== null) pairs.push(['id', id]);
    if (data !== null) pairs.push(['data', data]);
    pairs.push(...extra);
    if (reverse) pairs.reverse();
    return `{${spaces}${pairs.map(([key, value]) => `"${key}":${spaces}${value}`).join(',')}${spaces}}`;
  });

/** Demo frames as a client sends them, valid, for any state (so in wrong orders too). */
const validJsonFrame: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('{"type":0,"id":0,"data":""}', '{"type":0,"id":1,"data":""}', '{"type":7,"id":0,"data":""}', `{"type":0,"id":0,"data":"${LOBBY_MARKER}"}`),
  fc
    .record({ type: fc.constantFrom(4, 5, 6), id: fc.constantFrom(1, 1, 1, 2, 0, 12345, 2 ** 31 - 1), data: fc.constantFrom(SDP_WITH_SECRET, `\n0\n0\ncandidate:${DATA_MARKER}`, 'x', '') })
    .map((message) => JSON.stringify(message)),
  fc.constantFrom(1, 2, 3, 8, 99).map((type) => JSON.stringify({ type, id: 1, data: '' })),
);

/** 3.x frames: valid commands, and every malformation server.js's parser meets. */
const textProtocolFrame: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('J: \n', 'J:    \n', `J: ${LOBBY_MARKER}\n`, 'S: \n', `O: 1\n${SDP_WITH_SECRET}`, `A: 1\nanswer ${DATA_MARKER}`, `C: 1\n\n0\n0\ncandidate:${DATA_MARKER}`),
  fc.constantFrom('J: ', 'S: ', 'O: 1', 'J:\n', 'J\n', '\n', '\n\n', 'O:\n', 'X: 1\nx', 'o: 1\nx', 'O:1\nx', 'O  1\nx', 'Z: 1\n', 'O: 0\nx', 'O: -1\nx', 'O: 1e3\nx', 'O: 0x1\nx', 'O: 1abc\nx', 'O: abc\nx', 'O: 99999999999\nx', 'O: 2147483648\nx', 'O: 1.5\nx', 'S:\n', 'S: x\n', 'I: 1\n', 'N: 1\n', 'D: 1\n'),
  fc
    .tuple(fc.constantFrom('J', 'S', 'O', 'A', 'C', 'I', 'N', 'D', 'x', ''), fc.constantFrom(': ', ':', ' ', ''), anyString(8), fc.constantFrom('\n', '\r\n', ''), anyString(20))
    .map(([letter, sep, arg, newline, payload]) => `${letter}${sep}${arg}${newline}${payload}`),
);

/** A frame of exactly `bytes` UTF-8 bytes that is a valid relay to 1 (so only its size can refuse it). */
export function relayOfSize(bytes: number, protocol: 3 | 4, multibyte = false): string {
  const head = protocol === 4 ? '{"type":4,"id":1,"data":"' : 'O: 1\n';
  const tail = protocol === 4 ? '"}' : '';
  const room = Math.max(0, bytes - Buffer.byteLength(head + tail));
  // 'é' is 2 UTF-8 bytes, 1 UTF-16 unit: a frame whose length is under the limit and its bytes over.
  const filler = multibyte ? 'é'.repeat(Math.floor(room / 2)) + 'a'.repeat(room % 2) : 'a'.repeat(room);
  return head + filler + tail;
}

/** Frames around `limit` bytes (at, one over, multi-byte over), and a few far over it. */
export function sizedFrame(limit: number): fc.Arbitrary<OutgoingFrame> {
  return fc.oneof(
    fc.tuple(fc.constantFrom(-1, 0, 1, 2), fc.constantFrom<3 | 4>(3, 4), fc.boolean()).map(([delta, protocol, multibyte]) => text(relayOfSize(limit + delta, protocol, multibyte))),
    fc.constantFrom(16 * limit, 256 * 1024, 2 * 1024 * 1024).map((bytes) => text(relayOfSize(bytes, 4))),
    fc.constantFrom(limit + 1, 4 * limit).map((bytes) => ({ binary: new Uint8Array(bytes).fill(0x7b) })),
  );
}

const binaryFrame: fc.Arbitrary<OutgoingFrame> = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((binary) => ({ binary })),
  fc.constantFrom('{"type":0,"id":0,"data":""}', 'J: \n', `{"type":4,"id":1,"data":"${DATA_MARKER}"}`).map((s) => ({ binary: new Uint8Array(Buffer.from(s)) })),
);

/** Any one hostile frame. */
export function hostileFrame(limit: number): fc.Arbitrary<OutgoingFrame> {
  return fc.oneof(
    { weight: 2, arbitrary: anyString(60).map(text) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => text(JSON.stringify(value) ?? 'null')) },
    { weight: 5, arbitrary: demoShapedJson.map(text) },
    { weight: 5, arbitrary: validJsonFrame.map(text) },
    { weight: 5, arbitrary: textProtocolFrame.map(text) },
    { weight: 1, arbitrary: binaryFrame },
    { weight: 1, arbitrary: sizedFrame(limit) },
    // Nested deeper than frames.ts's MAX_JSON_DEPTH (32), and just inside it.
    { weight: 1, arbitrary: fc.constantFrom(31, 32, 33, 200).map((depth) => text(`{"type":4,"id":1,"data":"x","deep":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`)) },
  );
}

/** A valid create: 4.x mesh or client/server (a float type too), or 3.x. */
const createFrame = (protocol: 3 | 4): fc.Arbitrary<string> =>
  protocol === 3 ? fc.constantFrom('J: \n', 'J:   \n') : fc.constantFrom('{"type":0,"id":0,"data":""}', '{"type":0,"id":1,"data":""}', '{"type":0.5,"id":0,"data":""}', '{"data":"","id":0.9,"type":0}');

/** Frames the lone host of a lobby may send: relays to itself (1, floats that floor to 1 too), and seals. */
const acceptedInLobby = (protocol: 3 | 4): fc.Arbitrary<string> => {
  const data = fc.oneof(fc.constantFrom(SDP_WITH_SECRET, `\n0\n0\ncandidate:${DATA_MARKER}`, ''), anyString(30));
  if (protocol === 3) {
    return fc.oneof(
      fc.tuple(fc.constantFrom('O', 'A', 'C'), fc.constantFrom('1', ' 1', '1 ', '01', '1abc', '1.9'), data).map(([letter, dest, payload]) => `${letter}: ${dest}\n${payload}`),
      fc.constant('S: \n'),
    );
  }
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom('4', '5', '6', '4.5', '6.99', '5e0'), fc.constantFrom('1', '1.5', '1e0', '1.0'), data).map(([type, id, payload]) => `{"type":${type},"id":${id},"data":${JSON.stringify(payload)}}`) },
    { weight: 1, arbitrary: fc.constantFrom('{"type":7,"id":0,"data":""}', '{"type":7.2,"id":99}', '{"type":4,"id":1}', '{"type":5,"id":1,"data":null}', '{"type":6,"id":1,"data":[1]}', '{"type":4,"id":1,"data":"x","extra":{"a":[1,2]}}') },
  );
};

/**
 * One socket's frames. Half are any frames at all (most close at the first); half create a lobby
 * of either protocol, send frames its host may send, then perhaps hostile ones: they reach the
 * in-lobby and sealed rules, and the frames after a refusal (which the server must ignore).
 */
export function hostileSequence(limit: number): fc.Arbitrary<OutgoingFrame[]> {
  const anything = fc.array(hostileFrame(limit), { minLength: 1, maxLength: 6 });
  const inLobby = fc.constantFrom<3 | 4>(3, 4).chain((protocol) =>
    fc
      .tuple(createFrame(protocol), fc.array(acceptedInLobby(protocol), { maxLength: 4 }), fc.array(hostileFrame(limit), { maxLength: 3 }))
      .map(([create, accepted, hostile]) => [text(create), ...accepted.map(text), ...hostile]),
  );
  return fc.oneof(anything, inLobby);
}

/** How a sequence prints in a counterexample: frames over 200 characters by their size. */
export function showFrames(frames: readonly OutgoingFrame[]): string {
  return frames
    .map((frame) => {
      if ('binary' in frame) return `<binary ${frame.binary.byteLength} bytes>`;
      return frame.text.length > 200 ? `<text ${Buffer.byteLength(frame.text)} bytes: ${JSON.stringify(frame.text.slice(0, 40))}…>` : JSON.stringify(frame.text);
    })
    .join(', ');
}

/** The same frames, printed by fast-check as `showFrames` prints them (a 2 MiB frame by its size). */
export function printable(frames: OutgoingFrame[]): OutgoingFrame[] {
  return Object.defineProperty(frames, fc.toStringMethod, { value: () => `[${showFrames(frames)}]`, enumerable: false });
}

/** Stand for the peer's and the member's own ids, filled in once the server drew them. */
export const PEER = '{{P}}';
export const SELF = '{{X}}';

export function fillIds(frame: OutgoingFrame, ids: { peer: number; self: number }): OutgoingFrame {
  if (!('text' in frame)) return frame;
  return { text: frame.text.replaceAll(PEER, String(ids.peer)).replaceAll(SELF, String(ids.self)) };
}

/** Frames a member may send, and nearly: relays to the host, the peer, itself and strangers, a seal, a JOIN. */
const memberFrame = (protocol: 3 | 4): fc.Arbitrary<string> => {
  const dest = fc.constantFrom('1', PEER, SELF, PEER, SELF, '1', '7', '0', `${PEER}.5`, `${SELF}.25`);
  const data = fc.oneof(fc.constantFrom(SDP_WITH_SECRET, `\n0\n0\ncandidate:${DATA_MARKER}`, ''), anyString(20));
  if (protocol === 3) {
    return fc.oneof(
      { weight: 5, arbitrary: fc.tuple(fc.constantFrom('O', 'A', 'C'), dest, data).map(([letter, to, payload]) => `${letter}: ${to}\n${payload}`) },
      { weight: 1, arbitrary: fc.constantFrom('S: \n', 'J: \n', `J: ${LOBBY_MARKER}\n`, `X: ${PEER}\nx`, `X: 1\nx`, `X: 99\nx`) },
    );
  }
  return fc.oneof(
    { weight: 5, arbitrary: fc.tuple(fc.constantFrom('4', '5', '6', '4.5'), dest, data).map(([type, to, payload]) => `{"type":${type},"id":${to},"data":${JSON.stringify(payload)}}`) },
    { weight: 1, arbitrary: fc.constantFrom('{"type":7,"id":0,"data":""}', '{"type":0,"id":0,"data":""}', `{"type":0,"id":0,"data":"${LOBBY_MARKER}"}`, `{"type":2,"id":${PEER}}`, `{"type":3,"id":${SELF}}`) },
  );
};

export interface MemberScenario {
  protocol: 3 | 4;
  mesh: boolean;
  frames: OutgoingFrame[];
}

/** A lobby (4.x mesh or client/server, or 3.x) with a hostile member, and what it sends. */
export function memberScenario(limit: number): fc.Arbitrary<MemberScenario> {
  return fc
    .tuple(fc.constantFrom<3 | 4>(3, 4), fc.boolean())
    .chain(([protocol, mesh]) =>
      fc.record({
        protocol: fc.constant(protocol),
        mesh: fc.constant(protocol === 3 || mesh),
        frames: fc.array(fc.oneof({ weight: 4, arbitrary: memberFrame(protocol).map(text) }, { weight: 1, arbitrary: hostileFrame(limit) }), { minLength: 1, maxLength: 6 }).map(printable),
      }),
    );
}
