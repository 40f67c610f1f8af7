import type { ReceivedPaths, SentPath } from './path-cache.js';

/** The packet kinds MultiplayerAPI 3.x puts on the wire (the first byte: 0–4). */
export const COMMANDS = ['remote_call', 'remote_set', 'simplify_path', 'confirm_path', 'raw'] as const;
export type CommandName = (typeof COMMANDS)[number];
export type CommandCounts = Record<CommandName, number>;

/** Why a received packet was dropped (Godot prints an error for all but `unknown_command`, which it ignores silently). */
export const DROP_REASONS = [
  'unknown_command',
  'malformed',
  'packet_error',
  'unknown_peer_cache',
  'unknown_cached_id',
  'unknown_path',
  'unknown_method',
  'unknown_property',
  'not_allowed',
  'wrong_argc',
  'confirm_unknown_path',
  'confirm_unannounced_peer',
  'path_cache_full',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** Not Godot: what a MultiplayerAPI sent, received and dropped, and its path cache both ways (`api.get_stats()`). */
export interface MultiplayerAPIStats {
  /** `put_packet` calls that returned OK, by command: a broadcast sent in one call (the fast path) counts once. */
  sent: CommandCounts;
  /** Packets read from the peer and decoded, by command (those dropped later, by a permission say, included). */
  received: CommandCounts;
  /** REMOTE_CALL/REMOTE_SET by target form: the cached path id, or the full path appended. */
  sent_by_target: { cached: number; path: number };
  received_by_target: { cached: number; path: number };
  bytes_sent: number;
  bytes_received: number;
  /** Every packet read, decodable or not. */
  packets_read: number;
  /** Dropped packets by reason. */
  dropped: Record<DropReason, number>;
  /** Exposed methods, setters and `network_peer_packet` listeners that threw (caught and logged). */
  handler_errors: number;
  path_cache: {
    /** Paths this API sent from, with their ids and the peers that confirmed each. */
    sent: SentPath[];
    /** Per remote peer, the ids it announced (SIMPLIFY_PATH) and their paths. */
    received: ReceivedPaths[];
  };
  connected_peers: number[];
}

function commandCounts(): CommandCounts {
  return { remote_call: 0, remote_set: 0, simplify_path: 0, confirm_path: 0, raw: 0 };
}

/** The counters behind `get_stats()`, and the bounded record of drops. */
export class RpcCounters {
  readonly sent = commandCounts();
  readonly received = commandCounts();
  readonly sentByTarget = { cached: 0, path: 0 };
  readonly receivedByTarget = { cached: 0, path: 0 };
  bytesSent = 0;
  bytesReceived = 0;
  packetsRead = 0;
  handlerErrors = 0;
  readonly dropped = Object.fromEntries(DROP_REASONS.map((reason) => [reason, 0])) as Record<DropReason, number>;
  /**
   * Bounded on purpose: only the first drop of each reason from each peer becomes a record, later
   * ones are only counted, so a remote sending garbage costs a counter increment per packet, not a
   * record (the set holds at most peers × reasons entries, and forgets a peer that disconnects).
   */
  private readonly recordedDrops = new Map<number, Set<DropReason>>();

  countSent(command: CommandName, bytes: number, target?: 'cached' | 'path'): void {
    this.sent[command]++;
    this.bytesSent += bytes;
    if (target !== undefined) this.sentByTarget[target]++;
  }

  countReceived(command: CommandName, target?: 'cached' | 'path'): void {
    this.received[command]++;
    if (target !== undefined) this.receivedByTarget[target]++;
  }

  /** Counts a drop; true when it is the first of its reason from `from` (then it is to be recorded). */
  drop(from: number, reason: DropReason): boolean {
    this.dropped[reason]++;
    let reasons = this.recordedDrops.get(from);
    if (reasons === undefined) {
      reasons = new Set();
      this.recordedDrops.set(from, reasons);
    }
    if (reasons.has(reason)) return false;
    reasons.add(reason);
    return true;
  }

  /** The peers with a recorded drop. */
  recordedPeers(): IterableIterator<number> {
    return this.recordedDrops.keys();
  }

  forgetPeer(peer: number): void {
    this.recordedDrops.delete(peer);
  }

  snapshot(pathCache: MultiplayerAPIStats['path_cache'], connectedPeers: number[]): MultiplayerAPIStats {
    return {
      sent: { ...this.sent },
      received: { ...this.received },
      sent_by_target: { ...this.sentByTarget },
      received_by_target: { ...this.receivedByTarget },
      bytes_sent: this.bytesSent,
      bytes_received: this.bytesReceived,
      packets_read: this.packetsRead,
      dropped: { ...this.dropped },
      handler_errors: this.handlerErrors,
      path_cache: pathCache,
      connected_peers: connectedPeers,
    };
  }
}
