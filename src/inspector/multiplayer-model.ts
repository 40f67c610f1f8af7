import { parseMultiplayerEvent } from '../machines/webrtc-multiplayer.js';
import type { ConnectionRecord, MultiplayerMachineName } from '../records/record.js';
import { graphOf } from './diagrams.js';
import { drawnTransition } from './graph.js';
import type { LastTransition } from './model.js';

/** A remote peer of a WebRTCMultiplayer, as its records show it (`peer <id>`). */
export interface RemotePeerView {
  id: number;
  /** `peer <id>`: its records' `channel`. */
  channel: string;
  /** Its multiplayerRemote state: added, connected, removed. */
  state: string;
  last: LastTransition | null;
}

/** What the inspector shows of one Godot 3 WebRTCMultiplayer; sent whole to the page whenever it changes. */
export interface MultiplayerView {
  /** `mp-1`: its records' `connection`. */
  name: string;
  /** Wall time the inspector first saw it. */
  seen: number;
  /** Its webrtcMultiplayer state: disconnected, connecting, connected. */
  state: string;
  /** initialize()'s id; 0 before it and after close(). */
  uniqueId: number;
  /** `mesh` (initialize(id)), `server` (initialize(1, true)), `client` (initialize(id ≠ 1, true)); null before initialize(). */
  mode: 'mesh' | 'server' | 'client' | null;
  refusing: boolean;
  /** Its remote peers by id, ascending; a removed one stays (as removed) until its id is added again, the oldest removed forgotten beyond a few. */
  remotes: RemotePeerView[];
  /** Its own machine's last transition. */
  last: LastTransition | null;
  /** The newest records, oldest first (its remotes' included). */
  records: ConnectionRecord[];
}

/** Removed remote peers a view keeps, each multiplayer. */
const KEEP_REMOVED = 8;

/**
 * The inspector's picture of the process's Godot 3 WebRTCMultiplayers, kept from their records
 * as they are made: each one's state, unique id, mode and remote peers, the diagram element of
 * each last transition, the recent records. (Its WebRTCPeerConnections are connections of their
 * own, in the connections' model.) It holds no multiplayer: beyond `keepClosed` closed ones (in
 * disconnected after a close, with no peer), the oldest are forgotten.
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

  /** Whether `record` is a multiplayer's: it names one of the two machines, a refusal names its state, or it is of a multiplayer the model has. */
  owns(record: ConnectionRecord): boolean {
    return multiplayerMachine(record) !== null || (record.kind === 'refusal' && record.states?.webrtcMultiplayer !== undefined) || this.views.has(record.connection);
  }

  /** Applies one of a multiplayer's records (see `owns`); returns the names forgotten to make room. */
  apply(record: ConnectionRecord): string[] {
    if (!this.owns(record)) return [];
    let view = this.views.get(record.connection);
    if (view !== undefined && record.seq === 1 && view.records.length > 0) {
      // Another multiplayer under the same name (names are the user's to choose): start afresh.
      this.views.delete(record.connection);
      view = undefined;
    }
    view ??= this.newView(record.connection);
    if ((view.records.at(-1)?.seq ?? 0) >= record.seq) return [];
    view.records.push(record);
    if (view.records.length > this.recentRecords) view.records.splice(0, view.records.length - this.recentRecords);
    if (record.kind !== 'transition') return [];
    const machine = record.machine as MultiplayerMachineName;
    const drawn = drawnTransition(graphOf(machine), record.from, record.event, record.to);
    const last: LastTransition = { from: record.from, to: record.to, event: record.event, seq: record.seq, drawn: drawn?.element ?? null, key: drawn?.key ?? null };
    if (machine === 'multiplayerRemote') {
      const remote = this.remote(view, record.channel ?? '');
      if (remote !== null) Object.assign(remote, { state: record.to, last });
      return [];
    }
    view.state = record.to;
    view.last = last;
    this.took(view, record.event);
    return record.to === 'disconnected' ? this.prune() : [];
  }

  private newView(name: string): MultiplayerView {
    const view: MultiplayerView = { name, seen: Date.now(), state: 'disconnected', uniqueId: 0, mode: null, refusing: false, remotes: [], last: null, records: [] };
    this.views.set(name, view);
    return view;
  }

  /** What the multiplayer's event says of its id, mode, refusal and peer map (a remote's records say its state). */
  private took(view: MultiplayerView, text: string): void {
    const event = parseMultiplayerEvent(text);
    switch (event?.type) {
      case 'initialize':
        view.uniqueId = event.id;
        view.mode = !event.serverCompatibility ? 'mesh' : event.id === 1 ? 'server' : 'client';
        return;
      case 'set_refuse_new_connections':
        view.refusing = event.enable;
        return;
      case 'add_peer': {
        const channel = `peer ${event.id}`;
        view.remotes = view.remotes.filter((remote) => remote.id !== event.id);
        view.remotes.push({ id: event.id, channel, state: 'added', last: null });
        view.remotes.sort((a, b) => a.id - b.id);
        const removed = view.remotes.filter((remote) => remote.state === 'removed');
        for (const old of removed.slice(0, Math.max(0, removed.length - KEEP_REMOVED))) view.remotes.splice(view.remotes.indexOf(old), 1);
        return;
      }
      case 'close':
        view.uniqueId = 0;
        return;
    }
  }

  private remote(view: MultiplayerView, channel: string): RemotePeerView | null {
    return view.remotes.find((remote) => remote.channel === channel) ?? null;
  }

  /** Closed multiplayers (disconnected after a close, no peer left) beyond `keepClosed`, oldest first. */
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
  return machine === 'webrtcMultiplayer' || machine === 'multiplayerRemote' ? machine : null;
}
