/**
 * MultiplayerAPI 3.x packets against every capture in /work/shared/reference/godot3-multiplayer-wire.md
 * §5.2–§5.7 (what Godot 3.2.3 sent) and §6 (what Godot accepted and printed): each decodes to the
 * values stated there and re-encodes byte for byte. Then Godot's receive checks, and hostile input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NodePath, PoolStringArray, Color, GodotObject, Vector2, Vector3, encodeVariants, real, variantsEqual, type Variant } from '../../src/godot3/variant.js';
import {
  MAX_RPC_ARGS,
  decodePacket,
  encodeConfirmPath,
  encodePacket,
  encodeRaw,
  encodeRemoteCall,
  encodeRemoteSet,
  encodeSimplifyPath,
  type MultiplayerPacket,
  type PathTarget,
} from '../../src/godot3/wire.js';
import { hexBytes as hex, toHex } from '../support/multiplayer-bytes.js';


// The strings of the captures, NUL included, as the document writes them out.
const MAIN_TARGET = '4d61696e2f54617267657400';
const MAIN_OTHER = '4d61696e2f4f7468657200';
const PING = '70696e6700';
const VALUE = '76616c756500';
const NOARGS = '6e6f6172677300';
const HELLO = '68656c6c6f00';
const TYPES = '747970657300';

const full = (path: string): PathTarget => ({ kind: 'path', path });
const cached = (id: number): PathTarget => ({ kind: 'cached', id });
const call = (target: PathTarget, method: string, ...args: Variant[]): MultiplayerPacket => ({ command: 'remote_call', target, method, args });
const set = (target: PathTarget, property: string, value: Variant): MultiplayerPacket => ({ command: 'remote_set', target, property, value });
const raw = (...bytes: number[]): MultiplayerPacket => ({ command: 'raw', payload: Uint8Array.from(bytes) });

const HELLO_ARGS = '04000000 04000000 74657874  02000000 2a000000  01000000 01000000  05000000 0000803f 00000040' +
  '13000000 02000000 02000000 01000000 04000000 01000000 61000000  12000000 01000000 04000000 01000000 6b000000 02000000 02000000';
const TYPES_ARGS = '03000100 9a9999999999b93f  02000100 0000000000010000  02000000 feffffff  00000000' +
  '0f000000 02000080 01000000 00000000 01000000 61000000 01000000 62000000 01000000 63000000' +
  '0e000000 0000803f 00000000 0000003f 0000803f  14000000 03000000 09080700  07000000 0000803f 00000040 00004040' +
  '04000000 06000000 68c3a96c6c6f 0000  17000000 02000000 02000000 78000000 03000000 797a0000';
const TYPES_VALUES: Variant[] = [real(0.1), 1099511627776, -2, null, NodePath.parse('a/b:c'), new Color(1, 0, 0.5, 1), Uint8Array.of(9, 8, 7), new Vector3(1, 2, 3), 'héllo', new PoolStringArray(['x', 'yz'])];
// §6's hello to cached id 7: "from node", 7, false, Vector2(3, 4), [2, "b"], {"n": 1} (the document abbreviates the bytes).
const NODE_HELLO_ARGS = '04000000 09000000 66726f6d206e6f6465 000000  02000000 07000000  01000000 00000000  05000000 00004040 00008040' +
  '13000000 02000000 02000000 02000000 04000000 01000000 62000000  12000000 01000000 04000000 01000000 6e000000 02000000 01000000';

/** [where in the document, bytes, the packet they are, size when the document states it]. */
const CAPTURES: [string, string, MultiplayerPacket, number?][] = [
  ['§5.2 send_bytes in each mode', '04 010203fa', raw(1, 2, 3, 250)],
  ['§5.2 send_bytes([7]) to all', '04 07', raw(7)],
  ['§5.2 send_bytes([8], -2)', '04 08', raw(8)],
  ['§5.3 SIMPLIFY_PATH', `02 01000000 ${MAIN_TARGET}`, { command: 'simplify_path', id: 1, path: 'Main/Target' }, 17],
  ['§5.3 ping(1.5), full path', `00 13000080 ${PING} 01 03000000 0000c03f ${MAIN_TARGET}`, call(full('Main/Target'), 'ping', 1.5), 31],
  ['§5.3 hello(…), full path', `00 6c000080 ${HELLO} 06 ${HELLO_ARGS} ${MAIN_TARGET}`, call(full('Main/Target'), 'hello', 'text', 42, true, new Vector2(1, 2), [1, 'a'], new Map([['k', 2]])), 120],
  ['§5.3 rset value 7, full path', `01 13000080 ${VALUE} 02000000 07000000 ${MAIN_TARGET}`, set(full('Main/Target'), 'value', 7), 31],
  ['§5.4 ping(2.5), cached', `00 01000000 ${PING} 01 03000000 00002040`, call(cached(1), 'ping', 2.5)],
  ['§5.4 rset value 8, cached', `01 01000000 ${VALUE} 02000000 08000000`, set(cached(1), 'value', 8)],
  ['§5.4 noargs(), cached', `00 01000000 ${NOARGS} 00`, call(cached(1), 'noargs')],
  ['§5.4 rpc_unreliable ping(3.5)', `00 01000000 ${PING} 01 03000000 00006040`, call(cached(1), 'ping', 3.5)],
  ['§5.4 rset_unreliable value 9', `01 01000000 ${VALUE} 02000000 09000000`, set(cached(1), 'value', 9)],
  ['§5.4 SIMPLIFY_PATH Main/Other, id 2', `02 02000000 ${MAIN_OTHER}`, { command: 'simplify_path', id: 2, path: 'Main/Other' }],
  ['§5.4 Other ping(6.5), full path', `00 13000080 ${PING} 01 03000000 0000d040 ${MAIN_OTHER}`, call(full('Main/Other'), 'ping', 6.5)],
  ['§5.5 types(…), cached id 1', `00 01000000 ${TYPES} 0a ${TYPES_ARGS}`, call(cached(1), 'types', ...TYPES_VALUES), 176],
  ['§5.6 broadcast ping(4.5), confirmed peer', `00 01000000 ${PING} 01 03000000 00009040`, call(cached(1), 'ping', 4.5)],
  ['§5.6 broadcast ping(4.5), unconfirmed peer', `00 13000080 ${PING} 01 03000000 00009040 ${MAIN_TARGET}`, call(full('Main/Target'), 'ping', 4.5)],
  ['§5.6 rpc_id(-2, ping, 5.5)', `00 01000000 ${PING} 01 03000000 0000b040`, call(cached(1), 'ping', 5.5)],
  ['§6 RAW ch1', '04 0a0b0c', raw(0x0a, 0x0b, 0x0c)],
  ['§6 RAW ch2', '04 0d0e', raw(0x0d, 0x0e)],
  ['§6 RAW ch3', '04 0f', raw(0x0f)],
  ['§6 RAW as a text message', '04 6869', raw(0x68, 0x69)],
  ['§6 ping(3.25), full path, no handshake', `00 13000080 ${PING} 01 03000000 00005040 ${MAIN_TARGET}`, call(full('Main/Target'), 'ping', 3.25)],
  ['§6 rset value 55, full path', `01 13000080 ${VALUE} 02000000 37000000 ${MAIN_TARGET}`, set(full('Main/Target'), 'value', 55)],
  ['§6 SIMPLIFY_PATH from Node, id 7', `02 07000000 ${MAIN_TARGET}`, { command: 'simplify_path', id: 7, path: 'Main/Target' }],
  ['§6 Godot\'s CONFIRM_PATH answer', `03 ${MAIN_TARGET}`, { command: 'confirm_path', path: 'Main/Target' }],
  ['§6 hello(…), cached id 7', `00 07000000 ${HELLO} 06 ${NODE_HELLO_ARGS}`, call(cached(7), 'hello', 'from node', 7, false, new Vector2(3, 4), [2, 'b'], new Map([['n', 1]])), 116],
  ['§6 rset value 99, cached id 7', `01 07000000 ${VALUE} 02000000 63000000`, set(cached(7), 'value', 99)],
  ['§6 ping(4.75) on ch3, cached id 7', `00 07000000 ${PING} 01 03000000 00009840`, call(cached(7), 'ping', 4.75)],
  ['§6 noargs() on ch2, cached id 7', `00 07000000 ${NOARGS} 00`, call(cached(7), 'noargs')],
  ['§6 types(…), cached id 7', `00 07000000 ${TYPES} 0a ${TYPES_ARGS}`, call(cached(7), 'types', ...TYPES_VALUES), 176],
  ['§6 peer 3 ping(8.5)', `00 13000080 ${PING} 01 03000000 00000841 ${MAIN_TARGET}`, call(full('Main/Target'), 'ping', 8.5)],
  ['§6 peer 3 RAW', '04 33', raw(0x33)],
  ['§6 client_late ping(9.5)', `00 13000080 ${PING} 01 03000000 00001841 ${MAIN_TARGET}`, call(full('Main/Target'), 'ping', 9.5)],
];

