/**
 * Godot 3's Variant as JavaScript values: what `encodeVariant` takes and `decodeVariant` returns
 * (variant.ts). Numbers follow Godot's INT/REAL split: an integer JS number is an INT, a
 * non-integer one a REAL, and `real(v)` forces a REAL (so `real(2)` is Godot's `2.0`). Math types
 * hold plain numbers; on the wire they are f32, and `variantsEqual` compares them as f32.
 */

/** `Variant::Type` of Godot 3 (core/variant.h, 3.2), the type id in every encoded header. */
export const VariantType = {
  NIL: 0,
  BOOL: 1,
  INT: 2,
  REAL: 3,
  STRING: 4,
  VECTOR2: 5,
  RECT2: 6,
  VECTOR3: 7,
  TRANSFORM2D: 8,
  PLANE: 9,
  QUAT: 10,
  AABB: 11,
  BASIS: 12,
  TRANSFORM: 13,
  COLOR: 14,
  NODE_PATH: 15,
  RID: 16,
  OBJECT: 17,
  DICTIONARY: 18,
  ARRAY: 19,
  POOL_BYTE_ARRAY: 20,
  POOL_INT_ARRAY: 21,
  POOL_REAL_ARRAY: 22,
  POOL_STRING_ARRAY: 23,
  POOL_VECTOR2_ARRAY: 24,
  POOL_VECTOR3_ARRAY: 25,
  POOL_COLOR_ARRAY: 26,
} as const;
export type VariantType = (typeof VariantType)[keyof typeof VariantType];
/** One past the last type id (`Variant::VARIANT_MAX`): a header whose low byte is at least this is refused. */
export const VARIANT_TYPE_COUNT = 27;

const TYPE_NAMES = Object.keys(VariantType) as (keyof typeof VariantType)[];
/** `VariantType` member name of a type id (`'NODE_PATH'` for 15), or `null` for an unknown id. */
export function variantTypeName(type: number): keyof typeof VariantType | null {
  return Number.isInteger(type) && type >= 0 && type < VARIANT_TYPE_COUNT ? TYPE_NAMES[type]! : null;
}

/** A REAL whatever its value: `new Real(2)` encodes as Godot's `2.0`, where the number 2 is an INT. */
export class Real {
  constructor(readonly value: number) {}
}
/** `real(2)`: shorthand for `new Real(2)`. */
export function real(value: number): Real {
  return new Real(value);
}

export class Vector2 {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

export class Rect2 {
  constructor(
    readonly x: number,
    readonly y: number,
    readonly width: number,
    readonly height: number,
  ) {}
}

export class Vector3 {
  constructor(
    readonly x: number,
    readonly y: number,
    readonly z: number,
  ) {}
}

/** Godot's `elements[0..2]`: the x axis, the y axis, the origin. */
export class Transform2D {
  constructor(
    readonly x: Vector2,
    readonly y: Vector2,
    readonly origin: Vector2,
  ) {}
}

export class Plane {
  constructor(
    readonly normal: Vector3,
    readonly d: number,
  ) {}
}

export class Quat {
  constructor(
    readonly x: number,
    readonly y: number,
    readonly z: number,
    readonly w: number,
  ) {}
}

export class AABB {
  constructor(
    readonly position: Vector3,
    readonly size: Vector3,
  ) {}
}

/** Godot's three rows `elements[0..2]`, in that order on the wire. */
export class Basis {
  constructor(
    readonly x: Vector3,
    readonly y: Vector3,
    readonly z: Vector3,
  ) {}
}

export class Transform {
  constructor(
    readonly basis: Basis,
    readonly origin: Vector3,
  ) {}
}

export class Color {
  constructor(
    readonly r: number,
    readonly g: number,
    readonly b: number,
    readonly a: number = 1,
  ) {}
}

/** Godot 3's NodePath: names (`a/b`), subnames (`:c`), absolute (a leading `/`). */
export class NodePath {
  readonly names: readonly string[];
  readonly subnames: readonly string[];
  constructor(
    names: readonly string[] = [],
    subnames: readonly string[] = [],
    readonly absolute: boolean = false,
  ) {
    this.names = [...names];
    this.subnames = [...subnames];
  }

