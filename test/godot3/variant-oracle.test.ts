/**
 * Our Godot 3 Variant codec (src/godot3/variant*.ts) against the real engine's: Godot 3.2.3's
 * `bytes2var`/`var2bytes` (decode_variant/encode_variant, core/io/marshalls.cpp) as an oracle.
 *
 * 1. Node → Godot: a fixed set of values of every Variant type and their edges, plus a seeded
 *    fast-check sample of nested values, encoded by us; Godot decodes each, says its `typeof` and
 *    `var2str`, and encodes it again. Its type must be our `variantTypeOf`, its bytes ours, and for
 *    the values whose meaning bytes alone cannot show (field order of the math types, big ints,
 *    text) its var2str what Godot would print for the value we meant.
 * 2. Godot → Node: values of every type Godot generates (seeded), decoded by us exactly
 *    (`exact: true`, objects refused) and encoded again: Godot's bytes, Godot's type.
 *
 * Three Godot 3.2 quirks are allowed for, and only these (support/oracle-bytes.ts): NodePath name
 * padding Godot leaves unwritten (masked), a null Object that Godot writes back as NIL, and an
 * absolute NodePath without names that Godot's decoder makes the empty path.
 *
 * One engine run for the whole file, well under a second of engine time. Run by scripts/test-godot3.sh.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
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
  Real,
  Rect2,
  RID,
  Transform,
  Transform2D,
  Vector2,
  Vector3,
  decodeVariant,
  encodeVariant,
  real,
  variantTypeOf,
  type Variant,
} from '../../src/godot3/variant.js';
import { hex } from './support/hex.js';
import { differences, godotView, type GodotView } from './support/oracle-bytes.js';
import { runOracle, type OracleInput, type OracleLine, type OracleRun } from './support/oracle.js';

const GENERATED = 600;
const GODOT_SEED = 20261202;
const SAMPLE = 300;
const SAMPLE_SEED = 42;

interface Fixed {
  name: string;
  value: unknown;
  /** Godot's var2str of the value we meant, where bytes alone cannot show the meaning. */
  text?: string;
  allowObjects?: boolean;
}

const v2 = (x: number, y: number) => new Vector2(x, y);
const v3 = (x: number, y: number, z: number) => new Vector3(x, y, z);
const rows = new Basis(v3(1, 2, 3), v3(4, 5, 6), v3(7, 8, 9));

