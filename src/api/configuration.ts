import { bad, describe, isPlainObject, ok, type Check } from './arguments.js';
import { redactText } from '../records/redact.js';

/** One entry of `initialize`'s `iceServers`, as a caller writes it (the W3C RTCIceServer's shape, as Godot takes it). */
export interface IceServerInit {
  /** `stun:`, `stuns:`, `turn:` or `turns:` URLs; `?transport=udp|tcp` for TURN. */
  urls: string | readonly string[];
  /** Needed, with `credential`, by a TURN server. */
  username?: string;
  credential?: string;
}

/** `initialize`'s configuration Dictionary, as a caller writes it. */
export interface Configuration {
  iceServers?: readonly IceServerInit[];
}

/** One ICE server, checked: what `initialize` hands the stack, one per URL, with its credentials for TURN. */
export interface IceServerConfig {
  url: string;
  scheme: 'stun' | 'stuns' | 'turn' | 'turns';
  hostname: string;
  port: number;
  transport?: 'udp' | 'tcp';
  username?: string;
  credential?: string;
}

export interface PeerConfiguration {
  iceServers: IceServerConfig[];
}

const DEFAULT_PORTS = { stun: 3478, stuns: 5349, turn: 3478, turns: 5349 } as const;

/**
 * Parses `initialize`'s dictionary as Godot does: `iceServers` is an Array of Dictionaries, each
 * with `urls` (a String or an Array of Strings) and optional `username` and `credential`.
 * Reasons never repeat a credential.
 */
export function parseConfiguration(configuration: unknown): Check<PeerConfiguration> {
  if (configuration === undefined) return ok({ iceServers: [] });
  if (!isPlainObject(configuration)) return bad(`configuration must be a Dictionary, not ${describe(configuration)}`);
  const servers = configuration.iceServers;
  if (servers === undefined) return ok({ iceServers: [] });
  if (!Array.isArray(servers)) return bad(`iceServers must be an Array, not ${describe(servers)}`);
  const iceServers: IceServerConfig[] = [];
  for (const [index, entry] of servers.entries()) {
    if (!isPlainObject(entry)) return bad(`iceServers[${index}] must be a Dictionary, not ${describe(entry)}`);
    const urls = typeof entry.urls === 'string' ? [entry.urls] : entry.urls;
    if (!Array.isArray(urls) || urls.length === 0) return bad(`iceServers[${index}] needs "urls": a String or an Array of Strings`);
    for (const key of ['username', 'credential'] as const) {
      if (entry[key] !== undefined && typeof entry[key] !== 'string') return bad(`iceServers[${index}].${key} must be a String`);
    }
    for (const url of urls) {
      const parsed = parseIceUrl(url);
      if (!parsed.ok) return bad(`iceServers[${index}]: ${parsed.reason}`);
      if (parsed.value.scheme.startsWith('turn') && (typeof entry.username !== 'string' || typeof entry.credential !== 'string')) {
        return bad(`iceServers[${index}]: a TURN server needs both "username" and "credential"`);
      }
      const server: IceServerConfig = { ...parsed.value };
      if (typeof entry.username === 'string') server.username = entry.username;
      if (typeof entry.credential === 'string') server.credential = entry.credential;
      iceServers.push(server);
    }
  }
  return ok({ iceServers });
}

/** `stun:host[:port]`, `turn:host[:port][?transport=udp|tcp]`, `stuns:`/`turns:` likewise (RFC 7064, 7065). */
export function parseIceUrl(url: unknown): Check<Omit<IceServerConfig, 'username' | 'credential'>> {
  if (typeof url !== 'string') return bad(`an ICE server URL must be a String, not ${describe(url)}`);
  const match = /^(stuns?|turns?):(\[[0-9a-fA-F:.]+\]|[^\s:?@/[\]]+)(?::(\d{1,5}))?(?:\?transport=(udp|tcp))?$/.exec(url);
  if (!match) return bad(`${redactUrl(url)} is not a stun:, stuns:, turn: or turns: URL of the form scheme:host[:port][?transport=udp|tcp]`);
  const scheme = match[1] as IceServerConfig['scheme'];
  const port = match[3] === undefined ? DEFAULT_PORTS[scheme] : Number(match[3]);
  if (port < 1 || port > 65535) return bad(`the port of ${redactUrl(url)} is out of range`);
  if (match[4] && scheme.startsWith('stun')) return bad(`${redactUrl(url)}: ?transport is only for TURN`);
  const hostname = match[2]!.replace(/^\[|\]$/g, '');
  const value: Omit<IceServerConfig, 'username' | 'credential'> = { url, scheme, hostname, port };
  if (match[4]) value.transport = match[4] as 'udp' | 'tcp';
  return ok(value);
}

/** A URL as it may appear in a reason or a log: any `user:password@` part removed by the records' own redactor. */
export function redactUrl(url: string): string {
  return JSON.stringify(redactText(url.length > 80 ? `${url.slice(0, 80)}…` : url));
}
