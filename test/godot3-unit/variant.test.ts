/**
 * Godot 3 Variant encoding against the bytes the real engine (3.2.3) sent, in
 * /work/shared/reference/godot3-multiplayer-wire.md §5.3 and §5.5, then every type both ways,
 * Godot's FLAG_64 choices, and hostile input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AABB,
  Basis,
  Color,
  GodotObject,
  NodePath,
  ObjectId,
  Plane,
  PoolColorArray,
  PoolStringArray,
  PoolVector2Array,
  PoolVector3Array,
  Quat,
  RID,
  Real,
  Rect2,
  Transform,
  Transform2D,
  Vector2,
  Vector3,
  VariantType,
  decodeVariant,
  encodeVariant,
  encodeVariants,
  real,
  variantTypeOf,
  variantsEqual,
  type Variant,
} from '../../src/godot3/variant.js';

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function encoded(value: unknown): string {
  const result = encodeVariant(value);
  if (!result.ok) throw new Error(`encode refused: ${result.reason}`);
  return toHex(result.value);
}

function decoded(bytes: Uint8Array, options = {}): { value: Variant; length: number } {
  const result = decodeVariant(bytes, 0, options);
  if (!result.ok) throw new Error(`decode refused: ${result.reason}`);
  return result;
}

function refusal(bytes: Uint8Array, options = {}): string {
  const result = decodeVariant(bytes, 0, options);
  expect(result.ok).toBe(false);
  return result.ok ? '' : result.reason;
}

/** [capture, the value Godot printed for it, its type id] — each Variant of §5.3's hello and §5.5's types. */
const GODOT_VALUES: [string, Variant, number][] = [
  ['04000000 04000000 74657874', 'text', VariantType.STRING],
  ['02000000 2a000000', 42, VariantType.INT],
  ['01000000 01000000', true, VariantType.BOOL],
  ['05000000 0000803f 00000040', new Vector2(1, 2), VariantType.VECTOR2],
  ['13000000 02000000 02000000 01000000 04000000 01000000 61000000', [1, 'a'], VariantType.ARRAY],
  ['12000000 01000000 04000000 01000000 6b000000 02000000 02000000', new Map([['k', 2]]), VariantType.DICTIONARY],
  ['03000000 0000c03f', real(1.5), VariantType.REAL],
  ['03000100 9a9999999999b93f', real(0.1), VariantType.REAL],
  ['02000100 0000000000010000', 1099511627776, VariantType.INT],
  ['02000000 feffffff', -2, VariantType.INT],
  ['00000000', null, VariantType.NIL],
  ['0f000000 02000080 01000000 00000000 01000000 61000000 01000000 62000000 01000000 63000000', NodePath.parse('a/b:c'), VariantType.NODE_PATH],
  ['0e000000 0000803f 00000000 0000003f 0000803f', new Color(1, 0, 0.5, 1), VariantType.COLOR],
  ['14000000 03000000 09080700', Uint8Array.of(9, 8, 7), VariantType.POOL_BYTE_ARRAY],
  ['07000000 0000803f 00000040 00004040', new Vector3(1, 2, 3), VariantType.VECTOR3],
  ['04000000 06000000 68c3a96c6c6f 0000', 'héllo', VariantType.STRING],
  ['17000000 02000000 02000000 78000000 03000000 797a0000', new PoolStringArray(['x', 'yz']), VariantType.POOL_STRING_ARRAY],
];

