/** `'00 13000080 70696e6700'` → its bytes (spaces ignored), and `"text"` parts as their UTF-8; throws on anything else. */
export function hexBytes(text: string): Uint8Array {
  const clean = text.replace(/"([^"]*)"/g, (_all, quoted: string) => toHex(new TextEncoder().encode(quoted))).replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) throw new Error(`not hex: ${text}`);
  return Uint8Array.from(clean.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
