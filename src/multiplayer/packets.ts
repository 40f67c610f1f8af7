import { GodotError } from '../godot/constants.js';
import { describe } from '../api/arguments.js';
import { MULTIPLAYER_CHANNELS, TransferMode } from '../godot3/constants.js';
import type { WebRTCDataChannel } from '../api/data-channel.js';
import type { RemotePeer } from './remote-peer.js';
import type { MultiplayerCounters } from './stats.js';

const EMPTY = new Uint8Array(0);

/** The reserved channels' modes, by list index 0/1/2 (ids 1/2/3, MULTIPLAYER_CHANNELS; Godot 4's CH_RELIABLE, CH_ORDERED, CH_UNRELIABLE). */
export const RESERVED_MODES: readonly TransferMode[] = MULTIPLAYER_CHANNELS.map((channel) => channel.mode);

type MachineName = 'webrtcMultiplayer' | 'webrtcMultiplayerPeer';

export type Refuse<N extends MachineName> = (method: string, code: GodotError, machine: N | 'arguments', reason: string, peer?: RemotePeer) => GodotError;

/** How one Godot's packet paths word and read what both check. */
export interface PacketPathsStyle<N extends MachineName> {
  machine: N;
  /** What the engine calls a byte array (PoolByteArray, PackedByteArray). */
  byteArray: string;
  /** What to call first while disconnected (`initialize()`). */
  setUp: string;
  /** Whether only the peers that count as connected are read from and counted (Godot 4, §1.5), or every peer in the map (Godot 3). */
  connectedOnly: boolean;
}

/**
 * A multiplayer peer's packet paths, which never pass through a machine: the target, transfer
 * mode and each channel's mode, and get_packet's round robin (Godot's `next_packet_peer`: one
 * packet per peer per turn, ascending ids, within a peer the first channel in list order holding
 * one). The next packet is found when asked (Godot 3 finds it at poll and after each read), so a
 * count or a read needs no poll. How put_packet picks its peers and channel is each Godot's own.
 */
export abstract class PacketPaths<N extends MachineName> {
  target = 0;
  mode: TransferMode = TransferMode.TRANSFER_MODE_RELIABLE;
  /** The transfer mode of the channel the last packet was read from. */
  lastMode: TransferMode = TransferMode.TRANSFER_MODE_RELIABLE;
  error: GodotError = GodotError.OK;
  /** Each channel's mode by list index: the reserved three, then (Godot 4) channels_config's. */
  modes: readonly TransferMode[] = RESERVED_MODES;
  /** The id last read from: the next turn goes to the first peer after it (wrapping) with a packet. */
  private cursor = 0;

  constructor(
    protected readonly peers: () => readonly RemotePeer[],
    protected readonly counters: MultiplayerCounters,
    private readonly refuse: Refuse<N>,
    protected readonly style: PacketPathsStyle<N>,
  ) {}

  /** close(): target 0 and the round robin from the start. */
  reset(): void {
    this.target = 0;
    this.cursor = 0;
  }

  abstract put(buffer: Uint8Array, disconnected: boolean): GodotError;

  /** The next packet of the round robin; empty, and `error` ERR_UNAVAILABLE (with a refusal record), when no peer has one. */
  get(): Uint8Array {
    const next = this.next();
    if (next === null) {
      this.error = GodotError.ERR_UNAVAILABLE;
      this.refuse('get_packet', GodotError.ERR_UNAVAILABLE, this.style.machine, `no packet is available from any ${this.style.connectedOnly ? 'connected ' : ''}peer`);
      return EMPTY;
    }
    const packet = next.entry.channels[next.index]!.get_packet();
    this.cursor = next.entry.id;
    this.lastMode = this.modes[next.index]!;
    this.error = GodotError.OK;
    this.counters.received(RESERVED_MODES.indexOf(this.lastMode), packet.byteLength);
    return packet;
  }

  /** Packets queued over the peers read from. */
  available(): number {
    let count = 0;
    for (const entry of this.peers()) if (this.readsFrom(entry)) count += entry.queued();
    return count;
  }

  /** The peer of the next packet, 0 if none. */
  packetPeer(): number {
    return this.next()?.entry.id ?? 0;
  }

  /** The first peer read from after the cursor (ascending, wrapping) with a packet, and its first channel holding one. */
  protected next(): { entry: RemotePeer; index: number } | null {
    const peers = this.peers();
    const count = peers.length;
    let start = 0;
    while (start < count && peers[start]!.id <= this.cursor) start++;
    for (let step = 0; step < count; step++) {
      const entry = peers[(start + step) % count]!;
      if (!this.readsFrom(entry)) continue;
      const index = entry.channels.findIndex((channel) => channel.get_available_packet_count() > 0);
      if (index >= 0) return { entry, index };
    }
    return null;
  }

  /** put_packet's checks before it picks a channel: a byte array, and a peer set up; the refusal's code, or null. */
  protected refusePut(buffer: unknown, disconnected: boolean): GodotError | null {
    const { machine, byteArray, setUp } = this.style;
    if (!(buffer instanceof Uint8Array)) return this.refused('put_packet', GodotError.ERR_INVALID_PARAMETER, 'arguments', `buffer must be a Uint8Array (${byteArray}), not ${describe(buffer)}`);
    if (disconnected) return this.refused('put_packet', GodotError.ERR_UNCONFIGURED, machine, `put_packet is not allowed in ${machine} state disconnected: ${setUp} first`);
    return null;
  }

  /** The peer a positive target names, or put_packet's refusal of it. */
  protected targetPeer(target: number): RemotePeer | GodotError {
    const entry = this.peers().find((peer) => peer.id === target);
    return entry ?? this.refused('put_packet', GodotError.ERR_INVALID_PARAMETER, 'arguments', `Invalid target peer: ${target}. (no peer with that id is in the peer map)`);
  }

  /** Hands `buffer` to `channel`, counted as sent on mode `bucket` (a RESERVED_MODES index) or as refused; the channel's code. */
  protected send(channel: WebRTCDataChannel, buffer: Uint8Array, bucket: number): GodotError {
    const code = channel.put_packet(buffer);
    if (code === GodotError.OK) this.counters.sent(bucket, buffer.byteLength);
    else this.counters.refused++;
    return code;
  }

  protected refused(method: string, code: GodotError, machine: N | 'arguments', reason: string, peer?: RemotePeer): GodotError {
    this.counters.refused++;
    return this.refuse(method, code, machine, reason, peer);
  }

  private readsFrom(entry: RemotePeer): boolean {
    return !this.style.connectedOnly || entry.connected;
  }
}
