/**
 * An application-level keepalive, for connections whose both ends run this library: a negotiated
 * channel on which each end sends a one-byte ping every `intervalMs`, and a connection that hears
 * nothing on it for `timeoutMs` is failed (`failForTimeout('keepalive')`). The stack alone notices
 * a vanished remote only after 13 s (data in flight, SCTP gives up) to 30 s (idle, ICE consent
 * expires), and none of those timers can be set through node-datachannel: docs/vanished-peers.md.
 *
 * @example
 * ```ts
 * const pc = new WebRTCPeerConnection();
 * const alive = keepalive(pc, { timeoutMs: 3000 }); // on both ends, before the offer or answer
 * // ... once the remote falls silent for 3 s: pc.get_close_info() says { by: 'timeout', timeout: 'keepalive' }
 * ```
 */
import { ChannelState, ConnectionState, GodotError } from '../godot/constants.js';
import { describe, isPlainObject } from './arguments.js';
import type { WebRTCDataChannel } from './data-channel.js';
import type { WebRTCPeerConnection } from './peer-connection.js';

export interface KeepaliveOptions {
  /** Ms between two pings (default 1000). */
  intervalMs?: number;
  /** Ms without a packet on the keepalive channel after which the connection is failed (default 5000; at least twice `intervalMs`). */
  timeoutMs?: number;
  /** The keepalive channel's negotiated id, the same on both ends (default 1023, the highest libdatachannel and Godot accept). */
  id?: number;
  /** Its label (default `keepalive`). */
  label?: string;
}

export const DEFAULT_KEEPALIVE_INTERVAL_MS = 1000;
export const DEFAULT_KEEPALIVE_TIMEOUT_MS = 5000;
/** In-band channels take the lowest free ids (even on one end, odd on the other): the highest is the last to collide. */
export const DEFAULT_KEEPALIVE_ID = 1023;
export const KEEPALIVE_LABEL = 'keepalive';

/**
 * Why the keepalive stopped: `stop()` was called; it `timed_out` (and failed the connection); the
 * connection `ended` (closed or failed by anything else); `initialize()` began a new life (its
 * channel belongs to the old one); or its channel was closed, by the app or the remote.
 */
export type KeepaliveStop = 'stopped' | 'timed_out' | 'ended' | 'initialized' | 'channel_closed';

/** What a keepalive has seen; times are `performance.now()` ms. */
export interface KeepaliveStats {
  /** `waiting` for its channel to open, `running`, or `stopped`. */
  state: 'waiting' | 'running' | 'stopped';
  stopped_by: KeepaliveStop | null;
  /** When its channel was first seen open: the silence is counted from there. */
  opened_at: number | null;
  /** When a packet was last read from its channel (read on its timer, so up to `intervalMs` after it arrived). */
  last_heard_at: number | null;
  /** Ms since then (or since `opened_at` if nothing came yet), at the last tick while running. */
  silent_ms: number | null;
  pings_sent: number;
  packets_received: number;
  /** Pings `put_packet` refused (the refusals are in the connection's records). */
  send_errors: number;
}

export interface Keepalive {
  /** The keepalive channel: one of the connection's `get_data_channels()`, not for the application's packets. */
  readonly channel: WebRTCDataChannel;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Stops pinging and watching; the channel stays open. */
  stop(): void;
  get_stats(): KeepaliveStats;
}

const PING = new Uint8Array([0x6b]);
const KNOWN_KEYS = new Set(['intervalMs', 'timeoutMs', 'id', 'label']);
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Adds a keepalive to `pc`, which must not have offered or answered yet (its channel is created
 * now, as a negotiated one). Returns null when the options are bad or the channel cannot be
 * created: the connection's refusal record (method `keepalive`, ERR_INVALID_PARAMETER, or
 * `create_data_channel`'s) says why.
 */
export function keepalive(pc: WebRTCPeerConnection, options: KeepaliveOptions = {}): Keepalive | null {
  const checked = checkOptions(options);
  if (typeof checked === 'string') {
    pc.refuseFor('keepalive', GodotError.ERR_INVALID_PARAMETER, checked);
    return null;
  }
  const channel = pc.create_data_channel(checked.label, { negotiated: true, id: checked.id, ordered: false, maxRetransmits: 0 });
  if (channel === null) return null;
  return new KeepaliveRun(pc, channel, checked.intervalMs, checked.timeoutMs);
}

class KeepaliveRun implements Keepalive {
  private readonly timer: NodeJS.Timeout;
  private readonly stats: KeepaliveStats = {
    state: 'waiting',
    stopped_by: null,
    opened_at: null,
    last_heard_at: null,
    silent_ms: null,
    pings_sent: 0,
    packets_received: 0,
    send_errors: 0,
  };

