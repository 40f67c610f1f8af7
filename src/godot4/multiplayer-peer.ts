import type { GodotError } from '../godot/constants.js';
import { firstMissingMember } from '../multiplayer/peer-members.js';
import type { Signal } from '../godot/signal.js';
import type { ConnectionStatus, TransferMode } from './constants.js';

/**
 * Godot 4's `MultiplayerPeer` as SceneMultiplayer uses it: what `WebRTCMultiplayerPeer`
 * (webrtc-multiplayer-peer.ts) is, and what `SceneMultiplayer.set_multiplayer_peer` takes (a unit
 * test may give it a fake). Signals are emitted by `poll()` or, under event dispatch, from a task
 * after the stack reported, never inside a native callback.
 */
export interface MultiplayerPeer4 {
  readonly peer_connected: Signal<[id: number]>;
  readonly peer_disconnected: Signal<[id: number]>;
  /** Not Godot: under event dispatch, emitted (from a task) when packets arrived since the last emission. Never under poll dispatch. */
  readonly packets_available: Signal<[]>;
  readonly dispatch: 'poll' | 'events';

  poll(): GodotError;
  close(): void;
  /** Closes `id`'s link: its peer_disconnected follows (from a later poll), or, with `force`, it leaves at once with no signal. */
  disconnect_peer(id: number, force?: boolean): GodotError;
  get_available_packet_count(): number;
  /** The sender of the packet get_packet() returns next (0 when none). */
  get_packet_peer(): number;
  /** The next packet's transfer channel (0 for the reserved ones). */
  get_packet_channel(): number;
  /** The next packet's transfer mode. */
  get_packet_mode(): TransferMode;
  get_packet(): Uint8Array;
  get_packet_error(): GodotError;
  put_packet(buffer: Uint8Array): GodotError;
  set_target_peer(id: number): GodotError;
  get_target_peer(): number;
  set_transfer_mode(mode: TransferMode): GodotError;
  get_transfer_mode(): TransferMode;
  set_transfer_channel(channel: number): GodotError;
  get_transfer_channel(): number;
  get_unique_id(): number;
  is_server(): boolean;
  /** A server's peer (create_server) relays; a mesh's does not (§1.10, §2.4). */
  is_server_relay_supported(): boolean;
  get_connection_status(): ConnectionStatus;
  set_refuse_new_connections(enable: boolean): GodotError;
  is_refusing_new_connections(): boolean;
  get_max_packet_size(): number;
  /** Whether `id` is in the peer map (connected or not yet). */
  has_peer(id: number): boolean;
  /** Not Godot: records a refusal made on the peer's behalf (by its SceneMultiplayer) as one of its own records; returns `code`. */
  refuseFor?(method: string, code: GodotError, reason: string): GodotError;
  /** Not Godot: records that a packet from `from` was dropped, and why. */
  recordDropped?(from: number, reason: string): void;
}

/** The members `set_multiplayer_peer` checks before it takes a peer (the optional record hooks aside). */
export const MULTIPLAYER_PEER4_METHODS = [
  'poll',
  'disconnect_peer',
  'get_available_packet_count',
  'get_packet_peer',
  'get_packet_channel',
  'get_packet_mode',
  'get_packet',
  'get_packet_error',
  'put_packet',
  'set_target_peer',
  'set_transfer_mode',
  'set_transfer_channel',
  'get_unique_id',
  'is_server_relay_supported',
  'get_connection_status',
  'has_peer',
] as const;
export const MULTIPLAYER_PEER4_SIGNALS = ['peer_connected', 'peer_disconnected', 'packets_available'] as const;

/** The first member `peer` lacks, or null if it has every one. */
export function missingPeer4Member(peer: unknown): string | null {
  return firstMissingMember(peer, MULTIPLAYER_PEER4_METHODS, MULTIPLAYER_PEER4_SIGNALS);
}