describe('Godot 3.2.3 captures', () => {
  it.each(GODOT_VALUES)('%s decodes to what Godot printed and re-encodes byte for byte', (capture, value, type) => {
    const bytes = hex(capture);
    const { value: got, length } = decoded(bytes, { exact: true });
    expect(length).toBe(bytes.length);
    expect(variantsEqual(got, value)).toBe(true);
    expect(variantTypeOf(got)).toBe(type);
    expect(encoded(got)).toBe(toHex(bytes));
    expect(encoded(value)).toBe(toHex(bytes));
  });

  it('a NodePath("a/b:c") from Godot is relative, two names, one subname, and prints as Godot prints it', () => {
    const path = decoded(hex(GODOT_VALUES[11]![0])).value as NodePath;
    expect([path.names, path.subnames, path.absolute, String(path)]).toEqual([['a', 'b'], ['c'], false, 'a/b:c']);
  });

  it('NodePath name pads are not read: Godot 3.2.3 leaves whatever was in memory there (this is its var2bytes of NodePath("a/b:c"))', () => {
    const path = decoded(hex('0f000000 02000080 01000000 00000000 01000000 61c12242 01000000 62aaaabe 01000000 637f0000')).value;
    expect(variantsEqual(path, NodePath.parse('a/b:c'))).toBe(true);
  });

  it('without exact, a REAL is a plain number (and one with an integer value reads as an INT would)', () => {
    expect(decoded(hex('03000000 0000c03f')).value).toBe(1.5);
    expect(decoded(hex('03000000 00000040')).value).toBe(2);
    expect(decoded(hex('03000000 00000040'), { exact: true }).value).toEqual(new Real(2));
  });
});

