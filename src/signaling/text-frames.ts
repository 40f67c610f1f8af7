/**
 * The Godot 3.x webrtc_signaling demo's text protocol (godot-demo-projects branch 3.x,
 * `server_node/server.js` and `client/ws_webrtc_client.gd`): one WebSocket text frame
 * `"<C>: <arg>\n<payload>"` per message. Pure encode and decode, no I/O.
 *
 * Client to server: `J: <lobby>\n` (empty: create; every 3.x lobby is a mesh), `S: \n`, and the
 * relays `O|A|C: <dest>\n<payload>`. Server to client: `I: <id>\n`, `N: <id>\n`, `J: <lobby>\n`,
 * `D: <id>\n`, `S: \n`, and the relays with the sender's id (1 for the host).
 *
 * A relay's `payload` is everything after the first `\n`. server.js relays `cmd[0] + ": " + id +
 * msg.slice(sep)`, the separator included, so its relay is this module's encoding of the same
 * payload byte for byte; a candidate's payload keeps its own leading `\n`
 * (`C: 5\n\n0\n0\ncandidate:…`). The payload is also the 4.x message's `data`, which is what
 * {@link toJsonMessage} and {@link toTextMessage} rely on.
 *
 * Where decoding differs from server.js: a destination that parses (with `parseInt`, as server.js
 * does: `12abc` is 12, `0x10` is 16) to a number outside 1..2^31−1 is `Invalid destination` here
 * at once; server.js gets the same reason from finding nobody with that id in the lobby. Size and
 * transfer-mode checks as in frames.ts.
 */
import {
  CloseReason,
  MAX_PEER_ID,
  MessageType,
  refusal,
  textFrame,
  type DecodeOptions,
  type Decoded,
  type RelayType,
  type SignalMessage,
} from './frames.js';

export type RelayCommand = 'O' | 'A' | 'C';
export type TextMessage =
  | { command: 'J'; lobby: string }
  | { command: 'S' }
  | { command: 'I' | 'N' | 'D'; id: number }
  | { command: RelayCommand; id: number; payload: string };
export type TextCommand = TextMessage['command'];

/** A relay's letter and its 4.x type, both ways. */
export const RELAY_TYPES: Readonly<Record<RelayCommand, RelayType>> = { O: MessageType.OFFER, A: MessageType.ANSWER, C: MessageType.CANDIDATE };
export const RELAY_LETTERS: Readonly<Record<RelayType, RelayCommand>> = { [MessageType.OFFER]: 'O', [MessageType.ANSWER]: 'A', [MessageType.CANDIDATE]: 'C' };

/** The frame server.js or the 3.x client writes for this message. */
export function encodeTextFrame(message: TextMessage): string {
  switch (message.command) {
    case 'J':
      return `J: ${message.lobby}\n`;
    case 'S':
      return 'S: \n';
    case 'I':
    case 'N':
    case 'D':
      return `${message.command}: ${message.id}\n`;
    default:
      return `${message.command}: ${message.id}\n${message.payload}`;
  }
}

/** A first line and a payload, as both server.js and the 3.x client split a frame: once, at the first `\n`. */
function splitFrame(frame: string): { head: string; payload: string } | undefined {
  const sep = frame.indexOf('\n');
  if (sep < 0) return undefined;
  const head = frame.slice(0, sep);
  return head.length < 3 ? undefined : { head, payload: frame.slice(sep + 1) };
}

function isPeerId(id: number): boolean {
  return Number.isInteger(id) && id >= 1 && id <= MAX_PEER_ID;
}

/**
 * Decodes a client's frame as server.js's `parseMsg` does, in its order: format, `J: `, then (after
 * the server's in-lobby checks) `S: `, the destination, the command letter. Never throws.
 */
