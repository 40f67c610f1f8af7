/**
 * Godot 3's `decode_variant` (core/io/marshalls.cpp, 3.2), bounded: every length is checked
 * against the bytes left before anything is read, and every count before anything is allocated
 * (each element takes at least 4 bytes, so a count can never ask for more than the bytes hold).
 * Nesting is bounded by `maxDepth`. Failures are values (`FAIL` + `reader.reason`), not throws.
 */
import { LITTLE_ENDIAN, readUtf8 } from './variant-bytes.js';
import { ENCODE_FLAG_64 } from './variant-encode.js';
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
  VARIANT_TYPE_COUNT,
  VariantType,
  variantTypeName,
  type Variant,
} from './variant-types.js';

/** Where a decode is: `bytes[pos, end)` is left to read. */
export interface VariantReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  pos: number;
  readonly end: number;
  /** Every REAL as a `Real` (so decoding then encoding Godot's bytes gives the same bytes). */
  readonly exact: boolean;
  /** OBJECT in full form (class name + properties); Godot refuses it (ERR_UNAUTHORIZED) unless object decoding is allowed. */
  readonly allowObjects: boolean;
  readonly maxDepth: number;
  /** Why the decode failed, set with FAIL. */
  reason: string;
}

export const FAIL: unique symbol = Symbol('decode failed');
type Result = Variant | typeof FAIL;

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function fail(reader: VariantReader, reason: string): typeof FAIL {
  reader.reason = reason;
  return FAIL;
}

function left(reader: VariantReader): number {
  return reader.end - reader.pos;
}

function u32(reader: VariantReader): number {
  const value = reader.view.getUint32(reader.pos, true);
  reader.pos += 4;
  return value;
}

/** A Godot `int32_t count = decode_uint32(buf)`. */
function i32(reader: VariantReader): number {
  const value = reader.view.getInt32(reader.pos, true);
  reader.pos += 4;
  return value;
}

function f32s(reader: VariantReader, count: number): number[] | null {
  if (left(reader) < count * 4) return null;
  const values: number[] = new Array(count);
  for (let i = 0; i < count; i++) values[i] = reader.view.getFloat32(reader.pos + i * 4, true);
  reader.pos += count * 4;
  return values;
}

/** Godot's `_decode_string`: u32 length, the bytes (up to a NUL) and the pad must all be there. */
function readString(reader: VariantReader, what: string): string | typeof FAIL {
  if (left(reader) < 4) return fail(reader, `${what}: no length`);
  const length = i32(reader);
  const padded = length + ((4 - (length % 4)) % 4);
  if (length < 0 || padded > left(reader)) return fail(reader, `${what}: length ${length >>> 0} past the end (${left(reader)} bytes left)`);
  const text = readUtf8(reader.bytes, reader.pos, reader.pos + length);
  if (text === null) return fail(reader, `${what}: malformed UTF-8`);
  reader.pos += padded;
  return text;
}

/** Reads one Variant at `reader.pos`, enclosed by `depth` containers. */
export function readVariant(reader: VariantReader, depth: number): Result {
  if (left(reader) < 4) return fail(reader, `Variant header: ${left(reader)} bytes left`);
  const header = u32(reader);
  // Godot masks the type with 0xFF and ignores the other bits but FLAG_64 (and OBJECT_AS_ID).
  const type = header & 0xff;
  const wide = (header & ENCODE_FLAG_64) !== 0;
  if (type >= VARIANT_TYPE_COUNT) return fail(reader, `unknown Variant type ${type}`);
  switch (type) {
    case VariantType.NIL:
      return null;
    case VariantType.BOOL:
      if (left(reader) < 4) return fail(reader, 'BOOL: truncated');
      return u32(reader) !== 0;
    case VariantType.INT:
      return readInt(reader, wide);
    case VariantType.REAL:
      return readReal(reader, wide);
    case VariantType.STRING:
      return readString(reader, 'STRING');
    case VariantType.NODE_PATH:
      return readNodePath(reader);
    case VariantType.RID:
      return new RID();
    case VariantType.OBJECT:
      return readObject(reader, wide, depth);
    case VariantType.DICTIONARY:
      return readDictionary(reader, depth);
    case VariantType.ARRAY:
      return readArray(reader, depth);
    case VariantType.POOL_BYTE_ARRAY:
      return readByteArray(reader);
    case VariantType.POOL_INT_ARRAY:
    case VariantType.POOL_REAL_ARRAY:
      return readTypedArray(reader, type);
    case VariantType.POOL_STRING_ARRAY:
      return readStringArray(reader);
    case VariantType.POOL_VECTOR2_ARRAY:
    case VariantType.POOL_VECTOR3_ARRAY:
    case VariantType.POOL_COLOR_ARRAY:
      return readMathArray(reader, type);
    default:
      return readMath(reader, type);
  }
}

