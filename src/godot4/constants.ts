/**
 * Godot 4's SceneMultiplayer wire constants, with Godot's names and values
 * (modules/multiplayer/scene_multiplayer.h, scene_rpc_interface.cpp, scene_cache_interface.cpp,
 * scene/main/multiplayer_api.h, modules/webrtc/webrtc_multiplayer_peer.h; reference §1.1, §2.2–§2.8).
 * MultiplayerPeer's enums are Godot 3's, value for value: they are re-exported from there.
 */
export { TransferMode, ConnectionStatus, TARGET_PEER_BROADCAST, TARGET_PEER_SERVER } from '../godot3/constants.js';

/** SceneMultiplayer's `NetworkCommands`: the low 3 bits of a packet's first byte (§2.2). */
export const NetworkCommand = {
  REMOTE_CALL: 0,
  SIMPLIFY_PATH: 1,
  CONFIRM_PATH: 2,
  RAW: 3,
  SPAWN: 4,
  DESPAWN: 5,
  SYNC: 6,
  SYS: 7,
} as const;
export type NetworkCommand = (typeof NetworkCommand)[keyof typeof NetworkCommand];

/** The command bits of the first byte. Godot's comment says `0b00001111`; the value is 7 (§2.2). */
export const CMD_MASK = 7;
/** Per-command flag bits start at bit 4; bit 3 is unused (§2.2). */
export const CMD_FLAG_0_SHIFT = 4;
export const CMD_FLAG_1_SHIFT = 5;
export const CMD_FLAG_2_SHIFT = 6;
export const CMD_FLAG_3_SHIFT = 7;

/** SYS packets' second byte (§2.4). */
export const SysCommand = {
  AUTH: 0,
  ADD_PEER: 1,
  DEL_PEER: 2,
  RELAY: 3,
} as const;
export type SysCommand = (typeof SysCommand)[keyof typeof SysCommand];

/** `[07][sys cmd][peer i32]`: every SYS packet but AUTH is at least this long (§2.4). */
export const SYS_CMD_SIZE = 6;

/** REMOTE_CALL meta byte, bits 4–5: the node id's width (§2.6). 3 is invalid. */
export const NodeIdCompression = {
  NETWORK_NODE_ID_COMPRESSION_8: 0,
  NETWORK_NODE_ID_COMPRESSION_16: 1,
  NETWORK_NODE_ID_COMPRESSION_32: 2,
} as const;
export type NodeIdCompression = (typeof NodeIdCompression)[keyof typeof NodeIdCompression];

/** REMOTE_CALL meta byte, bit 6: the method (name) id's width (§2.6). */
export const NameIdCompression = {
  NETWORK_NAME_ID_COMPRESSION_8: 0,
  NETWORK_NAME_ID_COMPRESSION_16: 1,
} as const;
export type NameIdCompression = (typeof NameIdCompression)[keyof typeof NameIdCompression];

export const NODE_ID_COMPRESSION_SHIFT = CMD_FLAG_0_SHIFT;
export const NAME_ID_COMPRESSION_SHIFT = CMD_FLAG_2_SHIFT;
export const BYTE_ONLY_OR_NO_ARGS_SHIFT = CMD_FLAG_3_SHIFT;
export const NODE_ID_COMPRESSION_FLAG = 3 << NODE_ID_COMPRESSION_SHIFT;
export const NAME_ID_COMPRESSION_FLAG = 1 << NAME_ID_COMPRESSION_SHIFT;
export const BYTE_ONLY_OR_NO_ARGS_FLAG = 1 << BYTE_ONLY_OR_NO_ARGS_SHIFT;

/** A REMOTE_CALL's 32-bit node id with this bit: the low 31 bits are the offset of a path appended after the arguments (§2.6). */
export const PATH_TARGET_FLAG = 0x80000000;
/** Node-level (`Node.rpc_config`) method ids carry this bit; script `@rpc` methods do not (§2.6). */
export const NODE_RPC_ID_FLAG = 0x8000;
/** argc is one byte: Godot refuses more ("Too many arguments (>255)"). */
export const MAX_RPC_ARGS = 255;

/** SYNC's flag 0: a delta sync (§2.8). */
export const SYNC_DELTA_FLAG = 1 << CMD_FLAG_0_SHIFT;

/** SIMPLIFY_PATH: `[01][md5 32 hex][00][cache id u32]` before the path; Godot drops anything shorter (§2.7). */
export const SIMPLIFY_PATH_MIN_SIZE = 38;
/** CONFIRM_PATH is exactly `[02][valid u8][cache id u32]` (§2.7). */
export const CONFIRM_PATH_SIZE = 6;
/** The methods' checksum in a SIMPLIFY_PATH: `md5_text`, 32 lowercase hex characters (§2.7). */
export const RPC_MD5_LENGTH = 32;

/** `MultiplayerAPI.RPCMode` in Godot 4 (§2.6). */
export const RPCMode = {
  RPC_MODE_DISABLED: 0,
  RPC_MODE_ANY_PEER: 1,
  RPC_MODE_AUTHORITY: 2,
} as const;
export type RPCMode = (typeof RPCMode)[keyof typeof RPCMode];

/** WebRTCMultiplayerPeer's `NetworkMode` (§1.1). */
export const NetworkMode = {
  MODE_NONE: 0,
  MODE_SERVER: 1,
  MODE_CLIENT: 2,
  MODE_MESH: 3,
} as const;
export type NetworkMode = (typeof NetworkMode)[keyof typeof NetworkMode];
