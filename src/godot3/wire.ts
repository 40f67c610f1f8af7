/**
 * MultiplayerAPI 3.x packets (core/io/multiplayer_api.cpp, 3.2): one command byte, then
 *   REMOTE_CALL    00 · u32 target · method + NUL · u8 argc · argc × Variant [· path + NUL]
 *   REMOTE_SET     01 · u32 target · property + NUL · Variant [· path + NUL]
 *   SIMPLIFY_PATH  02 · u32 path id · path + NUL
 *   CONFIRM_PATH   03 · path + NUL
 *   RAW            04 · payload
 * A target is a path id the receiver confirmed, or `0x80000000 | offset` of the path appended at
 * the end. Decoding mirrors what Godot checks on receive and says which drop it is; it never throws.
 */
import { NetworkCommand } from './constants.js';
import { allocate, closeSink, openSink, releaseSink, readUtf8, writeBytes, writeCString, writeU32, writeU8, type ByteSink } from './variant-bytes.js';
import { readFrom, variantReader, type DecodeOptions, type EncodedVariants, type EncodeResult } from './variant.js';
import { DEFAULT_MAX_DEPTH, writeVariant } from './variant-encode.js';
import type { Variant } from './variant-types.js';

export type PathTarget = { kind: 'cached'; id: number } | { kind: 'path'; path: string };
export type MultiplayerPacket =
  | { command: 'remote_call'; target: PathTarget; method: string; args: Variant[] }
  | { command: 'remote_set'; target: PathTarget; property: string; value: Variant }
  | { command: 'simplify_path'; id: number; path: string }
  | { command: 'confirm_path'; path: string }
  | { command: 'raw'; payload: Uint8Array };
export type PacketDrop = 'unknown_command' | 'malformed';
export type DecodePacketResult = { ok: true; packet: MultiplayerPacket } | { ok: false; drop: PacketDrop; reason: string };

/** The u32 target's flag: the node path follows at the offset in the low 31 bits. */
export const PATH_TARGET_FLAG = 0x80000000;
/** Godot's `_send_rpc` refuses more ("Too many arguments >255"): argc is one byte. */
export const MAX_RPC_ARGS = 255;

function refused(reason: string): EncodeResult {
  return { ok: false, reason };
}

function targetProblem(target: PathTarget): string | null {
  if (target === null || typeof target !== 'object') return 'the target is not a PathTarget';
  if (target.kind === 'cached') {
    return Number.isInteger(target.id) && target.id >= 0 && target.id < PATH_TARGET_FLAG ? null : `path id ${String(target.id)} is not in 0..2^31-1`;
  }
  if (target.kind === 'path') return typeof target.path === 'string' && !target.path.includes('\0') ? null : 'the path is not a string without NUL';
  return 'the target is not a PathTarget';
}

function nameProblem(what: string, name: unknown): string | null {
  return typeof name === 'string' && !name.includes('\0') ? null : `the ${what} name is not a string without NUL`;
}