function readInt(reader: VariantReader, wide: boolean): Result {
  if (!wide) return left(reader) < 4 ? fail(reader, 'INT: truncated') : i32(reader);
  if (left(reader) < 8) return fail(reader, 'INT (64-bit): truncated');
  const value = reader.view.getBigInt64(reader.pos, true);
  reader.pos += 8;
  return value <= SAFE && value >= -SAFE ? Number(value) : value;
}

function readReal(reader: VariantReader, wide: boolean): Result {
  let value: number;
  if (wide) {
    if (left(reader) < 8) return fail(reader, 'REAL (64-bit): truncated');
    value = reader.view.getFloat64(reader.pos, true);
    reader.pos += 8;
  } else {
    if (left(reader) < 4) return fail(reader, 'REAL: truncated');
    value = reader.view.getFloat32(reader.pos, true);
    reader.pos += 4;
  }
  return reader.exact ? new Real(value) : value;
}

const MATH_SIZES: Record<number, number> = {
  [VariantType.VECTOR2]: 2,
  [VariantType.RECT2]: 4,
  [VariantType.VECTOR3]: 3,
  [VariantType.TRANSFORM2D]: 6,
  [VariantType.PLANE]: 4,
  [VariantType.QUAT]: 4,
  [VariantType.AABB]: 6,
  [VariantType.BASIS]: 9,
  [VariantType.TRANSFORM]: 12,
  [VariantType.COLOR]: 4,
};

function readMath(reader: VariantReader, type: number): Result {
  const f = f32s(reader, MATH_SIZES[type]!);
  if (f === null) return fail(reader, `${variantTypeName(type)}: truncated`);
  return mathValue(type, f, 0);
}

/** A math value from its f32 fields `f[at …]`, in wire order. */
function mathValue(type: number, f: number[], at: number): Variant {
  switch (type) {
    case VariantType.VECTOR2:
      return new Vector2(f[at]!, f[at + 1]!);
    case VariantType.RECT2:
      return new Rect2(f[at]!, f[at + 1]!, f[at + 2]!, f[at + 3]!);
    case VariantType.VECTOR3:
      return vector3(f, at);
    case VariantType.TRANSFORM2D:
      return new Transform2D(new Vector2(f[at]!, f[at + 1]!), new Vector2(f[at + 2]!, f[at + 3]!), new Vector2(f[at + 4]!, f[at + 5]!));
    case VariantType.PLANE:
      return new Plane(vector3(f, at), f[at + 3]!);
    case VariantType.QUAT:
      return new Quat(f[at]!, f[at + 1]!, f[at + 2]!, f[at + 3]!);
    case VariantType.AABB:
      return new AABB(vector3(f, at), vector3(f, at + 3));
    case VariantType.BASIS:
      return basis(f, at);
    case VariantType.TRANSFORM:
      return new Transform(basis(f, at), vector3(f, at + 9));
    default:
      return new Color(f[at]!, f[at + 1]!, f[at + 2]!, f[at + 3]!);
  }
}

