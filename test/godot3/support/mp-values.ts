/**
 * The values of test/godot3/mp-project/values.gd in the JS model of src/godot3/variant-types.ts:
 * what Godot's steps send, and what Node sends Godot. Godot prints var2str of its own values at
 * start (EVENT values); a value Node sent must come out of Godot's decoder as that same text.
 */
import { inspect } from 'node:util';
import {
  AABB,
  Basis,
  Color,
  NodePath,
  Plane,
  PoolColorArray,
  PoolStringArray,
  PoolVector2Array,
  PoolVector3Array,
  Quat,
  Rect2,
  RID,
  Transform,
  Transform2D,
  Vector2,
  Vector3,
  variantsEqual,
  type Variant,
} from '../../../src/godot3/variant-types.js';

/** `hello("text", 42, true, Vector2(1, 2), [1, "a"], {"k": 2})` (§5.3). */
export function helloArgs(): Variant[] {
  return ['text', 42, true, new Vector2(1, 2), [1, 'a'], new Map<Variant, Variant>([['k', 2]])];
}

/** `types(0.1, 1 << 40, -2, null, NodePath("a/b:c"), ...)` (§5.5); typeof of each: {@link TYPES_TYPES}. */
export function typesArgs(): Variant[] {
  return [0.1, 2 ** 40, -2, null, NodePath.parse('a/b:c'), new Color(1, 0, 0.5, 1), new Uint8Array([9, 8, 7]), new Vector3(1, 2, 3), 'héllo', new PoolStringArray(['x', 'yz'])];
}

export const TYPES_TYPES = [3, 2, 2, 0, 15, 14, 20, 7, 4, 23];

/**
 * values.gd's every_value(): one value of every type in TYPE_* order but OBJECT (17), then ints and
 * reals that need 64 bits and empty containers. GDScript's `Basis(a, b, c)` takes columns, the
 * wire (and this model) rows: its Basis((1,2,3), (4,5,6), (7,8,9)) is rows (1,4,7), (2,5,8), (3,6,9).
 */
export function everyValue(): Variant[] {
  const basis = new Basis(new Vector3(1, 4, 7), new Vector3(2, 5, 8), new Vector3(3, 6, 9));
  return [
    null,
    true,
    -7,
    1.5,
    'héllo wörld',
    new Vector2(1.5, -2),
    new Rect2(1, 2, 3, 4),
    new Vector3(1, 2, 3),
    new Transform2D(new Vector2(1, 2), new Vector2(3, 4), new Vector2(5, 6)),
    new Plane(new Vector3(0, 1, 0), 2.5),
    new Quat(0.5, -0.5, 0.25, 1),
    new AABB(new Vector3(1, 2, 3), new Vector3(4, 5, 6)),
    basis,
    new Transform(basis, new Vector3(10, 11, 12)),
    new Color(1, 0, 0.5, 0.25),
    NodePath.parse('/root/Main:value:x'),
    new RID(),
    new Map<Variant, Variant>([['k', 2], [3, [4, 'x']]]),
    [1, 'a', [2.5, null]],
    new Uint8Array([0, 1, 254, 255]),
    new Int32Array([1, -2, 2 ** 30]),
    new Float32Array([0.5, -1.25]),
    new PoolStringArray(['x', '', 'yz']),
    new PoolVector2Array([new Vector2(1, 2), new Vector2(-3, 0.5)]),
    new PoolVector3Array([new Vector3(1, 2, 3)]),
    new PoolColorArray([new Color(0, 0.5, 1, 1)]),
    2 ** 40,
    -(2 ** 33),
    0.1,
    '',
    [],
    new Map(),
  ];
}

/** typeof of each of {@link everyValue} in Godot (TYPE_* numbers). */
export const EVERY_TYPES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19, 20, 21, 22, 23, 24, 25, 26, 2, 2, 3, 4, 19, 18];

/** Throws, naming the first item that differs (with both sides), unless `actual` equals `expected` item for item by variantsEqual. */
export function expectVariants(actual: readonly unknown[], expected: readonly Variant[], what: string): void {
  const show = (value: unknown) => inspect(value, { depth: 6, breakLength: Infinity });
  if (actual.length !== expected.length) throw new Error(`${what}: ${actual.length} values, expected ${expected.length}: ${show(actual)}`);
  expected.forEach((value, index) => {
    if (!variantsEqual(actual[index], value)) throw new Error(`${what}: item ${index} is ${show(actual[index])}, expected ${show(value)}`);
  });
}
