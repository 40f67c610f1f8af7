/**
 * Godot 3's `encode_variant` (core/io/marshalls.cpp, 3.2) into a ByteSink: a u32 header
 * `type | flags`, then the body, padded to 4 bytes. FLAG_64 marks an INT outside int32 and a
 * REAL that f32 cannot hold exactly (`(double)(float)v != v`, so NaN goes as f64 too, as in Godot).
 */
import { LITTLE_ENDIAN, pad4, reserve, writeBytes, writeU32, writeUtf8, type ByteSink } from './variant-bytes.js';
import {
  GodotObject,
  NodePath,
  ObjectId,
  PoolColorArray,
  PoolStringArray,
  PoolVector2Array,
  PoolVector3Array,
  RID,
  Real,
  VariantType,
  fitsInt64,
  isPlainObject,
  mathFields,
  MATH_TYPES,
} from './variant-types.js';

export const ENCODE_FLAG_64 = 1 << 16;
/** The same bit on an OBJECT: the body is an instance id, not a class and its properties. */
export const ENCODE_FLAG_OBJECT_AS_ID = 1 << 16;
/** How many containers (arrays, dictionaries, objects) may enclose a value, by default, both ways. */
export const DEFAULT_MAX_DEPTH = 64;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * Appends `value` encoded; returns `null`, or why it cannot be encoded (the sink then holds a
 * partial value: the caller drops it). `depth` is how many containers enclose `value`.
 */
export function writeVariant(sink: ByteSink, value: unknown, depth: number, maxDepth: number): string | null {
  if (depth === 0) sink.base = sink.length;
  switch (typeof value) {
    case 'boolean':
      writeU32(sink, VariantType.BOOL);
      writeU32(sink, value ? 1 : 0);
      return null;
    case 'number':
      return Number.isInteger(value) && fitsInt64(value) ? writeInt(sink, value) : writeReal(sink, value);
    case 'bigint':
      return writeInt(sink, value);
    case 'string':
      writeU32(sink, VariantType.STRING);
      writeString(sink, value);
      return null;
    case 'object':
      return value === null ? (writeU32(sink, VariantType.NIL), null) : writeObject(sink, value, depth, maxDepth);
    default:
      return value === undefined ? 'undefined is not a Variant' : `a ${typeof value} is not a Variant`;
  }
}

function writeInt(sink: ByteSink, value: number | bigint): string | null {
  if (value >= INT32_MIN && value <= INT32_MAX) {
    writeU32(sink, VariantType.INT);
    reserve(sink, 4);
    sink.view.setInt32(sink.length, Number(value), true);
    sink.length += 4;
    return null;
  }
  if (!fitsInt64(value)) return `integer ${value} is outside Godot's int64`;
  writeU32(sink, VariantType.INT | ENCODE_FLAG_64);
  reserve(sink, 8);
  sink.view.setBigInt64(sink.length, BigInt(value), true);
  sink.length += 8;
  return null;
}

function writeReal(sink: ByteSink, value: number): null {
  if (Math.fround(value) === value) {
    writeU32(sink, VariantType.REAL);
    writeF32s(sink, [value]);
  } else {
    writeU32(sink, VariantType.REAL | ENCODE_FLAG_64);
    reserve(sink, 8);
    sink.view.setFloat64(sink.length, value, true);
    sink.length += 8;
  }
  return null;
}

function writeF32s(sink: ByteSink, values: readonly number[]): void {
  reserve(sink, values.length * 4);
  for (const v of values) {
    sink.view.setFloat32(sink.length, v, true);
    sink.length += 4;
  }
}

/** u32 byte length + UTF-8 + pad (STRING, NodePath names, property and class names). */
function writeString(sink: ByteSink, text: string): void {
  const at = sink.length;
  writeU32(sink, 0);
  // writeUtf8 may grow the sink (a new bytes and view): take the length first, then write it through the view it left.
  const length = writeUtf8(sink, text);
  sink.view.setUint32(at, length, true);
  pad4(sink);
}

/** Exact classes first (one Map lookup); subclasses still match by instanceof below. */
const MATH_TYPE_OF = new Map<unknown, number>(MATH_TYPES);

