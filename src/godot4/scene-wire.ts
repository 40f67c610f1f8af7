/**
 * SceneMultiplayer's packets (Godot 4.3+, reference §2.2–§2.8): the first byte's low 3 bits are the
 * command, bits 4–7 its flags.
 *   REMOTE_CALL    meta · node id (1/2/4) · name id (1/2) · [argc] · args [· path + NUL]   §2.6
 *   SIMPLIFY_PATH  01 · md5 (32 hex) + NUL · u32 cache id · path + NUL                     §2.7
 *   CONFIRM_PATH   02 · u8 valid · u32 cache id (exactly 6 bytes)                          §2.7
 *   RAW            03 · payload                                                            §2.5
 *   SPAWN / DESPAWN / SYNC  04 / 05 / 06 · replication state (identified, not decoded)     §2.8
 *   SYS            07 · u8 sys cmd · [i32 peer · payload] (AUTH: 07 00 · data)             §2.4
 * Integers are little-endian. Encoders return the bytes or why not; decoding checks what Godot
 * checks on receive, says which drop it is, never throws, and does work linear in the bytes.
 * Arguments (compressed Variants) stay opaque bytes here.
 */
import { createHash } from 'node:crypto';
import {
  BYTE_ONLY_OR_NO_ARGS_FLAG,
  CMD_FLAG_0_SHIFT,
  CMD_MASK,
  CONFIRM_PATH_SIZE,
  MAX_RPC_ARGS,
  NAME_ID_COMPRESSION_SHIFT,
  NetworkCommand,
  NODE_ID_COMPRESSION_SHIFT,
  PATH_TARGET_FLAG,
  RPC_MD5_LENGTH,
  SIMPLIFY_PATH_MIN_SIZE,
  SYNC_DELTA_FLAG,
  SYS_CMD_SIZE,
  SysCommand,
} from './constants.js';
import { allocate, readUtf8 } from '../godot3/variant-bytes.js';
import type { EncodeResult } from '../godot3/variant.js';

export type { EncodeResult } from '../godot3/variant.js';

/** A REMOTE_CALL's node: a cache id the receiver confirmed, or the path appended after the arguments. */
export type RemoteCallTarget = { kind: 'cached'; id: number } | { kind: 'path'; path: string };
/** The argument bytes as `encode_and_compress_variants` wrote them: `byteOnly` (no argc) or `argc` values. */
export type RemoteCallArgs = { byteOnly: true; data: Uint8Array } | { byteOnly: false; argc: number; data: Uint8Array };

export type SysPacket =
  | { command: 'sys'; sys: 'auth'; flags: number; data: Uint8Array }
  | { command: 'sys'; sys: 'add_peer' | 'del_peer'; flags: number; peer: number }
  | { command: 'sys'; sys: 'relay'; flags: number; peer: number; inner: Uint8Array };

export type ScenePacket =
  | {
      command: 'remote_call';
      flags: number;
      nodeIdBytes: 1 | 2 | 4;
      nameIdBytes: 1 | 2;
      /** The node id field as sent; for a path target it holds PATH_TARGET_FLAG | the path's offset. */
      nodeId: number;
      target: { kind: 'cached'; id: number } | { kind: 'path'; offset: number; path: string };
      nameId: number;
      byteOnly: boolean;
      /** From the packet; null when byteOnly. */
      argc: number | null;
      /** The (undecoded) argument bytes, the path excluded. */
      args: Uint8Array;
    }
  | { command: 'simplify_path'; flags: number; md5: string; id: number; path: string }
  | { command: 'confirm_path'; flags: number; valid: boolean; id: number }
  | { command: 'raw'; flags: number; payload: Uint8Array }
  | { command: 'spawn' | 'despawn'; flags: number; body: Uint8Array }
  | { command: 'sync'; flags: number; delta: boolean; body: Uint8Array }
  | SysPacket;

export type SceneDrop = 'malformed' | 'unknown_command';
export type DecodeSceneResult = { ok: true; packet: ScenePacket } | { ok: false; drop: SceneDrop; reason: string };