function samePacket(a: MultiplayerPacket, b: MultiplayerPacket): boolean {
  if (a.command !== b.command) return false;
  const target = (x: PathTarget, y: PathTarget) => x.kind === y.kind && (x.kind === 'cached' ? x.id === (y as typeof x).id : x.path === (y as typeof x).path);
  switch (a.command) {
    case 'remote_call': {
      const other = b as typeof a;
      return target(a.target, other.target) && a.method === other.method && variantsEqual(a.args, other.args);
    }
    case 'remote_set': {
      const other = b as typeof a;
      return target(a.target, other.target) && a.property === other.property && variantsEqual(a.value, other.value);
    }
    case 'simplify_path':
      return a.id === (b as typeof a).id && a.path === (b as typeof a).path;
    case 'confirm_path':
      return a.path === (b as typeof a).path;
    case 'raw':
      return toHex(a.payload) === toHex((b as typeof a).payload);
  }
}

function decoded(bytes: Uint8Array, options = {}): MultiplayerPacket {
  const result = decodePacket(bytes, options);
  if (!result.ok) throw new Error(`${result.drop}: ${result.reason}`);
  return result.packet;
}

function dropped(bytes: Uint8Array, options = {}): { drop: string; reason: string } {
  const result = decodePacket(bytes, options);
  if (result.ok) throw new Error(`decoded: ${JSON.stringify(result.packet.command)}`);
  return result;
}

