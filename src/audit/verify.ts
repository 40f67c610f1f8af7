import type { AnyStateMachine } from 'xstate';
import { connectionMachine, type CloseCause } from '../machines/connection.js';
import { dataChannelMachine } from '../machines/data-channel.js';
import { SDP_TYPES, type AnyMachineEvent } from '../machines/events.js';
import { gatheringMachine } from '../machines/gathering.js';
import { signalingMachine } from '../machines/signaling.js';
import { signalingLobbyMachine, type SignalingLobbyEvent } from '../machines/signaling-lobby.js';
import { signalingSessionMachine, type SignalingCloseName, type SignalingSessionEvent } from '../machines/signaling-session.js';
import { webrtcMultiplayerMachine } from '../machines/webrtc-multiplayer.js';
import { multiplayerRemoteMachine } from '../machines/multiplayer-remote.js';
import { webrtcMultiplayerPeerMachine } from '../machines/webrtc-multiplayer-peer.js';
import type { ConnectionRecord, MachineName, SignalingServiceMachineName } from '../records/record.js';
import { Replay, replayAnomaly, replayTransition } from './replay.js';
import { parseTrail, type TrailEntry, type TrailProblem } from './trail.js';
import { GODOT3_MULTIPLAYER, GODOT4_MULTIPLAYER_PEER, MultiplayerReplay, type MultiplayerSummary } from './verify-multiplayer.js';

export interface Verification {
  ok: boolean;
  /** Records read. */
  records: number;
  /** Every connection (each run of it) with its records, final states and problems. */
  connections: ConnectionLife[];
  /** Every problem, in line order: unreadable lines and replay problems. */
  problems: TrailProblem[];
}

export interface ConnectionLife {
  /** `pc-1`, or `pc-1 (run 2)` for a later run appended to the same file. */
  name: string;
  connection: string;
  run: number;
  entries: TrailEntry[];
  problems: TrailProblem[];
  /**
   * Where the replay left each machine: signaling, connection, gathering, and each channel by its
   * key; a session's or lobby's one machine; a WebRTCMultiplayer's `webrtcMultiplayer` and each
   * remote peer by its channel (`peer 2`).
   */
  states: Record<string, string>;
  /** Why the connection closed, as the replayed connection machine keeps it (who, the limit, the state before); null if it is not closed. */
  closed: CloseCause | null;
  /** A WebRTCMultiplayer's life only: its unique id, how it last ended, and each of its remote peers' lives. */
  multiplayer?: MultiplayerSummary;
}

const MACHINES: Record<MachineName, AnyStateMachine> = {
  signaling: signalingMachine,
  connection: connectionMachine,
  gathering: gatheringMachine,
  dataChannel: dataChannelMachine,
  signalingSession: signalingSessionMachine,
  signalingLobby: signalingLobbyMachine,
  webrtcMultiplayer: webrtcMultiplayerMachine,
  multiplayerRemote: multiplayerRemoteMachine,
  webrtcMultiplayerPeer: webrtcMultiplayerPeerMachine,
};
/**
 * The input a signaling actor is replayed with. Its records name what its guards read (ids on
 * the wire, where the lobby's host is 1; the protocol); what they do not name (a lobby's name,
 * how many lobbies were open) a taken transition's guard passed on live, so the replay lets it pass.
 */
const SERVICE_INPUTS: Record<SignalingServiceMachineName, unknown> = {
  signalingSession: { id: 0 },
  signalingLobby: { name: '', mesh: true, protocol: 4, host: 1 },
};
const CONNECTION_MACHINES = ['signaling', 'connection', 'gathering'] as const;

