/**
 * The Godot 4 webrtc_signaling demo's wire format (godot-demo-projects
 * `networking/webrtc_signaling/server_node/server.js`): one WebSocket text frame per message,
 * JSON `{"type":N,"id":N,"data":"..."}` in that key order. Pure encode and decode, no I/O.
 *
 * Decoding follows server.js's `parseMsg`: `type` and `id` must be JSON numbers and are floored; a
 * non-number or a negative one closes 4000 `Invalid message format`; a `data` that is not a string
 * is `""`. A type that is no command closes 4000 `Invalid command`, but server.js only gets there
 * after its in-lobby checks, so such a failure says `checkedAfter: 'lobby'`.
 *
 * Where this module differs from server.js (all for hostile input; a demo client never sees them):
 * - JSON `null` as the whole frame: server.js throws a TypeError reading `null['type']` and closes
 *   4000 with the TypeError's text; here it is `Invalid message format`.
 * - An `id` above 2^31−1 (Godot's largest peer id; `1e400` parses as Infinity) closes 4000
 *   `Invalid message format`; server.js takes it (a JOIN with it makes a client/server lobby, a
 *   relay to it finds nobody: `Invalid destination`).
 * - A frame longer than the caller's limit, in UTF-8 bytes, closes 4000 `Message too large`
 *   (server.js has no limit; ws 7's default maxPayload is 100 MiB).
 * - A binary frame, or anything that is not a string, closes 4000 `Invalid transfer mode, must be
 *   text`, as server.js does with ws 7. With ws 8 or later, pass a text frame as `data.toString()`
 *   and a binary one as the Buffer: server.js with ws 8 would refuse every frame.
 * - JSON nested deeper than {@link MAX_JSON_DEPTH} arrays and objects (a frame's own depth is 1)
 *   closes 4000 `Invalid message format`; server.js ignores keys other than type, id and data,
 *   whatever they hold. JSON.parse takes about 50 times longer per byte on nested arrays than on
 *   a flat frame, so this bounds what a member can make the server spend per frame.
 * - A `type` or `id` of `-0` decodes as `0` (server.js keeps `-0`, which JSON writes as `0` anyway).
 */

import { SIGNALING_CLOSES } from '../machines/signaling-session.js';
import { MAX_PEER_ID } from '../machines/signaling-lobby.js';

/** Godot's largest peer id (`generate_unique_id` masks with 0x7FFFFFFF). */
export { MAX_PEER_ID };

/** The message types, by the numbers server.js uses. */
export const MessageType = {
  JOIN: 0,
  ID: 1,
  PEER_CONNECT: 2,
  PEER_DISCONNECT: 3,
  OFFER: 4,
  ANSWER: 5,
  CANDIDATE: 6,
  SEAL: 7,
} as const;
export type MessageTypeName = keyof typeof MessageType;
/** The relayed types: OFFER, ANSWER, CANDIDATE. */
export type RelayType = typeof MessageType.OFFER | typeof MessageType.ANSWER | typeof MessageType.CANDIDATE;
export type MessageTypeCode = (typeof MessageType)[MessageTypeName];

/** Each type's name, indexed by its number. */
export const MESSAGE_TYPE_NAMES: readonly MessageTypeName[] = ['JOIN', 'ID', 'PEER_CONNECT', 'PEER_DISCONNECT', 'OFFER', 'ANSWER', 'CANDIDATE', 'SEAL'];
/** The types a client sends that server.js acts on; the others close `Invalid command`. */
export const CLIENT_MESSAGE_TYPES: readonly MessageTypeCode[] = [MessageType.JOIN, MessageType.OFFER, MessageType.ANSWER, MessageType.CANDIDATE, MessageType.SEAL];
/** The types server.js relays from one member to another, with the sender's id. */
export const RELAY_MESSAGE_TYPES: readonly MessageTypeCode[] = [MessageType.OFFER, MessageType.ANSWER, MessageType.CANDIDATE];

/** The WebSocket close codes server.js uses: 1000 only for `Seal complete`, 4000 for every error. */
export const CloseCode = { NORMAL: 1000, PROTOCOL: 4000 } as const;
export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * server.js's close reasons, word for word (its `STR_*` constants), and the one this codec adds;
 * the texts are the machines' `SIGNALING_CLOSES`, so that a codec refusal names its close.
 */
export const CloseReason = {
  NO_LOBBY: SIGNALING_CLOSES.noLobby.reason,
  HOST_DISCONNECTED: SIGNALING_CLOSES.hostLeft.reason,
  ONLY_HOST_CAN_SEAL: SIGNALING_CLOSES.onlyHostSeals.reason,
  SEAL_COMPLETE: SIGNALING_CLOSES.sealComplete.reason,
  TOO_MANY_LOBBIES: SIGNALING_CLOSES.tooManyLobbies.reason,
  ALREADY_IN_LOBBY: SIGNALING_CLOSES.alreadyInLobby.reason,
  LOBBY_DOES_NOT_EXISTS: SIGNALING_CLOSES.lobbyMissing.reason,
  LOBBY_IS_SEALED: SIGNALING_CLOSES.lobbySealed.reason,
  INVALID_FORMAT: SIGNALING_CLOSES.invalidFormat.reason,
  NEED_LOBBY: SIGNALING_CLOSES.notInLobby.reason,
  SERVER_ERROR: SIGNALING_CLOSES.lobbyNotFound.reason,
  INVALID_DEST: SIGNALING_CLOSES.invalidDestination.reason,
  INVALID_CMD: SIGNALING_CLOSES.invalidCommand.reason,
  TOO_MANY_PEERS: SIGNALING_CLOSES.tooManyPeers.reason,
  INVALID_TRANSFER_MODE: SIGNALING_CLOSES.binaryFrame.reason,
  /** Not in server.js: a frame over the caller's size limit. */
  MESSAGE_TOO_LARGE: SIGNALING_CLOSES.frameTooLarge.reason,
} as const;
export type CloseReasonText = (typeof CloseReason)[keyof typeof CloseReason];

