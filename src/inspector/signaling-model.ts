import type { ConnectionRecord, SignalingServiceMachineName } from '../records/record.js';
import { graphOf } from './diagrams.js';
import { drawnTransition } from './graph.js';
import type { LastTransition } from './model.js';

export interface RelayCounts {
  offer: number;
  answer: number;
  candidate: number;
  bytes: number;
}

/** What the inspector reads of a signaling server's session (its `sessions()` view). */
export interface SessionSource {
  name: string;
  id: number;
  state: string;
  lobby: string | null;
  host: boolean;
  protocol: 3 | 4 | null;
  relayed: RelayCounts;
  records?(): ConnectionRecord[];
}

/** What the inspector reads of a signaling server's lobby (its `lobbies()` view). */
export interface LobbySource {
  name: string;
  lobby: string;
  state: string;
  mesh: boolean;
  protocol: 3 | 4 | null;
  members: number[];
  sealed: boolean;
  records?(): ConnectionRecord[];
}

interface ActorView {
  /** `session-<id>` or `lobby-<n>`: the records' `connection`. */
  name: string;
  /** Wall time the inspector first saw it. */
  seen: number;
  /** The machine's state, from its records. */
  state: string;
  /** Its last transition, with the diagram's element for it (as a connection machine's). */
  last: LastTransition | null;
  /** The newest records, oldest first. */
  records: ConnectionRecord[];
}

/** A client socket of a signaling server: its session machine and what the server says of it. */
export interface SessionView extends ActorView {
  /** The raw id the server drew (a host is 1 on the wire: `wire`); null until the server was asked. */
  id: number | null;
  /** Its id on the wire: 1 for a lobby's host. */
  wire: number | null;
  /** The wire name of its lobby. */
  lobby: string | null;
  host: boolean;
  protocol: 3 | 4 | null;
  relayed: RelayCounts;
}

/** A lobby of a signaling server: its lobby machine and what the server says of it. */
export interface LobbyView extends ActorView {
  /** Its wire name (the operator's tool may show it); null until the server was asked. */
  lobby: string | null;
  /** Mesh, or client/server; null until the server was asked. */
  mesh: boolean | null;
  protocol: 3 | 4 | null;
  /** Wire ids, the host (1) first, from the records (`join(5)`, `leave(5)`) and the server. */
  members: number[];
  sealed: boolean;
  /** The sessions in it now (their names), as the server's views say. */
  sessions: string[];
}

const INITIAL: Record<SignalingServiceMachineName, string> = { signalingSession: 'connected', signalingLobby: 'open' };

/**
 * The inspector's picture of the process's signaling servers: their sessions and lobbies, kept
 * from the records as they are made (states, last transitions, lobby members) and from the
 * servers' views when the inspector meets them (lobby names, mesh, members, relayed counts).
 * It holds no server and no socket: closed ones beyond `keepClosed` (each kind) are forgotten,
 * oldest first.
 */
export class SignalingModel {
  private readonly sessionViews = new Map<string, SessionView>();
  private readonly lobbyViews = new Map<string, LobbyView>();

  constructor(
    private readonly recentRecords = 50,
    private readonly keepClosed = 20,
  ) {}

  sessions(): SessionView[] {
    return [...this.sessionViews.values()];
  }

  lobbies(): LobbyView[] {
    return [...this.lobbyViews.values()];
  }

  session(name: string): SessionView | undefined {
    return this.sessionViews.get(name);
  }

  lobby(name: string): LobbyView | undefined {
    return this.lobbyViews.get(name);
  }

  /** Applies one record of a session or lobby; returns the names forgotten to make room. Records of other machines are not its. */
  apply(record: ConnectionRecord): string[] {
    const machine = serviceMachine(record) ?? this.knownAs(record.connection);
    if (machine === null) return [];
    const views: Map<string, ActorView> = machine === 'signalingSession' ? this.sessionViews : this.lobbyViews;
    let view = views.get(record.connection);
    if (view !== undefined && record.seq === 1 && view.records.length > 0) {
      // Another actor under the same name (a second server of the process): start afresh.
      views.delete(record.connection);
      view = undefined;
    }
    view ??= machine === 'signalingSession' ? this.newSession(record.connection) : this.newLobby(record.connection);
    if ((view.records.at(-1)?.seq ?? 0) >= record.seq) return [];
    view.records.push(record);
    if (view.records.length > this.recentRecords) view.records.splice(0, view.records.length - this.recentRecords);
    if (record.kind !== 'transition') return [];
    view.state = record.to;
    const drawn = drawnTransition(graphOf(machine), record.from, record.event, record.to);
    view.last = { from: record.from, to: record.to, event: record.event, seq: record.seq, drawn: drawn?.element ?? null, key: drawn?.key ?? null };
    if (machine === 'signalingSession') this.sessionTook(view as SessionView, record.event);
    else this.lobbyTook(view as LobbyView, record.event, record.to);
    return record.to === 'closed' ? this.prune(views) : [];
  }