  /**
   * Godot's `NodePath(String)`: a leading `/` makes it absolute, everything after the first `:`
   * is `:`-separated subnames, empty names (`a//b`) are skipped. Where Godot fails ("Invalid
   * NodePath", an empty subname between two colons) this returns the empty NodePath, as Godot does.
   */
  static parse(text: string): NodePath {
    if (text.length === 0) return new NodePath();
    const absolute = text.startsWith('/');
    const colon = text.indexOf(':');
    const subnames: string[] = [];
    let path = text;
    if (colon !== -1) {
      const parts = text.slice(colon + 1).split(':');
      for (let i = 0; i < parts.length; i++) {
        if (parts[i] === '') {
          if (i === parts.length - 1) continue; // Godot allows a trailing ':'
          return new NodePath();
        }
        subnames.push(parts[i]!);
      }
      path = text.slice(0, colon);
    }
    const names = path.split('/').filter((name) => name !== '');
    if (names.length === 0 && !absolute && subnames.length === 0) return new NodePath();
    return new NodePath(names, subnames, absolute);
  }

  isEmpty(): boolean {
    return this.names.length === 0 && this.subnames.length === 0 && !this.absolute;
  }

  /** Godot's `String(NodePath)`: `/a/b:c`. */
  toString(): string {
    let text = (this.absolute ? '/' : '') + this.names.join('/');
    for (const subname of this.subnames) text += ':' + subname;
    return text;
  }
}

/** Godot's RID: on the wire it has no body, and decodes as an empty RID. */
export class RID {}

/** An OBJECT sent as an instance id (`ENCODE_FLAG_OBJECT_AS_ID`, Godot's default); id 0 is a null object. */
export class ObjectId {
  constructor(readonly id: bigint) {}
}

/**
 * An OBJECT in full form (class name, then its stored properties), which Godot sends and accepts
 * only with object decoding allowed. `decodeVariant` returns one only with `allowObjects`. A class
 * name of `''` is a null object (on the wire, the class name's empty string alone).
 */
export class GodotObject {
  readonly properties: ReadonlyMap<string, Variant>;
  constructor(
    readonly className: string,
    properties: ReadonlyMap<string, Variant> | Readonly<Record<string, Variant>> = new Map(),
  ) {
    this.properties = properties instanceof Map ? new Map(properties) : new Map(Object.entries(properties));
  }
}

export class PoolStringArray {
  readonly values: readonly string[];
  constructor(values: readonly string[] = []) {
    this.values = [...values];
  }
}

export class PoolVector2Array {
  readonly values: readonly Vector2[];
  constructor(values: readonly Vector2[] = []) {
    this.values = [...values];
  }
}

export class PoolVector3Array {
  readonly values: readonly Vector3[];
  constructor(values: readonly Vector3[] = []) {
    this.values = [...values];
  }
}

export class PoolColorArray {
  readonly values: readonly Color[];
  constructor(values: readonly Color[] = []) {
    this.values = [...values];
  }
}

/** A DICTIONARY as decoded: insertion order kept; object keys compare by identity (JS Map). */
export type VariantDictionary = Map<Variant, Variant>;

/**
 * A Godot 3 Variant. NIL `null`, BOOL `boolean`, INT an integer `number` (or `bigint` outside
 * ±2^53), REAL a non-integer `number` (or one beyond int64, such as 1e20) or a `Real`, STRING `string`, POOL_BYTE_ARRAY `Uint8Array`,
 * POOL_INT_ARRAY `Int32Array`, POOL_REAL_ARRAY `Float32Array`, ARRAY `Variant[]`, DICTIONARY a
 * `Map` (encode also takes a plain object with string keys), the rest the classes above.
 */
export type Variant =
  | null
  | boolean
  | number
  | bigint
  | Real
  | string
  | Vector2
  | Rect2
  | Vector3
  | Transform2D
  | Plane
  | Quat
  | AABB
  | Basis
  | Transform
  | Color
  | NodePath
  | RID
  | ObjectId
  | GodotObject
  | VariantDictionary
  | Variant[]
  | Uint8Array
  | Int32Array
  | Float32Array
  | PoolStringArray
  | PoolVector2Array
  | PoolVector3Array
  | PoolColorArray;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const TWO_63 = 2 ** 63;

/** Whether an integer (number or bigint) fits Godot's int64. */
export function fitsInt64(value: number | bigint): boolean {
  return typeof value === 'bigint' ? value >= INT64_MIN && value <= INT64_MAX : value >= -TWO_63 && value < TWO_63;
}

/** A plain object (`{}` or `Object.create(null)`), which encodes as a DICTIONARY with string keys. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** The math types (a fixed run of f32s each: `mathFields`), with their Variant type. */
export const MATH_TYPES: readonly [new (...args: never[]) => object, VariantType][] = [
  [Vector2, VariantType.VECTOR2],
  [Rect2, VariantType.RECT2],
  [Vector3, VariantType.VECTOR3],
  [Transform2D, VariantType.TRANSFORM2D],
  [Plane, VariantType.PLANE],
  [Quat, VariantType.QUAT],
  [AABB, VariantType.AABB],
  [Basis, VariantType.BASIS],
  [Transform, VariantType.TRANSFORM],
  [Color, VariantType.COLOR],
];

const CLASS_TYPES: [new (...args: never[]) => object, VariantType][] = [
  [Real, VariantType.REAL],
  ...MATH_TYPES,
  [NodePath, VariantType.NODE_PATH],
  [RID, VariantType.RID],
  [ObjectId, VariantType.OBJECT],
  [GodotObject, VariantType.OBJECT],
  [Map, VariantType.DICTIONARY],
  [Uint8Array, VariantType.POOL_BYTE_ARRAY],
  [Int32Array, VariantType.POOL_INT_ARRAY],
  [Float32Array, VariantType.POOL_REAL_ARRAY],
  [PoolStringArray, VariantType.POOL_STRING_ARRAY],
  [PoolVector2Array, VariantType.POOL_VECTOR2_ARRAY],
  [PoolVector3Array, VariantType.POOL_VECTOR3_ARRAY],
  [PoolColorArray, VariantType.POOL_COLOR_ARRAY],
];

/**
 * The Variant type a JS value encodes as, or `null` when it is none (undefined, a function, a
 * symbol, a bigint outside int64, an object of another class). Shallow: an array's elements are
 * not looked at.
 */
export function variantTypeOf(value: unknown): VariantType | null {
  switch (typeof value) {
    case 'boolean':
      return VariantType.BOOL;
    case 'number':
      // An integer beyond int64 (1e20) can only be a REAL: there it goes, exactly as the double it is.
      return Number.isInteger(value) && fitsInt64(value) ? VariantType.INT : VariantType.REAL;
    case 'bigint':
      return fitsInt64(value) ? VariantType.INT : null;
    case 'string':
      return VariantType.STRING;
    case 'object':
      if (value === null) return VariantType.NIL;
      if (Array.isArray(value)) return VariantType.ARRAY;
      for (const [type, id] of CLASS_TYPES) if (value instanceof type) return id;
      return isPlainObject(value) ? VariantType.DICTIONARY : null;
    default:
      return null;
  }
}

/** `Math.fround` equality, NaN equal to NaN: how f32 fields compare. */
function sameF32(a: number, b: number): boolean {
  const fa = Math.fround(a);
  const fb = Math.fround(b);
  return fa === fb || (fa !== fa && fb !== fb);
}

function sameF32s(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameF32(a[i]!, b[i]!)) return false;
  return true;
}

