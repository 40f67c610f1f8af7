import { parseMultiplayerPeerEvent } from '../machines/webrtc-multiplayer-peer.js';
import { parseMultiplayerEvent } from '../machines/webrtc-multiplayer.js';
import type { LiveMultiplayer, OwnMultiplayerMachineName } from '../records/multiplayers.js';
import type { ConnectionRecord, MultiplayerMachineName } from '../records/record.js';
import { graphOf } from './diagrams.js';
import { drawnTransition } from './graph.js';
import type { LastTransition } from './model.js';

/** A remote peer of a multiplayer, as its records show it (`peer <id>`). */
export interface RemotePeerView {
  id: number;
  /** `peer <id>`: its records' `channel`. */
  channel: string;
  /** Its multiplayerRemote state: added, connected, removed. */
  state: string;
  last: LastTransition | null;
}

export type MultiplayerMode = 'mesh' | 'server' | 'client';

/** What the inspector shows of one Godot 3 WebRTCMultiplayer or Godot 4 WebRTCMultiplayerPeer; sent whole to the page whenever it changes. */
export interface MultiplayerView {
  /** `mp-1`, `mp4-1`: its records' `connection`. */
  name: string;
  /** Its own machine, which says the Godot version: `webrtcMultiplayer` (Godot 3), `webrtcMultiplayerPeer` (Godot 4). */
  machine: OwnMultiplayerMachineName;
  /** Wall time the inspector first saw it. */
  seen: number;
  /** Its machine's state (Godot's ConnectionStatus): disconnected, connecting, connected. */
  state: string;
  /** initialize()'s or create_*()'s id; 0 before it and after close(). */
  uniqueId: number;
  /**
   * Godot 3: `mesh` (initialize(id)), `server` (initialize(1, true)), `client` (initialize(id ≠ 1, true)), kept after close().
   * Godot 4: create_server/create_client/create_mesh's, null again after close() (MODE_NONE). Null before either.
   */
  mode: MultiplayerMode | null;
  refusing: boolean;
  /** Its remote peers by id, ascending; a removed one stays (as removed) until its id is added again, the oldest removed forgotten beyond a few. */
  remotes: RemotePeerView[];
  /** Its own machine's last transition. */
  last: LastTransition | null;
  /** Remotes' packets the API above (MultiplayerAPI, SceneMultiplayer) dropped, by reason: their `multiplayer.packet` records (one per reason and peer while it stays). */
  drops: Record<string, number>;
  /** Refusal records by method, its API's (`send_auth`, `complete_auth`, ...) included. */
  refusals: Record<string, number>;
  /** The newest records, oldest first (its remotes' included). */
  records: ConnectionRecord[];
}

/** Removed remote peers a view keeps, each multiplayer. */
const KEEP_REMOVED = 8;

/** A multiplayer's own event, the same for Godot 3 and 4: initialize()/create_*() as `start`. */
type OwnEvent =
  | { type: 'start'; id: number; mode: MultiplayerMode }
  | { type: 'set_refuse_new_connections'; enable: boolean }
  | { type: 'add_peer'; id: number }
  | { type: 'close' };

/**
 * The inspector's picture of the process's multiplayers (Godot 3's WebRTCMultiplayer, Godot 4's
 * WebRTCMultiplayerPeer), kept from their records as they are made and from the multiplayers
 * themselves when it first meets them (`liveMultiplayers()`): each one's state, unique id, mode
 * and remote peers, the diagram element of each last transition, the packets its API dropped,
 * the recent records. (Its WebRTCPeerConnections are connections of their own, in the
 * connections' model.) It holds no multiplayer: beyond `keepClosed` closed ones (disconnected,
 * no unique id, no peer), the oldest are forgotten.
 */
export class MultiplayerModel {
  private readonly views = new Map<string, MultiplayerView>();

  constructor(
    private readonly recentRecords = 50,
    private readonly keepClosed = 20,
  ) {}

  list(): MultiplayerView[] {
    return [...this.views.values()];
  }

  get(name: string): MultiplayerView | undefined {
    return this.views.get(name);
  }

