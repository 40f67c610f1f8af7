import type { GodotError } from '../godot/constants.js';

/** Which machine a record speaks of. */
export type MachineName = 'signaling' | 'connection' | 'gathering' | 'dataChannel';

/**
 * A call the current state (or its arguments) did not allow. It changed nothing.
 * `state` is the state of the machine that refused (for argument errors: the signaling state
 * of the connection, or the channel's state), `states` all of the connection's machines.
 */
export interface RefusalRecord {
  kind: 'refusal';
  /** Wall time, ms since the epoch. */
  time: number;
  connection: string;
  /** The channel's label and id, for a refusal by a WebRTCDataChannel. */
  channel?: string;
  method: string;
  machine: MachineName | 'arguments';
  state: string;
  states: Record<string, string>;
  code: GodotError;
  codeName: string;
  reason: string;
}

/** An event from the WebRTC stack that the machine's table does not allow: ignored, and kept. */
export interface StackAnomalyRecord {
  kind: 'stack_anomaly';
  time: number;
  connection: string;
  channel?: string;
  machine: MachineName;
  state: string;
  event: string;
  reason: string;
}

/** A failure reported by the stack after the call that caused it had returned (a held candidate the stack rejected, a channel error). */
export interface StackErrorRecord {
  kind: 'stack_error';
  time: number;
  connection: string;
  channel?: string;
  method: string;
  code: GodotError;
  codeName: string;
  reason: string;
}

export type ConnectionRecord = RefusalRecord | StackAnomalyRecord | StackErrorRecord;
