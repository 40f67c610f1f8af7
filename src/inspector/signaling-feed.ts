import { log } from '../log.js';
import type { ConnectionRecord } from '../records/record.js';
import { SignalingModel, serviceMachine, type LobbySource, type LobbyView, type SessionSource, type SessionView } from './signaling-model.js';

/** What the inspector reads of a signaling server (`SignalingServer` has it). */
export interface SignalingServerSource {
  sessions(): readonly SessionSource[];
  lobbies(): readonly LobbySource[];
}

/** The sessions and lobbies that changed since the last `take()`, and the names forgotten. */
export interface SignalingChanges {
  sessions: SessionView[];
  lobbies: LobbyView[];
  removed: string[];
}

/**
 * Feeds the inspector's `SignalingModel`: the service's records as they are made, and its
 * servers' views (`refresh`, from the inspector's timers, never inside a record observer),
 * which carry what no record names: lobby names, mesh, relayed counts. Keeps which names
 * changed until the inspector takes them for its next update.
 */
export class SignalingFeed {
  readonly model: SignalingModel;
  private readonly changed = new Set<string>();
  private readonly removed = new Set<string>();
  /** Set by a record: the servers' views may have moved too. */
  private stale = true;
  private refreshedAt = -Infinity;
  private refreshTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly servers: () => readonly SignalingServerSource[],
    recentRecords = 50,
    keepClosed = 20,
    /** Reading every view costs about 8 ms for 4096 sessions and 1024 lobbies: `refreshSoon` reads them at most this often. */
    private readonly minRefreshMs = 250,
  ) {
    this.model = new SignalingModel(recentRecords, keepClosed);
  }

  /** Applies `record` if it is a session's or a lobby's (true), else leaves it to the connections' model (false). */
  apply(record: ConnectionRecord): boolean {
    const name = record.connection;
    if (serviceMachine(record) === null && !this.model.session(name) && !this.model.lobby(name)) return false;
    this.forget(this.model.apply(record));
    if (this.model.session(name) || this.model.lobby(name)) this.changed.add(name);
    this.stale = true;
    return true;
  }

  /** Whether something changed since the last `take()`, or a record came that the views may not show yet. */
  pending(): boolean {
    return this.stale || this.changed.size > 0 || this.removed.size > 0;
  }

  /** Whether a record came since the last `refresh()`: the servers' views may say more now. */
  needsRefresh(): boolean {
    return this.stale;
  }

  /** Refreshes now if the last refresh is `minRefreshMs` old, else once it is (then calls `refreshed`, to send what moved). */
  refreshSoon(refreshed: () => void): void {
    const wait = this.refreshedAt + this.minRefreshMs - performance.now();
    if (wait <= 0) {
      this.refresh();
      return;
    }
    this.refreshTimer ??= setTimeout(() => {
      this.refreshTimer = null;
      this.refresh();
      refreshed();
    }, wait);
  }

  /** Clears the timer of `refreshSoon`. */
  stop(): void {
    if (this.refreshTimer !== null) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
  }

  /** Reads every server's sessions and lobbies; the ones whose details moved are changed. A server that throws is logged and skipped. */
  refresh(): void {
    this.stale = false;
    this.refreshedAt = performance.now();
    const before = new Map<string, string>();
    const all = [...this.model.sessions(), ...this.model.lobbies()];
    for (const view of all) before.set(view.name, details(view));
    let servers: readonly SignalingServerSource[] = [];
    try {
      servers = this.servers();
    } catch (error) {
      log('error', 'observer', 'listing the signaling servers threw', error);
    }
    for (const server of servers) {
      try {
        for (const session of server.sessions()) this.forget(this.model.meetSession(session));
        for (const lobby of server.lobbies()) this.forget(this.model.meetLobby(lobby));
      } catch (error) {
        log('error', 'observer', "reading a signaling server's views threw", error);
      }
    }
    this.model.link();
    for (const view of [...this.model.sessions(), ...this.model.lobbies()]) {
      if (before.get(view.name) !== details(view)) this.changed.add(view.name);
    }
  }

  /** The changes since the last call, and forgets them. */
  take(): SignalingChanges {
    const sessions: SessionView[] = [];
    const lobbies: LobbyView[] = [];
    for (const name of this.changed) {
      const session = this.model.session(name);
      const lobby = this.model.lobby(name);
      if (session) sessions.push(session);
      if (lobby) lobbies.push(lobby);
    }
    const changes = { sessions, lobbies, removed: [...this.removed] };
    this.changed.clear();
    this.removed.clear();
    return changes;
  }

  private forget(names: string[]): void {
    for (const name of names) {
      this.removed.add(name);
      this.changed.delete(name);
    }
  }
}

/** What a server's view can change of a session or lobby, as one string to compare (a refresh reads thousands). */
function details(view: SessionView | LobbyView): string {
  if ('relayed' in view) {
    const r = view.relayed;
    return `${view.state}|${view.lobby}|${view.host}|${view.wire}|${view.protocol}|${r.offer}|${r.answer}|${r.candidate}|${r.bytes}`;
  }
  return `${view.state}|${view.lobby}|${view.mesh}|${view.protocol}|${view.sealed}|${view.members.join()}|${view.sessions.join()}`;
}