  /** Whether `record` is a multiplayer's: it names one of the machines, a refusal names their state, or it is of a multiplayer the model has. */
  owns(record: ConnectionRecord): boolean {
    return multiplayerMachine(record) !== null || refusingMachine(record) !== null || this.views.has(record.connection);
  }

  /** Takes the multiplayer's records it has not seen, then its state, id, mode and peer map as they are now; returns the names forgotten to make room. */
  meet(live: LiveMultiplayer): string[] {
    const records = live.records();
    let view = this.views.get(live.name);
    const newest = view?.records.at(-1)?.seq ?? 0;
    // Another multiplayer under the same name (names are the user's to choose): start afresh.
    if (view !== undefined && (view.machine !== live.machine || (records.at(-1)?.seq ?? 0) < newest)) this.views.delete(live.name);
    view = this.views.get(live.name) ?? this.newView(live.name, live.machine);
    for (const record of records) if (record.seq > (view.records.at(-1)?.seq ?? 0)) this.take(view, record);
    const context = live.context as { uniqueId: number; refusing: boolean; peers: number[]; connected: number[]; mode?: string; serverCompatibility?: boolean };
    view.state = live.state;
    view.uniqueId = context.uniqueId;
    view.refusing = context.refusing;
    if (live.machine === 'webrtcMultiplayerPeer') view.mode = context.mode === 'none' ? null : (context.mode as MultiplayerMode);
    else if (context.uniqueId !== 0) view.mode = modeOf(context.uniqueId, context.serverCompatibility === true);
    for (const remote of view.remotes) if (!context.peers.includes(remote.id)) remote.state = 'removed';
    for (const id of context.peers) {
      const state = context.connected.includes(id) ? 'connected' : 'added';
      const remote = view.remotes.find((other) => other.id === id && other.state !== 'removed');
      if (remote !== undefined) remote.state = state;
      else this.addRemote(view, id, state);
    }
    return view.state === 'disconnected' ? this.prune() : [];
  }

  /** Applies one of a multiplayer's records (see `owns`); returns the names forgotten to make room. */
  apply(record: ConnectionRecord): string[] {
    if (!this.owns(record)) return [];
    let view = this.views.get(record.connection);
    if (view !== undefined && record.seq === 1 && view.records.length > 0) {
      // Another multiplayer under the same name: start afresh.
      this.views.delete(record.connection);
      view = undefined;
    }
    const machine = ownMachine(record);
    if (view !== undefined && machine !== null && view.machine !== machine && view.records.length === 0) view.machine = machine;
    view ??= this.newView(record.connection, machine ?? 'webrtcMultiplayer');
    if ((view.records.at(-1)?.seq ?? 0) >= record.seq) return [];
    this.take(view, record);
    return record.kind === 'transition' && record.machine !== 'multiplayerRemote' && record.to === 'disconnected' ? this.prune() : [];
  }

  private take(view: MultiplayerView, record: ConnectionRecord): void {
    view.records.push(record);
    if (view.records.length > this.recentRecords) view.records.splice(0, view.records.length - this.recentRecords);
    if (record.kind === 'refusal') view.refusals[record.method] = (view.refusals[record.method] ?? 0) + 1;
    if (record.kind === 'stack_error' && record.method === 'multiplayer.packet') {
      const reason = /was dropped: ([a-z_]+):/.exec(record.reason)?.[1] ?? 'other';
      view.drops[reason] = (view.drops[reason] ?? 0) + 1;
    }
    if (record.kind !== 'transition') return;
    const machine = record.machine as MultiplayerMachineName;
    const drawn = drawnTransition(graphOf(machine), record.from, record.event, record.to);
    const last: LastTransition = { from: record.from, to: record.to, event: record.event, seq: record.seq, drawn: drawn?.element ?? null, key: drawn?.key ?? null };
    if (machine === 'multiplayerRemote') {
      const remote = view.remotes.find((other) => other.channel === record.channel);
      if (remote !== undefined) Object.assign(remote, { state: record.to, last });
      return;
    }
    view.state = record.to;
    view.last = last;
    this.took(view, ownEvent(machine, record.event));
  }

