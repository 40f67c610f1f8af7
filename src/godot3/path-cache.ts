/**
 * MultiplayerAPI 3.x's node path cache, both ways (core/io/multiplayer_api.cpp: `path_send_cache`,
 * `path_get_cache`). Sending: each path this process calls gets an id (1, 2, … for the whole API,
 * not per peer), and per peer whether it confirmed it. Receiving: per sender, the ids it
 * announced with SIMPLIFY_PATH. Both forget a peer when it disconnects.
 */

/** Bounds on what one remote peer can make us hold (Godot has none): ids, and characters over all of its paths. */
export const MAX_RECEIVED_PATHS_PER_PEER = 1024;
export const MAX_RECEIVED_PATH_CHARS_PER_PEER = 256 * 1024;

export interface SentPath {
  path: string;
  id: number;
  /** Peers that answered CONFIRM_PATH (they get the cached-id form), in id order. */
  confirmed: number[];
  /** Peers sent SIMPLIFY_PATH that have not confirmed yet (they get the full-path form). */
  unconfirmed: number[];
}

interface SendEntry {
  id: number;
  /** Godot's `confirmed_peers`: a peer is in it once SIMPLIFY_PATH went to it, `true` once it confirmed. */
  peers: Map<number, boolean>;
}

export class PathSendCache {
  private readonly entries = new Map<string, SendEntry>();
  private nextId = 1;

  /** The id `path` has, or the one it will get on its first send. */
  idFor(path: string): number {
    return this.entries.get(path)?.id ?? this.nextId;
  }

  /** Godot's `_send_rpc`: the first send from a path gives it the next id. */
  ensure(path: string): number {
    let entry = this.entries.get(path);
    if (entry === undefined) {
      entry = { id: this.nextId++, peers: new Map() };
      this.entries.set(path, entry);
    }
    return entry.id;
  }

  /** `undefined`: SIMPLIFY_PATH never went to `peer` for this path; else whether it confirmed. */
  state(path: string, peer: number): boolean | undefined {
    return this.entries.get(path)?.peers.get(peer);
  }

  /** SIMPLIFY_PATH went to `peer`: it is waited for (sent once per (path, peer), as Godot). */
  announced(path: string, peer: number): void {
    this.entries.get(path)?.peers.set(peer, false);
  }

  /** A CONFIRM_PATH from `peer`, checked as Godot's `_process_confirm_path` does. */
  confirm(path: string, peer: number): 'ok' | 'unknown_path' | 'unannounced_peer' {
    const entry = this.entries.get(path);
    if (entry === undefined) return 'unknown_path';
    if (!entry.peers.has(peer)) return 'unannounced_peer';
    entry.peers.set(peer, true);
    return 'ok';
  }

  dropPeer(peer: number): void {
    for (const entry of this.entries.values()) entry.peers.delete(peer);
  }

  clear(): void {
    this.entries.clear();
    this.nextId = 1;
  }

  snapshot(): SentPath[] {
    return [...this.entries].map(([path, entry]) => {
      const peers = [...entry.peers].sort((a, b) => a[0] - b[0]);
      return { path, id: entry.id, confirmed: peers.filter(([, yes]) => yes).map(([id]) => id), unconfirmed: peers.filter(([, yes]) => !yes).map(([id]) => id) };
    });
  }
}

export interface ReceivedPaths {
  peer: number;
  paths: Array<{ id: number; path: string }>;
}

interface GetEntry {
  paths: Map<number, string>;
  chars: number;
}

export class PathGetCache {
  private readonly peers = new Map<number, GetEntry>();

  /**
   * `_add_peer`: the peer gets a cache. Godot inserts an empty one, replacing what is there; but
   * packets from a peer not announced yet are processed (a client's other peers before its server
   * connects, §2.6), so a SIMPLIFY_PATH read then would be lost and the peer's cached calls after
   * it dropped. What it announced is kept instead (`_del_peer` still forgets it).
   */
  open(peer: number): void {
    if (!this.peers.has(peer)) this.peers.set(peer, { paths: new Map(), chars: 0 });
  }

  /**
   * SIMPLIFY_PATH from `peer`: `id` means `path` from now on (an id already known is overwritten,
   * as in Godot). Refused past the per-peer bounds; then nothing is stored.
   */
  store(peer: number, id: number, path: string): 'ok' | 'full' {
    let entry = this.peers.get(peer);
    if (entry === undefined) {
      entry = { paths: new Map(), chars: 0 };
      this.peers.set(peer, entry);
    }
    const previous = entry.paths.get(id);
    const chars = entry.chars - (previous?.length ?? 0) + path.length;
    if ((previous === undefined && entry.paths.size >= MAX_RECEIVED_PATHS_PER_PEER) || chars > MAX_RECEIVED_PATH_CHARS_PER_PEER) return 'full';
    entry.paths.set(id, path);
    entry.chars = chars;
    return 'ok';
  }

  /** Godot's `_process_get_node` for a cached id: the peer has no cache, or not this id, or the path. */
  lookup(peer: number, id: number): { ok: true; path: string } | { ok: false; drop: 'unknown_peer_cache' | 'unknown_cached_id' } {
    const entry = this.peers.get(peer);
    if (entry === undefined) return { ok: false, drop: 'unknown_peer_cache' };
    const path = entry.paths.get(id);
    if (path === undefined) return { ok: false, drop: 'unknown_cached_id' };
    return { ok: true, path };
  }

  dropPeer(peer: number): void {
    this.peers.delete(peer);
  }

  /** The senders that have a cache here. */
  senders(): IterableIterator<number> {
    return this.peers.keys();
  }

  clear(): void {
    this.peers.clear();
  }

  snapshot(): ReceivedPaths[] {
    return [...this.peers]
      .sort((a, b) => a[0] - b[0])
      .map(([peer, entry]) => ({ peer, paths: [...entry.paths].map(([id, path]) => ({ id, path })) }));
  }
}
