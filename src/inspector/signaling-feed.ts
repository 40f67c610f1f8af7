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

  constructor(
    private readonly servers: () => readonly SignalingServerSource[],
    recentRecords = 50,
    keepClosed = 20,
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

  /** Reads every server's sessions and lobbies; the ones whose details moved are changed. A server that throws is logged and skipped. */
  refresh(): void {
    this.stale = false;
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

/** A view without its records and times: what a server's view can change. */
function details(view: SessionView | LobbyView): string {
  const { records: _records, seen: _seen, last: _last, ...rest } = view;
  return JSON.stringify(rest);
}
