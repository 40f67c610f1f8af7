import type { WebRTCPeerConnection } from '../api/peer-connection.js';
import type { ConnectionRecord } from '../records/record.js';
import { graphOf } from './diagrams.js';
import { drawnTransition } from './graph.js';

/** What the inspector shows of one connection; sent whole to the page whenever it changes. */
export interface ConnectionView {
  id: string;
  /** Wall time the inspector first saw it. */
  seen: number;
  states: { signaling: string; connection: string; gathering: string };
  /** Each data channel's state, by `label#id`. */
  channels: Record<string, string>;
  /**
   * The last transition each machine took (`signaling`, `connection`, `gathering`, or a channel's
   * key), with the diagram's element that stands for it (`data-drawn`) and its line (`data-key`),
   * null for a transition the diagram does not have.
   */
  last: Record<string, LastTransition>;
  /** The newest records, oldest first. */
  records: ConnectionRecord[];
}

export interface LastTransition {
  from: string;
  to: string;
  event: string;
  seq: number;
  drawn: string | null;
  key: string | null;
}

/**
 * The inspector's picture of the process's connections, kept from the records as they are made
 * and from the connections themselves when it first meets them. It holds no connection: closed
 * ones beyond `keepClosed` are forgotten, oldest first.
 */
export class InspectorModel {
  private readonly views = new Map<string, ConnectionView>();

  constructor(
    private readonly recentRecords = 50,
    private readonly keepClosed = 20,
  ) {}

  list(): ConnectionView[] {
    return [...this.views.values()];
  }

  get(id: string): ConnectionView | undefined {
    return this.views.get(id);
  }

  /** Takes the connection's current states, channels and recent records as they are now. */
  meet(pc: WebRTCPeerConnection): ConnectionView {
    const view = this.view(pc.id);
    view.states = { ...pc.get_machine_states() };
    for (const channel of pc.get_data_channels()) view.channels[`${channel.get_label()}#${channel.get_id()}`] = channel.machine.state;
    const records = pc.get_records();
    const newest = view.records.at(-1)?.seq ?? 0;
    for (const record of records) if (record.seq > newest) this.remember(view, record);
    return view;
  }

  /** Applies one record; returns the ids of connections forgotten to make room. */
  apply(record: ConnectionRecord): string[] {
    let view = this.view(record.connection);
    if (record.seq === 1 && view.records.length > 0) {
      // Another connection under the same id (ids are the user's to choose): start afresh.
      this.views.delete(record.connection);
      view = this.view(record.connection);
    }
    if ((view.records.at(-1)?.seq ?? 0) >= record.seq) return [];
    this.remember(view, record);
    if (record.kind !== 'transition') return [];
    const key = record.machine === 'dataChannel' ? (record.channel ?? 'dataChannel') : record.machine;
    if (record.machine === 'dataChannel') {
      const unassigned = key.replace(/#-?\d+$/, '#-1');
      if (unassigned !== key && view.channels[unassigned] !== undefined) delete view.channels[unassigned];
      view.channels[key] = record.to;
    } else {
      (view.states as Record<string, string>)[record.machine] = record.to;
    }
    const drawn = drawnTransition(graphOf(record.machine), record.from, record.event, record.to);
    view.last[key] = { from: record.from, to: record.to, event: record.event, seq: record.seq, drawn: drawn?.element ?? null, key: drawn?.key ?? null };
    return record.machine === 'connection' && record.to === 'closed' ? this.prune() : [];
  }

  private view(id: string): ConnectionView {
    let view = this.views.get(id);
    if (view === undefined) {
      view = { id, seen: Date.now(), states: { signaling: 'stable', connection: 'new', gathering: 'new' }, channels: {}, last: {}, records: [] };
      this.views.set(id, view);
    }
    return view;
  }

  private remember(view: ConnectionView, record: ConnectionRecord): void {
    view.records.push(record);
    if (view.records.length > this.recentRecords) view.records.splice(0, view.records.length - this.recentRecords);
  }

  private prune(): string[] {
    const closed = this.list().filter((view) => view.states.connection === 'closed');
    const forgotten = closed.slice(0, Math.max(0, closed.length - this.keepClosed)).map((view) => view.id);
    for (const id of forgotten) this.views.delete(id);
    return forgotten;
  }
}