export interface SceneDecodeOptions {
  /**
   * The bytes are a RELAY's inner packet. Godot hands those to `_process_packet`, which has no
   * SYS case ("Invalid network command"), so a SYS inside a relay is `unknown_command`.
   */
  relayed?: boolean;
}

/** A value for a reason text; never throws (String() does on an object without a usable toString). */
function show(value: unknown): string {
  return typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean' ? String(value) : value === null ? 'null' : typeof value;
}

function refused(reason: string): EncodeResult {
  return { ok: false, reason };
}

function isInt32(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= -0x80000000 && (value as number) <= 0x7fffffff;
}

function isU32(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 0xffffffff;
}

const utf8 = new TextEncoder();
const lenientUtf8 = new TextDecoder('utf-8');

function cStringBytes(text: unknown, what: string): Uint8Array | string {
  if (typeof text !== 'string' || text.includes('\0')) return `the ${what} is not a string without NUL`;
  return utf8.encode(text);
}

/** `03 · payload` (§2.5). An empty payload is refused, as `send_bytes` refuses it (ERR_INVALID_DATA). */
export function encodeRaw(payload: Uint8Array): EncodeResult {
  if (!(payload instanceof Uint8Array)) return refused('the payload is not a Uint8Array');
  if (payload.length === 0) return refused('an empty RAW payload (Godot: "Trying to send an empty raw packet.")');
  const packet = allocate(payload.length + 1);
  packet[0] = NetworkCommand.RAW;
  packet.set(payload, 1);
  return { ok: true, value: packet };
}

/**
 * A SYS packet (§2.4). AUTH is `07 00 · payload` and has no peer field (`peer` is not written;
 * no payload is the 2-byte completion). ADD_PEER / DEL_PEER are `07 01|02 · i32 peer`, no payload.
 * RELAY is `07 03 · i32 peer · inner`, the inner packet not empty.
 */
export function encodeSys(cmd: SysCommand, peer: number, payload?: Uint8Array): EncodeResult {
  if (payload !== undefined && !(payload instanceof Uint8Array)) return refused('the payload is not a Uint8Array');
  const body = payload ?? new Uint8Array(0);
  if (cmd === SysCommand.AUTH) {
    const packet = allocate(2 + body.length);
    packet[0] = NetworkCommand.SYS;
    packet[1] = SysCommand.AUTH;
    packet.set(body, 2);
    return { ok: true, value: packet };
  }
  if (cmd !== SysCommand.ADD_PEER && cmd !== SysCommand.DEL_PEER && cmd !== SysCommand.RELAY) return refused(`unknown SYS command ${show(cmd)}`);
  if (!isInt32(peer)) return refused(`peer ${show(peer)} is not an int32`);
  if (cmd === SysCommand.RELAY && body.length === 0) return refused('an empty RELAY (Godot drops a RELAY under 7 bytes)');
  if (cmd !== SysCommand.RELAY && body.length !== 0) return refused('ADD_PEER and DEL_PEER carry no payload');
  const packet = allocate(SYS_CMD_SIZE + body.length);
  packet[0] = NetworkCommand.SYS;
  packet[1] = cmd;
  new DataView(packet.buffer, packet.byteOffset, packet.byteLength).setInt32(2, peer, true);
  packet.set(body, SYS_CMD_SIZE);
  return { ok: true, value: packet };
}

/** `07 00 · data`: `send_auth(id, data)`; data must not be empty (Godot: ERR_INVALID_PARAMETER). */
export function encodeAuth(data: Uint8Array): EncodeResult {
  if (!(data instanceof Uint8Array)) return refused('the data is not a Uint8Array');
  if (data.length === 0) return refused('empty auth data (Godot refuses it; the empty form is the completion)');
  return encodeSys(SysCommand.AUTH, 0, data);
}