/**
 * Verifies a trail by replaying it through the machines themselves.
 *
 * Records are grouped by connection. Within a connection, `seq` must run 1, 2, 3, ... with no
 * gap and no step back, and wall time and monotonic time must never go back. Each machine of the
 * connection (signaling, connection, gathering, and one per data channel, keyed by the record's
 * `channel`) is a real actor of the real machine, started in its initial state, and every
 * transition record is replayed into it as the event its `event` string names
 * (`set_remote_description(offer)` is `{ type, sdpType: 'offer' }`,
 * `stack.connection_state(connected)` is `{ type, state: 'connected' }`): the machine must be in
 * the record's `from`, must take the event, and must land in its `to`. Guards that read context
 * (signaling's) see the context the earlier events built, as they did live. A refusal must find
 * every machine it names in the state it says (a refused call changes nothing), and a stack
 * anomaly must find its machine in its state, not taking its event.
 *
 * After a problem the replay carries on from what the record says, so one forged line is one
 * problem, not a cascade. A connection id that starts again at seq 1, later than its previous
 * records, is a new run of a program that appended to the same file (`pc-1`, then `pc-1 (run 2)`).
 * A channel's id is -1 until the stack assigns it: a record for `label#N` continues the machine
 * of `label#-1` when that one is in the record's `from` state; a `label#id` whose machine is
 * closed and that starts again from `connecting` is a new channel with the same label and id.
 *
 * A WebRTCMultiplayer's records (`mp-1`) are a life of their own (`verify-multiplayer.ts`): its
 * machine, and one remote machine per `peer <id>` channel, replayed the same way; its
 * WebRTCPeerConnections keep their own lives (`pc-N`). A signaling session's or lobby's records
 * are one machine's life. A record of another kind of life than its first one is a problem.
 * Stack errors (`multiplayer.packet`, `limit.*`, ...) are kept, not replayed.
 *
 * The trail is JSON Lines text, parsed entries, or records (their line is their position).
 *
 * @example
 * ```ts
 * const result = verifyTrail(readFileSync('trail.jsonl', 'utf8'));
 * if (!result.ok) for (const p of result.problems) console.log(`line ${p.line}: ${p.message}`);
 * ```
 */
export function verifyTrail(trail: string | TrailEntry[] | ConnectionRecord[]): Verification {
  let entries: TrailEntry[];
  const problems: TrailProblem[] = [];
  if (typeof trail === 'string') {
    const parsed = parseTrail(trail);
    entries = parsed.entries;
    problems.push(...parsed.problems);
  } else {
    entries = trail.map((item, index) => ('record' in item && 'line' in item ? item : { line: index + 1, record: item as ConnectionRecord }));
  }
  const lives: Life[] = [];
  const current = new Map<string, Life>();
  for (const entry of entries) {
    const { record } = entry;
    let life = current.get(record.connection);
    if (life === undefined || startsNewRun(life, record)) {
      life = new Life(record.connection, (life?.run ?? 0) + 1);
      lives.push(life);
      current.set(record.connection, life);
    }
    life.take(entry);
  }
  for (const life of lives) problems.push(...life.problems);
  problems.sort((a, b) => a.line - b.line);
  return {
    ok: problems.length === 0,
    records: entries.length,
    connections: lives.map((life) => life.summary()),
    problems,
  };
}

/** Seq 1 again, not before the previous run's last record, and not a copy of its first: another run appended. */
function startsNewRun(life: Life, record: ConnectionRecord): boolean {
  if (record.seq !== 1 || life.lastSeq < 1) return false;
  if (record.time < life.lastTime) return false;
  return JSON.stringify(record) !== JSON.stringify(life.first);
}

/** The event a transition record names, or why it names none. */
export type ReplayedEvent = AnyMachineEvent | SignalingSessionEvent | SignalingLobbyEvent;