function encoded(result: { ok: true; value: Uint8Array } | { ok: false; reason: string }): string {
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  return toHex(result.value);
}

describe('the captures', () => {
  it.each(CAPTURES)('%s: decodes to the stated packet, and both it and the stated packet encode to the captured bytes', (_where, capture, packet, size) => {
    const bytes = hex(capture);
    if (size !== undefined) expect(bytes.length).toBe(size);
    const got = decoded(bytes, { exact: true });
    expect(samePacket(got, packet)).toBe(true);
    expect(encoded(encodePacket(got))).toBe(toHex(bytes));
    expect(encoded(encodePacket(packet))).toBe(toHex(bytes));
  });

  it('without exact, the arguments are plain JS values (the REAL 2.5 a number)', () => {
    expect(decoded(hex(`00 01000000 ${PING} 01 03000000 00002040`))).toEqual(call(cached(1), 'ping', 2.5));
  });

  it('the per-command encoders give the same bytes, arguments given as values or encoded once', () => {
    const ping = hex(`00 13000080 ${PING} 01 03000000 0000c03f ${MAIN_TARGET}`);
    expect(encoded(encodeRemoteCall(full('Main/Target'), 'ping', [1.5]))).toBe(toHex(ping));
    const args = encodeVariants([1.5]);
    if (!args.ok) throw new Error(args.reason);
    expect(encoded(encodeRemoteCall(full('Main/Target'), 'ping', args))).toBe(toHex(ping));
    expect(encoded(encodeRemoteCall(cached(1), 'ping', args))).toBe(toHex(hex(`00 01000000 ${PING} 01 03000000 0000c03f`)));
    expect(encoded(encodeRemoteSet(full('Main/Target'), 'value', 7))).toBe(toHex(hex(`01 13000080 ${VALUE} 02000000 07000000 ${MAIN_TARGET}`)));
    expect(encoded(encodeSimplifyPath(1, 'Main/Target'))).toBe(toHex(hex(`02 01000000 ${MAIN_TARGET}`)));
    expect(encoded(encodeConfirmPath('Main/Target'))).toBe(toHex(hex(`03 ${MAIN_TARGET}`)));
    expect(encoded(encodeRaw(Uint8Array.of(1, 2, 3, 250)))).toBe('04010203fa');
  });

  it('the full path goes at the offset the target names, after arguments of any size', () => {
    const bytes = hex(encoded(encodeRemoteCall(full('Main/Target'), 'hello', ['text', 42, true, new Vector2(1, 2), [1, 'a'], { k: 2 }])));
    expect(toHex(bytes)).toBe(toHex(hex(CAPTURES[5]![1])));
    expect(new DataView(bytes.buffer).getUint32(1, true)).toBe((0x80000000 | 108) >>> 0);
  });

  it('an argument is padded to 4 bytes from its own start, not from the packet\'s (a name of any length comes before it)', () => {
    expect(encoded(encodeRemoteCall(cached(1), 'ab', ['x', Uint8Array.of(1)]))).toBe(toHex(hex('00 01000000 616200 02 04000000 01000000 78000000 14000000 01000000 01000000')));
    expect(encoded(encodeRemoteSet(cached(1), 'abc', new PoolStringArray(['x'])))).toBe(toHex(hex('01 01000000 61626300 17000000 01000000 02000000 78000000')));
  });

  it('Godot\'s own put_packet bytes (aa bb, no command byte) are an unknown command', () => {
    expect(dropped(hex('aabb')).drop).toBe('unknown_command');
  });
});

