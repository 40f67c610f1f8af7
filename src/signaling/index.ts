// webrtc-statecharts/signaling: the Godot webrtc_signaling demo's protocol (4.x JSON, 3.x text):
// its server, a Node peer in its lobbies, and the pure codecs and machines they are made of.
export { SignalingServer, liveSignalingServers, type SignalingServerOptions, type SignalingSessionView, type SignalingLobbyView, type SignalingServerEvents } from './server.js';
export type { RelayCounts } from './session.js';
export {
  SignalingClient,
  offersTo,
  checkClientOptions,
  DEFAULT_JOIN_TIMEOUT_MS,
  DEFAULT_CLIENT_MAX_FRAME_BYTES,
  DEFAULT_CLIENT_MAX_PEERS,
  type SignalingClientOptions,
  type SignalingClientEvents,
  type SignalingClientState,
  type SignalingCloseInfo,
  type ProtocolVersion,
  type RelayCounts as SignalingClientRelayCounts,
} from './client.js';
export {
  signalingSessionMachine,
  signalingLobbyMachine,
  SIGNALING_CLOSES,
  SIGNALING_DEFAULTS,
  type SignalingProtocol,
  type SignalingClose,
  type SignalingCloseName,
} from '../machines/index.js';
export * from './frames.js';
export * from './text-frames.js';
export * from './protocol.js';
