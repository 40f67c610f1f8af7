/** The signaling server's options, their defaults (server.js's constants) and their check. */
import type { Inspector } from '../api/machine-handle.js';
import { SIGNALING_DEFAULTS } from '../machines/signaling-session.js';

export interface SignalingServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 9080 (server.js's PORT); 0 takes a free port. */
  port?: number;
  /** Concurrent sockets (server.js's MAX_PEERS, 4096); one more is closed 4000 `Too many peers connected`. */
  maxPeers?: number;
  /** Open lobbies (MAX_LOBBIES, 1024). */
  maxLobbies?: number;
  /** NO_LOBBY_TIMEOUT, 1000 ms. */
  noLobbyTimeoutMs?: number;
  /** SEAL_CLOSE_TIMEOUT, 10 000 ms. */
  sealCloseTimeoutMs?: number;
  /** PING_INTERVAL, 10 000 ms; a socket that has not answered the previous ping is terminated. */
  pingIntervalMs?: number;
  /** The largest frame taken, in bytes (64 KiB): a larger one closes 4000 `Message too large`, past twice this ws closes 1009. */
  maxFrameBytes?: number;
  /** Bytes waiting unsent to one socket (16 MiB): past it the reader is closed 4000 `Too slow reading, disconnecting`. */
  maxBufferedBytes?: number;
  /** Records kept per session and per lobby. */
  recordCapacity?: number;
  /** Runs every session and lobby as a real actor with this inspector. */
  inspect?: Inspector;
}

export interface ResolvedOptions {
  host: string;
  port: number;
  maxPeers: number;
  maxLobbies: number;
  noLobbyTimeoutMs: number;
  sealCloseTimeoutMs: number;
  pingIntervalMs: number;
  maxFrameBytes: number;
  maxBufferedBytes: number;
  recordCapacity: number;
  inspect?: Inspector;
}

/** setTimeout's largest delay. */
const MAX_DELAY_MS = 2 ** 31 - 1;
/** The largest limit ws takes as maxPayload (twice maxFrameBytes) without going past a safe integer; memory is the caller's call. */
const MAX_FRAME_BYTES = 2 ** 30;

function integerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** The options with their defaults, or null if one is not a number in its range (or the host is no string). */
export function validOptions(options: SignalingServerOptions): ResolvedOptions | null {
  if (options === null || typeof options !== 'object') return null;
  const resolved: ResolvedOptions = {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 9080,
    maxPeers: options.maxPeers ?? SIGNALING_DEFAULTS.maxPeers,
    maxLobbies: options.maxLobbies ?? SIGNALING_DEFAULTS.maxLobbies,
    noLobbyTimeoutMs: options.noLobbyTimeoutMs ?? SIGNALING_DEFAULTS.noLobbyTimeoutMs,
    sealCloseTimeoutMs: options.sealCloseTimeoutMs ?? SIGNALING_DEFAULTS.sealCloseTimeoutMs,
    pingIntervalMs: options.pingIntervalMs ?? SIGNALING_DEFAULTS.pingIntervalMs,
    maxFrameBytes: options.maxFrameBytes ?? 65_536,
    maxBufferedBytes: options.maxBufferedBytes ?? 16 * 2 ** 20,
    recordCapacity: options.recordCapacity ?? 64,
    ...(options.inspect !== undefined ? { inspect: options.inspect } : {}),
  };
  if (typeof resolved.host !== 'string' || resolved.host === '') return null;
  if (!integerIn(resolved.port, 0, 65_535)) return null;
  if (!integerIn(resolved.maxPeers, 1, 2 ** 31 - 2) || !integerIn(resolved.maxLobbies, 1, 2 ** 31 - 2)) return null;
  for (const delay of [resolved.noLobbyTimeoutMs, resolved.sealCloseTimeoutMs, resolved.pingIntervalMs]) {
    if (!integerIn(delay, 1, MAX_DELAY_MS)) return null;
  }
  if (!integerIn(resolved.maxBufferedBytes, 1, Number.MAX_SAFE_INTEGER)) return null;
  if (!integerIn(resolved.maxFrameBytes, 64, MAX_FRAME_BYTES) || !integerIn(resolved.recordCapacity, 1, 1_000_000)) return null;
  const inspect = resolved.inspect;
  if (inspect !== undefined && typeof inspect !== 'function' && (typeof inspect !== 'object' || inspect === null)) return null;
  return resolved;
}