/** The f32 fields of a math value, in wire order (the ones a variantsEqual compares). */
export function mathFields(value: object): number[] | null {
  if (value instanceof Vector2) return [value.x, value.y];
  if (value instanceof Rect2) return [value.x, value.y, value.width, value.height];
  if (value instanceof Vector3) return [value.x, value.y, value.z];
  if (value instanceof Transform2D) return [value.x.x, value.x.y, value.y.x, value.y.y, value.origin.x, value.origin.y];
  if (value instanceof Plane) return [value.normal.x, value.normal.y, value.normal.z, value.d];
  if (value instanceof Quat) return [value.x, value.y, value.z, value.w];
  if (value instanceof AABB) return [value.position.x, value.position.y, value.position.z, value.size.x, value.size.y, value.size.z];
  if (value instanceof Basis) return [value.x.x, value.x.y, value.x.z, value.y.x, value.y.y, value.y.z, value.z.x, value.z.y, value.z.z];
  if (value instanceof Transform) return [...mathFields(value.basis)!, value.origin.x, value.origin.y, value.origin.z];
  if (value instanceof Color) return [value.r, value.g, value.b, value.a];
  return null;
}

function dictionaryEntries(value: unknown): [unknown, unknown][] {
  return value instanceof Map ? [...value.entries()] : Object.entries(value as Record<string, unknown>);
}

