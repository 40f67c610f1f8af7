/**
 * A byte tap between a MultiplayerAPI and its WebRTCMultiplayer: a NetworkedMultiplayerPeer that
 * passes every call through and keeps a copy of every packet read (sender, the transfer mode it
 * came on, the bytes) and every packet sent (the target and transfer mode at the put, the bytes),
 * so a test sees exactly what crossed the wire under the API (the path cache's forms, say).
 * Bounded: past `limit` packets each way the oldest are forgotten (and counted).
 */
import type { GodotError } from '../../../src/godot/constants.js';
import type { ConnectionStatus, TransferMode } from '../../../src/godot3/constants.js';
import type { NetworkedMultiplayerPeer } from '../../../src/godot3/networked-peer.js';

export interface TappedPacket {
  /** The sender (read) or the target peer (sent: 0 broadcast, < 0 all but). */
  peer: number;
  mode: TransferMode;
  hex: string;
  /** The put_packet's result (sent only). */
  code?: GodotError;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

export class TapPeer implements NetworkedMultiplayerPeer {
  readonly read: TappedPacket[] = [];
  readonly sent: TappedPacket[] = [];
  forgotten = 0;

  constructor(
    readonly inner: NetworkedMultiplayerPeer,
    private readonly limit = 10_000,
  ) {}

  get peer_connected() { return this.inner.peer_connected; }
  get peer_disconnected() { return this.inner.peer_disconnected; }
  get connection_succeeded() { return this.inner.connection_succeeded; }
  get connection_failed() { return this.inner.connection_failed; }
  get server_disconnected() { return this.inner.server_disconnected; }
  get packets_available() { return this.inner.packets_available; }
  get dispatch() { return this.inner.dispatch; }

  poll(): GodotError { return this.inner.poll(); }
  get_available_packet_count(): number { return this.inner.get_available_packet_count(); }
  get_packet_peer(): number { return this.inner.get_packet_peer(); }
  get_packet_error(): GodotError { return this.inner.get_packet_error(); }
  get_packet_mode(): TransferMode { return this.inner.get_packet_mode(); }
  set_target_peer(id: number): GodotError { return this.inner.set_target_peer(id); }
  get_target_peer(): number { return this.inner.get_target_peer(); }
  set_transfer_mode(mode: TransferMode): GodotError { return this.inner.set_transfer_mode(mode); }
  get_transfer_mode(): TransferMode { return this.inner.get_transfer_mode(); }
  get_unique_id(): number { return this.inner.get_unique_id(); }
  is_server(): boolean { return this.inner.is_server(); }
  get_connection_status(): ConnectionStatus { return this.inner.get_connection_status(); }
  set_refuse_new_connections(enable: boolean): GodotError { return this.inner.set_refuse_new_connections(enable); }
  is_refusing_new_connections(): boolean { return this.inner.is_refusing_new_connections(); }
  get_max_packet_size(): number { return this.inner.get_max_packet_size(); }

  get_packet(): Uint8Array {
    const from = this.inner.get_packet_peer();
    const packet = this.inner.get_packet();
    if (packet.length > 0) this.keep(this.read, { peer: from, mode: this.inner.get_packet_mode(), hex: hex(packet) });
    return packet;
  }

  put_packet(buffer: Uint8Array): GodotError {
    const code = this.inner.put_packet(buffer);
    this.keep(this.sent, { peer: this.inner.get_target_peer(), mode: this.inner.get_transfer_mode(), hex: hex(buffer), code });
    return code;
  }

  refuseFor(method: string, code: GodotError, reason: string): GodotError {
    return this.inner.refuseFor ? this.inner.refuseFor(method, code, reason) : code;
  }

  recordDropped(from: number, reason: string): void {
    this.inner.recordDropped?.(from, reason);
  }

  private keep(list: TappedPacket[], packet: TappedPacket): void {
    list.push(packet);
    if (list.length > this.limit) {
      list.shift();
      this.forgotten++;
    }
  }
}