export function eventFromRecord(text: string): ReplayedEvent | string {
  const match = /^([A-Za-z_][\w.]*)(?:\((.*)\))?$/.exec(text);
  if (!match) return `${JSON.stringify(text)} does not name an event`;
  const type = match[1]!;
  const argument = match[2];
  switch (type) {
    case 'set_local_description':
    case 'set_remote_description':
      if (argument === undefined || !(SDP_TYPES as readonly string[]).includes(argument)) {
        return `${type} needs one of ${SDP_TYPES.join(', ')}: ${JSON.stringify(text)}`;
      }
      return { type, sdpType: argument } as AnyMachineEvent;
    case 'stack.connection_state':
    case 'stack.gathering_state':
      if (argument === undefined || argument === '') return `${type} needs a state: ${JSON.stringify(text)}`;
      return { type, state: argument } as AnyMachineEvent;
    case 'limit_exceeded':
      if (argument === undefined || argument === '') return `${type} needs the limit's name: ${JSON.stringify(text)}`;
      return { type, limit: argument };
    case 'timed_out':
      if (argument !== 'setup' && argument !== 'keepalive') return `${type} needs setup or keepalive: ${JSON.stringify(text)}`;
      return { type, timeout: argument };
    case 'stack.error':
      return { type, message: argument ?? '' };
    // The signaling service's events: what their records name, and what a taken transition's guard saw.
    case 'create_lobby':
    case 'join_lobby': {
      const protocol = Number(argument);
      if (protocol !== 3 && protocol !== 4) return `${type} needs the protocol, 3 or 4: ${JSON.stringify(text)}`;
      return type === 'create_lobby' ? { type, name: '', mesh: true, protocol, openLobbies: 0 } : { type, name: '', protocol, lobbyExists: true };
    }
    case 'bad_frame':
      if (argument === undefined || argument === '') return `${type} needs the close's name: ${JSON.stringify(text)}`;
      return { type, close: argument as SignalingCloseName };
    case 'socket_closed':
    case 'unknown_command':
    case 'join':
    case 'leave':
    case 'seal': {
      if (type === 'seal' && argument === undefined) return { type: 'seal' };
      const number = Number(argument);
      if (argument === undefined || argument === '' || !Number.isInteger(number)) return `${type} needs a number: ${JSON.stringify(text)}`;
      if (type === 'socket_closed') return { type, code: number, reason: '' };
      if (type === 'unknown_command') return { type, command: number };
      return { type: type as 'join' | 'leave' | 'seal', id: number, protocol: 4 } as SignalingLobbyEvent;
    }
    default:
      if (argument !== undefined) return `${type} takes no argument: ${JSON.stringify(text)}`;
      return { type } as AnyMachineEvent;
  }
}

/** What a life is the life of: a WebRTCPeerConnection (the default), a signaling session or lobby, or a WebRTCMultiplayer. */
type LifeKind = 'connection' | SignalingServiceMachineName | 'webrtcMultiplayer' | 'webrtcMultiplayerPeer';

/** The kind of life a record belongs to; null for a record that names no machine (a stack error, a bare argument refusal). */
function kindOf(record: ConnectionRecord): LifeKind | null {
  if (record.kind === 'stack_error') return null;
  switch (record.machine) {
    case 'webrtcMultiplayer':
    case 'multiplayerRemote':
      return 'webrtcMultiplayer';
    case 'webrtcMultiplayerPeer':
      return 'webrtcMultiplayerPeer';
    case 'signalingSession':
    case 'signalingLobby':
      return record.machine;
    case 'arguments': {
      const states = record.kind === 'refusal' ? Object.keys(record.states ?? {}) : [];
      if (states.includes('webrtcMultiplayer')) return 'webrtcMultiplayer';
      if (states.includes('webrtcMultiplayerPeer')) return 'webrtcMultiplayerPeer';
      return record.channel !== undefined || states.some((machine) => (CONNECTION_MACHINES as readonly string[]).includes(machine)) ? 'connection' : null;
    }
    default:
      return 'connection';
  }
}

const LIFE_NAMES: Record<LifeKind, string> = {
  connection: 'WebRTCPeerConnection',
  signalingSession: 'signalingSession',
  signalingLobby: 'signalingLobby',
  webrtcMultiplayer: 'WebRTCMultiplayer',
  webrtcMultiplayerPeer: 'WebRTCMultiplayerPeer',
};

