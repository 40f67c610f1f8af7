/** A SignalingClient's options, checked: the defaults filled in, or why they are not options. */
import { bad, describe, isPlainObject, ok, type Check } from '../api/arguments.js';
import { parseConfiguration, type Configuration } from '../api/configuration.js';
import type { PeerConnectionOptions } from '../api/peer-connection.js';
import { PROTOCOL_VERSIONS, type ProtocolVersion } from './client-wire.js';

export interface SignalingClientOptions {
  /** The signaling server, `ws://` or `wss://`. */
  url: string;
  /** The lobby to join; `''` (the default) creates one, and this peer is its host (id 1). */
  lobby?: string;
  /** 4.x, when creating: a mesh lobby (the default) or a client/server one. Every 3.x lobby is a mesh. */
  mesh?: boolean;
  /** The demo's protocol version: 4 (JSON frames, the default) or 3 (Godot 3.x's text frames). */
  protocol?: ProtocolVersion;
  /** Each WebRTC connection's `initialize` dictionary (default `{ iceServers: [] }`). */
  configuration?: Configuration;
  /** Given to each `new WebRTCPeerConnection` after `dispatch: 'events'`; an `id` becomes `<id>-<peer id>`. */
  peerOptions?: PeerConnectionOptions;
  /** Ms from `join()` to the server's JOIN; past it `join()` gives ERR_TIMEOUT and the socket is closed (default 10 000). */
  joinTimeoutMs?: number;
  /** Not in the shared contract: the longest server frame taken, in bytes (default 65 536, the server's default). */
  maxFrameBytes?: number;
  /** Not in the shared contract: the most WebRTC connections this client keeps; more PEER_CONNECTs are ignored (default 256). */
  maxPeers?: number;
}

export type ResolvedClientOptions = Required<Omit<SignalingClientOptions, 'peerOptions'>> & { peerOptions: PeerConnectionOptions | undefined };

export const DEFAULT_JOIN_TIMEOUT_MS = 10_000;
export const DEFAULT_CLIENT_MAX_FRAME_BYTES = 65_536;
export const DEFAULT_CLIENT_MAX_PEERS = 256;
const MAX_TIMER_MS = 2 ** 31 - 1;

function wholeNumber(name: string, value: unknown, min: number, max: number): string | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max
    ? null
    : `options.${name} must be a whole number from ${min} to ${max}, not ${describe(value)}`;
}

function urlProblem(url: unknown): string | null {
  if (typeof url !== 'string') return `options.url must be a ws:// or wss:// URL string, not ${describe(url)}`;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'ws:' || parsed.protocol === 'wss:' ? null : `options.url must be a ws:// or wss:// URL, not a ${parsed.protocol} one`;
  } catch {
    return `options.url is not a URL: ${describe(url)}`;
  }
}

/** The options with their defaults, or the first reason they are not options. Never throws. */
export function checkClientOptions(options: unknown): Check<ResolvedClientOptions> {
  if (!isPlainObject(options)) return bad(`options must be an object with a url, not ${describe(options)}`);
  const {
    url,
    lobby = '',
    mesh = true,
    protocol = 4,
    configuration = { iceServers: [] },
    peerOptions,
    joinTimeoutMs = DEFAULT_JOIN_TIMEOUT_MS,
    maxFrameBytes = DEFAULT_CLIENT_MAX_FRAME_BYTES,
    maxPeers = DEFAULT_CLIENT_MAX_PEERS,
  } = options;
  const problem =
    urlProblem(url) ??
    (typeof lobby !== 'string' ? `options.lobby must be a String, not ${describe(lobby)}` : null) ??
    (typeof lobby === 'string' && lobby.includes('\n') ? 'options.lobby must not contain a line break' : null) ??
    (typeof mesh !== 'boolean' ? `options.mesh must be a boolean, not ${describe(mesh)}` : null) ??
    (!PROTOCOL_VERSIONS.includes(protocol as ProtocolVersion) ? `options.protocol must be 3 or 4, not ${describe(protocol)}` : null) ??
    (protocol === 3 && mesh === false ? 'options.mesh cannot be false with protocol 3: every 3.x lobby is a mesh' : null) ??
    (peerOptions !== undefined && !isPlainObject(peerOptions) ? `options.peerOptions must be an object, not ${describe(peerOptions)}` : null) ??
    wholeNumber('joinTimeoutMs', joinTimeoutMs, 1, MAX_TIMER_MS) ??
    wholeNumber('maxFrameBytes', maxFrameBytes, 1024, MAX_TIMER_MS) ??
    wholeNumber('maxPeers', maxPeers, 1, 4096);
  if (problem !== null) return bad(problem);
  const parsed = parseConfiguration(configuration);
  if (!parsed.ok) return bad(`options.configuration: ${parsed.reason}`);
  return ok({
    url: url as string,
    lobby: lobby as string,
    mesh: mesh as boolean,
    protocol: protocol as ProtocolVersion,
    configuration: configuration as Configuration,
    peerOptions: peerOptions as PeerConnectionOptions | undefined,
    joinTimeoutMs: joinTimeoutMs as number,
    maxFrameBytes: maxFrameBytes as number,
    maxPeers: maxPeers as number,
  });
}