/** Every type, and the edges where an encoder goes wrong: widths, padding, unicode, emptiness, depth. */
const FIXED: Fixed[] = [
  { name: 'null', value: null, text: 'null' },
  { name: 'true', value: true, text: 'true' },
  { name: 'false', value: false, text: 'false' },
  { name: 'int 0', value: 0, text: '0' },
  { name: 'int -7', value: -7, text: '-7' },
  { name: 'int32 max', value: 2 ** 31 - 1, text: '2147483647' },
  { name: 'int32 min', value: -(2 ** 31), text: '-2147483648' },
  { name: 'int32 max + 1 (64-bit)', value: 2 ** 31, text: '2147483648' },
  { name: 'int32 min - 1 (64-bit)', value: -(2 ** 31) - 1, text: '-2147483649' },
  { name: 'int 2^40', value: 2 ** 40, text: '1099511627776' },
  { name: 'int -2^40', value: -(2 ** 40), text: '-1099511627776' },
  { name: 'int 2^53 - 1', value: 2 ** 53 - 1, text: '9007199254740991' },
  { name: 'bigint 2^62', value: 2n ** 62n, text: '4611686018427387904' },
  { name: 'int64 max', value: 2n ** 63n - 1n, text: '9223372036854775807' },
  { name: 'int64 min', value: -(2n ** 63n), text: '-9223372036854775808' },
  { name: 'real 0.5 (f32)', value: 0.5, text: '0.5' },
  { name: 'real 0.1 (f64)', value: 0.1, text: '0.1' },
  { name: 'real(3) (forced REAL)', value: real(3), text: '3.0' },
  { name: 'real -0', value: real(-0) },
  { name: 'real -1/3', value: -1 / 3 },
  { name: 'real 1e20 (integer beyond int64)', value: 1e20 },
  { name: 'real f32 max', value: 3.4028234663852886e38 },
  { name: 'real f32 smallest denormal', value: Math.fround(1e-45) },
  { name: 'real 1e-45 (not an f32)', value: 1e-45 },
  { name: 'real 1e300', value: 1e300 },
  { name: 'real inf', value: Infinity, text: 'inf' },
  // Godot 3.2's var2str appends '.0' to "-inf" (not to "inf"): its text, not our bytes.
  { name: 'real -inf', value: -Infinity, text: '-inf.0' },
  { name: 'real nan', value: Number.NaN, text: 'nan' },
  { name: 'string empty', value: '', text: '""' },
  { name: 'string 3 bytes', value: 'abc', text: '"abc"' },
  { name: 'string 4 bytes', value: 'abcd', text: '"abcd"' },
  { name: 'string 5 bytes', value: 'abcde', text: '"abcde"' },
  { name: 'string é', value: 'héllo', text: '"héllo"' },
  { name: 'string astral and CJK', value: '😀 日本', text: '"😀 日本"' },
  { name: 'string controls and quotes', value: 'tab\tline\n"q" \\' },
  { name: 'string 1001 bytes', value: 'x'.repeat(999) + 'é' },
  // Longer than the encoder's kept buffer (64 KiB) can hold three bytes a char of: the encode always grows it.
  { name: 'string 30000 chars', value: 'x'.repeat(30_000) },
  { name: 'string 30000 chars of é', value: 'é'.repeat(30_000) },
  { name: 'Vector2', value: v2(1.5, -2), text: 'Vector2( 1.5, -2 )' },
  { name: 'Vector2 inf, -0', value: v2(Infinity, -0) },
  { name: 'Vector2 0.1 (rounded to f32)', value: v2(0.1, 1 / 3) },
  { name: 'Rect2', value: new Rect2(0, 1, 2, 3), text: 'Rect2( 0, 1, 2, 3 )' },
  { name: 'Vector3', value: v3(-1, 0.5, 8), text: 'Vector3( -1, 0.5, 8 )' },
  { name: 'Transform2D', value: new Transform2D(v2(1, 2), v2(3, 4), v2(5, 6)), text: 'Transform2D( 1, 2, 3, 4, 5, 6 )' },
  { name: 'Plane', value: new Plane(v3(0, 1, 0), 4), text: 'Plane( 0, 1, 0, 4 )' },
  { name: 'Quat', value: new Quat(0.25, 0.5, 0.75, 1), text: 'Quat( 0.25, 0.5, 0.75, 1 )' },
  { name: 'AABB', value: new AABB(v3(1, 2, 3), v3(4, 5, 6)), text: 'AABB( 1, 2, 3, 4, 5, 6 )' },
  { name: 'Basis (rows)', value: rows, text: 'Basis( 1, 2, 3, 4, 5, 6, 7, 8, 9 )' },
  { name: 'Transform', value: new Transform(rows, v3(10, 20, 30)), text: 'Transform( 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30 )' },
  { name: 'Color (default alpha)', value: new Color(0.25, 0.5, 0.75), text: 'Color( 0.25, 0.5, 0.75, 1 )' },
  { name: 'Color', value: new Color(1, 0, 0, 0.5), text: 'Color( 1, 0, 0, 0.5 )' },
  { name: 'NodePath absolute with subnames', value: NodePath.parse('/root/Main/Target:position:x'), text: 'NodePath("/root/Main/Target:position:x")' },
  { name: 'NodePath relative with a subname', value: NodePath.parse('a/b:c'), text: 'NodePath("a/b:c")' },
  { name: 'NodePath 4-byte name', value: NodePath.parse('abcd'), text: 'NodePath("abcd")' },
  { name: 'NodePath unicode', value: NodePath.parse('héllo/日本:😀'), text: 'NodePath("héllo/日本:😀")' },
  { name: 'NodePath parent', value: NodePath.parse('../Other'), text: 'NodePath("../Other")' },
  { name: 'NodePath subnames only', value: NodePath.parse(':a:b:c'), text: 'NodePath(":a:b:c")' },
  { name: 'NodePath /root', value: NodePath.parse('/root'), text: 'NodePath("/root")' },
  { name: 'NodePath empty', value: new NodePath(), text: 'NodePath("")' },
  // Godot's decoder makes NodePath([], [], true) its empty path (flags 0), though its encoder writes
  // its NodePath("/") with flags 1 (a quirk, allowed for in support/oracle-bytes.ts).
  { name: 'NodePath "/" (absolute, no names or subnames)', value: NodePath.parse('/'), text: 'NodePath("")' },
  { name: 'NodePath with a 30000-char name', value: NodePath.parse(`a/${'n'.repeat(30_000)}:x`) },
  { name: 'RID', value: new RID() },
  { name: 'null Object (id 0)', value: new ObjectId(0n), text: 'null' },
  { name: 'null Object (full form)', value: new GodotObject(''), allowObjects: true, text: 'null' },
  { name: 'Array with a null Object', value: [new ObjectId(0n), 1], text: '[ null, 1 ]' },
  { name: 'Dictionary of mixed keys', value: new Map<Variant, Variant>([[1, 'one'], ['two', [2, real(2)]], [v2(1, 1), new Map()], [null, true], [NodePath.parse('a:b'), 0.5]]) },
  { name: 'Dictionary from a plain object', value: { a: 1, b: { c: [null] } }, text: '{\n"a": 1,\n"b": {\n"c": [ null ]\n}\n}' },
  { name: 'Dictionary empty', value: new Map(), text: '{\n\n}' },
  { name: 'Dictionary with a 30000-char key', value: new Map<Variant, Variant>([['k'.repeat(30_000), 1]]) },
  { name: 'Array empty', value: [], text: '[  ]' },
  { name: 'Array nested empties', value: [[[[]]], [new Map(), '']] },
  { name: 'Array mixed', value: [1, 'a', [2.5, null]], text: '[ 1, "a", [ 2.5, null ] ]' },
  { name: 'Array 12 deep', value: Array.from({ length: 12 }).reduce<Variant>((inner) => [inner], 7) },
  { name: 'PoolByteArray empty', value: new Uint8Array(0) },
  { name: 'PoolByteArray 1', value: Uint8Array.of(1) },
  { name: 'PoolByteArray 5', value: Uint8Array.of(0, 1, 127, 128, 255) },
  { name: 'PoolIntArray empty', value: new Int32Array(0) },
  { name: 'PoolIntArray edges', value: Int32Array.of(-1, 0, 2 ** 31 - 1, -(2 ** 31)), text: 'PoolIntArray( -1, 0, 2147483647, -2147483648 )' },
  { name: 'PoolRealArray empty', value: new Float32Array(0) },
  { name: 'PoolRealArray', value: Float32Array.of(0.5, -1, Infinity, -0) },
  { name: 'PoolStringArray empty', value: new PoolStringArray([]) },
  { name: 'PoolStringArray', value: new PoolStringArray(['a', 'héllo', '', 'abc', 'abcd']), text: 'PoolStringArray( "a", "héllo", "", "abc", "abcd" )' },
  { name: 'PoolVector2Array empty', value: new PoolVector2Array([]) },
  { name: 'PoolVector2Array', value: new PoolVector2Array([v2(1, 2), v2(3, 4)]), text: 'PoolVector2Array( 1, 2, 3, 4 )' },
  { name: 'PoolVector3Array empty', value: new PoolVector3Array([]) },
  { name: 'PoolVector3Array', value: new PoolVector3Array([v3(1, 2, 3), v3(-4, 5.5, 0)]), text: 'PoolVector3Array( 1, 2, 3, -4, 5.5, 0 )' },
  { name: 'PoolColorArray empty', value: new PoolColorArray([]) },
  { name: 'PoolColorArray', value: new PoolColorArray([new Color(1, 0, 0), new Color(0, 1, 0, 0.5)]), text: 'PoolColorArray( 1, 0, 0, 1, 0, 1, 0, 0.5 )' },
];

