/** Hex spellings of wire pieces, to write expected packets the way the spec's captures read. */
export const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
export const bytesOf = (text: string): Uint8Array => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
/** UTF-8 and a NUL. */
export const cstr = (text: string): string => Buffer.from(text, 'utf8').toString('hex') + '00';
export const u32 = (value: number): string => {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value >>> 0);
  return buffer.toString('hex');
};
/** A REAL as Godot sends one that fits a float: type 3, f32. */
export const real32 = (value: number): string => {
  const buffer = Buffer.alloc(4);
  buffer.writeFloatLE(value);
  return '03000000' + buffer.toString('hex');
};
export const int32 = (value: number): string => {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32LE(value);
  return '02000000' + buffer.toString('hex');
};