function vector3(f: number[], at: number): Vector3 {
  return new Vector3(f[at]!, f[at + 1]!, f[at + 2]!);
}

function basis(f: number[], at: number): Basis {
  return new Basis(vector3(f, at), vector3(f, at + 3), vector3(f, at + 6));
}

function readNodePath(reader: VariantReader): Result {
  if (left(reader) < 4) return fail(reader, 'NODE_PATH: truncated');
  const first = u32(reader);
  if ((first & 0x80000000) === 0) return fail(reader, 'NODE_PATH in the old (string) format, which Godot 3 refuses');
  if (left(reader) < 8) return fail(reader, 'NODE_PATH: truncated');
  const nameCount = first & 0x7fffffff;
  let subnameCount = u32(reader);
  const flags = u32(reader);
  if (flags & 2) subnameCount++; // Godot's obsolete format: the property counted apart from the subnames
  const total = nameCount + subnameCount;
  if (total * 4 > left(reader)) return fail(reader, `NODE_PATH: ${total} names cannot fit in ${left(reader)} bytes`);
  const names: string[] = [];
  const subnames: string[] = [];
  for (let i = 0; i < total; i++) {
    const name = readString(reader, 'NODE_PATH name');
    if (name === FAIL) return FAIL;
    (i < nameCount ? names : subnames).push(name);
  }
  return new NodePath(names, subnames, (flags & 1) !== 0);
}

function readObject(reader: VariantReader, asId: boolean, depth: number): Result {
  if (asId) {
    if (left(reader) < 8) return fail(reader, 'OBJECT id: truncated');
    const id = reader.view.getBigUint64(reader.pos, true);
    reader.pos += 8;
    return new ObjectId(id);
  }
  if (!reader.allowObjects) return fail(reader, 'OBJECT in full form, with object decoding not allowed (Godot: ERR_UNAUTHORIZED)');
  if (depth >= reader.maxDepth) return fail(reader, `nesting deeper than ${reader.maxDepth}`);
  const className = readString(reader, 'OBJECT class');
  if (className === FAIL) return FAIL;
  if (className === '') return new GodotObject('');
  if (left(reader) < 4) return fail(reader, 'OBJECT: no property count');
  const count = i32(reader);
  if (count * 8 > left(reader)) return fail(reader, `OBJECT: ${count} properties cannot fit in ${left(reader)} bytes`);
  const properties = new Map<string, Variant>();
  for (let i = 0; i < count; i++) {
    const name = readString(reader, 'OBJECT property name');
    if (name === FAIL) return FAIL;
    const value = readVariant(reader, depth + 1);
    if (value === FAIL) return FAIL;
    properties.set(name, value);
  }
  return new GodotObject(className, properties);
}

function readDictionary(reader: VariantReader, depth: number): Result {
  if (depth >= reader.maxDepth) return fail(reader, `nesting deeper than ${reader.maxDepth}`);
  if (left(reader) < 4) return fail(reader, 'DICTIONARY: no count');
  const count = u32(reader) & 0x7fffffff; // bit 31 ("shared") is ignored, as Godot does
  if (count * 8 > left(reader)) return fail(reader, `DICTIONARY: ${count} entries cannot fit in ${left(reader)} bytes`);
  const dictionary = new Map<Variant, Variant>();
  for (let i = 0; i < count; i++) {
    const key = readVariant(reader, depth + 1);
    if (key === FAIL) return FAIL;
    const value = readVariant(reader, depth + 1);
    if (value === FAIL) return FAIL;
    dictionary.set(key, value);
  }
  return dictionary;
}