/**
 * Nested values of every type. Godot compares strings by code point, so dictionary keys are
 * unique strings or ints; no NUL or leading BOM in text (Godot's String ends at a NUL and drops a
 * BOM), no NaN (its payload is not ours to keep), NodePath names not empty.
 */
function sampleValues(): Variant[] {
  const f32 = fc.float({ noNaN: true });
  const text = fc.string({ unit: 'grapheme', maxLength: 6 }).filter((s) => !s.includes('\0') && !s.startsWith('\uFEFF'));
  const name = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 5 }).filter((s) => !s.includes('\0') && !s.startsWith('\uFEFF'));
  const vector2 = fc.tuple(f32, f32).map(([x, y]) => v2(x, y));
  const vector3 = fc.tuple(f32, f32, f32).map(([x, y, z]) => v3(x, y, z));
  const color = fc.tuple(f32, f32, f32, f32).map(([r, g, b, a]) => new Color(r, g, b, a));
  const key = fc.oneof(fc.integer(), text);
  const leaf: fc.Arbitrary<Variant> = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    fc.double({ noNaN: true }).map(real),
    fc.double({ noNaN: true }),
    text,
    vector2,
    fc.tuple(f32, f32, f32, f32).map(([x, y, w, h]) => new Rect2(x, y, w, h)),
    vector3,
    fc.tuple(vector2, vector2, vector2).map(([x, y, o]) => new Transform2D(x, y, o)),
    fc.tuple(vector3, f32).map(([n, d]) => new Plane(n, d)),
    fc.tuple(f32, f32, f32, f32).map(([x, y, z, w]) => new Quat(x, y, z, w)),
    fc.tuple(vector3, vector3).map(([p, s]) => new AABB(p, s)),
    fc.tuple(vector3, vector3, vector3).map(([x, y, z]) => new Basis(x, y, z)),
    fc.tuple(vector3, vector3, vector3, vector3).map(([x, y, z, o]) => new Transform(new Basis(x, y, z), o)),
    color,
    fc.tuple(fc.array(name, { maxLength: 3 }), fc.array(name, { maxLength: 2 }), fc.boolean()).map(([n, s, a]) => new NodePath(n, s, a)),
    fc.constant(new RID()),
    fc.uint8Array({ maxLength: 9 }),
    fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 4 }).map((a) => Int32Array.from(a)),
    fc.array(f32, { maxLength: 4 }).map((a) => Float32Array.from(a)),
    fc.array(text, { maxLength: 4 }).map((a) => new PoolStringArray(a)),
    fc.array(vector2, { maxLength: 3 }).map((a) => new PoolVector2Array(a)),
    fc.array(vector3, { maxLength: 3 }).map((a) => new PoolVector3Array(a)),
    fc.array(color, { maxLength: 3 }).map((a) => new PoolColorArray(a)),
  );
  const { value } = fc.letrec<{ value: Variant }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      leaf,
      fc.array(tie('value'), { maxLength: 4 }),
      fc
        .uniqueArray(fc.tuple(key, tie('value')), { maxLength: 3, selector: ([k]) => `${typeof k}:${String(k)}` })
        .map((entries) => new Map<Variant, Variant>(entries)),
    ),
  }));
  return fc.sample(value, { numRuns: SAMPLE, seed: SAMPLE_SEED });
}

