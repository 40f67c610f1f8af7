import { GodotError } from '../../src/godot/constants.js';
import { Signal } from '../../src/godot/signal.js';
import { ConnectionStatus, TransferMode } from '../../src/godot3/constants.js';
import type { NetworkedMultiplayerPeer } from '../../src/godot3/networked-peer.js';

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
export class FakePeer implements NetworkedMultiplayerPeer {
  readonly peer_connected = new Signal<[id: number]>('peer_connected');
  readonly peer_disconnected = new Signal<[id: number]>('peer_disconnected');
  readonly connection_succeeded = new Signal<[]>('connection_succeeded');
  readonly connection_failed = new Signal<[]>('connection_failed');
  readonly server_disconnected = new Signal<[]>('server_disconnected');
  readonly packets_available = new Signal<[]>('packets_available');

  status: ConnectionStatus = ConnectionStatus.CONNECTION_CONNECTED;
  readonly links = new Map<number, FakePeer>();
  readonly puts: Put[] = [];
  readonly refusals: Array<{ method: string; code: GodotError; reason: string }> = [];
  readonly drops: Array<{ from: number; reason: string }> = [];
  polls = 0;
  private readonly inbox: Array<{ from: number; bytes: Uint8Array; mode: TransferMode }> = [];
  private target = 0;
  private mode: TransferMode = TransferMode.TRANSFER_MODE_RELIABLE;
  private lastMode: TransferMode = TransferMode.TRANSFER_MODE_RELIABLE;
  private error: GodotError = GodotError.OK;
  private refusing = false;
  private announce = false;

  constructor(
    readonly id: number,
    readonly dispatch: 'poll' | 'events' = 'poll',
  ) {}

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
    this.inbox.push({ from, bytes: typeof bytes === 'string' ? hexBytes(bytes) : bytes, mode });
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

  get_available_packet_count(): number {
    return this.inbox.length;
  }

  get_packet_peer(): number {
    return this.inbox[0]?.from ?? 0;
  }

  get_packet(): Uint8Array {
    const next = this.inbox.shift();
    this.error = next === undefined ? GodotError.ERR_UNAVAILABLE : GodotError.OK;
    if (next !== undefined) this.lastMode = next.mode;
    return next?.bytes ?? new Uint8Array(0);
  }

  get_packet_error(): GodotError {
    return this.error;
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

/** `'00 13000080 70696e6700'` → its bytes (spaces ignored), and `"text"` parts as their UTF-8. */
export function hexBytes(text: string): Uint8Array {
  const clean = text.replace(/"([^"]*)"/g, (_all, quoted: string) => hex(new TextEncoder().encode(quoted))).replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) throw new Error(`not hex: ${text}`);
  return Uint8Array.from(clean.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

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