  /** Takes what a server's view of a session says now (its records first, then its details); returns the names forgotten. */
  meetSession(source: SessionSource): string[] {
    const forgotten = this.catchUp(source, this.sessionViews);
    const view = this.sessionViews.get(source.name) ?? this.newSession(source.name);
    view.id = source.id;
    view.host = source.host;
    view.wire = source.host ? 1 : source.id;
    view.lobby = source.lobby;
    view.protocol = source.protocol;
    view.relayed = { ...source.relayed };
    if (view.records.length === 0) view.state = source.state;
    return forgotten;
  }

  /** Takes what a server's view of a lobby says now; returns the names forgotten. */
  meetLobby(source: LobbySource): string[] {
    const forgotten = this.catchUp(source, this.lobbyViews);
    const view = this.lobbyViews.get(source.name) ?? this.newLobby(source.name);
    view.lobby = source.lobby;
    view.mesh = source.mesh;
    view.protocol = source.protocol;
    view.members = [...source.members];
    view.sealed = source.sealed;
    if (view.records.length === 0) view.state = source.state;
    return forgotten;
  }

  /** Fills each lobby's `sessions` from the sessions' `lobby` and wire ids: a member is the session of its lobby with its wire id. */
  link(): void {
    const byLobby = new Map<string, SessionView[]>();
    for (const session of this.sessionViews.values()) {
      if (session.lobby === null) continue;
      const list = byLobby.get(session.lobby);
      if (list === undefined) byLobby.set(session.lobby, [session]);
      else list.push(session);
    }
    for (const lobby of this.lobbyViews.values()) {
      const members = new Set(lobby.members);
      const candidates = lobby.lobby === null ? [] : (byLobby.get(lobby.lobby) ?? []);
      lobby.sessions = candidates
        .filter((session) => session.wire === null || members.has(session.wire) || lobby.state === 'closed')
        .map((session) => session.name);
    }
  }

  /** A record that names no machine (a stack error) is a session's or a lobby's when its name is one the model has. */
  private knownAs(name: string): SignalingServiceMachineName | null {
    if (this.sessionViews.has(name)) return 'signalingSession';
    return this.lobbyViews.has(name) ? 'signalingLobby' : null;
  }

  private catchUp(source: { name: string; records?(): ConnectionRecord[] }, views: Map<string, ActorView>): string[] {
    const newest = views.get(source.name)?.records.at(-1)?.seq ?? 0;
    const forgotten: string[] = [];
    for (const record of source.records?.() ?? []) if (record.seq > newest) forgotten.push(...this.apply(record));
    return forgotten;
  }

  private newSession(name: string): SessionView {
    const view: SessionView = {
      name, seen: Date.now(), state: INITIAL.signalingSession, last: null, records: [],
      id: null, wire: null, lobby: null, host: false, protocol: null, relayed: { offer: 0, answer: 0, candidate: 0, bytes: 0 },
    };
    this.sessionViews.set(name, view);
    return view;
  }

  private newLobby(name: string): LobbyView {
    const view: LobbyView = {
      name, seen: Date.now(), state: INITIAL.signalingLobby, last: null, records: [],
      lobby: null, mesh: null, protocol: null, members: [1], sealed: false, sessions: [],
    };
    this.lobbyViews.set(name, view);
    return view;
  }

  /** `create_lobby(4)` / `join_lobby(3)` name the protocol; create makes the host. */
  private sessionTook(view: SessionView, event: string): void {
    const entered = /^(create|join)_lobby\(([34])\)$/.exec(event);
    if (entered === null) return;
    view.protocol = Number(entered[2]) as 3 | 4;
    if (entered[1] === 'create') {
      view.host = true;
      view.wire = 1;
    }
  }

  /** `join(5)` and `leave(5)` name wire ids (the host is 1). */
  private lobbyTook(view: LobbyView, event: string, to: string): void {
    const member = /^(join|leave)\((\d+)\)$/.exec(event);
    if (member !== null) {
      const id = Number(member[2]);
      if (member[1] === 'join' && !view.members.includes(id)) view.members.push(id);
      if (member[1] === 'leave') view.members = view.members.filter((other) => other !== id);
    }
    if (to === 'sealed') view.sealed = true;
  }

  private prune(views: Map<string, ActorView>): string[] {
    const closed = [...views.values()].filter((view) => view.state === 'closed');
    const forgotten = closed.slice(0, Math.max(0, closed.length - this.keepClosed)).map((view) => view.name);
    for (const name of forgotten) views.delete(name);
    return forgotten;
  }
}

/** The signaling service's machine a record speaks of, or null for a connection's record. */
export function serviceMachine(record: ConnectionRecord): SignalingServiceMachineName | null {
  const machine = record.kind === 'stack_error' ? null : record.machine;
  return machine === 'signalingSession' || machine === 'signalingLobby' ? machine : null;
}
