/** One peer in authentication: `local` once complete_auth(id) ran here, `remote` once its `07 00` arrived (§2.4). */
export interface PendingPeer {
  readonly since: number;
  local: boolean;
  remote: boolean;
}

/**
 * SceneMultiplayer's `pending_peers`: peers connected on the MultiplayerPeer but not admitted,
 * because an auth_callback is set. A peer is admitted once both sides completed; one still pending
 * `auth_timeout` ms after it connected is dropped. Insertion order is kept (Godot's HashMap order
 * does not matter to anything on the wire).
 */
export class PendingPeers {
  private readonly peers = new Map<number, PendingPeer>();

  constructor(private readonly now: () => number = Date.now) {}

  add(id: number): void {
    this.peers.set(id, { since: this.now(), local: false, remote: false });
  }

  get(id: number): PendingPeer | undefined {
    return this.peers.get(id);
  }

  has(id: number): boolean {
    return this.peers.has(id);
  }

  delete(id: number): boolean {
    return this.peers.delete(id);
  }

  clear(): void {
    this.peers.clear();
  }

  ids(): number[] {
    return [...this.peers.keys()];
  }

  get size(): number {
    return this.peers.size;
  }

  /** The pending peers whose time is up (`timeoutMs` 0: never). */
  expired(timeoutMs: number): number[] {
    if (timeoutMs <= 0 || this.peers.size === 0) return [];
    const now = this.now();
    return [...this.peers].filter(([, pending]) => pending.since + timeoutMs <= now).map(([id]) => id);
  }

  /** Milliseconds until the first pending peer expires, or null if none is pending. */
  nextDeadline(timeoutMs: number): number | null {
    if (timeoutMs <= 0 || this.peers.size === 0) return null;
    const now = this.now();
    let first = Infinity;
    for (const pending of this.peers.values()) first = Math.min(first, pending.since + timeoutMs - now);
    return Math.max(0, first);
  }
}
