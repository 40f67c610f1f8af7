/**
 * Every bound this library puts on what a remote peer (or its signaling) can make a connection
 * hold or do, in one place. The README's threat model lists each with its default; a connection
 * takes its own with `new WebRTCPeerConnection({ limits })`, and `set_default_limits` changes the
 * defaults of the connections created after it.
 *
 * @example
 * ```ts
 * // An internet-facing service: never send STUN to private ranges or loopback.
 * set_default_limits({ candidateAddresses: 'public' });
 * const pc = new WebRTCPeerConnection({ limits: { maxQueuedBytes: 1 << 20 } });
 * ```
 */
export interface Limits {
  /** Remote-chosen text (labels, protocols, mids, SDP and candidate excerpts) is cut to this many characters in records and reasons. */
  recordTextLength: number;

  /**
   * Remote candidates a connection takes since its last `initialize`, held, applied or listed in a
   * remote description; past it `add_ice_candidate` is ERR_BUSY and a description's further
   * candidates are removed. The stack compares each new candidate with all before it.
   */
  maxRemoteCandidates: number;
  /**
   * Which candidate addresses are taken (IPv4 only in canonical dotted-quad form, IPv4-mapped IPv6
   * as its IPv4, ports 1–65535). `lan` (default): every address a peer can have, loopback and
   * private ranges included; never unspecified, broadcast, multicast, link-local (169.254.169.254
   * included), reserved or documentation ones. `public`: also never loopback, private, shared
   * (CGNAT), unique-local, 192.0.0.0/24 or benchmarking (198.18/15) ones, nor host names, for a
   * service on the internet that must not be made to reach its own network.
   */
  candidateAddresses: 'lan' | 'public';
  /** Candidates whose address is a host name (mDNS `.local`) a connection takes under `candidateAddresses: 'lan'`; each costs the stack a resolver thread and a lookup. Default 0: refused. */
  maxHostnameCandidates: number;

  /** The longest remote description, in UTF-8 bytes. */
  maxSdpBytes: number;
  /** The most media sections (m= lines) a remote description may have: this library uses one. */
  maxMediaSections: number;

  /** Received packets a channel queues unread; one more closes the connection (see `maxQueuedBytes`). */
  maxQueuedPackets: number;
  /** Bytes a connection queues unread over all of its channels, each packet counted with `packetOverheadBytes`; past it the connection is closed, with a record saying why. */
  maxQueuedBytes: number;
  /** What one queued packet is counted as beyond its payload: the memory it costs even when empty. */
  packetOverheadBytes: number;

  /**
   * Bytes a channel may hold buffered for sending (its `get_buffered_amount()`) together with the
   * packet being sent: past it `put_packet` is ERR_BUSY, with a record, and nothing is sent; wait
   * for `buffered_amount_low` or `await channel.drained()`. A remote that reads slowly makes the
   * sender buffer without bound otherwise.
   */
  maxBufferedBytes: number;

  /** Data channels open at once on a connection, created or received; a remote's channel past it is closed at once, with a record. */
  maxChannels: number;
  /** The longest label, and the longest protocol, a remote's in-band channel may have, in UTF-8 bytes; a longer one is closed at once, with a record. */
  maxRemoteLabelBytes: number;
  /**
   * Received messages with the signature of libdatachannel's deprecated-PPID amplification (exactly
   * the local max-message-size, its last KiB zeros) a connection takes; one more closes it. Default
   * 0: the first closes it (an honest remote hits the signature only with a message that fills the
   * limit and ends in 1 KiB of zeros).
   */
  maxAmplifiedMessages: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  recordTextLength: 256,
  maxRemoteCandidates: 64,
  candidateAddresses: 'lan',
  maxHostnameCandidates: 0,
  maxSdpBytes: 256 * 1024,
  maxMediaSections: 16,
  maxQueuedPackets: 16_384,
  maxQueuedBytes: 16 * 1024 * 1024,
  packetOverheadBytes: 512,
  maxBufferedBytes: 16 * 1024 * 1024,
  maxChannels: 1024,
  maxRemoteLabelBytes: 1024,
  maxAmplifiedMessages: 0,
});

let defaults: Readonly<Limits> = DEFAULT_LIMITS;

/** The limits connections created from now on start with. */
export function defaultLimits(): Readonly<Limits> {
  return defaults;
}

/**
 * Changes the defaults of the connections created from now on; `set_default_limits(DEFAULT_LIMITS)`
 * goes back to the library's own. A value of the wrong kind is refused (nothing changes).
 */
export function setDefaultLimits(limits: Partial<Limits>): { ok: true } | { ok: false; reason: string } {
  const checked = checkLimits(limits, defaults);
  if (!checked.ok) return checked;
  defaults = Object.freeze(checked.value);
  return { ok: true };
}

/** `base` with `overrides` applied, or why an override is not a limit. */
export function checkLimits(overrides: unknown, base: Readonly<Limits> = defaults): { ok: true; value: Limits } | { ok: false; reason: string } {
  if (overrides === undefined) return { ok: true, value: { ...base } };
  if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) return { ok: false, reason: 'limits must be an object' };
  const value: Limits = { ...base };
  for (const [key, given] of Object.entries(overrides)) {
    if (!(key in DEFAULT_LIMITS)) return { ok: false, reason: `unknown limit ${JSON.stringify(key.slice(0, 40))} (known: ${Object.keys(DEFAULT_LIMITS).join(', ')})` };
    if (key === 'candidateAddresses') {
      if (given !== 'lan' && given !== 'public') return { ok: false, reason: 'limit candidateAddresses must be "lan" or "public"' };
      value.candidateAddresses = given;
      continue;
    }
    if (typeof given !== 'number' || !Number.isSafeInteger(given) || given < 0) return { ok: false, reason: `limit ${key} must be a whole number of 0 or more` };
    (value as unknown as Record<string, number>)[key] = given;
  }
  return { ok: true, value };
}
