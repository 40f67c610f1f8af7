import { multiplayerRemoteMachine, parseRemoteEvent, type MultiplayerRemoteContext } from '../machines/multiplayer-remote.js';
import { parseMultiplayerEvent, webrtcMultiplayerMachine, type MultiplayerEnd, type WebRTCMultiplayerContext } from '../machines/webrtc-multiplayer.js';
import type { RefusalRecord, StackAnomalyRecord, TransitionRecord } from '../records/record.js';
import { Replay, replayAnomaly, replayTransition, type Problem } from './replay.js';

/** One remote peer of a replayed WebRTCMultiplayer, from its add_peer to its removal. */
export interface RemoteLife {
  /** Its records' `channel`: `peer 2`. */
  channel: string;
  id: number;
  /** 1 for the first remote with this id, 2 for the one added again after its removal, ... */
  run: number;
  state: string;
  /** Why it was removed, as the replayed remote machine keeps it; null while it is in the map. */
  removed: MultiplayerRemoteContext['removed'];
}

/** What the replay of a WebRTCMultiplayer's life ends with. */
export interface MultiplayerSummary {
  /** The unique id it ended with (0: not initialized, or closed). */
  uniqueId: number;
  /** How it last went back to disconnected; null if it did not (or was initialized again since). */
  ended: MultiplayerEnd | null;
  /** Every remote peer it had, in the order their lives began. */
  remotes: RemoteLife[];
}

const PEER_CHANNEL = /^peer ([1-9]\d*)$/;
const REMOTE_INITIAL = String(multiplayerRemoteMachine.config.initial);

interface Remote {
  channel: string;
  id: number;
  run: number;
  replay: Replay;
}

/**
 * The replay of a WebRTCMultiplayer's records (`connection` `mp-1`): its own machine, and one
 * remote machine per `peer <id>` channel (input `{ id }`). A remote whose machine is removed and
 * that starts again from added is a new remote with the same id; every remote life must follow
 * an `add_peer(<id>)` the multiplayer took (a remote exists only once it is in the peer map).
 * Refusals must find the multiplayer (and the remote they name) in the state they say.
 */
export class MultiplayerReplay {
  private readonly multiplayer = new Replay(webrtcMultiplayerMachine);
  private readonly current = new Map<string, Remote>();
  private readonly lives: Remote[] = [];
  /** add_peer(id) taken, not yet matched by the first record of a remote with that id. */
  private readonly unmatchedAdds = new Map<number, number>();

  transition(record: TransitionRecord, problem: Problem): void {
    if (record.machine === 'webrtcMultiplayer') {
      if (record.channel !== undefined) problem(`a webrtcMultiplayer record with a channel (${record.channel})`);
      const event = parseMultiplayerEvent(record.event) ?? `${JSON.stringify(record.event)} does not name a webrtcMultiplayer event`;
      if (replayTransition(this.multiplayer, 'webrtcMultiplayer', event, record, problem) && typeof event !== 'string' && event.type === 'add_peer') {
        this.unmatchedAdds.set(event.id, (this.unmatchedAdds.get(event.id) ?? 0) + 1);
      }
      return;
    }
    const remote = this.remoteOf(record.channel, record.from, problem, true);
    if (remote === null) return;
    const event = parseRemoteEvent(record.event) ?? `${JSON.stringify(record.event)} does not name a multiplayerRemote event`;
    replayTransition(remote.replay, describeRemote(remote), event, record, problem);
  }

  refusal(record: RefusalRecord, problem: Problem): void {
    const actual = this.multiplayer.state;
    const said = new Set([record.state, record.states.webrtcMultiplayer].filter((state): state is string => state !== undefined));
    for (const state of said) {
      if (state !== actual) problem(`refused ${record.method}: webrtcMultiplayer was in ${actual}, but the refusal says ${state} (a refused call changes nothing)`);
    }
    const remoteSaid = record.states.multiplayerRemote;
    if (remoteSaid === undefined || record.channel === undefined) return;
    const remote = this.remoteOf(record.channel, remoteSaid, problem, false);
    if (remote !== null && remote.replay.state !== remoteSaid) {
      problem(`refused ${record.method}: ${describeRemote(remote)} was in ${remote.replay.state}, but the refusal says ${remoteSaid}`);
    }
  }

  anomaly(record: StackAnomalyRecord, problem: Problem): void {
    if (record.machine === 'webrtcMultiplayer') {
      return replayAnomaly(this.multiplayer, 'webrtcMultiplayer', parseMultiplayerEvent(record.event) ?? `${JSON.stringify(record.event)} does not name a webrtcMultiplayer event`, record, problem);
    }
    const remote = this.remoteOf(record.channel, record.state, problem, false);
    if (remote === null) return;
    replayAnomaly(remote.replay, describeRemote(remote), parseRemoteEvent(record.event) ?? `${JSON.stringify(record.event)} does not name a multiplayerRemote event`, record, problem);
  }

  /** Where the replay left the multiplayer and each remote (the newest of each id), by channel. */
  states(): Record<string, string> {
    const states: Record<string, string> = { webrtcMultiplayer: this.multiplayer.state };
    for (const [channel, remote] of this.current) states[channel] = remote.replay.state;
    return states;
  }

  summary(): MultiplayerSummary {
    const { uniqueId, ended } = this.multiplayer.context as WebRTCMultiplayerContext;
    const remotes = this.lives.map(({ channel, id, run, replay }) => ({
      channel, id, run, state: replay.state, removed: (replay.context as MultiplayerRemoteContext).removed,
    }));
    return { uniqueId, ended, remotes };
  }

  /**
   * The replay of the remote a record names by its channel; null (after saying why) if it names
   * none. A transition from added, when the remote of that id is removed or unknown, begins a new one.
   */
  private remoteOf(channel: string | undefined, from: string, problem: Problem, begins: boolean): Remote | null {
    const match = channel === undefined ? null : PEER_CHANNEL.exec(channel);
    if (channel === undefined || match === null) {
      problem(`a multiplayerRemote record ${channel === undefined ? 'without a channel' : `with the channel ${JSON.stringify(channel)}`}: it must be "peer <id>"`);
      return null;
    }
    const existing = this.current.get(channel);
    if (existing !== undefined && !(begins && existing.replay.state === 'removed' && from === REMOTE_INITIAL)) return existing;
    const id = Number(match[1]);
    if (!begins) {
      problem(`${channel}: no such remote peer in the replay (no record of it yet)`);
      return null;
    }
    const adds = this.unmatchedAdds.get(id) ?? 0;
    if (adds === 0) problem(`${channel}: a remote peer's record with no add_peer(${id}) before it (a remote is in the peer map only once add_peer took it)`);
    else this.unmatchedAdds.set(id, adds - 1);
    const remote: Remote = { channel, id, run: this.lives.filter((life) => life.id === id).length + 1, replay: new Replay(multiplayerRemoteMachine, { id }) };
    this.current.set(channel, remote);
    this.lives.push(remote);
    return remote;
  }
}

function describeRemote(remote: Remote): string {
  return remote.run === 1 ? remote.channel : `${remote.channel} (added again, ${remote.run})`;
}