describe('Godot\'s receive checks (_process_packet and friends)', () => {
  it('§6 bad packets the codec passes on to the API (node lookup and argument counts are its business)', () => {
    expect(decoded(hex(`00 2a000000 ${PING} 01 03000000 0000803f`))).toEqual(call(cached(42), 'ping', 1));
    expect(decoded(hex(`00 13000080 ${PING} 01 03000000 0000803f 4d61696e2f4e6f706500`))).toEqual(call(full('Main/Nope'), 'ping', 1));
    expect(decoded(hex(`00 07000000 ${PING} 00`))).toEqual(call(cached(7), 'ping'));
  });

  it.each([
    ['', 'malformed', /empty packet/],
    ['04', 'malformed', /Size too small/],
    ['0501 02', 'unknown_command', /unknown command byte 5/],
    ['40 07000000', 'unknown_command', /unknown command byte 64/],
    ['00 01000000', 'malformed', /at least 6/],
    ['01 01000000', 'malformed', /at least 6/],
    ['00 01000000 70', 'malformed', /method name has no NUL/],
    ['01 01000000 7000', 'malformed', /no value/],
    ['00 01000000 7000', 'malformed', /no argc/],
    ['00 01000000 7000 02 02000000 01000000', 'malformed', /argc 2, but the packet ends after 1/],
    ['00 01000000 7000 01 1b000000', 'malformed', /argument 0: unknown Variant type 27/],
    ['00 01000000 7000 01 04000000 08000000 61', 'malformed', /argument 0: STRING: length 8 past the end/],
    ['01 01000000 7000 02000000', 'malformed', /the value: INT: truncated/],
    ['00 ff000080 7000 00', 'malformed', /path offset 255 past the 8-byte packet/],
    ['00 08000080 7000 00 4142', 'malformed', /node path has no NUL/],
    ['00 01000000 c328 00 00', 'malformed', /method name is malformed UTF-8/],
    ['02 010000', 'malformed', /SIMPLIFY_PATH needs at least 5/],
    ['02 01000000', 'malformed', /node path has no NUL/],
    ['03', 'malformed', /CONFIRM_PATH with no path/],
    ['03 4142', 'malformed', /node path has no NUL/],
  ])('%j is %s', (bytes, drop, reason) => {
    const result = dropped(hex(bytes));
    expect(result.drop).toBe(drop);
    expect(result.reason).toMatch(reason);
  });

  it('every first byte from 5 to 255 is an unknown command; 0 to 4 are not', () => {
    for (let command = 0; command < 256; command++) {
      const result = decodePacket(Uint8Array.of(command, 1, 0, 0, 0, 0x61, 0, 0));
      expect(!result.ok && result.drop === 'unknown_command').toBe(command > 4);
    }
  });

  it('trailing bytes after the arguments are ignored (as Godot ignores the appended path), and an empty path is a path', () => {
    expect(decoded(hex(`00 01000000 ${PING} 00 deadbeef`))).toEqual(call(cached(1), 'ping'));
    expect(decoded(hex('03 00'))).toEqual({ command: 'confirm_path', path: '' });
    expect(decoded(hex(`03 ${MAIN_TARGET} ffff`))).toEqual({ command: 'confirm_path', path: 'Main/Target' });
  });

  it('an OBJECT argument in full form is malformed unless object decoding is allowed', () => {
    const bytes = hex(encoded(encodeRemoteCall(cached(1), 'take', [new GodotObject('Resource', { name: 'r' })])));
    expect(dropped(bytes).reason).toMatch(/argument 0: OBJECT in full form/);
    const packet = decoded(bytes, { allowObjects: true }) as Extract<MultiplayerPacket, { command: 'remote_call' }>;
    expect((packet.args[0] as GodotObject).className).toBe('Resource');
  });

  it('a RAW payload is the bytes after the command, as a view (no copy)', () => {
    const bytes = hex('04 0102');
    const packet = decoded(bytes) as Extract<MultiplayerPacket, { command: 'raw' }>;
    expect(packet.payload.buffer).toBe(bytes.buffer);
    expect([...packet.payload]).toEqual([1, 2]);
  });
});

