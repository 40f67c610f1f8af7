import { ChannelState, GodotError } from '../godot/constants.js';
import { describe } from '../api/arguments.js';
import { MULTIPLAYER_CHANNELS, TransferMode } from './constants.js';
import type { RemotePeer } from '../multiplayer/remote-peer.js';
import type { MultiplayerCounters } from '../multiplayer/stats.js';

const EMPTY = new Uint8Array(0);

/** The transfer mode of channel index 0/1/2 (ids 1/2/3). */
const CHANNEL_MODES: readonly TransferMode[] = MULTIPLAYER_CHANNELS.map((channel) => channel.mode);

/** The channel index a transfer mode sends on. */
function channelOf(mode: TransferMode): number {
  return CHANNEL_MODES.indexOf(mode);
}

type Refuse = (method: string, code: GodotError, machine: 'webrtcMultiplayer' | 'arguments', reason: string, peer?: RemotePeer) => GodotError;

/**
 * A WebRTCMultiplayer's packet paths, which never pass through a machine: put_packet by target
 * and transfer mode, get_packet's round robin (Godot 3's `next_packet_peer`: one packet per peer
 * per turn, ascending ids, channel 1 before 2 before 3 within a peer). The next peer is found
 * when asked (Godot 3 finds it at poll and after each read), so a count or a read needs no poll.
 */
export class MultiplayerPacketPaths {
  target = 0;
  mode: TransferMode = TransferMode.TRANSFER_MODE_RELIABLE;
  /** The transfer mode of the channel the last packet was read from. */
  lastMode: TransferMode = TransferMode.TRANSFER_MODE_RELIABLE;
  error: GodotError = GodotError.OK;
  /** The id last read from: the next turn goes to the first peer after it (wrapping) with a packet. */
  private cursor = 0;

  constructor(
    private readonly peers: () => readonly RemotePeer[],
    private readonly counters: MultiplayerCounters,
    private readonly refuse: Refuse,
  ) {}

  /** close(): target 0 and the round robin from the start, as Godot 3's close. */
  reset(): void {
    this.target = 0;
    this.cursor = 0;
  }

  /**
   * Sends `buffer` as is (binary, no header) on the transfer mode's channel: to `target` (> 0), to
   * every peer whose channel is open (0), or to every such peer but `-target` (< 0).
   */
  put(buffer: Uint8Array, disconnected: boolean): GodotError {
    if (!(buffer instanceof Uint8Array)) return this.refused('put_packet', GodotError.ERR_INVALID_PARAMETER, 'arguments', `buffer must be a Uint8Array (PoolByteArray), not ${describe(buffer)}`);
    if (disconnected) return this.refused('put_packet', GodotError.ERR_UNCONFIGURED, 'webrtcMultiplayer', 'put_packet is not allowed in webrtcMultiplayer state disconnected: initialize() first');
    const index = channelOf(this.mode);
    const target = this.target;
    if (target > 0) {
      const entry = this.find(target);
      if (entry === undefined) return this.refused('put_packet', GodotError.ERR_INVALID_PARAMETER, 'arguments', `Invalid target peer: ${target}. (no peer with that id is in the peer map)`);
      const channel = entry.channels[index]!;
      if (channel.get_ready_state() !== ChannelState.STATE_OPEN) {
        return this.refused('put_packet', GodotError.ERR_UNAVAILABLE, 'arguments', `peer ${target}'s channel "${channel.get_label()}" is not open (state ${channel.get_ready_state()}): the packet is not sent`, entry);
      }
      const code = channel.put_packet(buffer);
      if (code === GodotError.OK) this.counters.sent(index, buffer.byteLength);
      else this.counters.refused++;
      return code;
    }
    const exclude = -target;
    let first: GodotError = GodotError.OK;
    for (const entry of this.peers()) {
      if (entry.id === exclude) continue;
      const channel = entry.channels[index]!;
      if (channel.get_ready_state() !== ChannelState.STATE_OPEN) continue;
      const code = channel.put_packet(buffer);
      if (code === GodotError.OK) {
        this.counters.sent(index, buffer.byteLength);
        continue;
      }
      this.counters.refused++;
      if (first === GodotError.OK) first = code;
    }
    return first;
  }

  /** The next packet of the round robin; empty, and `error` ERR_UNAVAILABLE (with a refusal record), when no peer has one. */
  get(): Uint8Array {
    const entry = this.nextPeer();
    if (entry !== null) {
      const { channels } = entry;
      for (let index = 0; index < channels.length; index++) {
        const channel = channels[index]!;
        if (channel.get_available_packet_count() === 0) continue;
        const packet = channel.get_packet();
        this.cursor = entry.id;
        this.lastMode = CHANNEL_MODES[index]!;
        this.error = GodotError.OK;
        this.counters.received(index, packet.byteLength);
        return packet;
      }
    }
    this.error = GodotError.ERR_UNAVAILABLE;
    this.refuse('get_packet', GodotError.ERR_UNAVAILABLE, 'webrtcMultiplayer', 'no packet is available from any peer');
    return EMPTY;
  }

  /** Every packet queued over the peer map (peers not connected yet too, as Godot 3). */
  available(): number {
    let count = 0;
    for (const entry of this.peers()) count += entry.queued();
    return count;
  }

  /** The peer the next get() reads from: the first after the last one read, ascending and wrapping, with a packet; null if none has one. */
  nextPeer(): RemotePeer | null {
    const peers = this.peers();
    const count = peers.length;
    let start = 0;
    while (start < count && peers[start]!.id <= this.cursor) start++;
    for (let step = 0; step < count; step++) {
      const entry = peers[(start + step) % count]!;
      if (entry.queued() > 0) return entry;
    }
    return null;
  }

  private find(id: number): RemotePeer | undefined {
    for (const entry of this.peers()) if (entry.id === id) return entry;
    return undefined;
  }

  private refused(method: string, code: GodotError, machine: 'webrtcMultiplayer' | 'arguments', reason: string, peer?: RemotePeer): GodotError {
    this.counters.refused++;
    return this.refuse(method, code, machine, reason, peer);
  }
}