export function decodeClientTextFrame(frame: unknown, options: DecodeOptions = {}): Decoded<Extract<TextMessage, { command: 'J' | 'S' | RelayCommand }>> {
  const text = textFrame(frame, options);
  if (typeof text !== 'string') return text;
  const parts = splitFrame(text);
  if (!parts) return refusal(CloseReason.INVALID_FORMAT);
  const { head, payload } = parts;
  if (head.startsWith('J: ')) return { ok: true, message: { command: 'J', lobby: head.slice(3).trim() } };
  if (head.startsWith('S: ')) return { ok: true, message: { command: 'S' } };
  // parseInt without a radix, as server.js: it reads `0x10` as 16.
  const dest = Number.parseInt(head.slice(3).trim());
  if (!isPeerId(dest)) return refusal(CloseReason.INVALID_DEST, 'lobby');
  const letter = head[0];
  if ((letter === 'O' || letter === 'A' || letter === 'C') && head[1] === ':' && head[2] === ' ') {
    return { ok: true, message: { command: letter, id: dest, payload } };
  }
  return refusal(CloseReason.INVALID_CMD, 'destination', dest);
}

/** Godot 3's `String.is_valid_integer()`: an optional sign and at least one digit. */
const GODOT_INTEGER = /^[+-]?[0-9]+$/;

/**
 * Decodes a server's frame as the 3.x client's `_parse_msg` does. The client ignores a frame it
 * cannot read; here that is a refusal with the reason server.js would give a client for the same
 * fault (`Invalid message format`, or `Invalid command` for an unknown letter). Never throws.
 */
export function decodeServerTextFrame(frame: unknown, options: DecodeOptions = {}): Decoded<TextMessage> {
  const text = textFrame(frame, options);
  if (typeof text !== 'string') return text;
  const parts = splitFrame(text);
  if (!parts) return refusal(CloseReason.INVALID_FORMAT);
  const { head, payload } = parts;
  // The client takes the lobby name untrimmed, unlike the server.
  if (head.startsWith('J: ')) return { ok: true, message: { command: 'J', lobby: head.slice(3) } };
  if (head.startsWith('S: ')) return { ok: true, message: { command: 'S' } };
  const idText = head.slice(3);
  if (!GODOT_INTEGER.test(idText)) return refusal(CloseReason.INVALID_FORMAT);
  const id = Number(idText);
  if (!Number.isSafeInteger(id)) return refusal(CloseReason.INVALID_FORMAT);
  const letter = head[0];
  if (head[1] !== ':' || head[2] !== ' ') return refusal(CloseReason.INVALID_CMD);
  if (letter === 'I' || letter === 'N' || letter === 'D') return { ok: true, message: { command: letter, id } };
  if (letter === 'O' || letter === 'A' || letter === 'C') return { ok: true, message: { command: letter, id, payload } };
  return refusal(CloseReason.INVALID_CMD);
}

/** The 4.x message with the same meaning. Every 3.x lobby is a mesh: JOIN's id 0, ID's data `"true"`. */
export function toJsonMessage(message: TextMessage): SignalMessage {
  switch (message.command) {
    case 'J':
      return { type: MessageType.JOIN, id: 0, data: message.lobby };
    case 'S':
      return { type: MessageType.SEAL, id: 0, data: '' };
    case 'I':
      return { type: MessageType.ID, id: message.id, data: 'true' };
    case 'N':
      return { type: MessageType.PEER_CONNECT, id: message.id, data: '' };
    case 'D':
      return { type: MessageType.PEER_DISCONNECT, id: message.id, data: '' };
    default:
      return { type: RELAY_TYPES[message.command], id: message.id, data: message.payload };
  }
}

/**
 * The 3.x message with the same meaning, or undefined when 3.x has none: a client/server lobby
 * (JOIN with an id other than 0, ID with data other than `"true"`).
 */
export function toTextMessage(message: SignalMessage): TextMessage | undefined {
  switch (message.type) {
    case MessageType.JOIN:
      return message.id === 0 ? { command: 'J', lobby: message.data } : undefined;
    case MessageType.ID:
      return message.data === 'true' ? { command: 'I', id: message.id } : undefined;
    case MessageType.PEER_CONNECT:
      return { command: 'N', id: message.id };
    case MessageType.PEER_DISCONNECT:
      return { command: 'D', id: message.id };
    case MessageType.OFFER:
      return { command: 'O', id: message.id, payload: message.data };
    case MessageType.ANSWER:
      return { command: 'A', id: message.id, payload: message.data };
    case MessageType.CANDIDATE:
      return { command: 'C', id: message.id, payload: message.data };
    case MessageType.SEAL:
      return { command: 'S' };
  }
}