class Life {
  readonly entries: TrailEntry[] = [];
  readonly problems: TrailProblem[] = [];
  lastSeq = 0;
  lastTime = -Infinity;
  lastMonotonic = -Infinity;
  first: ConnectionRecord | null = null;
  /** Set by its first record that names a machine; a record of another kind of life is a problem. */
  private kind: LifeKind | null = null;
  private readonly machines = {
    signaling: new Replay(signalingMachine),
    connection: new Replay(connectionMachine),
    gathering: new Replay(gatheringMachine),
  };
  private readonly channels = new Map<string, Replay>();
  /** The actor of a signaling service's life (a session or a lobby): one machine, no channels. */
  private service: Replay | null = null;
  private multiplayer: MultiplayerReplay | null = null;

  constructor(
    readonly connection: string,
    readonly run: number,
  ) {}

  get name(): string {
    return this.run === 1 ? this.connection : `${this.connection} (run ${this.run})`;
  }

  take(entry: TrailEntry): void {
    const { record, line } = entry;
    this.entries.push(entry);
    this.first ??= record;
    const problem = (message: string): void => void this.problems.push({ line, connection: this.name, seq: record.seq, message });
    this.checkOrder(record, problem);
    if (record.kind === 'stack_error') return;
    const kind = kindOf(record);
    if (kind !== null) {
      this.kind ??= kind;
      // Godot 4's peer has the same remote machine as Godot 3's.
      const sharedRemote = this.kind === 'webrtcMultiplayerPeer' && record.machine === 'multiplayerRemote';
      if (kind !== this.kind && !sharedRemote) return problem(`a ${record.machine} record in the life of a ${LIFE_NAMES[this.kind]}`);
    }
    if (this.kind === 'webrtcMultiplayer' || this.kind === 'webrtcMultiplayerPeer') {
      this.multiplayer ??= new MultiplayerReplay(this.kind === 'webrtcMultiplayer' ? GODOT3_MULTIPLAYER : GODOT4_MULTIPLAYER_PEER);
      if (record.kind === 'transition') this.multiplayer.transition(record, problem);
      else if (record.kind === 'refusal') this.multiplayer.refusal(record, problem);
      else this.multiplayer.anomaly(record, problem);
      return;
    }
    switch (record.kind) {
      case 'transition': {
        const replay = this.machineOf(record.machine, record.channel, record.from, problem);
        if (replay === null) return;
        const event = eventFromRecord(record.event);
        if (record.machine === 'signalingLobby' && typeof event !== 'string' && event.type === 'join') {
          (event as { protocol?: unknown }).protocol = (replay.context as { protocol: unknown }).protocol;
        }
        replayTransition(replay, describeMachine(record.machine, record.channel), event, record, problem);
        return;
      }
      case 'refusal': {
        if (record.machine === 'signalingSession' || record.machine === 'signalingLobby') {
          const replay = this.machineOf(record.machine, undefined, record.state, problem);
          if (replay && replay.state !== record.state) problem(`refused ${record.method}: ${record.machine} was in ${replay.state}, but the refusal says ${record.state}`);
          return;
        }
        if (record.channel !== undefined) {
          const replay = this.machineOf('dataChannel', record.channel, record.state, problem);
          const said = record.states.dataChannel ?? record.state;
          if (replay && (replay.state !== record.state || replay.state !== said)) {
            problem(`refused ${record.method}: channel ${record.channel} was in ${replay.state}, but the refusal says ${said}`);
          }
          return;
        }
        for (const machine of CONNECTION_MACHINES) {
          const said = record.states[machine];
          if (said !== undefined && said !== this.machines[machine].state) {
            problem(`refused ${record.method}: ${machine} was in ${this.machines[machine].state}, but the refusal says ${said} (a refused call changes nothing)`);
          }
        }
        const own = record.machine as (typeof CONNECTION_MACHINES)[number];
        if (record.machine !== 'arguments' && record.machine !== 'dataChannel' && record.state !== this.machines[own].state) {
          problem(`refused ${record.method}: ${record.machine} was in ${this.machines[own].state}, but the refusal says ${record.state}`);
        }
        return;
      }
      case 'stack_anomaly': {
        const replay = this.machineOf(record.machine, record.channel, record.state, problem);
        if (replay === null) return;
        replayAnomaly(replay, describeMachine(record.machine, record.channel), eventFromRecord(record.event), record, problem);
        return;
      }
    }
  }

