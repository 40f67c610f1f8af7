/**
 * webrtc-statecharts/godot4: Godot 4's WebRTCMultiplayerPeer and SceneMultiplayer's wire (RAW, SYS
 * auth, peer announcements and relay, the path cache's confirmations), for a Node backend that is
 * the server or a mesh peer of Godot 4 games. RPCs, spawns and syncs are recognised and dropped
 * (counted): their arguments are not decoded yet. No Godot 4 engine runs in the tests: every byte
 * comes from ../shared/reference/godot-multiplayer.md §1–§2 (Godot 4.3+).
 *
 * @example
 * ```ts
 * const multiplayer = new SceneMultiplayer({ dispatch: 'events' });
 * const server = new MultiplayerLobbyPeer({ url: 'ws://127.0.0.1:9080', lobby: '', mesh: false, multiplayer });
 * multiplayer.peer_packet.connect((id, bytes) => console.log(`${bytes.length} bytes from ${id}`));
 * await server.join();
 * ```
 */
export { WebRTCMultiplayerPeer, type WebRTCMultiplayerPeerOptions, type MultiplayerPeerStats, type MultiplayerPeerInfo } from './webrtc-multiplayer-peer.js';
export { SceneMultiplayer, type SceneMultiplayerOptions, type AuthCallback } from './scene-multiplayer.js';
export type { SceneMultiplayerStats, SceneDropReason } from './scene-stats.js';
export type { MultiplayerPeer4 } from './multiplayer-peer.js';
export { MultiplayerLobbyPeer, type MultiplayerLobbyPeerOptions, type MultiplayerPeerHolder, type LobbyNetworkMode } from './lobby-peer.js';
export * from './constants.js';
export {
  encodeRaw,
  encodeSys,
  encodeAuth,
  encodeAuthComplete,
  encodeSimplifyPath,
  encodeConfirmPath,
  encodeRemoteCall,
  rpcMethodsMd5,
  rpcConfigOrder,
  wrapRelay,
  unwrapRelay,
  forwardRelay,
  decodeScenePacket,
  type ScenePacket,
  type SceneDrop,
  type DecodeSceneResult,
  type SysPacket,
  type RemoteCallTarget,
} from './scene-wire.js';
