import { ChannelState, ConnectionState, GatheringState, SignalingState } from '../godot/constants.js';
import type { ModelMachineName } from './events.js';

/**
 * What Godot's getter returns in each state of each machine: `get_signaling_state()`,
 * `get_connection_state()`, `get_gathering_state()` and `WebRTCDataChannel.get_ready_state()`
 * must read these for the machines' current states.
 */
export const GODOT_VALUES: Record<ModelMachineName, Record<string, number>> = {
  signaling: {
    stable: SignalingState.SIGNALING_STATE_STABLE,
    haveLocalOffer: SignalingState.SIGNALING_STATE_HAVE_LOCAL_OFFER,
    haveRemoteOffer: SignalingState.SIGNALING_STATE_HAVE_REMOTE_OFFER,
    haveLocalPranswer: SignalingState.SIGNALING_STATE_HAVE_LOCAL_PRANSWER,
    haveRemotePranswer: SignalingState.SIGNALING_STATE_HAVE_REMOTE_PRANSWER,
    closed: SignalingState.SIGNALING_STATE_CLOSED,
  },
  connection: {
    new: ConnectionState.STATE_NEW,
    connecting: ConnectionState.STATE_CONNECTING,
    connected: ConnectionState.STATE_CONNECTED,
    disconnected: ConnectionState.STATE_DISCONNECTED,
    failed: ConnectionState.STATE_FAILED,
    closed: ConnectionState.STATE_CLOSED,
  },
  gathering: {
    new: GatheringState.GATHERING_STATE_NEW,
    gathering: GatheringState.GATHERING_STATE_GATHERING,
    complete: GatheringState.GATHERING_STATE_COMPLETE,
  },
  dataChannel: {
    connecting: ChannelState.STATE_CONNECTING,
    open: ChannelState.STATE_OPEN,
    closing: ChannelState.STATE_CLOSING,
    closed: ChannelState.STATE_CLOSED,
  },
};
