import type { WebRTCPeerConnection } from '../api/peer-connection.js';
import type { WebRTCDataChannel } from '../api/data-channel.js';
import { GODOT_VALUES } from './godot-values.js';

/**
 * Where a connection's getters and its machines' snapshots disagree (an empty list when they
 * agree, as they always should): `get_signaling_state()` against the signaling machine's state,
 * and so on for the connection, the gathering and each channel's `get_ready_state()`.
 */
export function snapshotDisagreements(pc: WebRTCPeerConnection, channels: Iterable<WebRTCDataChannel> = pc.get_data_channels()): string[] {
  const problems: string[] = [];
  const check = (what: string, got: number, machine: keyof typeof GODOT_VALUES, state: string) => {
    const expected = GODOT_VALUES[machine][state];
    if (got !== expected) problems.push(`${what} is ${got}, but the ${machine} machine is in ${state} (${expected})`);
  };
  check('get_signaling_state()', pc.get_signaling_state(), 'signaling', pc.signaling.state);
  check('get_connection_state()', pc.get_connection_state(), 'connection', pc.connection.state);
  check('get_gathering_state()', pc.get_gathering_state(), 'gathering', pc.gathering.state);
  const names = pc.get_machine_states();
  if (names.signaling !== pc.signaling.state || names.connection !== pc.connection.state || names.gathering !== pc.gathering.state) {
    problems.push(`get_machine_states() is ${JSON.stringify(names)}, the machines say ${pc.signaling.state}/${pc.connection.state}/${pc.gathering.state}`);
  }
  for (const channel of channels) check(`${channel.get_label()}.get_ready_state()`, channel.get_ready_state(), 'dataChannel', channel.machine.state);
  return problems;
}
