/**
 * WebSocket frames made by hand (RFC 6455 §5.2), for what no well-behaved client sends: unmasked
 * frames, reserved opcodes and bits, invalid UTF-8, oversized or fragmented control frames,
 * continuations out of place, lengths the frame never carries.
 */
import { randomBytes } from 'node:crypto';

export const Opcode = { CONTINUATION: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

export interface RawFrameSpec {
  opcode: number;
  payload?: Uint8Array | string;
  fin?: boolean;
  /** RSV1..3 as the header's bits 0x40, 0x20, 0x10. */
  rsv?: number;
  /** Clients must mask; false sends the payload in clear. */
  mask?: boolean;
  /** A length to announce instead of the payload's own (a bigint for the 64-bit form). */
  announce?: number | bigint;
}

export function rawFrame(spec: RawFrameSpec): Buffer {
  const payload = typeof spec.payload === 'string' ? Buffer.from(spec.payload, 'utf8') : Buffer.from(spec.payload ?? new Uint8Array());
  const fin = spec.fin ?? true;
  const mask = spec.mask ?? true;
  const length = spec.announce ?? payload.length;
  const head: number[] = [(fin ? 0x80 : 0) | (spec.rsv ?? 0) | (spec.opcode & 0x0f)];
  let extended = Buffer.alloc(0);
  if (typeof length === 'bigint' || length > 0xffff) {
    head.push((mask ? 0x80 : 0) | 127);
    extended = Buffer.alloc(8);
    extended.writeBigUInt64BE(BigInt(length));
  } else if (length > 125) {
    head.push((mask ? 0x80 : 0) | 126);
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(length);
  } else {
    head.push((mask ? 0x80 : 0) | length);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), extended, payload]);
  const key = randomBytes(4);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ key[i % 4]!));
  return Buffer.concat([Buffer.from(head), extended, key, masked]);
}

/** A close frame's payload: a code and a reason. */
export function closePayload(code: number, reason = ''): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16BE(code);
  return Buffer.concat([buffer, Buffer.from(reason, 'utf8')]);
}
