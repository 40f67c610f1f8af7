/**
 * What a SignalingClient writes and reads, per protocol version, on top of the codecs: 4.x speaks
 * the JSON frames of frames.ts, 3.x the text frames of text-frames.ts. Both are read into the 4.x
 * message shape (`SignalMessage`), so the client has one vocabulary. Pure, no I/O.
 */
import { MessageType, decodeFrame, encodeFrame, type DecodeOptions, type Decoded, type RelayType, type SignalMessage } from './frames.js';
import { RELAY_LETTERS, decodeServerTextFrame, encodeTextFrame, toJsonMessage } from './text-frames.js';
import type { SignalingProtocol } from '../machines/signaling-session.js';

/** The demo's protocol version: 4 (Godot 4's JSON frames) or 3 (Godot 3.x's text frames). */
export type ProtocolVersion = SignalingProtocol;
export const PROTOCOL_VERSIONS: readonly ProtocolVersion[] = [3, 4];

/** The relays a client sends: an OFFER, ANSWER or CANDIDATE to a member (1: the host). */
export type { RelayType } from './frames.js';

/** The demo client's join: 4.x `{"type":0,"id":mesh?0:1,"data":lobby}`; 3.x `J: <lobby>\n` (every 3.x lobby is a mesh). */
export function encodeJoin(protocol: ProtocolVersion, lobby: string, mesh: boolean): string {
  return protocol === 4 ? encodeFrame({ type: MessageType.JOIN, id: mesh ? 0 : 1, data: lobby }) : encodeTextFrame({ command: 'J', lobby });
}

/** The host's seal: 4.x `{"type":7,"id":0,"data":""}`; 3.x `S: \n`. */
export function encodeSeal(protocol: ProtocolVersion): string {
  return protocol === 4 ? encodeFrame({ type: MessageType.SEAL, id: 0 }) : encodeTextFrame({ command: 'S' });
}

/** A relay to `destination`, its data as the demo writes it (an SDP, or a candidate payload). */
export function encodeRelay(protocol: ProtocolVersion, type: RelayType, destination: number, data: string): string {
  return protocol === 4
    ? encodeFrame({ type, id: destination, data })
    : encodeTextFrame({ command: RELAY_LETTERS[type], id: destination, payload: data });
}

/**
 * A server's frame as the demo client of that version reads it, in the 4.x message shape (3.x `I:`
 * is an ID with data `"true"`: every 3.x lobby is a mesh). A frame the demo client would ignore is
 * a refusal that says why. Never throws.
 */
export function decodeServerFrame(protocol: ProtocolVersion, frame: unknown, options: DecodeOptions = {}): Decoded<SignalMessage> {
  if (protocol === 4) return decodeFrame(frame, options);
  const decoded = decodeServerTextFrame(frame, options);
  return decoded.ok ? { ok: true, message: toJsonMessage(decoded.message) } : decoded;
}