describe('numbers: what Godot picks', () => {
  it.each([
    [2 ** 31 - 1, '02000000 ffffff7f'],
    [2 ** 31, '02000100 0000008000000000'],
    [-(2 ** 31), '02000000 00000080'],
    [-(2 ** 31) - 1, '02000100 ffffff7fffffffff'],
    [2n ** 53n + 1n, '02000100 0100000000002000'],
    [-(2n ** 63n), '02000100 0000000000000080'],
    [2n ** 63n - 1n, '02000100 ffffffffffffff7f'],
    [7n, '02000000 07000000'],
    [0, '02000000 00000000'],
  ])('INT %s', (value, bytes) => {
    expect(encoded(value)).toBe(toHex(hex(bytes)));
    const back = decoded(hex(bytes)).value;
    expect(variantsEqual(back, value)).toBe(true);
    expect(typeof back).toBe(typeof value === 'bigint' && (value > 2n ** 53n || value < -(2n ** 53n)) ? 'bigint' : 'number');
  });

  it('a bigint outside int64 is refused, with a reason; a number beyond int64 can only be a REAL, and is one', () => {
    for (const value of [2n ** 63n, -(2n ** 63n) - 1n]) {
      const result = encodeVariant(value);
      expect(result.ok ? '' : result.reason).toMatch(/outside Godot's int64/);
    }
    expect(variantTypeOf(1e300)).toBe(VariantType.REAL);
    expect(encoded(1e300)).toBe(toHex(hex('03000100 9c7500883ce4377e')));
    expect(encoded(2 ** 64)).toBe(toHex(hex('03000000 0000805f')));
    expect(encoded(2 ** 62)).toBe(toHex(hex('02000100 0000000000000040')));
  });

  it.each([
    [1.5, '03000000 0000c03f'],
    [real(2), '03000000 00000040'],
    [0.1, '03000100 9a9999999999b93f'],
    [Infinity, '03000000 0000807f'],
    [-Infinity, '03000000 000080ff'],
    [real(-0), '03000000 00000080'],
    [NaN, '03000100 000000000000f87f'],
  ])('REAL %s: f32 when f32 holds it exactly, else FLAG_64 and f64 (NaN too: NaN != NaN in Godot\'s test)', (value, bytes) => {
    expect(encoded(value)).toBe(toHex(hex(bytes)));
    expect(variantsEqual(decoded(hex(bytes), { exact: true }).value, value)).toBe(true);
  });

  it('2 is an INT and real(2) a REAL, and they are not equal Variants', () => {
    expect(variantTypeOf(2)).toBe(VariantType.INT);
    expect(variantTypeOf(real(2))).toBe(VariantType.REAL);
    expect(variantTypeOf(2.5)).toBe(VariantType.REAL);
    expect(variantsEqual(2, real(2))).toBe(false);
    expect(variantsEqual(5, 5n)).toBe(true);
  });
});

describe('strings', () => {
  it.each([
    ['', '04000000 00000000'],
    ['abcd', '04000000 04000000 61626364'],
    ['😀', '04000000 04000000 f09f9880'],
    ['日本', '04000000 06000000 e697a5e69cac 0000'],
  ])('%j: u32 byte length, UTF-8, zero pad', (value, bytes) => {
    expect(encoded(value)).toBe(toHex(hex(bytes)));
    expect(decoded(hex(bytes)).value).toBe(value);
  });

  it('malformed UTF-8 is refused, as Godot 3 refuses it (ERR_INVALID_DATA)', () => {
    expect(refusal(hex('04000000 02000000 c328 0000'))).toMatch(/malformed UTF-8/);
    expect(refusal(hex('04000000 01000000 ff000000'))).toMatch(/malformed UTF-8/);
  });

  it('reading stops at a NUL and skips a leading BOM, as Godot\'s parse_utf8 does', () => {
    expect(decoded(hex('04000000 03000000 610062 00')).value).toBe('a');
    expect(decoded(hex('04000000 04000000 efbbbf61')).value).toBe('a');
  });

  it('POOL_STRING_ARRAY entries count their NUL; empty entries and an empty array', () => {
    expect(encoded(new PoolStringArray(['', 'abc']))).toBe(toHex(hex('17000000 02000000 01000000 00000000 04000000 61626300')));
    expect(encoded(new PoolStringArray([]))).toBe(toHex(hex('17000000 00000000')));
  });
});

/** One value of every Variant type, and nestings of them. */
const SAMPLES: Variant[] = [
  null,
  true,
  false,
  -7,
  2 ** 40,
  2n ** 60n,
  real(3),
  0.25,
  'text',
  new Vector2(1.5, -2),
  new Rect2(0, 1, 2, 3),
  new Vector3(-1, 0.5, 8),
  new Transform2D(new Vector2(1, 0), new Vector2(0, 1), new Vector2(5, 6)),
  new Plane(new Vector3(0, 1, 0), 4),
  new Quat(0, 0, 0, 1),
  new AABB(new Vector3(1, 2, 3), new Vector3(4, 5, 6)),
  new Basis(new Vector3(1, 2, 3), new Vector3(4, 5, 6), new Vector3(7, 8, 9)),
  new Transform(new Basis(new Vector3(1, 0, 0), new Vector3(0, 1, 0), new Vector3(0, 0, 1)), new Vector3(10, 20, 30)),
  new Color(0.25, 0.5, 0.75),
  NodePath.parse('/root/Main/Target:position:x'),
  new NodePath(),
  new RID(),
  new ObjectId(1234n),
  new ObjectId(0n),
  new Map<Variant, Variant>([
    [1, 'one'],
    ['two', [2, real(2)]],
    [new Vector2(1, 1), new Map()],
  ]),
  [],
  [[[[]]], [new Map([['deep', [null]]])]],
  new Uint8Array(0),
  Uint8Array.of(1, 2, 3, 4, 5),
  Int32Array.of(-1, 0, 2 ** 31 - 1),
  Float32Array.of(0.5, -1, Infinity),
  new Int32Array(0),
  new PoolStringArray(['a', 'héllo', '']),
  new PoolVector2Array([new Vector2(1, 2), new Vector2(3, 4)]),
  new PoolVector3Array([new Vector3(1, 2, 3)]),
  new PoolColorArray([new Color(1, 0, 0), new Color(0, 1, 0, 0.5)]),
  new PoolVector2Array([]),
];

describe('every type both ways', () => {
  it.each(SAMPLES.map((value) => [variantTypeOf(value), value] as const))('type %i: encode → decode gives an equal Variant, and encoding that gives the same bytes', (type, value) => {
    expect(type).not.toBeNull();
    const bytes = encodeVariant(value);
    if (!bytes.ok) throw new Error(bytes.reason);
    expect(bytes.value.length % 4).toBe(0);
    const back = decoded(bytes.value, { exact: true });
    expect(back.length).toBe(bytes.value.length);
    expect(variantsEqual(back.value, value)).toBe(true);
    expect(variantTypeOf(back.value)).toBe(type);
    expect(encoded(back.value)).toBe(toHex(bytes.value));
  });

  it('a plain object is a DICTIONARY with string keys, in insertion order', () => {
    const back = decoded(hex(encoded({ b: 1, a: [true] }))).value as Map<Variant, Variant>;
    expect(back).toBeInstanceOf(Map);
    expect([...back.keys()]).toEqual(['b', 'a']);
    expect(variantsEqual(back, { a: [true], b: 1 })).toBe(true);
  });

  it('an OBJECT in full form needs allowObjects, as Godot needs allow_object_decoding (else ERR_UNAUTHORIZED)', () => {
    const object = new GodotObject('Resource', { resource_name: 'r', size: new Vector2(1, 2) });
    const bytes = hex(encoded(object));
    expect(refusal(bytes)).toMatch(/not allowed/);
    const back = decoded(bytes, { allowObjects: true, exact: true }).value;
    expect(variantsEqual(back, object)).toBe(true);
    expect(encoded(back)).toBe(toHex(bytes));
    expect(encoded(new GodotObject(''))).toBe(toHex(hex('11000000 00000000')));
  });

  it('encodeVariants puts arguments back to back and counts them', () => {
    const result = encodeVariants([1.5, 'a']);
    expect(result.ok && [toHex(result.value), result.count]).toEqual([toHex(hex('03000000 0000c03f 04000000 01000000 61000000')), 2]);
    const failed = encodeVariants([1, undefined]);
    expect(failed.ok ? '' : failed.reason).toMatch(/argument 1/);
  });

  it('what is not a Variant is refused with a reason, never thrown', () => {
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    const throwing = { get x() { throw new Error('getter'); } };
    for (const value of [undefined, () => 1, Symbol('s'), new Date(), cyclic, new ObjectId(-1n), throwing, [new Vector2(1, 2), new Set()]]) {
      const result = encodeVariant(value);
      expect(result.ok).toBe(false);
      expect(result.ok ? '' : result.reason).not.toBe('');
    }
  });
});

describe('NodePath as Godot parses it', () => {
  it.each([
    ['Main/Target', ['Main', 'Target'], [], false],
    ['/root/Main', ['root', 'Main'], [], true],
    ['a/b:c:d', ['a', 'b'], ['c', 'd'], false],
    [':x', [], ['x'], false],
    ['a//b/', ['a', 'b'], [], false],
    ['a:', ['a'], [], false],
    ['a::b', [], [], false],
    ['', [], [], false],
  ])('%j', (text, names, subnames, absolute) => {
    const path = NodePath.parse(text);
    expect([path.names, path.subnames, path.absolute]).toEqual([names, subnames, absolute]);
  });
});

describe('hostile bytes', () => {
  it('unknown type ids, short headers and every truncation of a valid value are refused, never thrown', () => {
    expect(refusal(hex('1b000000'))).toMatch(/unknown Variant type 27/);
    expect(refusal(hex('ff000000'))).toMatch(/unknown Variant type 255/);
    expect(refusal(hex('0000'))).toMatch(/header/);
    for (const value of SAMPLES) {
      const bytes = hex(encoded(value));
      for (let cut = 0; cut < bytes.length; cut++) {
        const result = decodeVariant(bytes.subarray(0, cut), 0, { exact: true });
        // A shorter prefix may still be a whole value only when what was cut was a byte array's pad.
        if (result.ok) expect(variantTypeOf(value)).toBe(VariantType.POOL_BYTE_ARRAY);
      }
    }
  });

  it('counts and lengths claiming 2^31 are refused by the size check, without allocating for them', () => {
    const claims = [
      '13000000 ffffff7f', // ARRAY, 2^31-1 elements
      '12000000 ffffffff', // DICTIONARY, 2^31-1 entries (bit 31 ignored)
      '14000000 ffffff7f 00000000', // POOL_BYTE_ARRAY
      '15000000 ffffff7f', // POOL_INT_ARRAY
      '16000000 ffffff7f', // POOL_REAL_ARRAY
      '17000000 ffffff7f', // POOL_STRING_ARRAY
      '18000000 ffffff7f', // POOL_VECTOR2_ARRAY
      '19000000 ffffff7f',
      '1a000000 ffffff7f',
      '04000000 ffffff7f', // STRING of 2^31-1 bytes
      '0f000000 ffffffff ffffffff 00000000', // NODE_PATH of 2^31-1 + 2^32-1 names
    ];
    const started = performance.now();
    for (const claim of claims) expect(refusal(hex(claim))).toMatch(/cannot fit|past the end/);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('a negative byte-array length is refused; a negative string-array count is empty, as in Godot', () => {
    expect(refusal(hex('14000000 ffffffff'))).toMatch(/past the end/);
    expect(decoded(hex('17000000 ffffffff')).value).toEqual(new PoolStringArray([]));
  });

  it('bit 31 of an ARRAY count is ignored, as Godot ignores it ("shared")', () => {
    expect(decoded(hex('13000000 00000080')).value).toEqual([]);
  });

  it('a byte array may end the buffer without its pad (Godot does not check the pad)', () => {
    const { value, length } = decoded(hex('14000000 03000000 010203'));
    expect([[...(value as Uint8Array)], length]).toEqual([[1, 2, 3], 11]);
  });

  it('NodePath in the old string format is refused, as in Godot 3', () => {
    expect(refusal(hex('0f000000 04000000 61626364'))).toMatch(/old/);
  });

  it('nesting deeper than maxDepth (default 64) is refused both ways', () => {
    const nest = (levels: number): Variant => (levels === 0 ? 1 : [nest(levels - 1)]);
    const deep = hex(encoded(nest(64)));
    expect(decoded(deep).length).toBe(deep.length);
    expect(encodeVariant(nest(65)).ok).toBe(false);
    const deeper = hex('13000000 01000000' + toHex(deep));
    expect(refusal(deeper)).toMatch(/nesting deeper than 64/);
    expect(refusal(deep, { maxDepth: 10 })).toMatch(/nesting deeper than 10/);
    // An ARRAY claiming one element per 4 bytes can still only nest as deep as the bytes and maxDepth allow.
    const chain = hex('13000000 01000000'.repeat(5000));
    expect(refusal(chain)).toMatch(/nesting deeper than 64/);
  });

  it('random bytes: never a throw, always a value or a reason, in bounded time', () => {
    const started = performance.now();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.boolean(), (bytes, allowObjects) => {
        const result = decodeVariant(bytes, 0, { allowObjects });
        if (result.ok) expect(result.length).toBeLessThanOrEqual(bytes.length);
        else expect(result.reason).not.toMatch(/internal error/);
      }),
      { numRuns: 2000 },
    );
    // 2000 decodes of up to 256 bytes: linear work is well under a millisecond each.
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('random bytes after a plausible header (a type id, then counts): the same', () => {
    const headed = fc.tuple(fc.integer({ min: 0, max: 26 }), fc.uint8Array({ maxLength: 200 })).map(([type, rest]) => Uint8Array.of(type, 0, 0, 0, ...rest));
    fc.assert(
      fc.property(headed, (bytes) => {
        const result = decodeVariant(bytes, 0, { allowObjects: true });
        if (!result.ok) expect(result.reason).not.toMatch(/internal error/);
      }),
      { numRuns: 2000 },
    );
  });
});

/** Variants whose every field is exactly representable where it goes (f32 fields are f32 values). */
const f32 = fc.float();
const text = fc.string({ unit: 'grapheme', maxLength: 8 }).filter((s) => !s.includes('\0') && !s.startsWith('\uFEFF'));
const vector2 = fc.tuple(f32, f32).map(([x, y]) => new Vector2(x, y));
const vector3 = fc.tuple(f32, f32, f32).map(([x, y, z]) => new Vector3(x, y, z));
const color = fc.tuple(f32, f32, f32, f32).map(([r, g, b, a]) => new Color(r, g, b, a));
const { variant } = fc.letrec<{ variant: Variant; leaf: Variant; container: Variant }>((tie) => ({
  variant: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('leaf'), tie('container')),
  leaf: fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    fc.double().map(real),
    text,
    vector2,
    vector3,
    color,
    fc.tuple(f32, f32, f32, f32).map(([x, y, w, h]) => new Rect2(x, y, w, h)),
    fc.tuple(vector2, vector2, vector2).map(([x, y, o]) => new Transform2D(x, y, o)),
    fc.tuple(vector3, f32).map(([n, d]) => new Plane(n, d)),
    fc.tuple(f32, f32, f32, f32).map(([x, y, z, w]) => new Quat(x, y, z, w)),
    fc.tuple(vector3, vector3).map(([p, s]) => new AABB(p, s)),
    fc.tuple(vector3, vector3, vector3, vector3).map(([x, y, z, o]) => new Transform(new Basis(x, y, z), o)),
    fc.tuple(fc.array(text, { maxLength: 3 }), fc.array(text, { maxLength: 2 }), fc.boolean()).map(([n, s, a]) => new NodePath(n, s, a)),
    fc.constant(new RID()),
    fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((id) => new ObjectId(id)),
    fc.uint8Array({ maxLength: 9 }),
    fc.array(fc.integer(), { maxLength: 4 }).map((a) => Int32Array.from(a)),
    fc.array(f32, { maxLength: 4 }).map((a) => Float32Array.from(a)),
    fc.array(text, { maxLength: 4 }).map((a) => new PoolStringArray(a)),
    fc.array(vector2, { maxLength: 3 }).map((a) => new PoolVector2Array(a)),
    fc.array(vector3, { maxLength: 3 }).map((a) => new PoolVector3Array(a)),
    fc.array(color, { maxLength: 3 }).map((a) => new PoolColorArray(a)),
  ),
  container: fc.oneof(
    fc.array(tie('variant'), { maxLength: 4 }),
    fc.array(fc.tuple(tie('leaf'), tie('variant')), { maxLength: 4 }).map((entries) => new Map(entries)),
  ),
}));

describe('property: encode → decode → encode', () => {
  it('any Variant comes back equal and its bytes come back identical', () => {
    fc.assert(
      fc.property(variant, (value) => {
        const first = encodeVariant(value);
        if (!first.ok) throw new Error(first.reason);
        const back = decodeVariant(first.value, 0, { exact: true });
        if (!back.ok) throw new Error(back.reason);
        expect(back.length).toBe(first.value.length);
        expect(variantsEqual(back.value, value)).toBe(true);
        const second = encodeVariant(back.value);
        expect(second.ok && toHex(second.value)).toBe(toHex(first.value));
      }),
      { numRuns: 500 },
    );
  });
});

describe('a string that grows the encoder buffer', () => {
  // Found against the real engine (test/godot3/variant-oracle.test.ts): the length went into the buffer the growth replaced, and Godot read "".
  it('keeps its length field, alone, inside containers and in a packet', async () => {
    const { encodePacket, decodePacket } = await import('../../src/godot3/wire.js');
    for (const length of [200, 30_000, 70_000]) {
      const text = 'x'.repeat(length);
      const encoded = encodeVariant(text);
      if (!encoded.ok) throw new Error(encoded.reason);
      expect(new DataView(encoded.value.buffer, encoded.value.byteOffset).getUint32(4, true)).toBe(length);
      const back = decodeVariant(encoded.value);
      expect(back.ok && back.value).toBe(text);
      const nested = encodeVariant(new Map<string, unknown>([[text, [text]]]) as never);
      if (!nested.ok) throw new Error(nested.reason);
      const nestedBack = decodeVariant(nested.value);
      expect(nestedBack.ok && variantsEqual(nestedBack.value, new Map([[text, [text]]]) as never)).toBe(true);
      const packet = encodePacket({ command: 'remote_call', target: { kind: 'cached', id: 1 }, method: 'say', args: [text] });
      if (!packet.ok) throw new Error(packet.reason);
      const decoded = decodePacket(packet.value);
      expect(decoded.ok && decoded.packet.command === 'remote_call' && decoded.packet.args[0]).toBe(text);
    }
  });
});
