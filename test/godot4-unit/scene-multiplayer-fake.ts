import { GodotError } from '../../src/godot/constants.js';
import { ConnectionStatus, TransferMode } from '../../src/godot4/constants.js';
import type { MultiplayerPeer4 } from '../../src/godot4/multiplayer-peer.js';
import { FakePeerBase } from '../support/multiplayer-fake-peer.js';

export interface FakePacket {
  from: number;
  to: number;
  channel: number;
  mode: TransferMode;
  bytes: Uint8Array;
}

/**
 * An in-memory network of MultiplayerPeer4s (unit tests only; the loopback tests use the real
 * WebRTCMultiplayerPeer): a server (id 1) relays, clients link only to it, a mesh links to anyone.
 * Links and packets take effect at the receiver's next poll(), as with the real peer.
 */
export class FakeNet {
  readonly peers = new Map<number, FakePeer>();
  /** Every put_packet, in order. */
  readonly wire: FakePacket[] = [];

  peer(id: number, mode: 'server' | 'client' | 'mesh' = id === 1 ? 'server' : 'client'): FakePeer {
    const peer = new FakePeer(this, id, mode);
    this.peers.set(id, peer);
    return peer;
  }

  link(a: number, b: number): void {
    this.peers.get(a)!.linkTo(b);
    this.peers.get(b)!.linkTo(a);
  }

  unlink(a: number, b: number): void {
    this.peers.get(a)?.unlinkFrom(b);
    this.peers.get(b)?.unlinkFrom(a);
  }
}

export class FakePeer extends FakePeerBase implements MultiplayerPeer4 {
  readonly dispatch = 'poll' as const;
  readonly refusals: string[] = [];
  readonly drops: string[] = [];
  private readonly linked = new Set<number>();
  private readonly pendingSignals: Array<() => void> = [];

  constructor(
    private readonly net: FakeNet,
    id: number,
    readonly kind: 'server' | 'client' | 'mesh',
  ) {
    super(id, kind === 'client' ? ConnectionStatus.CONNECTION_CONNECTING : ConnectionStatus.CONNECTION_CONNECTED);
  }

  linkTo(other: number): void {
    this.pendingSignals.push(() => {
      this.linked.add(other);
      if (this.kind === 'client' && other === 1) this.status = ConnectionStatus.CONNECTION_CONNECTED;
      this.peer_connected.emit(other);
    });
  }

  unlinkFrom(other: number): void {
    this.pendingSignals.push(() => {
      if (!this.linked.delete(other)) return;
      // As Godot's (and G1's) client: peer_disconnected(1), then DISCONNECTED with nothing left.
      this.peer_disconnected.emit(other);
      if (this.kind === 'client' && other === 1) {
        this.status = ConnectionStatus.CONNECTION_DISCONNECTED;
        this.linked.clear();
        this.inbox.length = 0;
      }
    });
  }

  /** A client whose server link fails before it opened. */
  fail(): void {
    this.pendingSignals.push(() => (this.status = ConnectionStatus.CONNECTION_DISCONNECTED));
  }

  deliver(packet: FakePacket): void {
    this.inbox.push(packet);
  }

  poll(): GodotError {
    const signals = this.pendingSignals.splice(0);
    for (const run of signals) run();
    return GodotError.OK;
  }
  close(): void {
    this.status = ConnectionStatus.CONNECTION_DISCONNECTED;
    this.linked.clear();
  }
  disconnect_peer(id: number): GodotError {
    if (!this.linked.has(id)) return GodotError.ERR_DOES_NOT_EXIST;
    this.net.unlink(this.id, id);
    return GodotError.OK;
  }
  get_packet_channel(): number {
    return this.inbox[0]?.channel ?? 0;
  }
  get_packet_mode(): TransferMode {
    return this.inbox[0]?.mode ?? TransferMode.TRANSFER_MODE_RELIABLE;
  }
  put_packet(buffer: Uint8Array): GodotError {
    const targets = this.target > 0 ? [this.target] : [...this.linked].filter((id) => this.target === 0 || id !== -this.target);
    if (this.target > 0 && !this.linked.has(this.target)) return GodotError.ERR_INVALID_PARAMETER;
    for (const to of targets) {
      const packet = { from: this.id, to, channel: this.channel, mode: this.mode, bytes: buffer.slice() };
      this.net.wire.push(packet);
      this.net.peers.get(to)?.deliver(packet);
    }
    return GodotError.OK;
  }
  is_server_relay_supported(): boolean {
    return this.kind === 'server' || this.kind === 'client';
  }
  get_max_packet_size(): number {
    return 1 << 24;
  }
  has_peer(id: number): boolean {
    return this.linked.has(id);
  }
  refuseFor(method: string, code: GodotError, reason: string): GodotError {
    this.refusals.push(`${method} ${code}: ${reason}`);
    return code;
  }
  recordDropped(from: number, reason: string): void {
    this.drops.push(`${from} ${reason}`);
  }
}

export { toHex as hex, hexBytes as bytesOf } from '../support/multiplayer-bytes.js';
