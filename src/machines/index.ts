export { signalingMachine, signalingGuardReasons, canApplyCandidates } from './signaling.js';
export type { SignalingContext, SignalingStateName } from './signaling.js';
export { connectionMachine } from './connection.js';
export type { ConnectionStateName, ConnectionContext, CloseCause, ClosedBy } from './connection.js';
export { gatheringMachine } from './gathering.js';
export type { GatheringStateName } from './gathering.js';
export { dataChannelMachine } from './data-channel.js';
export type { DataChannelStateName } from './data-channel.js';
export { explainRefusal, stateName } from './explain.js';
export * from './events.js';
export {
  signalingSessionMachine,
  signalingSessionGuardCloses,
  signalingRefusal,
  wireId,
  SIGNALING_CLOSES,
  SIGNALING_DEFAULTS,
} from './signaling-session.js';
export type {
  SignalingSessionStateName,
  SignalingSessionEvent,
  SignalingSessionContext,
  SignalingSessionInput,
  SignalingProtocol,
  SignalingClose,
  SignalingCloseName,
  SignalingRefusal,
  SessionEnd,
  RelayKind,
} from './signaling-session.js';
export { signalingLobbyMachine, signalingLobbyGuardCloses, relayTarget, peersSeenBy, lobbyWireId, describeLobbyEvent, MAX_PEER_ID } from './signaling-lobby.js';
export type { SignalingLobbyStateName, SignalingLobbyEvent, SignalingLobbyContext, SignalingLobbyInput, LobbyEnd } from './signaling-lobby.js';
export { webrtcMultiplayerMachine, webrtcMultiplayerGuardReasons, describeMultiplayerEvent, parseMultiplayerEvent } from './webrtc-multiplayer.js';
export type { WebRTCMultiplayerStateName, WebRTCMultiplayerEvent, WebRTCMultiplayerContext, MultiplayerEnd } from './webrtc-multiplayer.js';
export { multiplayerRemoteMachine, describeRemoteEvent, parseRemoteEvent } from './multiplayer-remote.js';
export type { MultiplayerRemoteStateName, MultiplayerRemoteEvent, MultiplayerRemoteContext, MultiplayerRemoteInput, RemovalCause } from './multiplayer-remote.js';
export { webrtcMultiplayerPeerMachine, webrtcMultiplayerPeerGuardReasons, describeMultiplayerPeerEvent, parseMultiplayerPeerEvent } from './webrtc-multiplayer-peer.js';
export type { WebRTCMultiplayerPeerStateName, WebRTCMultiplayerPeerEvent, WebRTCMultiplayerPeerContext, MultiplayerPeerEnd, NetworkModeName } from './webrtc-multiplayer-peer.js';
