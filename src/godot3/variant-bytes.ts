/**
 * Byte plumbing shared by the Variant codec and the packet codec (variant.ts, wire.ts): a
 * growable output buffer with one DataView, reused between encodes, and Godot's UTF-8 reading.
 */

/** An output being built: `bytes[0, length)` is written; `view` is a DataView over `bytes`. */
export interface ByteSink {
  bytes: Uint8Array;
  view: DataView;
  length: number;
  /**
   * Where the outermost Variant being written starts. Godot pads to 4 bytes relative to that
   * start, not to the packet's: in a packet, arguments begin after a name of any length.
   */
  base: number;
}

const INITIAL_CAPACITY = 512;
/** A sink that grew past this is not kept for the next encode (one huge value must not pin memory). */
const KEPT_CAPACITY = 64 * 1024;

let spare: ByteSink | null = null;

/** A sink to encode into: the kept one when it is free (encodes do not nest, but a getter in a plain object could). */
export function openSink(): ByteSink {
  const sink = spare ?? newSink(INITIAL_CAPACITY);
  spare = null;
  sink.length = 0;
  sink.base = 0;
  return sink;
}

/** The written bytes, copied out; the sink goes back to be reused. */
export function closeSink(sink: ByteSink): Uint8Array {
  const out = allocate(sink.length);
  out.set(sink.bytes.subarray(0, sink.length));
  releaseSink(sink);
  return out;
}

// A new ArrayBuffer for each packet costs microseconds once packets are over 64 bytes (V8 then
// allocates outside its heap; measured 2.8-3.7 us for 201 bytes against 0.05-0.15 us for a view),
// so small outputs are views into a shared slab, as Node's Buffer pool does. Slab bytes are handed
// out once and never reused: a packet never sees another's bytes. A packet may thus share its
// `.buffer` with others (and keep a 16 KiB slab alive): read it through byteOffset/byteLength,
// and do not transfer it.
const SLAB_SIZE = 16 * 1024;
const SLAB_MAX = 2048;
let slab = new ArrayBuffer(SLAB_SIZE);
let slabUsed = 0;

/** A zeroed Uint8Array of `length` bytes of its own (a view into the slab when small). */
export function allocate(length: number): Uint8Array {
  if (length > SLAB_MAX) return new Uint8Array(length);
  if (slabUsed + length > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabUsed = 0;
  }
  const out = new Uint8Array(slab, slabUsed, length);
  slabUsed += (length + 7) & ~7; // 8-aligned, so a typed-array view over a packet's bytes can be aligned
  return out;
}

/** Gives the sink back without taking its bytes (an encode that failed). */
export function releaseSink(sink: ByteSink): void {
  if (sink.bytes.length <= KEPT_CAPACITY) spare = sink;
}

function newSink(capacity: number): ByteSink {
  const bytes = new Uint8Array(capacity);
  return { bytes, view: new DataView(bytes.buffer), length: 0, base: 0 };
}

/** Makes room for `count` more bytes. */
export function reserve(sink: ByteSink, count: number): void {
  const needed = sink.length + count;
  if (needed <= sink.bytes.length) return;
  let capacity = sink.bytes.length * 2;
  while (capacity < needed) capacity *= 2;
  const bytes = new Uint8Array(capacity);
  bytes.set(sink.bytes.subarray(0, sink.length));
  sink.bytes = bytes;
  sink.view = new DataView(bytes.buffer);
}

export function writeU8(sink: ByteSink, value: number): void {
  reserve(sink, 1);
  sink.bytes[sink.length++] = value;
}

export function writeU32(sink: ByteSink, value: number): void {
  reserve(sink, 4);
  sink.view.setUint32(sink.length, value, true);
  sink.length += 4;
}

export function writeBytes(sink: ByteSink, bytes: Uint8Array): void {
  reserve(sink, bytes.length);
  sink.bytes.set(bytes, sink.length);
  sink.length += bytes.length;
}

/** Zero bytes up to the next multiple of 4 from `sink.base` (every encoded Variant's length is a multiple of 4). */
export function pad4(sink: ByteSink): void {
  const pad = (4 - ((sink.length - sink.base) % 4)) % 4;
  reserve(sink, pad);
  for (let i = 0; i < pad; i++) sink.bytes[sink.length++] = 0;
}

const encoder = new TextEncoder();

/**
 * Writes `text` as UTF-8 and returns its byte length. Lone surrogates become U+FFFD (TextEncoder),
 * since UTF-8 cannot carry them.
 */
export function writeUtf8(sink: ByteSink, text: string): number {
  reserve(sink, text.length * 3);
  const { written } = encoder.encodeInto(text, sink.bytes.subarray(sink.length));
  sink.length += written;
  return written;
}

/** `text` + NUL, Godot's `encode_cstring`; refused (returns false, writes nothing) when the text holds a NUL itself. */
export function writeCString(sink: ByteSink, text: string): boolean {
  if (text.includes('\0')) return false;
  writeUtf8(sink, text);
  writeU8(sink, 0);
  return true;
}

// Godot 3's String::parse_utf8 refuses malformed UTF-8 (decode_variant then fails with
// ERR_INVALID_DATA), skips a leading BOM and stops at the first NUL. A fatal TextDecoder refuses
// a little more than Godot (surrogates, overlong 3- and 4-byte forms, Godot's 5/6-byte forms),
// which no Godot sender produces; it also skips a leading BOM.
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Godot's reading of `bytes[start, end)` as a string: up to the first NUL, UTF-8. `null` for
 * malformed UTF-8.
 */
export function readUtf8(bytes: Uint8Array, start: number, end: number): string | null {
  if (start >= end) return '';
  const slice = bytes.subarray(start, end);
  const nul = slice.indexOf(0);
  try {
    return decoder.decode(nul === -1 ? slice : slice.subarray(0, nul));
  } catch {
    return null;
  }
}

/** Whether this machine stores typed arrays little-endian (the wire's order), so a typed array's bytes copy as they are. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