function writeObject(sink: ByteSink, value: object, depth: number, maxDepth: number): string | null {
  const mathType = MATH_TYPE_OF.get(value.constructor);
  if (mathType !== undefined) {
    writeU32(sink, mathType);
    writeF32s(sink, mathFields(value)!);
    return null;
  }
  if (value instanceof Real) return typeof value.value === 'number' ? writeReal(sink, value.value) : 'a Real holds a non-number';
  if (Array.isArray(value)) {
    if (depth >= maxDepth) return `nesting deeper than ${maxDepth}`;
    writeU32(sink, VariantType.ARRAY);
    writeU32(sink, value.length);
    for (let i = 0; i < value.length; i++) {
      const failed = writeVariant(sink, value[i], depth + 1, maxDepth);
      if (failed !== null) return `[${i}]: ${failed}`;
    }
    return null;
  }
  if (value instanceof Map || isPlainObject(value)) return writeDictionary(sink, value, depth, maxDepth);
  if (value instanceof Uint8Array) {
    writeU32(sink, VariantType.POOL_BYTE_ARRAY);
    writeU32(sink, value.length);
    writeBytes(sink, value);
    pad4(sink);
    return null;
  }
  if (value instanceof Int32Array || value instanceof Float32Array) {
    writeU32(sink, value instanceof Int32Array ? VariantType.POOL_INT_ARRAY : VariantType.POOL_REAL_ARRAY);
    writeU32(sink, value.length);
    writeTypedArray(sink, value);
    return null;
  }
  for (const [type, id] of MATH_TYPES) {
    if (value instanceof type) {
      writeU32(sink, id);
      writeF32s(sink, mathFields(value)!);
      return null;
    }
  }
  if (value instanceof NodePath) return writeNodePath(sink, value);
  if (value instanceof RID) return (writeU32(sink, VariantType.RID), null);
  if (value instanceof ObjectId) {
    if (typeof value.id !== 'bigint' || value.id < 0n || value.id > UINT64_MAX) return `ObjectId ${String(value.id)} is not a u64 bigint`;
    writeU32(sink, VariantType.OBJECT | ENCODE_FLAG_OBJECT_AS_ID);
    reserve(sink, 8);
    sink.view.setBigUint64(sink.length, value.id, true);
    sink.length += 8;
    return null;
  }
  if (value instanceof GodotObject) return writeFullObject(sink, value, depth, maxDepth);
  if (value instanceof PoolStringArray) {
    writeU32(sink, VariantType.POOL_STRING_ARRAY);
    writeU32(sink, value.values.length);
    for (const text of value.values) {
      // Unlike STRING, each entry's length counts a NUL that follows the text.
      const at = sink.length;
      writeU32(sink, 0);
      const length = writeUtf8(sink, String(text));
      writeBytes(sink, ZERO);
      sink.view.setUint32(at, length + 1, true);
      pad4(sink);
    }
    return null;
  }
  for (const [type, id] of POOL_MATH_TYPES) {
    if (value instanceof type) {
      const values = (value as PoolVector2Array).values;
      writeU32(sink, id);
      writeU32(sink, values.length);
      for (const element of values) {
        const fields = element === null || typeof element !== 'object' ? null : mathFields(element);
        if (fields === null) return `a ${type.name} holds a non-math value`;
        writeF32s(sink, fields);
      }
      return null;
    }
  }
  return `${value.constructor?.name ?? 'this object'} is not a Variant`;
}

const ZERO = new Uint8Array(1);
const POOL_MATH_TYPES: [new (...args: never[]) => object, number][] = [
  [PoolVector2Array, VariantType.POOL_VECTOR2_ARRAY],
  [PoolVector3Array, VariantType.POOL_VECTOR3_ARRAY],
  [PoolColorArray, VariantType.POOL_COLOR_ARRAY],
];

function writeTypedArray(sink: ByteSink, value: Int32Array | Float32Array): void {
  if (LITTLE_ENDIAN) {
    writeBytes(sink, new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    return;
  }
  reserve(sink, value.length * 4);
  for (const element of value) {
    if (value instanceof Int32Array) sink.view.setInt32(sink.length, element, true);
    else sink.view.setFloat32(sink.length, element, true);
    sink.length += 4;
  }
}

function writeDictionary(sink: ByteSink, value: Map<unknown, unknown> | Record<string, unknown>, depth: number, maxDepth: number): string | null {
  if (depth >= maxDepth) return `nesting deeper than ${maxDepth}`;
  const entries: Iterable<[unknown, unknown]> = value instanceof Map ? value.entries() : Object.entries(value);
  writeU32(sink, VariantType.DICTIONARY);
  const countAt = sink.length;
  writeU32(sink, 0);
  let count = 0;
  for (const [key, item] of entries) {
    const failed = writeVariant(sink, key, depth + 1, maxDepth) ?? writeVariant(sink, item, depth + 1, maxDepth);
    if (failed !== null) return `{${typeof key === 'string' ? JSON.stringify(key) : `#${count}`}}: ${failed}`;
    count++;
  }
  sink.view.setUint32(countAt, count, true);
  return null;
}

/** Pads with zeros; Godot 3's encoder skips NodePath pads without writing them, so its pad bytes are whatever memory held. */
function writeNodePath(sink: ByteSink, path: NodePath): string | null {
  const parts = [...path.names, ...path.subnames];
  if (parts.some((part) => typeof part !== 'string')) return 'a NodePath holds a non-string name';
  writeU32(sink, VariantType.NODE_PATH);
  writeU32(sink, (path.names.length | 0x80000000) >>> 0);
  writeU32(sink, path.subnames.length);
  writeU32(sink, path.absolute ? 1 : 0);
  for (const part of parts) writeString(sink, part);
  return null;
}

function writeFullObject(sink: ByteSink, object: GodotObject, depth: number, maxDepth: number): string | null {
  if (depth >= maxDepth) return `nesting deeper than ${maxDepth}`;
  writeU32(sink, VariantType.OBJECT);
  writeString(sink, object.className);
  if (object.className === '') return null; // a null object: the empty class name alone
  writeU32(sink, object.properties.size);
  for (const [name, item] of object.properties) {
    writeString(sink, name);
    const failed = writeVariant(sink, item, depth + 1, maxDepth);
    if (failed !== null) return `${object.className}.${name}: ${failed}`;
  }
  return null;
}
