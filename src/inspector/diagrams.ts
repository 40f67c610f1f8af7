import { connectionMachine } from '../machines/connection.js';
import { dataChannelMachine } from '../machines/data-channel.js';
import { gatheringMachine } from '../machines/gathering.js';
import { signalingMachine } from '../machines/signaling.js';
import { signalingLobbyMachine } from '../machines/signaling-lobby.js';
import { signalingSessionMachine } from '../machines/signaling-session.js';
import { webrtcMultiplayerMachine } from '../machines/webrtc-multiplayer.js';
import { multiplayerRemoteMachine } from '../machines/multiplayer-remote.js';
import { webrtcMultiplayerPeerMachine } from '../machines/webrtc-multiplayer-peer.js';
import type { MachineName } from '../records/record.js';
import { machineGraph, type MachineGraph } from './graph.js';

/** The machines the inspector draws, by the name records give them. */
export const DIAGRAM_MACHINES = {
  signaling: signalingMachine, connection: connectionMachine, gathering: gatheringMachine, dataChannel: dataChannelMachine,
  signalingSession: signalingSessionMachine,
  signalingLobby: signalingLobbyMachine,
  webrtcMultiplayer: webrtcMultiplayerMachine,
  multiplayerRemote: multiplayerRemoteMachine,
  webrtcMultiplayerPeer: webrtcMultiplayerPeerMachine,
};

const graphs = new Map<MachineName, MachineGraph>();

/** Each machine's graph, read once from its definition. */
export function graphOf(machine: MachineName): MachineGraph {
  let graph = graphs.get(machine);
  if (graph === undefined) {
    graph = machineGraph(DIAGRAM_MACHINES[machine]);
    graphs.set(machine, graph);
  }
  return graph;
}
