import { ChannelState, ConnectionState, GatheringState, SignalingState } from '../godot/constants.js';
import type { SignalingStateName } from '../machines/signaling.js';
import type { CloseCause, ClosedBy, ConnectionStateName } from '../machines/connection.js';
import type { GatheringStateName } from '../machines/gathering.js';
import type { DataChannelStateName } from '../machines/data-channel.js';

/** What each Godot getter returns in each state of its machine: the getters read these, and so do the model tests. */
export const SIGNALING_VALUES: Record<SignalingStateName, SignalingState> = {
  stable: SignalingState.SIGNALING_STATE_STABLE,
  haveLocalOffer: SignalingState.SIGNALING_STATE_HAVE_LOCAL_OFFER,
  haveRemoteOffer: SignalingState.SIGNALING_STATE_HAVE_REMOTE_OFFER,
  haveLocalPranswer: SignalingState.SIGNALING_STATE_HAVE_LOCAL_PRANSWER,
  haveRemotePranswer: SignalingState.SIGNALING_STATE_HAVE_REMOTE_PRANSWER,
  closed: SignalingState.SIGNALING_STATE_CLOSED,
};

export const CONNECTION_VALUES: Record<ConnectionStateName, ConnectionState> = {
  new: ConnectionState.STATE_NEW,
  connecting: ConnectionState.STATE_CONNECTING,
  connected: ConnectionState.STATE_CONNECTED,
  disconnected: ConnectionState.STATE_DISCONNECTED,
  failed: ConnectionState.STATE_FAILED,
  closed: ConnectionState.STATE_CLOSED,
};

export const GATHERING_VALUES: Record<GatheringStateName, GatheringState> = {
  new: GatheringState.GATHERING_STATE_NEW,
  gathering: GatheringState.GATHERING_STATE_GATHERING,
  complete: GatheringState.GATHERING_STATE_COMPLETE,
};

export const CHANNEL_VALUES: Record<DataChannelStateName, ChannelState> = {
  connecting: ChannelState.STATE_CONNECTING,
  open: ChannelState.STATE_OPEN,
  closing: ChannelState.STATE_CLOSING,
  closed: ChannelState.STATE_CLOSED,
};

/**
 * Not Godot: why a connection ended, as `get_close_info()` gives it. `by` is `local` (the app
 * called close()), `remote` (the stack reported closed: the remote end closed, or the connection
 * failed), `limit` (the remote went past `limit`, src/limits.ts) or `timeout` (the library failed
 * it: `timeout` is `setup` or `keepalive`; the state is then STATE_FAILED); `last_state` is the
 * ConnectionState it was in before (`last_state_name` its name); `monotonic` when it closed (ms,
 * as records say).
 */
export interface CloseInfo {
  by: ClosedBy;
  limit: string | null;
  timeout: 'setup' | 'keepalive' | null;
  last_state: ConnectionState;
  last_state_name: ConnectionStateName;
  monotonic: number;
}

/** The connection machine's record of its close, in Godot's values; null while it is not closed. */
export function closeInfoOf(cause: CloseCause | null, monotonic: number | null): CloseInfo | null {
  if (cause === null || monotonic === null) return null;
  return { by: cause.by, limit: cause.limit, timeout: cause.timeout, last_state: CONNECTION_VALUES[cause.from], last_state_name: cause.from, monotonic };
}
