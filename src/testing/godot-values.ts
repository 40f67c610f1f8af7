import { CHANNEL_VALUES, CONNECTION_VALUES, GATHERING_VALUES, SIGNALING_VALUES } from '../api/state-values.js';
import type { ModelMachineName } from './events.js';

/**
 * What Godot's getter returns in each state of each machine: `get_signaling_state()`,
 * `get_connection_state()`, `get_gathering_state()` and `WebRTCDataChannel.get_ready_state()`
 * must read these for the machines' current states.
 */
export const GODOT_VALUES: Record<ModelMachineName, Record<string, number>> = {
  signaling: SIGNALING_VALUES,
  connection: CONNECTION_VALUES,
  gathering: GATHERING_VALUES,
  dataChannel: CHANNEL_VALUES,
};