/** `07 00`, exactly 2 bytes: `complete_auth(id)`, "I'm done" (§2.4). A fresh copy each call. */
export function encodeAuthComplete(): Uint8Array {
  return Uint8Array.of(NetworkCommand.SYS, SysCommand.AUTH);
}

/** `md5_text` of the node's RPC method names concatenated in config order (§2.7). */
export function rpcMethodsMd5(namesInConfigOrder: readonly string[]): string {
  return createHash('md5').update(namesInConfigOrder.join(''), 'utf8').digest('hex');
}

/** Godot's String `<`: by code point (JS's default sort is by UTF-16 unit, which differs past U+FFFF). */
export function compareGodotStrings(a: string, b: string): number {
  const left = Array.from(a);
  const right = Array.from(b);
  const n = Math.min(left.length, right.length);
  for (let i = 0; i < n; i++) {
    const d = left[i]!.codePointAt(0)! - right[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return left.length - right.length;
}

/**
 * A node's RPC methods in config order (§2.6): the node-level (`rpc_config`) names sorted, then the
 * script's `@rpc` names sorted. A method's name id is its index in its own group (| 0x8000 for
 * node-level ones); the md5 is over the whole list.
 */
export function rpcConfigOrder(scriptNames: readonly string[], nodeNames: readonly string[] = []): string[] {
  return [...[...nodeNames].sort(compareGodotStrings), ...[...scriptNames].sort(compareGodotStrings)];
}

/** `01 · md5 + NUL · u32 cache id · path + NUL` (§2.7); md5 as `rpcMethodsMd5` gives it. */
export function encodeSimplifyPath(id: number, path: string, md5: string): EncodeResult {
  if (!isU32(id)) return refused(`cache id ${show(id)} is not a u32`);
  if (typeof md5 !== 'string' || !/^[0-9a-f]{32}$/.test(md5)) return refused('the md5 is not 32 lowercase hex characters');
  const pathBytes = cStringBytes(path, 'path');
  if (typeof pathBytes === 'string') return refused(pathBytes);
  const packet = allocate(SIMPLIFY_PATH_MIN_SIZE + pathBytes.length + 1);
  packet[0] = NetworkCommand.SIMPLIFY_PATH;
  for (let i = 0; i < RPC_MD5_LENGTH; i++) packet[1 + i] = md5.charCodeAt(i);
  packet[1 + RPC_MD5_LENGTH] = 0;
  new DataView(packet.buffer, packet.byteOffset, packet.byteLength).setUint32(34, id, true);
  packet.set(pathBytes, SIMPLIFY_PATH_MIN_SIZE);
  packet[packet.length - 1] = 0;
  return { ok: true, value: packet };
}

/** `02 · u8 valid · u32 cache id`, 6 bytes (§2.7): the answer to a SIMPLIFY_PATH; valid = the md5 matched. */
export function encodeConfirmPath(id: number, valid: boolean): EncodeResult {
  if (!isU32(id)) return refused(`cache id ${show(id)} is not a u32`);
  const packet = allocate(CONFIRM_PATH_SIZE);
  packet[0] = NetworkCommand.CONFIRM_PATH;
  packet[1] = valid ? 1 : 0;
  new DataView(packet.buffer, packet.byteOffset, packet.byteLength).setUint32(2, id, true);
  return { ok: true, value: packet };
}

/**
 * A REMOTE_CALL as `_send_rpc` builds it (§2.6): a cached target gets the smallest node id width
 * that fits; a path target the 32-bit `0x80000000 | offset` form with the path + NUL after the
 * arguments. The name id is 8-bit up to 255, else 16-bit. `args` are already compressed bytes.
 */
export function encodeRemoteCall(target: RemoteCallTarget, nameId: number, args: RemoteCallArgs): EncodeResult {
  if (!Number.isInteger(nameId) || nameId < 0 || nameId > 0xffff) return refused(`name id ${show(nameId)} is not a u16`);
  if (args === null || typeof args !== 'object' || !(args.data instanceof Uint8Array)) return refused('the arguments are not { byteOnly, argc?, data }');
  if (!args.byteOnly && (!Number.isInteger(args.argc) || args.argc < 0 || args.argc > MAX_RPC_ARGS)) {
    return refused(`${show((args as { argc: unknown }).argc)} arguments: Godot takes at most ${MAX_RPC_ARGS}`);
  }
  let nodeIdBytes: 1 | 2 | 4 = 4;
  let pathBytes: Uint8Array | null = null;
  if (target?.kind === 'cached') {
    if (!Number.isInteger(target.id) || target.id < 0 || target.id >= PATH_TARGET_FLAG) return refused(`cache id ${show(target.id)} is not in 0..2^31-1`);
    nodeIdBytes = target.id <= 0xff ? 1 : target.id <= 0xffff ? 2 : 4;
  } else if (target?.kind === 'path') {
    const bytes = cStringBytes(target.path, 'path');
    if (typeof bytes === 'string') return refused(bytes);
    pathBytes = bytes;
  } else {
    return refused('the target is not { kind: "cached", id } or { kind: "path", path }');
  }
  const nameIdBytes = nameId <= 0xff ? 1 : 2;
  const argcBytes = args.byteOnly ? 0 : 1;
  const pathOffset = 1 + nodeIdBytes + nameIdBytes + argcBytes + args.data.length;
  const packet = allocate(pathOffset + (pathBytes === null ? 0 : pathBytes.length + 1));
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  packet[0] =
    NetworkCommand.REMOTE_CALL |
    ((nodeIdBytes === 1 ? 0 : nodeIdBytes === 2 ? 1 : 2) << NODE_ID_COMPRESSION_SHIFT) |
    ((nameIdBytes === 1 ? 0 : 1) << NAME_ID_COMPRESSION_SHIFT) |
    (args.byteOnly ? BYTE_ONLY_OR_NO_ARGS_FLAG : 0);
  const nodeId = pathBytes === null ? (target as { id: number }).id : (PATH_TARGET_FLAG | pathOffset) >>> 0;
  if (nodeIdBytes === 1) packet[1] = nodeId;
  else if (nodeIdBytes === 2) view.setUint16(1, nodeId, true);
  else view.setUint32(1, nodeId, true);
  let at = 1 + nodeIdBytes;
  if (nameIdBytes === 1) packet[at] = nameId;
  else view.setUint16(at, nameId, true);
  at += nameIdBytes;
  if (!args.byteOnly) packet[at++] = args.argc;
  packet.set(args.data, at);
  if (pathBytes !== null) packet.set(pathBytes, pathOffset); // the NUL is the zeroed last byte
  return { ok: true, value: packet };
}

/** `07 03 · i32 peer · inner` (§2.4): a client's send to `peer` (0 all, -n all but n) through 1; also the server's forward, with `peer` = the source. */
export function wrapRelay(peer: number, inner: Uint8Array): EncodeResult {
  return encodeSys(SysCommand.RELAY, peer, inner);
}

export type RelayResult = { ok: true; peer: number; inner: Uint8Array } | { ok: false; drop: SceneDrop; reason: string };

/** A RELAY's peer (the destination on the server, the source on a client) and its inner packet (a view). */
export function unwrapRelay(bytes: Uint8Array): RelayResult {
  const decoded = decodeScenePacket(bytes);
  if (!decoded.ok) return decoded;
  const packet = decoded.packet;
  if (packet.command !== 'sys' || packet.sys !== 'relay') return { ok: false, drop: 'malformed', reason: `not a RELAY: ${packet.command}` };
  return { ok: true, peer: packet.peer, inner: packet.inner };
}

/**
 * What the relay server sends on (§2.4): the same packet with the destination replaced by the
 * source id, `07 03 · source · inner`; a copy, `bytes` untouched.
 */
export function forwardRelay(bytes: Uint8Array, source: number): EncodeResult {
  const unwrapped = unwrapRelay(bytes);
  if (!unwrapped.ok) return refused(unwrapped.reason);
  return wrapRelay(source, unwrapped.inner);
}

function malformed(reason: string): DecodeSceneResult {
  return { ok: false, drop: 'malformed', reason };
}

function unknown(reason: string): DecodeSceneResult {
  return { ok: false, drop: 'unknown_command', reason };
}

/** Made only for the packets that read multi-byte fields: RAW, the hot path, needs none. */
function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Godot reads these strings with `String::utf8(ptr, len)`, which stops at a NUL. */
function textUpToNul(bytes: Uint8Array, start: number, end: number): string | null {
  const nul = bytes.subarray(start, end).indexOf(0);
  return readUtf8(bytes, start, nul === -1 ? end : start + nul);
}

/**
 * One packet, with the checks Godot makes before acting on it: SYS under 6 bytes (but AUTH),
 * RELAY under 7, RAW under 2, SIMPLIFY_PATH under 38, CONFIRM_PATH not 6, a REMOTE_CALL shorter
 * than its header or a path offset past the end are `malformed`; an unknown SYS command is
 * `unknown_command`. Every 3-bit command is known. Payloads are views into `bytes`, not copies.
 */
export function decodeScenePacket(bytes: Uint8Array, options: SceneDecodeOptions = {}): DecodeSceneResult {
  try {
    if (!(bytes instanceof Uint8Array)) return malformed('not a Uint8Array');
    if (bytes.length === 0) return malformed('an empty packet');
    const first = bytes[0]!;
    const flags = first >> CMD_FLAG_0_SHIFT;
    switch (first & CMD_MASK) {
      case NetworkCommand.REMOTE_CALL:
        return decodeRemoteCall(bytes, viewOf(bytes), flags);
      case NetworkCommand.SIMPLIFY_PATH: {
        if (bytes.length < SIMPLIFY_PATH_MIN_SIZE) return malformed(`SIMPLIFY_PATH of ${bytes.length} bytes (Godot: at least ${SIMPLIFY_PATH_MIN_SIZE})`);
        // Godot takes the 32 bytes as they are (no hex check): a wrong one only fails the comparison.
        const md5Bytes = bytes.subarray(1, 1 + RPC_MD5_LENGTH);
        const md5End = md5Bytes.indexOf(0);
        const md5 = lenientUtf8.decode(md5End === -1 ? md5Bytes : md5Bytes.subarray(0, md5End));
        const path = textUpToNul(bytes, SIMPLIFY_PATH_MIN_SIZE, bytes.length);
        if (path === null) return malformed('SIMPLIFY_PATH path is malformed UTF-8');
        return { ok: true, packet: { command: 'simplify_path', flags, md5, id: viewOf(bytes).getUint32(34, true), path } };
      }
      case NetworkCommand.CONFIRM_PATH:
        if (bytes.length !== CONFIRM_PATH_SIZE) return malformed(`CONFIRM_PATH of ${bytes.length} bytes (Godot: exactly ${CONFIRM_PATH_SIZE})`);
        return { ok: true, packet: { command: 'confirm_path', flags, valid: bytes[1] !== 0, id: viewOf(bytes).getUint32(2, true) } };
      case NetworkCommand.RAW:
        if (bytes.length < 2) return malformed('RAW with no payload');
        return { ok: true, packet: { command: 'raw', flags, payload: bytes.subarray(1) } };
      case NetworkCommand.SPAWN:
        return { ok: true, packet: { command: 'spawn', flags, body: bytes.subarray(1) } };
      case NetworkCommand.DESPAWN:
        return { ok: true, packet: { command: 'despawn', flags, body: bytes.subarray(1) } };
      case NetworkCommand.SYNC:
        return { ok: true, packet: { command: 'sync', flags, delta: (first & SYNC_DELTA_FLAG) !== 0, body: bytes.subarray(1) } };
      default:
        if (options.relayed === true) return unknown('a SYS packet inside a RELAY (Godot: "Invalid network command")');
        return decodeSys(bytes, flags);
    }
  } catch (error) {
    return malformed(`internal error: ${error instanceof Error ? error.message : show(error)}`);
  }
}

function decodeSys(bytes: Uint8Array, flags: number): DecodeSceneResult {
  if (bytes.length >= 2 && bytes[1] === SysCommand.AUTH) return { ok: true, packet: { command: 'sys', sys: 'auth', flags, data: bytes.subarray(2) } };
  if (bytes.length < SYS_CMD_SIZE) return malformed(`SYS of ${bytes.length} bytes (Godot: at least ${SYS_CMD_SIZE})`);
  const peer = viewOf(bytes).getInt32(2, true);
  switch (bytes[1]) {
    case SysCommand.ADD_PEER:
      return { ok: true, packet: { command: 'sys', sys: 'add_peer', flags, peer } };
    case SysCommand.DEL_PEER:
      return { ok: true, packet: { command: 'sys', sys: 'del_peer', flags, peer } };
    case SysCommand.RELAY:
      if (bytes.length < SYS_CMD_SIZE + 1) return malformed('RELAY with no inner packet');
      return { ok: true, packet: { command: 'sys', sys: 'relay', flags, peer, inner: bytes.subarray(SYS_CMD_SIZE) } };
    default:
      return unknown(`SYS command ${bytes[1]}`);
  }
}

/** `process_rpc`'s header reading (§2.6); the arguments are left as bytes. */
function decodeRemoteCall(bytes: Uint8Array, view: DataView, flags: number): DecodeSceneResult {
  const first = bytes[0]!;
  const nodeCompression = (first >> NODE_ID_COMPRESSION_SHIFT) & 3;
  if (nodeCompression === 3) return malformed('REMOTE_CALL node id compression 3 (Godot: "Was not possible to extract the node id compression mode.")');
  const nodeIdBytes = nodeCompression === 0 ? 1 : nodeCompression === 1 ? 2 : 4;
  const nameIdBytes = (first >> NAME_ID_COMPRESSION_SHIFT) & 1 ? 2 : 1;
  const byteOnly = (first & BYTE_ONLY_OR_NO_ARGS_FLAG) !== 0;
  const headerSize = 1 + nodeIdBytes + nameIdBytes;
  if (bytes.length < headerSize) return malformed(`REMOTE_CALL of ${bytes.length} bytes, its header needs ${headerSize}`);
  const nodeId = nodeIdBytes === 1 ? bytes[1]! : nodeIdBytes === 2 ? view.getUint16(1, true) : view.getUint32(1, true);
  const nameId = nameIdBytes === 1 ? bytes[1 + nodeIdBytes]! : view.getUint16(1 + nodeIdBytes, true);
  let end = bytes.length;
  let target: { kind: 'cached'; id: number } | { kind: 'path'; offset: number; path: string };
  if (nodeIdBytes === 4 && nodeId >= PATH_TARGET_FLAG) {
    const offset = nodeId - PATH_TARGET_FLAG;
    if (offset >= bytes.length) return malformed('REMOTE_CALL path offset past the end (Godot: "Size smaller than declared.")');
    // Godot takes the packet to end at the path; an offset inside the header leaves no room for it.
    if (offset < headerSize) return malformed('REMOTE_CALL path offset inside the header');
    const path = textUpToNul(bytes, offset, bytes.length);
    if (path === null) return malformed('REMOTE_CALL path is malformed UTF-8');
    target = { kind: 'path', offset, path };
    end = offset;
  } else {
    target = { kind: 'cached', id: nodeId };
  }
  let argc: number | null = null;
  let argsStart = headerSize;
  if (!byteOnly) {
    if (argsStart >= end) return malformed('REMOTE_CALL without its argc byte');
    argc = bytes[argsStart]!;
    argsStart += 1;
  }
  return {
    ok: true,
    packet: {
      command: 'remote_call',
      flags,
      nodeIdBytes,
      nameIdBytes,
      nodeId,
      target,
      nameId,
      byteOnly,
      argc,
      args: bytes.subarray(argsStart, end),
    },
  };
}
