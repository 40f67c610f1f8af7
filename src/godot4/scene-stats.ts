/** Why SceneMultiplayer dropped a remote's packet (counted by reason; recorded once per reason and peer). */
export type SceneDropReason =
  | 'packet_error'
  | 'malformed'
  | 'unknown_command'
  | 'not_authenticated'
  | 'not_admitted'
  | 'unexpected_auth'
  | 'sys_not_from_server'
  | 'too_many_peers'
  | 'relay_not_supported'
  | 'relay_unknown_peer'
  | 'relay_not_from_server'
  | 'path_unknown_node'
  | 'path_duplicate'
  | 'path_cache_full'
  | 'remote_call'
  | 'spawn'
  | 'despawn'
  | 'sync';

export interface SceneMultiplayerStats {
  /** Packets read from the peer (relayed inner packets not counted again). */
  received: number;
  /** Packets this API put on the peer (a relay fan-out counts each copy). */
  sent: number;
  raw_received: number;
  relayed: number;
  dropped: Partial<Record<SceneDropReason, number>>;
  /** Listeners or the auth_callback that threw (the error is logged, the packet counts as processed). */
  handler_errors: number;
  connected_peers: number[];
  authenticating_peers: number[];
  /** Paths each sender announced with SIMPLIFY_PATH (kept only to answer and to refuse duplicates). */
  received_paths: Record<number, number>;
}

/** Records are bounded: one per (reason, peer) until the peer leaves; the counts are not. */
export class SceneCounters {
  received = 0;
  sent = 0;
  rawReceived = 0;
  relayed = 0;
  handlerErrors = 0;
  private readonly dropped = new Map<SceneDropReason, number>();
  private readonly recorded = new Map<number, Set<SceneDropReason>>();

  /** Counts the drop; true when it is the first of its reason from that peer (so it should be recorded). */
  drop(from: number, reason: SceneDropReason): boolean {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + 1);
    let reasons = this.recorded.get(from);
    if (reasons === undefined) this.recorded.set(from, (reasons = new Set()));
    if (reasons.has(reason)) return false;
    reasons.add(reason);
    return true;
  }

  forgetPeer(id: number): void {
    this.recorded.delete(id);
  }

  /** clear(): no peer is left, so a drop from one with the same id later is recorded again. */
  forgetPeers(): void {
    this.recorded.clear();
  }

  droppedCounts(): Partial<Record<SceneDropReason, number>> {
    return Object.fromEntries(this.dropped) as Partial<Record<SceneDropReason, number>>;
  }
}

/** The most paths one sender may announce; beyond it (or MAX_PATH_CHARS_PER_PEER) SIMPLIFY_PATH is dropped, unconfirmed (bounded memory per peer). */
export const MAX_PATHS_PER_PEER = 4096;
/** The most characters over all of one sender's paths (a path fills a packet: 4096 of 64 KiB were 256 MiB). */
export const MAX_PATH_CHARS_PER_PEER = 256 * 1024;

/**
 * What each sender's SIMPLIFY_PATH announced: cache id → path. A Node process has no scene tree, so
 * this only answers CONFIRM_PATH and refuses a duplicate id, as Godot's receiver does (§2.7).
 */
export class ReceivedPaths {
  private readonly bySender = new Map<number, Map<number, string>>();
  private readonly chars = new Map<number, number>();

  /** 'ok', or why the announcement is dropped. */
  add(from: number, id: number, path: string): 'ok' | 'path_duplicate' | 'path_cache_full' {
    let paths = this.bySender.get(from);
    if (paths === undefined) this.bySender.set(from, (paths = new Map()));
    if (paths.has(id)) return 'path_duplicate';
    const chars = (this.chars.get(from) ?? 0) + path.length;
    if (paths.size >= MAX_PATHS_PER_PEER || chars > MAX_PATH_CHARS_PER_PEER) return 'path_cache_full';
    paths.set(id, path);
    this.chars.set(from, chars);
    return 'ok';
  }

  path(from: number, id: number): string | undefined {
    return this.bySender.get(from)?.get(id);
  }

  dropPeer(id: number): void {
    this.bySender.delete(id);
    this.chars.delete(id);
  }

  clear(): void {
    this.bySender.clear();
    this.chars.clear();
  }

  counts(): Record<number, number> {
    const counts: Record<number, number> = {};
    for (const [id, paths] of this.bySender) counts[id] = paths.size;
    return counts;
  }
}
