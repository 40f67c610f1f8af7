/**
 * What both demo protocols share beyond their frames: telling them apart by a client's first
 * frame, and the candidate payload the demo clients put in a CANDIDATE's data (4.x) or a `C:`
 * relay's payload (3.x): `"\n" + mid + "\n" + index + "\n" + candidate`. Pure, no I/O.
 */
import { CloseReason, refusal, textFrame, type DecodeOptions, type FrameRefusal } from './frames.js';

/** `json`: the Godot 4 demo (frames.ts); `text`: the Godot 3.x demo (text-frames.ts). */
export type WireProtocol = 'json' | 'text';

export type DetectedProtocol = { ok: true; protocol: WireProtocol } | FrameRefusal;

/**
 * The protocol a client speaks, from its first frame: a JSON frame starts with `{`, a 3.x one with
 * `J: ` (both demo clients join first). Anything else is refused, with what a server of the
 * matching kind would close with: a frame with a `\n` and a first line of 3 or more characters is
 * a 3.x command other than J (server.js 3.x: `Invalid message when not in a lobby`); any other
 * text is `Invalid message format` (both server.js versions). Binary and oversized frames as in
 * frames.ts. Never throws.
 */
export function detectProtocol(firstFrame: unknown, options: DecodeOptions = {}): DetectedProtocol {
  const text = textFrame(firstFrame, options);
  if (typeof text !== 'string') return text;
  if (text.startsWith('{')) return { ok: true, protocol: 'json' };
  if (text.startsWith('J: ') && text.includes('\n')) return { ok: true, protocol: 'text' };
  const sep = text.indexOf('\n');
  if (sep >= 3) return refusal(CloseReason.NEED_LOBBY);
  return refusal(CloseReason.INVALID_FORMAT);
}

/** One remote ICE candidate, as the demo client passes it to `add_ice_candidate(mid, index, candidate)`. */
export interface CandidateParts {
  mid: string;
  index: number;
  candidate: string;
}
export type CandidateResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Godot's `String.is_valid_int()` (3.x: `is_valid_integer()`): an optional sign and at least one digit. */
const GODOT_INTEGER = /^[+-]?[0-9]+$/;

/**
 * Reads a candidate payload as the demo clients do: `data.split("\n", false)` (empty parts
 * dropped, so the leading `\n` and any doubled one vanish), exactly 3 parts, an integer index.
 * The client ignores a payload it refuses; here the refusal says why. Beyond the demo, an index
 * outside the safe integers is refused (Godot would read it as a 64-bit int). Never throws.
 */
export function parseCandidatePayload(data: unknown): CandidateResult<CandidateParts> {
  if (typeof data !== 'string') return { ok: false, reason: 'Candidate payload is not a string' };
  const parts = data.split('\n').filter((part) => part !== '');
  if (parts.length !== 3) {
    return { ok: false, reason: `Candidate payload must have 3 non-empty lines (mid, index, candidate), got ${parts.length}` };
  }
  const [mid, indexText, candidate] = parts as [string, string, string];
  if (!GODOT_INTEGER.test(indexText)) return { ok: false, reason: 'Candidate index is not an integer' };
  const index = Number(indexText);
  if (!Number.isSafeInteger(index)) return { ok: false, reason: 'Candidate index is out of range' };
  return { ok: true, value: { mid, index: index === 0 ? 0 : index, candidate } };
}

/**
 * The payload the demo client writes (`"\n%s\n%d\n%s" % [mid, index, candidate]`). A candidate the
 * demo client at the other end would refuse is refused here instead of sent: an empty mid or
 * candidate, a `\n` in either, an index that is not a safe integer. Never throws.
 */
export function buildCandidatePayload(mid: unknown, index: unknown, candidate: unknown): CandidateResult<string> {
  if (typeof mid !== 'string' || mid === '' || mid.includes('\n')) {
    return { ok: false, reason: 'Candidate mid must be a non-empty string without a line break' };
  }
  if (typeof index !== 'number' || !Number.isSafeInteger(index)) return { ok: false, reason: 'Candidate index must be a safe integer' };
  if (typeof candidate !== 'string' || candidate === '' || candidate.includes('\n')) {
    return { ok: false, reason: 'Candidate must be a non-empty string without a line break' };
  }
  return { ok: true, value: `\n${mid}\n${index === 0 ? 0 : index}\n${candidate}` };
}

/** A ws message as one Buffer: ws hands over a Buffer, an ArrayBuffer, or a fragmented message's Buffers. */
export function messageBytes(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