function encoded(value: unknown): Uint8Array {
  const result = encodeVariant(value);
  if (!result.ok) throw new Error(`our codec refused a test value: ${result.reason}`);
  return result.value;
}

/** Hex of at most 64 bytes, for failure messages. */
const cut = (bytes: Uint8Array) => (bytes.length > 64 ? `${hex(bytes.subarray(0, 64))}… (${bytes.length} bytes)` : hex(bytes));

/** What went wrong with one echoed value, '' if nothing. */
function echoProblem(ours: Uint8Array, value: unknown, godot: OracleLine, text?: string): string {
  const problems: string[] = [];
  if (!godot.decoded) problems.push("Godot's decode_variant refused our bytes");
  if (godot.type !== variantTypeOf(value)) problems.push(`Godot's typeof ${godot.type}, our variantTypeOf ${variantTypeOf(value)}`);
  let view: GodotView | null = null;
  try {
    view = godotView(ours, { echoed: true });
  } catch (error) {
    problems.push(`our bytes are not one whole Variant (${(error as Error).message})`);
  }
  const differ = view && differences(view, godot.bytes);
  if (differ) problems.push(`re-encoded bytes: ${differ}`);
  if (text !== undefined && godot.text !== text) problems.push(`var2str ${JSON.stringify(godot.text)}, expected ${JSON.stringify(text)}`);
  return problems.length === 0 ? '' : `${problems.join('; ')}\n  ours  ${cut(ours)}\n  godot ${cut(godot.bytes)}\n  var2str ${JSON.stringify(godot.text.slice(0, 120))}`;
}

