/**
 * webrtc-statecharts/godot3: Godot 3's high-level multiplayer over WebRTC, for a Node backend that is
 * the server (id 1) of Godot 3 games, a client of a Godot 3 server, or a member of their mesh.
 * `WebRTCMultiplayer` is Godot 3's class (name for name, number for number); `MultiplayerAPI` puts
 * and reads the bytes Godot 3's MultiplayerAPI does (RAW, REMOTE_CALL, REMOTE_SET, the path cache);
 * `MultiplayerLobbyPeer` joins a 3.x lobby of the demo's signaling server as multiplayer_client.gd does.
 *
 * @example
 * ```ts
 * const api = new MultiplayerAPI({ dispatch: 'events' });
 * // The lobby peer hands its WebRTCMultiplayer to the API once the server's ID has initialized it.
 * const server = new MultiplayerLobbyPeer({ url: 'ws://127.0.0.1:9080', lobby: '', api });
 * api.expose('Main/Server', { methods: { hello: { mode: 'remote', call: (text) => console.log(api.get_rpc_sender_id(), text) } } });
 * await server.join();
 * ```
 */
export { WebRTCMultiplayer, type WebRTCMultiplayerOptions } from './webrtc-multiplayer.js';
export type { MultiplayerPeerInfo } from '../multiplayer/remote-peer.js';
export type { MultiplayerStats, ModeCounts } from './multiplayer-stats.js';
export { MultiplayerAPI, type MultiplayerAPIOptions } from './multiplayer-api.js';
export type { MultiplayerAPIStats } from './rpc-stats.js';
export type { ExposedNodeInit, ExposedMethod, ExposedProperty } from './rpc-nodes.js';
export { MultiplayerLobbyPeer, type MultiplayerLobbyPeerOptions, type NetworkPeerHolder } from './lobby-peer.js';
export type { NetworkedMultiplayerPeer } from './networked-peer.js';
export {
  TransferMode,
  ConnectionStatus,
  TARGET_PEER_BROADCAST,
  TARGET_PEER_SERVER,
  RPCMode,
  RPC_MODE_KEYWORDS,
  NetworkCommand,
  MULTIPLAYER_CHANNELS,
  GODOT3_MAX_PACKET_SIZE,
  type RPCModeKeyword,
} from './constants.js';
export {
  VariantType,
  variantTypeName,
  variantTypeOf,
  variantsEqual,
  Real,
  real,
  Vector2,
  Rect2,
  Vector3,
  Transform2D,
  Plane,
  Quat,
  AABB,
  Basis,
  Transform,
  Color,
  NodePath,
  RID,
  ObjectId,
  GodotObject,
  PoolStringArray,
  PoolVector2Array,
  PoolVector3Array,
  PoolColorArray,
  type Variant,
  type VariantDictionary,
} from './variant-types.js';
export { encodeVariant, encodeVariants, decodeVariant, DEFAULT_MAX_DEPTH, type DecodeOptions, type DecodeResult, type EncodeResult, type EncodeManyResult, type EncodedVariants } from './variant.js';
export {
  encodePacket,
  decodePacket,
  encodeRaw,
  encodeRemoteCall,
  encodeRemoteSet,
  encodeSimplifyPath,
  encodeConfirmPath,
  MAX_RPC_ARGS,
  PATH_TARGET_FLAG,
  type PacketDecodeOptions,
  type MultiplayerPacket,
  type PathTarget,
  type PacketDrop,
  type DecodePacketResult,
} from './wire.js';
