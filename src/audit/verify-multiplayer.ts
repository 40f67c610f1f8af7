import { multiplayerRemoteMachine, parseRemoteEvent, type MultiplayerRemoteContext } from '../machines/multiplayer-remote.js';
import { parseMultiplayerEvent, webrtcMultiplayerMachine, type MultiplayerEnd, type WebRTCMultiplayerContext } from '../machines/webrtc-multiplayer.js';
import { parseMultiplayerPeerEvent, webrtcMultiplayerPeerMachine } from '../machines/webrtc-multiplayer-peer.js';
import type { AnyStateMachine } from 'xstate';
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

/** The peer's own machine: Godot 3's WebRTCMultiplayer (the default) or Godot 4's WebRTCMultiplayerPeer; their remotes are the same machine. */
export interface MultiplayerOwnMachine {
  name: 'webrtcMultiplayer' | 'webrtcMultiplayerPeer';
  machine: AnyStateMachine;
  parse: (text: string) => { type: string; id?: number } | null;
}

export const GODOT3_MULTIPLAYER: MultiplayerOwnMachine = { name: 'webrtcMultiplayer', machine: webrtcMultiplayerMachine, parse: parseMultiplayerEvent };
export const GODOT4_MULTIPLAYER_PEER: MultiplayerOwnMachine = { name: 'webrtcMultiplayerPeer', machine: webrtcMultiplayerPeerMachine, parse: parseMultiplayerPeerEvent };

interface Remote {
  channel: string;
  id: number;
  run: number;
  replay: Replay;
  stray: boolean;
}

/**
 * The replay of a WebRTCMultiplayer's records (`connection` `mp-1`): its own machine, and one
 * remote machine per `peer <id>` channel (input `{ id }`), begun by the `add_peer(<id>)` the
 * multiplayer took (a remote is in the peer map from then on, before any record of its own). A
 * remote whose machine is removed and that starts again from added is a new remote with the same
 * id, after another add_peer. The two agree as the class keeps them: a remote's event comes
 * first, then the multiplayer's (channels_open before peer_connected, a removal before
 * peer_removed, every remote's close before the multiplayer's). Refusals must find the
 * multiplayer (and the remote they name) in the state they say.
 */
export class MultiplayerReplay {
  private readonly multiplayer: Replay;
  private readonly current = new Map<string, Remote>();
  private readonly lives: Remote[] = [];

  constructor(private readonly own: MultiplayerOwnMachine = GODOT3_MULTIPLAYER) {
    this.multiplayer = new Replay(own.machine);
  }

  transition(record: TransitionRecord, problem: Problem): void {
    if (record.machine === 'multiplayerRemote') return this.remoteTransition(record, problem);
    const { name } = this.own;
    if (record.channel !== undefined) problem(`a ${name} record with a channel (${record.channel})`);
    const event = (this.own.parse(record.event) as ReturnType<typeof parseMultiplayerEvent>) ?? `${JSON.stringify(record.event)} does not name a ${name} event`;
    const taken = replayTransition(this.multiplayer, name, event, record, problem);
    // A transition that is a problem already is checked no further: one forged line, one problem.
    if (!taken || typeof event === 'string') return;
    switch (event.type) {
      case 'add_peer': {
        const channel = `peer ${event.id}`;
        const before = this.current.get(channel);
        if (before !== undefined && before.replay.state !== 'removed') problem(`add_peer(${event.id}) while ${describeRemote(before)} is still ${before.replay.state}`);
        this.begin(channel, event.id, false);
        return;
      }
      case 'peer_connected':
      case 'peer_removed':
        return this.agrees(record.event, `peer ${event.id}`, event.type === 'peer_connected' ? 'connected' : 'removed', problem);
      case 'close':
        for (const channel of this.current.keys()) this.agrees(record.event, channel, 'removed', problem);
        return;
    }
  }