describe('what the encoders refuse', () => {
  it.each([
    ['256 arguments', () => encodeRemoteCall(cached(1), 'f', new Array(MAX_RPC_ARGS + 1).fill(0)), /at most 255/],
    ['a NUL in a method name', () => encodeRemoteCall(cached(1), 'a\0b', []), /method name/],
    ['a NUL in a property name', () => encodeRemoteSet(cached(1), 'a\0b', 1), /property name/],
    ['a NUL in a path', () => encodeRemoteCall(full('Main\0'), 'f', []), /path/],
    ['a cached id with bit 31 set', () => encodeRemoteCall(cached(2 ** 31), 'f', []), /path id/],
    ['a negative cached id', () => encodeRemoteCall(cached(-1), 'f', []), /path id/],
    ['an argument that is not a Variant', () => encodeRemoteCall(cached(1), 'f', [1, undefined]), /argument 1/],
    ['a value that is not a Variant', () => encodeRemoteSet(cached(1), 'v', () => 0), /value/],
    ['an empty RAW payload', () => encodeRaw(new Uint8Array(0)), /empty RAW payload/],
    ['a SIMPLIFY_PATH id outside u32', () => encodeSimplifyPath(2 ** 32, 'a'), /u32/],
    ['an unknown command', () => encodePacket({ command: 'spawn' } as unknown as MultiplayerPacket), /unknown command/],
  ])('%s', (_what, encode, reason) => {
    const result = encode();
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(reason);
  });

  it('255 arguments is fine, and argc is their count', () => {
    const bytes = hex(encoded(encodeRemoteCall(cached(1), 'f', new Array(255).fill(null))));
    expect(bytes[7]).toBe(255);
    expect((decoded(bytes) as Extract<MultiplayerPacket, { command: 'remote_call' }>).args).toHaveLength(255);
  });
});