/** Runs `write` on a fresh sink: the packet, or why not; never throws. */
function build(write: (sink: ByteSink) => string | null): EncodeResult {
  const sink = openSink();
  try {
    const failed = write(sink);
    if (failed !== null) {
      releaseSink(sink);
      return refused(failed);
    }
    return { ok: true, value: closeSink(sink) };
  } catch (error) {
    releaseSink(sink);
    return refused(`internal error: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Command, u32 target (a placeholder for a path target), name + NUL. */
function writeHead(sink: ByteSink, command: number, target: PathTarget, name: string): void {
  writeU8(sink, command);
  writeU32(sink, target.kind === 'cached' ? target.id : 0);
  writeCString(sink, name);
}

/** For a path target: the offset it is appended at goes into the u32 at byte 1, then the path + NUL. */
function writeTail(sink: ByteSink, target: PathTarget): void {
  if (target.kind !== 'path') return;
  sink.view.setUint32(1, (PATH_TARGET_FLAG | sink.length) >>> 0, true);
  writeCString(sink, target.path);
}

/** `04 · payload`; an empty payload is refused, as Godot's `send_bytes` refuses it (and its receiver drops a lone `04`). */
export function encodeRaw(payload: Uint8Array): EncodeResult {
  if (!(payload instanceof Uint8Array)) return refused('the payload is not a Uint8Array');
  if (payload.length === 0) return refused('an empty RAW payload (Godot: "Trying to send an empty raw packet")');
  const packet = allocate(payload.length + 1);
  packet[0] = NetworkCommand.RAW;
  packet.set(payload, 1);
  return { ok: true, value: packet };
}

/**
 * `00 · target · method · argc · args [· path]`. `args` are values, or `encodeVariants(args)`'s
 * result to encode them once for several packets.
 */
export function encodeRemoteCall(target: PathTarget, method: string, args: readonly unknown[] | EncodedVariants, maxDepth = DEFAULT_MAX_DEPTH): EncodeResult {
  const problem = targetProblem(target) ?? nameProblem('method', method);
  if (problem !== null) return refused(problem);
  const count = Array.isArray(args) ? args.length : (args as EncodedVariants).count;
  if (!Number.isInteger(count) || count < 0 || count > MAX_RPC_ARGS) return refused(`${count} arguments: Godot takes at most ${MAX_RPC_ARGS}`);
  if (!Array.isArray(args) && !((args as EncodedVariants).value instanceof Uint8Array)) return refused('the arguments are neither values nor encoded Variants');
  return build((sink) => {
    writeHead(sink, NetworkCommand.REMOTE_CALL, target, method);
    writeU8(sink, count);
    if (Array.isArray(args)) {
      for (let i = 0; i < args.length; i++) {
        const failed = writeVariant(sink, args[i], 0, maxDepth);
        if (failed !== null) return `argument ${i}: ${failed}`;
      }
    } else {
      writeBytes(sink, (args as EncodedVariants).value);
    }
    writeTail(sink, target);
    return null;
  });
}

/** `01 · target · property · value [· path]`: like REMOTE_CALL with no argc, one value. */
export function encodeRemoteSet(target: PathTarget, property: string, value: unknown, maxDepth = DEFAULT_MAX_DEPTH): EncodeResult {
  const problem = targetProblem(target) ?? nameProblem('property', property);
  if (problem !== null) return refused(problem);
  return build((sink) => {
    writeHead(sink, NetworkCommand.REMOTE_SET, target, property);
    const failed = writeVariant(sink, value, 0, maxDepth);
    if (failed !== null) return `value: ${failed}`;
    writeTail(sink, target);
    return null;
  });
}

/** `02 · u32 id · path + NUL`: "this path is id `id` from me". */
export function encodeSimplifyPath(id: number, path: string): EncodeResult {
  if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) return refused(`path id ${String(id)} is not a u32`);
  const problem = nameProblem('path', path);
  if (problem !== null) return refused(problem);
  return build((sink) => {
    writeU8(sink, NetworkCommand.SIMPLIFY_PATH);
    writeU32(sink, id);
    writeCString(sink, path);
    return null;
  });
}

/** `03 · path + NUL`: the answer to a SIMPLIFY_PATH. */
export function encodeConfirmPath(path: string): EncodeResult {
  const problem = nameProblem('path', path);
  if (problem !== null) return refused(problem);
  return build((sink) => {
    writeU8(sink, NetworkCommand.CONFIRM_PATH);
    writeCString(sink, path);
    return null;
  });
}

/** Any packet of the model (the per-command encoders are the fast path). */
export function encodePacket(packet: MultiplayerPacket): EncodeResult {
  switch (packet?.command) {
    case 'remote_call':
      return Array.isArray(packet.args) ? encodeRemoteCall(packet.target, packet.method, packet.args) : refused('args is not an array');
    case 'remote_set':
      return encodeRemoteSet(packet.target, packet.property, packet.value);
    case 'simplify_path':
      return encodeSimplifyPath(packet.id, packet.path);
    case 'confirm_path':
      return encodeConfirmPath(packet.path);
    case 'raw':
      return encodeRaw(packet.payload);
    default:
      return refused(`unknown command ${String((packet as { command?: unknown } | null)?.command)}`);
  }
}

function malformed(reason: string): DecodePacketResult {
  return { ok: false, drop: 'malformed', reason };
}

/**
 * A string that starts at `start` and ends at a NUL before `end`, or why not. Godot's reading would
 * also take a path that runs to the packet's end without a NUL; every Godot sender writes the NUL,
 * and this codec requires it.
 */
function cString(bytes: Uint8Array, start: number, end: number, what: string): { text: string; nul: number } | { reason: string } {
  const nul = bytes.subarray(start, end).indexOf(0);
  if (nul === -1) return { reason: `${what} has no NUL before the end` };
  const text = readUtf8(bytes, start, start + nul);
  return text === null ? { reason: `${what} is malformed UTF-8` } : { text, nul: start + nul };
}

/** As for a Variant: `exact`, `allowObjects`, `maxDepth`. */
export type PacketDecodeOptions = DecodeOptions;

/**
 * One packet, as Godot's `_process_packet` reads it: the same size checks ("Size too small",
 * "Size smaller than declared"), names up to their NUL, exactly argc Variants (trailing bytes,
 * such as the appended path, ignored). A first byte of 5–255 is `unknown_command` (Godot drops it
 * silently). A RAW payload is a view into `bytes`, not a copy.
 */
export function decodePacket(bytes: Uint8Array, options: PacketDecodeOptions = {}): DecodePacketResult {
  try {
    return decodeUnguarded(bytes, options);
  } catch (error) {
    return malformed(`internal error: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function decodeUnguarded(bytes: Uint8Array, options: PacketDecodeOptions): DecodePacketResult {
  if (!(bytes instanceof Uint8Array)) return malformed('not a Uint8Array');
  const length = bytes.length;
  if (length < 1) return malformed('empty packet (Godot: "Size too small")');
  const command = bytes[0]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, length);
  switch (command) {
    case NetworkCommand.REMOTE_CALL:
    case NetworkCommand.REMOTE_SET: {
      if (length < 6) return malformed(`${length} bytes, a call or set needs at least 6 (Godot: "Size too small")`);
      const raw = view.getUint32(1, true);
      let target: PathTarget;
      if (raw & PATH_TARGET_FLAG) {
        const offset = raw & 0x7fffffff;
        if (offset >= length) return malformed(`path offset ${offset} past the ${length}-byte packet (Godot: "Size smaller than declared")`);
        const path = cString(bytes, offset, length, 'the node path');
        if ('reason' in path) return malformed(path.reason);
        target = { kind: 'path', path: path.text };
      } else {
        target = { kind: 'cached', id: raw };
      }
      const name = cString(bytes, 5, length, command === NetworkCommand.REMOTE_CALL ? 'the method name' : 'the property name');
      if ('reason' in name) return malformed(`${name.reason} (Godot: "Size too small")`);
      const offset = name.nul + 1;
      if (offset >= length) return malformed(command === NetworkCommand.REMOTE_CALL ? 'no argc byte (Godot: "Size too small")' : 'no value (Godot: "Size too small")');
      const reader = variantReader(bytes, offset, length, options, view);
      if (command === NetworkCommand.REMOTE_SET) {
        const value = readFrom(reader);
        if (!value.ok) return malformed(`the value: ${value.reason} (Godot: "Unable to decode RSET value")`);
        return { ok: true, packet: { command: 'remote_set', target, property: name.text, value: value.value } };
      }
      const argc = bytes[offset]!;
      reader.pos = offset + 1;
      const args: Variant[] = new Array(argc);
      for (let i = 0; i < argc; i++) {
        if (reader.pos >= length) return malformed(`argc ${argc}, but the packet ends after ${i} (Godot: "Size too small")`);
        const arg = readFrom(reader);
        if (!arg.ok) return malformed(`argument ${i}: ${arg.reason} (Godot: "Unable to decode RPC argument")`);
        args[i] = arg.value;
      }
      return { ok: true, packet: { command: 'remote_call', target, method: name.text, args } };
    }
    case NetworkCommand.SIMPLIFY_PATH: {
      if (length < 5) return malformed(`${length} bytes, SIMPLIFY_PATH needs at least 5 (Godot: "Size too small")`);
      const path = cString(bytes, 5, length, 'the node path');
      if ('reason' in path) return malformed(path.reason);
      return { ok: true, packet: { command: 'simplify_path', id: view.getUint32(1, true), path: path.text } };
    }
    case NetworkCommand.CONFIRM_PATH: {
      if (length < 2) return malformed('CONFIRM_PATH with no path (Godot: "Size too small")');
      const path = cString(bytes, 1, length, 'the node path');
      if ('reason' in path) return malformed(path.reason);
      return { ok: true, packet: { command: 'confirm_path', path: path.text } };
    }
    case NetworkCommand.RAW:
      if (length < 2) return malformed('RAW with an empty payload (Godot: "Size too small")');
      return { ok: true, packet: { command: 'raw', payload: bytes.subarray(1) } };
    default:
      return { ok: false, drop: 'unknown_command', reason: `unknown command byte ${command} (Godot drops it silently)` };
  }
}