/**
 * Deep equality of two Variants by Godot's model: the same type and value. An INT `5` equals
 * `5n`; a REAL `1.5` equals `real(1.5)`; an INT `2` is not a REAL `real(2)`; f32 fields compare
 * after `Math.fround`; dictionaries compare as key sets (order ignored; a Map equals a plain
 * object with the same string keys). Quadratic in a dictionary's size when keys are objects: a
 * tool for tests and checks, not for a per-packet path.
 */
export function variantsEqual(a: unknown, b: unknown, depth = 0): boolean {
  if (depth > 256) return false;
  const type = variantTypeOf(a);
  if (type === null || type !== variantTypeOf(b)) return false;
  switch (type) {
    case VariantType.NIL:
      return true;
    case VariantType.BOOL:
    case VariantType.STRING:
      return a === b;
    case VariantType.INT:
      return BigInt(a as number | bigint) === BigInt(b as number | bigint);
    case VariantType.REAL: {
      const x = a instanceof Real ? a.value : (a as number);
      const y = b instanceof Real ? b.value : (b as number);
      return x === y || (x !== x && y !== y);
    }
    case VariantType.NODE_PATH: {
      const x = a as NodePath;
      const y = b as NodePath;
      const same = (p: readonly string[], q: readonly string[]) => p.length === q.length && p.every((name, i) => name === q[i]);
      return x.absolute === y.absolute && same(x.names, y.names) && same(x.subnames, y.subnames);
    }
    case VariantType.RID:
      return true;
    case VariantType.OBJECT:
      if (a instanceof ObjectId || b instanceof ObjectId) return a instanceof ObjectId && b instanceof ObjectId && a.id === b.id;
      return (a as GodotObject).className === (b as GodotObject).className && entriesEqual([...(a as GodotObject).properties], [...(b as GodotObject).properties], depth);
    case VariantType.ARRAY: {
      const x = a as unknown[];
      const y = b as unknown[];
      if (x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) if (!variantsEqual(x[i], y[i], depth + 1)) return false;
      return true;
    }
    case VariantType.DICTIONARY:
      return entriesEqual(dictionaryEntries(a), dictionaryEntries(b), depth);
    case VariantType.POOL_BYTE_ARRAY:
    case VariantType.POOL_INT_ARRAY: {
      const x = a as Uint8Array | Int32Array;
      const y = b as Uint8Array | Int32Array;
      if (x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
      return true;
    }
    case VariantType.POOL_REAL_ARRAY:
      return sameF32s(a as Float32Array, b as Float32Array);
    case VariantType.POOL_STRING_ARRAY: {
      const x = (a as PoolStringArray).values;
      const y = (b as PoolStringArray).values;
      return x.length === y.length && x.every((s, i) => s === y[i]);
    }
    case VariantType.POOL_VECTOR2_ARRAY:
    case VariantType.POOL_VECTOR3_ARRAY:
    case VariantType.POOL_COLOR_ARRAY: {
      const x = (a as PoolVector2Array).values;
      const y = (b as PoolVector2Array).values;
      return x.length === y.length && x.every((v, i) => sameF32s(mathFields(v)!, mathFields(y[i]!)!));
    }
    default:
      return sameF32s(mathFields(a as object)!, mathFields(b as object)!);
  }
}

function entriesEqual(x: [unknown, unknown][], y: [unknown, unknown][], depth: number): boolean {
  if (x.length !== y.length) return false;
  const unmatched = [...y];
  for (const [key, value] of x) {
    const index = unmatched.findIndex(([otherKey]) => variantsEqual(key, otherKey, depth + 1));
    if (index === -1 || !variantsEqual(value, unmatched[index]![1], depth + 1)) return false;
    unmatched.splice(index, 1);
  }
  return true;
}
