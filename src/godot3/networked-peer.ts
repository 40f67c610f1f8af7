import type { GodotError } from '../godot/constants.js';
import type { Signal } from '../godot/signal.js';
import type { ConnectionStatus, TransferMode } from './constants.js';

/**
 * Godot 3's `NetworkedMultiplayerPeer` as MultiplayerAPI uses it: what `WebRTCMultiplayer`
 * (webrtc-multiplayer.ts) is, and what a MultiplayerAPI takes as its network peer (a test may
 * give it another). Signals are emitted by `poll()` or, under event dispatch, from a task after
 * the stack has reported, never inside a native callback.
 */
export interface NetworkedMultiplayerPeer {
  readonly peer_connected: Signal<[id: number]>;
  readonly peer_disconnected: Signal<[id: number]>;
  readonly connection_succeeded: Signal<[]>;
  readonly connection_failed: Signal<[]>;
  readonly server_disconnected: Signal<[]>;
  /**
   * Not Godot: under event dispatch, emitted (from a task, after the stack reported) when packets
   * arrived since the last emission, so that a MultiplayerAPI with event dispatch reads them
   * without a poll loop. Never emitted under poll dispatch.
   */
  readonly packets_available: Signal<[]>;
  /** `poll` (Godot's) or `events`. */
  readonly dispatch: 'poll' | 'events';

  poll(): GodotError;
  /** Every packet queued, over all peers (Godot 3 counts peers not yet connected too). */
  get_available_packet_count(): number;
  /** The id of the peer the next get_packet() reads from (0 when none has a packet). */
  get_packet_peer(): number;
  /** The next packet (round robin over peers in id order, ch1 before ch2 before ch3); empty, and ERR_UNAVAILABLE from get_packet_error(), when none. */
  get_packet(): Uint8Array;
  get_packet_error(): GodotError;
  /** The transfer mode that get_packet()'s last packet came on (the channel it was read from). */
  get_packet_mode(): TransferMode;
  put_packet(buffer: Uint8Array): GodotError;
  set_target_peer(id: number): GodotError;
  get_target_peer(): number;
  set_transfer_mode(mode: TransferMode): GodotError;
  get_transfer_mode(): TransferMode;
  get_unique_id(): number;
  is_server(): boolean;
  get_connection_status(): ConnectionStatus;
  set_refuse_new_connections(enable: boolean): GodotError;
  is_refusing_new_connections(): boolean;
  get_max_packet_size(): number;
  /** Whether `id` is in the peer map (announced or not). A MultiplayerAPI forgets what it kept for a sender that left the map unannounced. */
  has_peer?(id: number): boolean;
  /** Not Godot: records a refusal made on this peer's behalf (by its MultiplayerAPI) as one of its own records; returns `code`. */
  refuseFor?(method: string, code: GodotError, reason: string): GodotError;
  /** Not Godot: records that a packet from `from` was dropped (unknown command, malformed, refused by a permission), with why. */
  recordDropped?(from: number, reason: string): void;
}
