/**
 * Godot 3's NetworkedMultiplayerPeer and MultiplayerAPI enums, with Godot 3's member names and
 * numeric values (core/io/networked_multiplayer_peer.h, core/io/multiplayer_api.h, 3.2).
 */
export const TransferMode = {
  TRANSFER_MODE_UNRELIABLE: 0,
  TRANSFER_MODE_UNRELIABLE_ORDERED: 1,
  TRANSFER_MODE_RELIABLE: 2,
} as const;
export type TransferMode = (typeof TransferMode)[keyof typeof TransferMode];

export const ConnectionStatus = {
  CONNECTION_DISCONNECTED: 0,
  CONNECTION_CONNECTING: 1,
  CONNECTION_CONNECTED: 2,
} as const;
export type ConnectionStatus = (typeof ConnectionStatus)[keyof typeof ConnectionStatus];

/** `set_target_peer(0)`: every peer. */
export const TARGET_PEER_BROADCAST = 0;
/** `set_target_peer(1)`: the server. */
export const TARGET_PEER_SERVER = 1;

/** `MultiplayerAPI.RPCMode`: what a method's or property's keyword (`remote`, `master`, ...) allows. */
export const RPCMode = {
  RPC_MODE_DISABLED: 0,
  RPC_MODE_REMOTE: 1,
  RPC_MODE_MASTER: 2,
  RPC_MODE_PUPPET: 3,
  RPC_MODE_REMOTESYNC: 4,
  RPC_MODE_MASTERSYNC: 5,
  RPC_MODE_PUPPETSYNC: 6,
} as const;
export type RPCMode = (typeof RPCMode)[keyof typeof RPCMode];

/** The GDScript keyword of each RPCMode (`RPC_MODE_DISABLED` has none: a plain `func`). */
export const RPC_MODE_KEYWORDS = ['disabled', 'remote', 'master', 'puppet', 'remotesync', 'mastersync', 'puppetsync'] as const;
export type RPCModeKeyword = (typeof RPC_MODE_KEYWORDS)[number];

/** MultiplayerAPI's NetworkCommands: the whole first byte of a packet (3.x has no flag bits). */
export const NetworkCommand = {
  REMOTE_CALL: 0,
  REMOTE_SET: 1,
  SIMPLIFY_PATH: 2,
  CONFIRM_PATH: 3,
  RAW: 4,
} as const;
export type NetworkCommand = (typeof NetworkCommand)[keyof typeof NetworkCommand];

/**
 * The three negotiated channels `add_peer` opens on every connection: SCTP stream id, Godot's
 * label, ordering, and the transfer mode that sends on it.
 */
export const MULTIPLAYER_CHANNELS = [
  { id: 1, label: 'reliable', ordered: true, mode: TransferMode.TRANSFER_MODE_RELIABLE },
  { id: 2, label: 'ordered', ordered: true, mode: TransferMode.TRANSFER_MODE_UNRELIABLE_ORDERED },
  { id: 3, label: 'unreliable', ordered: false, mode: TransferMode.TRANSFER_MODE_UNRELIABLE },
] as const;

/** What `get_max_packet_size()` reports (Godot 3's value; not enforced by Godot, see the README). */
export const GODOT3_MAX_PACKET_SIZE = 1200;
