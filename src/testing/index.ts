/**
 * `webrtc-statecharts/testing`: the machines and the tools to model-test code that drives
 * connections, without a network or over one.
 *
 * - `MACHINES`, `MODEL_EVENTS`: the four pure machines and every event each one can be sent;
 *   `libraryCanSend`: what the library can send a machine beyond its table (nothing from a shut-down stack).
 * - `generatePaths(machine, options)`: paths through a machine from `xstate/graph` (every
 *   transition, the shortest path to every state, or every simple path), each step an event and
 *   the state it leads to; `machineEdges` lists the transitions a coverage report counts.
 * - `peerModel`, `peerModelShortestPaths`: the whole model of one connection (the machines put
 *   together as `WebRTCPeerConnection` routes calls and stack reports to them).
 * - `createScriptedStack()`: a stack with no network that reports what a test tells it to, for
 *   `WebRTCPeerConnection.set_default_extension`.
 * - `ModelCoverage`: which states and transitions a run reached; `snapshotDisagreements`: getters
 *   against machine snapshots.
 *
 * @example
 * ```ts
 * import { MACHINES, generatePaths } from 'webrtc-statecharts/testing';
 * for (const path of generatePaths(MACHINES.connection)) {
 *   console.log(path.description); // new -stack.connection_state(connecting)-> connecting -...
 * }
 * ```
 */
export { signalingMachine } from '../machines/signaling.js';
export { connectionMachine } from '../machines/connection.js';
export { gatheringMachine } from '../machines/gathering.js';
export { dataChannelMachine } from '../machines/data-channel.js';
export type { SignalingEvent, ConnectionEvent, GatheringEvent, DataChannelEvent, AnyMachineEvent } from '../machines/events.js';
export { MACHINES, MODEL_EVENTS, MODEL_LIMIT, MODEL_TIMEOUT, eventsOf, libraryCanSend, type ModelMachineName } from './events.js';
export {
  generatePaths,
  machineEdges,
  machineStates,
  eventLabel,
  edgeKey,
  type GeneratePathsOptions,
  type ModelEdge,
  type ModelPath,
  type ModelStep,
  type PathStrategy,
} from './paths.js';
export {
  peerModel,
  peerModelStep,
  peerModelAccepts,
  peerModelTransition,
  peerModelInitialState,
  peerModelShortestPaths,
  peerModelStates,
  serializePeerModelState,
  PEER_MODEL_EVENTS,
  type PeerModelEvent,
  type PeerModelState,
  type PeerModelPath,
  type PeerModelStep,
  type TakenTransition,
} from './peer-model.js';
export {
  createScriptedStack,
  scriptedSdp,
  scriptedCandidate,
  ScriptedPeer,
  ScriptedChannel,
  type ScriptedStack,
  type ScriptedStackOptions,
} from './scripted-stack.js';
export { ModelCoverage } from './coverage.js';
export { GODOT_VALUES } from './godot-values.js';
export { snapshotDisagreements } from './agreement.js';
