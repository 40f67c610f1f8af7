/**
 * Godot 3 Variants to bytes and back, exactly as `encode_variant` / `decode_variant` (3.2's
 * core/io/marshalls.cpp). The JS model is in variant-types.ts; the encoder and the bounded
 * decoder in variant-encode.ts and variant-decode.ts. Neither entry point throws.
 */
import { closeSink, openSink, releaseSink } from './variant-bytes.js';
import { FAIL, readVariant, type VariantReader } from './variant-decode.js';
import { DEFAULT_MAX_DEPTH, writeVariant } from './variant-encode.js';
import type { Variant } from './variant-types.js';

export * from './variant-types.js';
export { DEFAULT_MAX_DEPTH } from './variant-encode.js';

export type EncodeResult = { ok: true; value: Uint8Array } | { ok: false; reason: string };
/** Encoded arguments and how many they are (what `encodeRemoteCall` takes pre-encoded). */
export interface EncodedVariants {
  readonly value: Uint8Array;
  readonly count: number;
}
export type EncodeManyResult = ({ ok: true } & EncodedVariants) | { ok: false; reason: string };
export type DecodeResult = { ok: true; value: Variant; length: number } | { ok: false; reason: string };

export interface DecodeOptions {
  /** Every REAL as a `Real`, so that decode → encode gives Godot's bytes back byte for byte. */
  exact?: boolean;
  /** Accept OBJECT in full form (Godot's `allow_object_decoding`); otherwise refused, as Godot refuses it. */
  allowObjects?: boolean;
  /** How many containers may enclose a value (default 64). */
  maxDepth?: number;
}

function thrown(error: unknown): string {
  return `internal error: ${error instanceof Error ? error.message : String(error)}`;
}

/** One Variant's bytes: a 4-byte header, the body, padded to 4 bytes. */
export function encodeVariant(value: unknown, maxDepth = DEFAULT_MAX_DEPTH): EncodeResult {
  const sink = openSink();
  try {
    const failed = writeVariant(sink, value, 0, maxDepth);
    if (failed !== null) {
      releaseSink(sink);
      return { ok: false, reason: failed };
    }
    return { ok: true, value: closeSink(sink) };
  } catch (error) {
    // A getter or a Proxy in the value threw: the value is not encodable.
    releaseSink(sink);
    return { ok: false, reason: thrown(error) };
  }
}

/** Several Variants back to back (an RPC's arguments). */
export function encodeVariants(values: readonly unknown[], maxDepth = DEFAULT_MAX_DEPTH): EncodeManyResult {
  const sink = openSink();
  try {
    for (let i = 0; i < values.length; i++) {
      const failed = writeVariant(sink, values[i], 0, maxDepth);
      if (failed !== null) {
        releaseSink(sink);
        return { ok: false, reason: `argument ${i}: ${failed}` };
      }
    }
    return { ok: true, value: closeSink(sink), count: values.length };
  } catch (error) {
    releaseSink(sink);
    return { ok: false, reason: thrown(error) };
  }
}

/** A reader over `bytes[offset, end)`; wire.ts decodes a packet's arguments through one. */
export function variantReader(bytes: Uint8Array, offset: number, end: number, options: DecodeOptions = {}, view?: DataView): VariantReader {
  return {
    bytes,
    view: view ?? new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    pos: offset,
    end,
    exact: options.exact === true,
    allowObjects: options.allowObjects === true,
    maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH,
    reason: '',
  };
}

/** The Variant at `reader.pos`, advancing it; a failure says why. */
export function readFrom(reader: VariantReader): DecodeResult {
  const start = reader.pos;
  try {
    const value = readVariant(reader, 0);
    if (value === FAIL) return { ok: false, reason: reader.reason };
    return { ok: true, value, length: reader.pos - start };
  } catch (error) {
    return { ok: false, reason: thrown(error) };
  }
}

/**
 * The Variant at `bytes[offset]` and how many bytes it took. Bounded by the bytes: no length or
 * count can make it read past the end or allocate more than what is left could hold; nesting is
 * bounded by `maxDepth`. Trailing bytes after the Variant are left alone.
 */
export function decodeVariant(bytes: Uint8Array, offset = 0, options: DecodeOptions = {}): DecodeResult {
  if (!(bytes instanceof Uint8Array)) return { ok: false, reason: 'not a Uint8Array' };
  if (!Number.isInteger(offset) || offset < 0 || offset > bytes.length) return { ok: false, reason: `offset ${offset} outside the ${bytes.length} bytes` };
  return readFrom(variantReader(bytes, offset, bytes.length, options));
}
