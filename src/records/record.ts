import type { GodotError } from '../godot/constants.js';

/** Which machine a record speaks of. */
export type MachineName = ConnectionMachineName | SignalingServiceMachineName | MultiplayerMachineName;

/** A WebRTCPeerConnection's machines, and its channels'. */
export type ConnectionMachineName = 'signaling' | 'connection' | 'gathering' | 'dataChannel';

/** The signaling service's actors: a client socket's session, and a lobby. Their records' `connection` is the actor's name (`session-<id>`, `lobby-<n>`). */
export type SignalingServiceMachineName = 'signalingSession' | 'signalingLobby';

/**
 * Godot 3's WebRTCMultiplayer (its records' `connection` is its name, `mp-1` by default) and each
 * of its remote peers (the same `connection`, and `channel` `peer <id>`); Godot 4's
 * WebRTCMultiplayerPeer (`mp4-1` by default), whose remote peers are `multiplayerRemote` too.
 */
export type MultiplayerMachineName = 'webrtcMultiplayer' | 'multiplayerRemote' | 'webrtcMultiplayerPeer';

/** What every record has: its place in the connection's sequence, when, and whose it is. */
export interface RecordBase {
  /** 1, 2, 3, ... per connection, across all of its machines and channels; `initialize` does not restart it. */
  seq: number;
  /** Wall time, ms since the epoch. */
  time: number;
  /** Monotonic time, ms (performance.now()): for durations, immune to clock changes. */
  monotonic: number;
  connection: string;
  /** `label#id` of the channel, for a data channel's records. */
  channel?: string;
}

/** A machine took an event: from a state, to a state (the same one for a self-transition). */
export interface TransitionRecord extends RecordBase {
  kind: 'transition';
  machine: MachineName;
  from: string;
  /** The event's type, with its argument when it has one: `set_remote_description(offer)`, `stack.connection_state(connected)`. */
  event: string;
  to: string;
}

/**
 * A call the current state (or its arguments) did not allow. It changed nothing.
 * `state` is the state of the machine that refused (for argument errors: the signaling state
 * of the connection, or the channel's state), `states` all of the connection's machines.
 */
export interface RefusalRecord extends RecordBase {
  kind: 'refusal';
  method: string;
  machine: MachineName | 'arguments';
  state: string;
  states: Record<string, string>;
  code: GodotError;
  codeName: string;
  reason: string;
}

/** An event from the WebRTC stack that the machine's table does not allow: not taken, and kept. */
export interface StackAnomalyRecord extends RecordBase {
  kind: 'stack_anomaly';
  machine: MachineName;
  state: string;
  event: string;
  reason: string;
}

/** A failure reported by the stack after the call that caused it had returned (a held candidate the stack rejected, a channel error). */
export interface StackErrorRecord extends RecordBase {
  kind: 'stack_error';
  method: string;
  code: GodotError;
  codeName: string;
  reason: string;
}

export type ConnectionRecord = TransitionRecord | RefusalRecord | StackAnomalyRecord | StackErrorRecord;

/** A record as its maker writes it; the recorder adds the sequence number, the times and the connection. */
export type RecordDraft = ConnectionRecord extends infer R ? (R extends ConnectionRecord ? Omit<R, keyof RecordBase> & { channel?: string } : never) : never;