  constructor(
    private readonly pc: WebRTCPeerConnection,
    readonly channel: WebRTCDataChannel,
    readonly intervalMs: number,
    readonly timeoutMs: number,
  ) {
    this.timer = setInterval(() => this.tick(), intervalMs);
    // The native connection keeps the process alive while it lives; the keepalive must not.
    this.timer.unref();
  }

  stop(): void {
    this.finish('stopped');
  }

  get_stats(): KeepaliveStats {
    return { ...this.stats };
  }

  private tick(): void {
    const connection = this.pc.get_connection_state();
    const channel = this.channel.get_ready_state();
    if (connection === ConnectionState.STATE_CLOSED || connection === ConnectionState.STATE_FAILED) return this.finish('ended');
    if (channel === ChannelState.STATE_CLOSING || channel === ChannelState.STATE_CLOSED) {
      // initialize() closes the old life's channels and goes back to STATE_NEW.
      return this.finish(connection === ConnectionState.STATE_NEW ? 'initialized' : 'channel_closed');
    }
    if (channel !== ChannelState.STATE_OPEN) return;
    const now = performance.now();
    if (this.stats.opened_at === null) {
      this.stats.opened_at = now;
      this.stats.state = 'running';
    }
    this.read(now);
    const silentMs = now - (this.stats.last_heard_at ?? this.stats.opened_at);
    this.stats.silent_ms = silentMs;
    if (silentMs >= this.timeoutMs) {
      // After a stalled event loop, timers run before the stack's queued messages are delivered:
      // judge only once they have been (setImmediate runs after that I/O phase).
      setImmediate(() => this.judge());
      return;
    }
    this.ping();
  }

  /** The silence outlasted timeoutMs at the last tick: unless a packet came meanwhile, the connection fails. */
  private judge(): void {
    if (this.stats.state === 'stopped' || this.channel.get_ready_state() !== ChannelState.STATE_OPEN) return;
    const now = performance.now();
    if (this.read(now) > 0) {
      this.stats.silent_ms = 0;
      this.ping();
      return;
    }
    const silentMs = now - (this.stats.last_heard_at ?? this.stats.opened_at!);
    this.stats.silent_ms = silentMs;
    const heard = this.stats.last_heard_at === null ? 'since its channel opened' : 'since the last one';
    this.finish('timed_out');
    this.pc.failForTimeout(
      'keepalive',
      `the remote end fell silent: no keepalive packet for ${Math.round(silentMs)} ms ${heard} (timeoutMs ${this.timeoutMs}, a ping every ${this.intervalMs} ms each way; ${this.stats.packets_received} received in all)`,
    );
  }

  /** Reads what the channel holds; returns how many packets. */
  private read(now: number): number {
    let read = 0;
    while (this.channel.get_available_packet_count() > 0) {
      this.channel.get_packet();
      read++;
    }
    if (read > 0) {
      this.stats.packets_received += read;
      this.stats.last_heard_at = now;
    }
    return read;
  }

  private ping(): void {
    if (this.channel.put_packet(PING) === GodotError.OK) this.stats.pings_sent++;
    else this.stats.send_errors++;
  }

  private finish(by: KeepaliveStop): void {
    if (this.stats.state === 'stopped') return;
    clearInterval(this.timer);
    this.stats.state = 'stopped';
    this.stats.stopped_by = by;
  }
}

interface CheckedOptions {
  intervalMs: number;
  timeoutMs: number;
  id: number;
  label: string;
}

/** The options with their defaults, or why they are not options (the id and label are checked by create_data_channel). */
function checkOptions(options: unknown): CheckedOptions | string {
  if (!isPlainObject(options)) return `options must be an object such as { timeoutMs: 5000 }, not ${describe(options)}`;
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.has(key)) return `unknown option ${describe(key)} (known: ${[...KNOWN_KEYS].join(', ')})`;
  }
  const { intervalMs = DEFAULT_KEEPALIVE_INTERVAL_MS, timeoutMs = DEFAULT_KEEPALIVE_TIMEOUT_MS, id = DEFAULT_KEEPALIVE_ID, label = KEEPALIVE_LABEL } = options as KeepaliveOptions;
  if (!Number.isSafeInteger(intervalMs) || intervalMs < 1 || intervalMs > MAX_TIMER_MS) return `options.intervalMs must be a whole number of ms from 1 to ${MAX_TIMER_MS}, not ${describe(intervalMs)}`;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMER_MS) return `options.timeoutMs must be a whole number of ms from 1 to ${MAX_TIMER_MS}, not ${describe(timeoutMs)}`;
  // One late or lost ping must not fail a live connection.
  if (timeoutMs < 2 * intervalMs) return `options.timeoutMs (${timeoutMs}) must be at least twice options.intervalMs (${intervalMs})`;
  return { intervalMs, timeoutMs, id, label };
}