describe('hostile and random packets', () => {
  it('random bytes: never a throw, always a packet or a drop with a reason, in bounded time', () => {
    const started = performance.now();
    const packets = fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.tuple(fc.integer({ min: 0, max: 4 }), fc.uint8Array({ maxLength: 300 })).map(([c, rest]) => Uint8Array.of(c, ...rest)));
    fc.assert(
      fc.property(packets, fc.boolean(), (bytes, allowObjects) => {
        const result = decodePacket(bytes, { allowObjects });
        if (!result.ok) expect(result.reason).not.toMatch(/internal error/);
      }),
      { numRuns: 3000 },
    );
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('every truncation and every one-byte corruption of every capture: never a throw', () => {
    for (const [, capture] of CAPTURES) {
      const bytes = hex(capture);
      for (let cut = 0; cut < bytes.length; cut++) {
        const result = decodePacket(bytes.subarray(0, cut));
        if (!result.ok) expect(result.reason).not.toMatch(/internal error/);
      }
    }
    fc.assert(
      fc.property(fc.constantFrom(...CAPTURES.map(([, capture]) => capture)), fc.nat(), fc.integer({ min: 0, max: 255 }), (capture, at, byte) => {
        const bytes = hex(capture);
        bytes[at % bytes.length] = byte;
        const result = decodePacket(bytes, { allowObjects: true });
        if (!result.ok) expect(result.reason).not.toMatch(/internal error/);
      }),
      { numRuns: 2000 },
    );
  });

  it('a REMOTE_CALL claiming a 2^31-element array argument is refused at once', () => {
    const bytes = hex(`00 01000000 ${PING} 01 13000000 ffffff7f`);
    const started = performance.now();
    expect(dropped(bytes).reason).toMatch(/cannot fit/);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('random well-formed packets round-trip to the same bytes', () => {
    const name = fc.string({ maxLength: 12 }).filter((s) => !s.includes('\0'));
    const target = fc.oneof(fc.integer({ min: 0, max: 2 ** 31 - 1 }).map(cached), name.map(full));
    const arg = fc.oneof(fc.integer(), fc.double().map(real), name, fc.boolean(), fc.constant(null), fc.uint8Array({ maxLength: 6 }));
    const packet: fc.Arbitrary<MultiplayerPacket> = fc.oneof(
      fc.tuple(target, name, fc.array(arg, { maxLength: 6 })).map(([t, m, args]) => call(t, m, ...args)),
      fc.tuple(target, name, arg).map(([t, p, v]) => set(t, p, v)),
      fc.tuple(fc.nat(), name).map(([id, path]) => ({ command: 'simplify_path' as const, id, path })),
      name.map((path) => ({ command: 'confirm_path' as const, path })),
      fc.uint8Array({ minLength: 1, maxLength: 40 }).map((payload) => ({ command: 'raw' as const, payload })),
    );
    fc.assert(
      fc.property(packet, (p) => {
        const bytes = encodePacket(p);
        if (!bytes.ok) throw new Error(bytes.reason);
        const back = decoded(bytes.value, { exact: true });
        expect(samePacket(back, p)).toBe(true);
        expect(encoded(encodePacket(back))).toBe(toHex(bytes.value));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('packets share slabs, never bytes', () => {
  it('many small packets encoded in a row each keep their own bytes (views into a shared ArrayBuffer)', () => {
    const packets = Array.from({ length: 300 }, (_, i) => encodeRaw(Uint8Array.from({ length: 1 + (i % 120) }, () => i & 0xff)));
    packets.forEach((packet, i) => {
      if (!packet.ok) throw new Error(packet.reason);
      expect(packet.value.length).toBe(2 + (i % 120));
      expect(packet.value[0]).toBe(4);
      expect(packet.value.subarray(1).every((b) => b === (i & 0xff))).toBe(true);
    });
    const big = encodeRaw(new Uint8Array(5000).fill(9));
    expect(big.ok && big.value.buffer.byteLength).toBe(5001);
  });
});

describe('cost per packet', () => {
  it('a 200-byte RAW encodes and decodes in microseconds (20 000 of each in well under a second)', () => {
    const payload = Uint8Array.from({ length: 200 }, (_, i) => i);
    const started = performance.now();
    let total = 0;
    for (let i = 0; i < 20_000; i++) {
      const packet = encodeRaw(payload);
      if (!packet.ok) throw new Error(packet.reason);
      const back = decodePacket(packet.value);
      if (back.ok && back.packet.command === 'raw') total += back.packet.payload.length;
    }
    expect(total).toBe(200 * 20_000);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