  summary(): ConnectionLife {
    const life = { name: this.name, connection: this.connection, run: this.run, entries: this.entries, problems: this.problems };
    if (this.service !== null) return { ...life, states: { [this.kind as SignalingServiceMachineName]: this.service.state }, closed: null };
    if (this.kind === 'webrtcMultiplayer' || this.kind === 'webrtcMultiplayerPeer') {
      const multiplayer = (this.multiplayer ??= new MultiplayerReplay(this.kind === 'webrtcMultiplayer' ? GODOT3_MULTIPLAYER : GODOT4_MULTIPLAYER_PEER));
      return { ...life, states: multiplayer.states(), closed: null, multiplayer: multiplayer.summary() };
    }
    const states: Record<string, string> = {};
    for (const machine of CONNECTION_MACHINES) states[machine] = this.machines[machine].state;
    for (const [key, replay] of this.channels) states[key] = replay.state;
    const { closed } = this.machines.connection.context as { closed: CloseCause | null };
    return { ...life, states, closed };
  }

  private checkOrder(record: ConnectionRecord, problem: (message: string) => void): void {
    const expected = this.lastSeq + 1;
    if (record.seq > expected) {
      const missing = record.seq - expected === 1 ? `#${expected} is` : `#${expected}–#${record.seq - 1} are`;
      problem(`gap in the sequence: record ${missing} missing before #${record.seq}`);
    } else if (record.seq < expected) {
      problem(`out of order: #${record.seq} comes after #${this.lastSeq}`);
    }
    if (record.time < this.lastTime) problem(`out of order: its wall time is ${(this.lastTime - record.time).toFixed(0)} ms before the previous record's`);
    if (record.monotonic < this.lastMonotonic) {
      problem(`out of order: its monotonic time is ${(this.lastMonotonic - record.monotonic).toFixed(3)} ms before the previous record's`);
    }
    this.lastSeq = Math.max(this.lastSeq, record.seq);
    this.lastTime = Math.max(this.lastTime, record.time);
    this.lastMonotonic = Math.max(this.lastMonotonic, record.monotonic);
  }

  /** The replay of a connection's or a service's record's machine; null (after saying why) if the record names none. */
  private machineOf(machine: MachineName, channel: string | undefined, state: string, problem: (message: string) => void): Replay | null {
    if (machine === 'signalingSession' || machine === 'signalingLobby') {
      if (channel !== undefined) problem(`a ${machine} record with a channel (${channel})`);
      this.service ??= new Replay(MACHINES[machine], SERVICE_INPUTS[machine]);
      return this.service;
    }
    if (machine !== 'dataChannel') {
      if (channel !== undefined) problem(`a ${machine} record with a channel (${channel})`);
      return this.machines[machine as (typeof CONNECTION_MACHINES)[number]];
    }
    if (channel === undefined) {
      problem('a dataChannel record without a channel');
      return null;
    }
    return this.channel(channel, state);
  }

  private channel(key: string, state: string): Replay {
    const initial = String(dataChannelMachine.config.initial);
    const existing = this.channels.get(key);
    if (existing !== undefined && !(existing.state === 'closed' && state === initial)) return existing;
    if (existing === undefined) {
      const unassigned = key.replace(/#-?\d+$/, '#-1');
      const before = unassigned !== key ? this.channels.get(unassigned) : undefined;
      if (before !== undefined && before.state === state && state !== 'closed') {
        this.channels.delete(unassigned);
        this.channels.set(key, before);
        return before;
      }
    }
    const replay = new Replay(dataChannelMachine);
    this.channels.set(key, replay);
    return replay;
  }
}

function describeMachine(machine: MachineName, channel: string | undefined): string {
  return machine === 'dataChannel' ? `channel ${channel}` : machine;
}