  private newView(name: string, machine: OwnMultiplayerMachineName): MultiplayerView {
    const view: MultiplayerView = { name, machine, seen: Date.now(), state: 'disconnected', uniqueId: 0, mode: null, refusing: false, remotes: [], last: null, drops: {}, refusals: {}, records: [] };
    this.views.set(name, view);
    return view;
  }

  /** What the multiplayer's event says of its id, mode, refusal and peer map (a remote's records say its state). */
  private took(view: MultiplayerView, event: OwnEvent | null): void {
    switch (event?.type) {
      case 'start':
        view.uniqueId = event.id;
        view.mode = event.mode;
        return;
      case 'set_refuse_new_connections':
        view.refusing = event.enable;
        return;
      case 'add_peer':
        this.addRemote(view, event.id, 'added');
        return;
      case 'close':
        view.uniqueId = 0;
        // Godot 4's close() is back to MODE_NONE; Godot 3 has no mode, only initialize()'s arguments.
        if (view.machine === 'webrtcMultiplayerPeer') view.mode = null;
        return;
    }
  }

  private addRemote(view: MultiplayerView, id: number, state: string): void {
    view.remotes = view.remotes.filter((remote) => remote.id !== id);
    view.remotes.push({ id, channel: `peer ${id}`, state, last: null });
    view.remotes.sort((a, b) => a.id - b.id);
    const removed = view.remotes.filter((remote) => remote.state === 'removed');
    for (const old of removed.slice(0, Math.max(0, removed.length - KEEP_REMOVED))) view.remotes.splice(view.remotes.indexOf(old), 1);
  }

  /** Closed multiplayers (disconnected, no unique id, no peer left) beyond `keepClosed`, oldest first. */
  private prune(): string[] {
    const closed = this.list().filter((view) => view.state === 'disconnected' && view.uniqueId === 0 && view.remotes.every((remote) => remote.state === 'removed'));
    const forgotten = closed.slice(0, Math.max(0, closed.length - this.keepClosed)).map((view) => view.name);
    for (const name of forgotten) this.views.delete(name);
    return forgotten;
  }
}

/** The multiplayer machine a record speaks of, or null. */
export function multiplayerMachine(record: ConnectionRecord): MultiplayerMachineName | null {
  const machine = record.kind === 'stack_error' ? null : record.machine;
  return machine === 'webrtcMultiplayer' || machine === 'webrtcMultiplayerPeer' || machine === 'multiplayerRemote' ? machine : null;
}

/** The multiplayer whose state a refusal names (its `states`), or null. */
function refusingMachine(record: ConnectionRecord): OwnMultiplayerMachineName | null {
  if (record.kind !== 'refusal') return null;
  if (record.states?.webrtcMultiplayerPeer !== undefined) return 'webrtcMultiplayerPeer';
  return record.states?.webrtcMultiplayer !== undefined ? 'webrtcMultiplayer' : null;
}

/** The multiplayer's own machine a record shows, or null (a remote's record, a stack error). */
function ownMachine(record: ConnectionRecord): OwnMultiplayerMachineName | null {
  const machine = multiplayerMachine(record);
  return machine === 'webrtcMultiplayer' || machine === 'webrtcMultiplayerPeer' ? machine : refusingMachine(record);
}

function modeOf(id: number, serverCompatibility: boolean): MultiplayerMode {
  return !serverCompatibility ? 'mesh' : id === 1 ? 'server' : 'client';
}

function ownEvent(machine: MultiplayerMachineName, text: string): OwnEvent | null {
  if (machine === 'webrtcMultiplayerPeer') {
    const event = parseMultiplayerPeerEvent(text);
    if (event?.type === 'create') return { type: 'start', id: event.id, mode: event.mode };
    return event?.type === 'set_refuse_new_connections' || event?.type === 'add_peer' || event?.type === 'close' ? event : null;
  }
  const event = parseMultiplayerEvent(text);
  if (event?.type === 'initialize') return { type: 'start', id: event.id, mode: modeOf(event.id, event.serverCompatibility) };
  return event?.type === 'set_refuse_new_connections' || event?.type === 'add_peer' || event?.type === 'close' ? event : null;
}
