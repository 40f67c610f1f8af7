import { GodotError } from '../../src/godot/constants.js';
import { Signal } from '../../src/godot/signal.js';
import { TransferMode } from '../../src/godot3/constants.js';
import type { NetworkedMultiplayerPeer } from '../../src/godot3/networked-peer.js';
import { hexBytes, toHex as hex } from '../support/multiplayer-bytes.js';
import { FakePeerBase } from '../support/multiplayer-fake-peer.js';

/** One put_packet as the fake saw it: the target and transfer mode set at the time, and the bytes. */
export interface Put {
  target: number;
  mode: TransferMode;
  hex: string;
}

/**
 * An in-memory NetworkedMultiplayerPeer for unit tests: `link(a, b)` connects two fakes (both
 * emit peer_connected at once); put_packet delivers to the linked fakes the target selects
 * (WebRTCMultiplayer's rules: >0 one linked peer or ERR_INVALID_PARAMETER, 0 all, <0 all but) and
 * logs what was put; packets queue FIFO at the receiver. Not the real peer (the real-layer tests
 * use WebRTCMultiplayer): only what MultiplayerAPI relies on.
 */
export class FakePeer extends FakePeerBase implements NetworkedMultiplayerPeer {
  readonly connection_succeeded = new Signal<[]>('connection_succeeded');
  readonly connection_failed = new Signal<[]>('connection_failed');
  readonly server_disconnected = new Signal<[]>('server_disconnected');

  readonly links = new Map<number, FakePeer>();
  readonly puts: Put[] = [];
  readonly refusals: Array<{ method: string; code: GodotError; reason: string }> = [];
  readonly drops: Array<{ from: number; reason: string }> = [];
  polls = 0;
  private lastMode: TransferMode = TransferMode.TRANSFER_MODE_RELIABLE;
  private announce = false;

  constructor(
    id: number,
    readonly dispatch: 'poll' | 'events' = 'poll',
  ) {
    super(id);
  }

  /** Links `other` as a peer, and announces it as Godot would (peer_connected). */
  link(other: FakePeer): void {
    this.links.set(other.id, other);
    other.links.set(this.id, this);
    this.peer_connected.emit(other.id);
    other.peer_connected.emit(this.id);
  }

  unlink(other: FakePeer): void {
    this.links.delete(other.id);
    other.links.delete(this.id);
    this.peer_disconnected.emit(other.id);
    other.peer_disconnected.emit(this.id);
  }

  /** A packet as if `from` had sent it, on the channel of `mode`. */
  inject(from: number, bytes: Uint8Array | string, mode: TransferMode = TransferMode.TRANSFER_MODE_RELIABLE): void {
    this.inbox.push({ from, bytes: typeof bytes === 'string' ? hexBytes(bytes) : bytes, mode, channel: 0 });
    if (this.dispatch === 'events' && !this.announce) {
      this.announce = true;
      setImmediate(() => {
        this.announce = false;
        this.packets_available.emit();
      });
    }
  }

  /** Empties the log of puts, returning it. */
  takePuts(): Put[] {
    return this.puts.splice(0);
  }

  /** Signals emitted by the next poll(), as this library's peers emit theirs. */
  readonly queued: Array<() => void> = [];

  poll(): GodotError {
    this.polls++;
    for (const emit of this.queued.splice(0)) emit();
    return GodotError.OK;
  }

  /** Godot 3's: the mode of the packet get_packet() returned last. */
  override get_packet(): Uint8Array {
    const next = this.inbox[0];
    const bytes = super.get_packet();
    if (next !== undefined) this.lastMode = next.mode;
    return bytes;
  }

  get_packet_mode(): TransferMode {
    return this.lastMode;
  }

  put_packet(buffer: Uint8Array): GodotError {
    const targets = this.target > 0 ? [this.links.get(this.target)] : [...this.links.values()].filter((peer) => peer.id !== -this.target);
    if (targets.some((peer) => peer === undefined)) return GodotError.ERR_INVALID_PARAMETER;
    this.puts.push({ target: this.target, mode: this.mode, hex: hex(buffer) });
    for (const peer of targets) peer!.inject(this.id, buffer.slice(), this.mode);
    return GodotError.OK;
  }

  get_max_packet_size(): number {
    return 1200;
  }

  refuseFor(method: string, code: GodotError, reason: string): GodotError {
    this.refusals.push({ method, code, reason });
    return code;
  }

  recordDropped(from: number, reason: string): void {
    this.drops.push({ from, reason });
  }
}

export { hexBytes, toHex as hex } from '../support/multiplayer-bytes.js';

/** Hex as the spec writes it, spaces and `"text"` allowed, normalised for comparing with `Put.hex`. */
export function h(text: string): string {
  return hex(hexBytes(text));
}

/**
 * A REMOTE_CALL (`'00'`) or REMOTE_SET (`'01'`) in the full-path form, built as Godot builds it:
 * `command | 0x80000000 + offset | rest | path NUL`, the offset being where the path starts.
 */
export function fullPath(command: '00' | '01', rest: string, path = 'Main/Target'): Uint8Array {
  const body = hexBytes(rest);
  const name = new TextEncoder().encode(path);
  const packet = new Uint8Array(5 + body.length + name.length + 1);
  packet[0] = parseInt(command, 16);
  new DataView(packet.buffer).setUint32(1, (0x80000000 | (5 + body.length)) >>> 0, true);
  packet.set(body, 5);
  packet.set(name, 5 + body.length);
  return packet;
}
