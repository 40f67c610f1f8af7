import { GodotError } from '../../src/godot/constants.js';
import { Signal } from '../../src/godot/signal.js';
import { ConnectionStatus, TransferMode } from '../../src/godot3/constants.js';

/** A packet waiting in a fake peer's inbox. */
export interface FakeInboxPacket {
  from: number;
  bytes: Uint8Array;
  mode: TransferMode;
  channel: number;
}

/**
 * What the Godot 3 and Godot 4 fake MultiplayerPeers share (unit tests only): an inbox read FIFO
 * by get_packet, the target / transfer mode / channel settings, the id and status. How packets and
 * links get there, and what is logged, is each fake's own.
 */
export abstract class FakePeerBase {
  readonly peer_connected = new Signal<[id: number]>('peer_connected');
  readonly peer_disconnected = new Signal<[id: number]>('peer_disconnected');
  readonly packets_available = new Signal<[]>('packets_available');
  protected readonly inbox: FakeInboxPacket[] = [];
  protected target = 0;
  protected mode: TransferMode = TransferMode.TRANSFER_MODE_RELIABLE;
  protected channel = 0;
  private error: GodotError = GodotError.OK;
  private refusing = false;

  constructor(
    readonly id: number,
    public status: ConnectionStatus = ConnectionStatus.CONNECTION_CONNECTED,
  ) {}

  get_available_packet_count(): number {
    return this.inbox.length;
  }
  get_packet_peer(): number {
    return this.inbox[0]?.from ?? 0;
  }
  get_packet(): Uint8Array {
    const packet = this.inbox.shift();
    this.error = packet === undefined ? GodotError.ERR_UNAVAILABLE : GodotError.OK;
    return packet?.bytes ?? new Uint8Array(0);
  }
  get_packet_error(): GodotError {
    return this.error;
  }
  set_target_peer(id: number): GodotError {
    this.target = id;
    return GodotError.OK;
  }
  get_target_peer(): number {
    return this.target;
  }
  set_transfer_mode(mode: TransferMode): GodotError {
    this.mode = mode;
    return GodotError.OK;
  }
  get_transfer_mode(): TransferMode {
    return this.mode;
  }
  set_transfer_channel(channel: number): GodotError {
    this.channel = channel;
    return GodotError.OK;
  }
  get_transfer_channel(): number {
    return this.channel;
  }
  get_unique_id(): number {
    return this.id;
  }
  is_server(): boolean {
    return this.id === 1;
  }
  get_connection_status(): ConnectionStatus {
    return this.status;
  }
  set_refuse_new_connections(enable: boolean): GodotError {
    this.refusing = enable;
    return GodotError.OK;
  }
  is_refusing_new_connections(): boolean {
    return this.refusing;
  }
}