  refusal(record: RefusalRecord, problem: Problem): void {
    const actual = this.multiplayer.state;
    const said = new Set([record.state, record.states[this.own.name]].filter((state): state is string => state !== undefined));
    for (const state of said) {
      if (state !== actual) problem(`refused ${record.method}: ${this.own.name} was in ${actual}, but the refusal says ${state} (a refused call changes nothing)`);
    }
    const remoteSaid = record.states.multiplayerRemote;
    if (remoteSaid === undefined) return;
    const remote = this.remoteOf(record.channel, problem);
    if (remote !== null && remote.replay.state !== remoteSaid) {
      problem(`refused ${record.method}: ${describeRemote(remote)} was in ${remote.replay.state}, but the refusal says ${remoteSaid}`);
    }
  }

  anomaly(record: StackAnomalyRecord, problem: Problem): void {
    const { name } = this.own;
    if (record.machine === name) {
      return replayAnomaly(this.multiplayer, name, (this.own.parse(record.event) as ReturnType<typeof parseMultiplayerEvent>) ?? `${JSON.stringify(record.event)} does not name a ${name} event`, record, problem);
    }
    const remote = this.remoteOf(record.channel, problem);
    if (remote === null) return;
    replayAnomaly(remote.replay, describeRemote(remote), parseRemoteEvent(record.event) ?? `${JSON.stringify(record.event)} does not name a multiplayerRemote event`, record, problem);
  }

  /** Where the replay left the multiplayer and each remote (the newest of each id), by channel. */
  states(): Record<string, string> {
    const states: Record<string, string> = { [this.own.name]: this.multiplayer.state };
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

  private remoteTransition(record: TransitionRecord, problem: Problem): void {
    let remote = this.remoteOf(record.channel, problem);
    if (remote === null && record.channel !== undefined && PEER_CHANNEL.test(record.channel)) {
      // Replayed all the same, so that its later records are checked against it.
      remote = this.begin(record.channel, Number(record.channel.slice(5)), true);
    }
    if (remote === null) return;
    if (remote.replay.state === 'removed' && record.from === REMOTE_INITIAL) {
      problem(`${record.channel}: a remote peer that begins again with no add_peer(${remote.id}) before it (a remote is in the peer map only once add_peer took it)`);
      remote = this.begin(remote.channel, remote.id, true);
    }
    const event = parseRemoteEvent(record.event) ?? `${JSON.stringify(record.event)} does not name a multiplayerRemote event`;
    replayTransition(remote.replay, describeRemote(remote), event, record, problem);
  }

  /** A multiplayer's event about a peer must follow its remote's: that remote must be in `state` by now. */
  private agrees(event: string, channel: string, state: string, problem: Problem): void {
    const remote = this.current.get(channel);
    if (remote === undefined) return problem(`${event}: ${channel} has no remote in the replay (no add_peer took it)`);
    if (!remote.stray && remote.replay.state !== state) problem(`${event}: ${describeRemote(remote)} is ${remote.replay.state}, not ${state} (its own record comes first)`);
  }

  /** A new remote life for `channel`; `stray` when no add_peer began it (a problem said already, not to be said again at its removal). */
  private begin(channel: string, id: number, stray: boolean): Remote {
    const remote: Remote = { channel, id, run: this.lives.filter((life) => life.id === id).length + 1, replay: new Replay(multiplayerRemoteMachine, { id }), stray };
    this.current.set(channel, remote);
    this.lives.push(remote);
    return remote;
  }

  /** The remote a record names by its channel; null (after saying why) if it names none. */
  private remoteOf(channel: string | undefined, problem: Problem): Remote | null {
    if (channel === undefined || !PEER_CHANNEL.test(channel)) {
      problem(`a multiplayerRemote record ${channel === undefined ? 'without a channel' : `with the channel ${JSON.stringify(channel)}`}: it must be "peer <id>"`);
      return null;
    }
    const remote = this.current.get(channel);
    if (remote === undefined) problem(`${channel}: a remote peer's record with no add_peer(${channel.slice(5)}) before it (a remote is in the peer map only once add_peer took it)`);
    return remote ?? null;
  }
}

function describeRemote(remote: Remote): string {
  return remote.run === 1 ? remote.channel : `${remote.channel} (added again, ${remote.run})`;
}