/** The code server.js closes with for each reason. */
export function closeCodeOf(reason: CloseReasonText): CloseCodeValue {
  return reason === CloseReason.SEAL_COMPLETE ? CloseCode.NORMAL : CloseCode.PROTOCOL;
}

/** One message. `id` is the destination in a client's relay, the sender (1 for the host) in the server's. */
export interface SignalMessage {
  type: MessageTypeCode;
  id: number;
  data: string;
}

/**
 * Which of server.js's checks come before this failure: `none`, it closes at once; `lobby`, only
 * when the sender is in a lobby that exists (else `Invalid message when not in a lobby` or `Server
 * error, lobby not found`); `destination`, also only when the destination `dest` is in that lobby
 * (else `Invalid destination`).
 */
export type CheckedAfter = 'none' | 'lobby' | 'destination';

export interface FrameRefusal {
  ok: false;
  code: CloseCodeValue;
  reason: CloseReasonText;
  checkedAfter: CheckedAfter;
  /** The destination server.js resolved before this failure, for `checkedAfter: 'destination'`. */
  dest?: number;
}
export type Decoded<T> = { ok: true; message: T } | FrameRefusal;

export interface DecodeOptions {
  /** The longest frame taken, in UTF-8 bytes; longer ones close 4000 `Message too large`. */
  maxBytes?: number;
}

/** The deepest nesting of JSON arrays and objects a frame may have; a demo frame has 1. */
export const MAX_JSON_DEPTH = 32;

export function refusal(reason: CloseReasonText, checkedAfter: CheckedAfter = 'none', dest?: number): FrameRefusal {
  const refused: FrameRefusal = { ok: false, code: closeCodeOf(reason), reason, checkedAfter };
  if (dest !== undefined) refused.dest = dest;
  return refused;
}

/**
 * The checks every frame of either protocol passes first: it is text, and within the size limit.
 * Returns the frame as a string, or the refusal.
 */
export function textFrame(frame: unknown, options: DecodeOptions = {}): string | FrameRefusal {
  const limit = options.maxBytes ?? Infinity;
  if (typeof frame !== 'string') {
    const size = frame instanceof Uint8Array ? frame.byteLength : 0;
    return size > limit ? refusal(CloseReason.MESSAGE_TOO_LARGE) : refusal(CloseReason.INVALID_TRANSFER_MODE);
  }
  // A UTF-16 code unit is 1 to 3 UTF-8 bytes, so most frames need no count.
  if (frame.length > limit || (frame.length * 3 > limit && Buffer.byteLength(frame, 'utf8') > limit)) {
    return refusal(CloseReason.MESSAGE_TOO_LARGE);
  }
  return frame;
}

/** Whether `text` opens at most `count` arrays and objects in all: then it cannot nest deeper. */
function opensAtMost(text: string, count: number): boolean {
  let found = 0;
  for (const bracket of ['{', '[']) {
    for (let at = text.indexOf(bracket); at >= 0; at = text.indexOf(bracket, at + 1)) {
      if (++found > count) return false;
    }
  }
  return true;
}

/** Whether `text`, read as JSON, nests arrays and objects at most `maxDepth` deep (invalid JSON is JSON.parse's to refuse). */
function nestsAtMost(text: string, maxDepth: number): boolean {
  if (opensAtMost(text, maxDepth)) return true;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return false;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return true;
}

/** A JSON value's field as server.js reads it: a number, floored, or -1. */
function flooredNumber(value: unknown): number {
  return typeof value === 'number' ? Math.floor(value) : -1;
}

function isMessageType(type: number): type is MessageTypeCode {
  return Number.isInteger(type) && type >= 0 && type < MESSAGE_TYPE_NAMES.length;
}

/** Decodes one frame as server.js does (see the module comment for where it differs). Never throws. */
export function decodeFrame(frame: unknown, options: DecodeOptions = {}): Decoded<SignalMessage> {
  const text = textFrame(frame, options);
  if (typeof text !== 'string') return text;
  if (!nestsAtMost(text, MAX_JSON_DEPTH)) return refusal(CloseReason.INVALID_FORMAT);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return refusal(CloseReason.INVALID_FORMAT);
  }
  if (json === null || typeof json !== 'object') return refusal(CloseReason.INVALID_FORMAT);
  const fields = json as Record<string, unknown>;
  const type = flooredNumber(fields['type']);
  const id = flooredNumber(fields['id']);
  const data = typeof fields['data'] === 'string' ? fields['data'] : '';
  if (type < 0 || id < 0 || id > MAX_PEER_ID) return refusal(CloseReason.INVALID_FORMAT);
  if (!isMessageType(type)) return refusal(CloseReason.INVALID_CMD, 'lobby');
  // `|| 0`: JSON.parse reads `-0` as -0.
  return { ok: true, message: { type: (type || 0) as MessageTypeCode, id: id || 0, data } };
}

/** The frame server.js's `ProtoMessage(type, id, data)` writes: keys in that order, `data` defaulting to `""`. */
export function encodeFrame(message: { type: number; id: number; data?: string }): string {
  const data = typeof message.data === 'string' ? message.data : '';
  return JSON.stringify({ type: message.type, id: message.id, data });
}

/** The relay server.js sends the destination: the same type and data, with the sender's id (1 for the host). */
export function relayed(message: SignalMessage, senderId: number): SignalMessage {
  return { type: message.type, id: senderId, data: message.data };
}