/** What went wrong with one value Godot generated, '' if nothing. */
function generatedProblem(godot: OracleLine): string {
  const decoded = decodeVariant(godot.bytes, 0, { exact: true, allowObjects: false });
  const where = `\n  godot ${cut(godot.bytes)}\n  var2str ${JSON.stringify(godot.text.slice(0, 120))}`;
  if (!decoded.ok) return `our decoder refused it: ${decoded.reason}${where}`;
  const problems: string[] = [];
  if (decoded.length !== godot.bytes.length) problems.push(`we read ${decoded.length} of ${godot.bytes.length} bytes`);
  if (variantTypeOf(decoded.value) !== godot.type) problems.push(`our variantTypeOf ${variantTypeOf(decoded.value)}, Godot's typeof ${godot.type}`);
  const again = encodeVariant(decoded.value);
  if (!again.ok) return `our encoder refused what we decoded: ${again.reason}${where}`;
  try {
    const differ = differences(godotView(again.value, { echoed: false }), godot.bytes);
    if (differ) problems.push(`re-encoded bytes: ${differ}`);
  } catch (error) {
    problems.push(`our re-encoded bytes are not one whole Variant (${(error as Error).message})`);
  }
  return problems.length === 0 ? '' : `${problems.join('; ')}\n  ours  ${cut(again.value)}${where}`;
}

/** Type ids present among a value and everything inside it. */
function typesWithin(bytes: Uint8Array): Set<number> {
  const seen = new Set<number>();
  const visit = (value: unknown, depth: number): void => {
    if (depth > 70) return;
    const type = variantTypeOf(value);
    if (type !== null) seen.add(type);
    if (Array.isArray(value)) for (const item of value) visit(item, depth + 1);
    if (value instanceof Map)
      for (const [k, v] of value) {
        visit(k, depth + 1);
        visit(v, depth + 1);
      }
  };
  const decoded = decodeVariant(bytes, 0, { exact: true });
  if (decoded.ok) visit(decoded.value, 0);
  return seen;
}