function readArray(reader: VariantReader, depth: number): Result {
  if (depth >= reader.maxDepth) return fail(reader, `nesting deeper than ${reader.maxDepth}`);
  if (left(reader) < 4) return fail(reader, 'ARRAY: no count');
  const count = u32(reader) & 0x7fffffff;
  if (count * 4 > left(reader)) return fail(reader, `ARRAY: ${count} elements cannot fit in ${left(reader)} bytes`);
  const array: Variant[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const value = readVariant(reader, depth + 1);
    if (value === FAIL) return FAIL;
    array[i] = value;
  }
  return array;
}

function readByteArray(reader: VariantReader): Result {
  if (left(reader) < 4) return fail(reader, 'POOL_BYTE_ARRAY: no length');
  const count = i32(reader);
  if (count < 0 || count > left(reader)) return fail(reader, `POOL_BYTE_ARRAY: length ${count >>> 0} past the end (${left(reader)} bytes left)`);
  const bytes = reader.bytes.slice(reader.pos, reader.pos + count);
  // Godot counts the pad without checking it is there: a byte array may end the buffer unpadded.
  reader.pos = Math.min(reader.end, reader.pos + count + ((4 - (count % 4)) % 4));
  return bytes;
}

function readTypedArray(reader: VariantReader, type: number): Result {
  const name = variantTypeName(type)!;
  if (left(reader) < 4) return fail(reader, `${name}: no count`);
  const count = i32(reader);
  if (count < 0 || count * 4 > left(reader)) return fail(reader, `${name}: ${count >>> 0} elements cannot fit in ${left(reader)} bytes`);
  const array = type === VariantType.POOL_INT_ARRAY ? new Int32Array(count) : new Float32Array(count);
  if (LITTLE_ENDIAN) {
    new Uint8Array(array.buffer).set(reader.bytes.subarray(reader.pos, reader.pos + count * 4));
  } else {
    for (let i = 0; i < count; i++) {
      array[i] = array instanceof Int32Array ? reader.view.getInt32(reader.pos + i * 4, true) : reader.view.getFloat32(reader.pos + i * 4, true);
    }
  }
  reader.pos += count * 4;
  return array;
}

function readStringArray(reader: VariantReader): Result {
  if (left(reader) < 4) return fail(reader, 'POOL_STRING_ARRAY: no count');
  // A negative count reads as an empty array in Godot 3 (its loop never runs): the same here.
  const count = Math.max(0, i32(reader));
  if (count * 4 > left(reader)) return fail(reader, `POOL_STRING_ARRAY: ${count} strings cannot fit in ${left(reader)} bytes`);
  const values: string[] = new Array(count);
  for (let i = 0; i < count; i++) {
    // Each length counts the NUL after the text; Godot's string reading stops at that NUL.
    const text = readString(reader, 'POOL_STRING_ARRAY entry');
    if (text === FAIL) return FAIL;
    values[i] = text;
  }
  return new PoolStringArray(values);
}

const ELEMENT_OF: Record<number, [number, number]> = {
  [VariantType.POOL_VECTOR2_ARRAY]: [VariantType.VECTOR2, 2],
  [VariantType.POOL_VECTOR3_ARRAY]: [VariantType.VECTOR3, 3],
  [VariantType.POOL_COLOR_ARRAY]: [VariantType.COLOR, 4],
};

function readMathArray(reader: VariantReader, type: number): Result {
  const name = variantTypeName(type)!;
  const [elementType, fields] = ELEMENT_OF[type]!;
  if (left(reader) < 4) return fail(reader, `${name}: no count`);
  const count = i32(reader);
  if (count < 0 || count * fields * 4 > left(reader)) return fail(reader, `${name}: ${count >>> 0} elements cannot fit in ${left(reader)} bytes`);
  const f = f32s(reader, count * fields)!;
  const values = new Array(count);
  for (let i = 0; i < count; i++) values[i] = mathValue(elementType, f, i * fields);
  if (type === VariantType.POOL_VECTOR2_ARRAY) return new PoolVector2Array(values);
  if (type === VariantType.POOL_VECTOR3_ARRAY) return new PoolVector3Array(values);
  return new PoolColorArray(values);
}