describe('our Variant codec against Godot 3.2 (var2bytes / bytes2var)', () => {
  const sample = sampleValues();
  const inputs: OracleInput[] = [
    ...FIXED.map(({ value, allowObjects }) => ({ bytes: encoded(value), allowObjects })),
    ...sample.map((value) => ({ bytes: encoded(value) })),
  ];
  let run: OracleRun;

  beforeAll(async () => {
    run = await runOracle(inputs, { seed: GODOT_SEED, count: GENERATED });
  }, 60_000);

  it('Godot decodes every value we encode, as the type we say, and encodes it back to our bytes', () => {
    const problems: string[] = [];
    FIXED.forEach(({ name, value, text }, i) => {
      const problem = echoProblem(inputs[i]!.bytes, value, run.echoed[i]!, text);
      if (problem) problems.push(`${name}: ${problem}`);
    });
    sample.forEach((value, i) => {
      const problem = echoProblem(inputs[FIXED.length + i]!.bytes, value, run.echoed[FIXED.length + i]!);
      if (problem) problems.push(`sample ${i}: ${problem}`);
    });
    expect(problems).toEqual([]);
    // What the fixed set and the sample cover: every type id Godot can decode from us.
    const types = new Set(inputs.flatMap(({ bytes }) => [...typesWithin(bytes)]));
    expect([...types].sort((a, b) => a - b)).toEqual(Array.from({ length: 27 }, (_, i) => i));
  });

  it('Godot reports no decode error for any of our bytes', () => {
    const errors = run.stderr.split('\n').filter((line) => /marshalls|decode|get_var|bytes2var|SCRIPT ERROR/.test(line));
    expect(errors).toEqual([]);
  });

  it('the quirks allowed for are real: Godot 3.2 leaves NodePath padding unwritten, writes a null Object as NIL, decodes NodePath("/") as ""', () => {
    const nullObject = FIXED.findIndex(({ name }) => name === 'null Object (id 0)');
    expect(run.echoed[nullObject]!.type).toBe(17);
    expect(hex(run.echoed[nullObject]!.bytes)).toBe('00000000');
    // Our bytes for a NodePath are Godot's everywhere but the masked padding, which we write as zero.
    const path = FIXED.findIndex(({ name }) => name === 'NodePath relative with a subname');
    const view = godotView(inputs[path]!.bytes, { echoed: true });
    expect([...view.masked].sort((a, b) => a - b)).toEqual([21, 22, 23, 29, 30, 31, 37, 38, 39]);
    expect([...view.masked].every((at) => inputs[path]!.bytes[at] === 0)).toBe(true);
    // The comparison ignores those bytes and no others.
    const pads = Uint8Array.from(run.echoed[path]!.bytes, (byte, at) => (view.masked.has(at) ? 0x55 : byte));
    expect(differences(view, pads)).toBe('');
    const flipped = Uint8Array.from(pads, (byte, at) => (at === 20 ? byte ^ 1 : byte));
    expect(differences(view, flipped)).toBe('bytes differ at offsets 20');
    // Godot's encoder writes an absolute NodePath without names with flags 1; its decoder drops the flag.
    const root = FIXED.findIndex(({ name }) => name.startsWith('NodePath "/"'));
    expect(hex(inputs[root]!.bytes)).toBe('0f000000000000800000000001000000');
    expect(hex(run.echoed[root]!.bytes)).toBe('0f000000000000800000000000000000');
    expect(run.generated.some((line) => hex(line.bytes) === '0f000000000000800000000001000000' && line.text === 'NodePath("/")')).toBe(true);
  });

  it('we decode every value Godot generates, as its type, and encode it back to its bytes', () => {
    expect(run.generated).toHaveLength(GENERATED);
    const problems = run.generated.map((line) => generatedProblem(line)).flatMap((problem, i) => (problem ? [`generated ${i}: ${problem}`] : []));
    expect(problems).toEqual([]);
    const types = new Set(run.generated.flatMap(({ bytes }) => [...typesWithin(bytes)]));
    expect([...types].sort((a, b) => a - b)).toEqual(Array.from({ length: 27 }, (_, i) => i));
  });

  it('a Real decoded exactly keeps the width Godot chose (f32 or f64)', () => {
    const reals = run.generated.filter(({ type }) => type === 3);
    expect(reals.length).toBeGreaterThan(5);
    for (const line of reals) {
      const decoded = decodeVariant(line.bytes, 0, { exact: true });
      expect(decoded.ok && decoded.value instanceof Real).toBe(true);
    }
  });
});
