import { GodotError } from '../godot/constants.js';
import { describe } from '../api/arguments.js';
import { TransferMode } from '../godot3/constants.js';
import type { RemotePeer } from '../multiplayer/remote-peer.js';
import type { MultiplayerCounters } from '../multiplayer/stats.js';

const EMPTY = new Uint8Array(0);

/** The reserved channels' modes, by list index 0/1/2 (ids 1/2/3; §1.1 CH_RELIABLE, CH_ORDERED, CH_UNRELIABLE). */
export const RESERVED_MODES: readonly TransferMode[] = [TransferMode.TRANSFER_MODE_RELIABLE, TransferMode.TRANSFER_MODE_UNRELIABLE_ORDERED, TransferMode.TRANSFER_MODE_UNRELIABLE];
const RESERVED = RESERVED_MODES.length;

export type Refuse = (method: string, code: GodotError, machine: 'webrtcMultiplayerPeer' | 'arguments', reason: string, peer?: RemotePeer) => GodotError;

/**
 * A WebRTCMultiplayerPeer's packet paths, which never pass through a machine (§1.5, §1.6):
 * put_packet by target, transfer channel and mode; get_packet's round robin over the peers that
 * count as connected (one packet per peer per turn, ascending ids, within a peer the first channel
 * in list order holding one). The next packet is found when asked, so get_packet_peer/channel/mode
 * describe the packet get_packet returns next.
 */
export class PeerPackets {
  target = 0;
  mode: TransferMode = TransferMode.TRANSFER_MODE_RELIABLE;
  channel = 0;
  error: GodotError = GodotError.OK;
  /** Each channel's mode by list index: the reserved three, then channels_config's. */
  modes: readonly TransferMode[] = RESERVED_MODES;
  /** The id last read from: the next turn goes to the first connected peer after it (wrapping) with a packet. */
  private cursor = 0;

  constructor(
    private readonly peers: () => readonly RemotePeer[],
    private readonly counters: MultiplayerCounters,
    private readonly refuse: Refuse,
  ) {}

  /** close(): target, transfer channel's read position and the round robin from the start. */
  reset(): void {
    this.target = 0;
    this.cursor = 0;
  }

  put(buffer: Uint8Array, disconnected: boolean): GodotError {
    if (!(buffer instanceof Uint8Array)) return this.refused('put_packet', GodotError.ERR_INVALID_PARAMETER, 'arguments', `buffer must be a Uint8Array (PackedByteArray), not ${describe(buffer)}`);
    if (disconnected) return this.refused('put_packet', GodotError.ERR_UNCONFIGURED, 'webrtcMultiplayerPeer', 'put_packet is not allowed in webrtcMultiplayerPeer state disconnected: create_server(), create_client() or create_mesh() first');
    const index = this.channel === 0 ? RESERVED_MODES.indexOf(this.mode) : this.channel + RESERVED - 1;
    if (index >= this.modes.length) {
      return this.refused('put_packet', GodotError.ERR_INVALID_PARAMETER, 'arguments', `Unable to send packet on channel ${this.channel}, max channels: ${this.modes.length - RESERVED}`);
    }
    const bucket = RESERVED_MODES.indexOf(this.modes[index]!);
    const target = this.target;
    if (target > 0) {
      const entry = this.peers().find((peer) => peer.id === target);
      if (entry === undefined) return this.refused('put_packet', GodotError.ERR_INVALID_PARAMETER, 'arguments', `Invalid target peer: ${target}. (no peer with that id is in the peer map)`);
      if (!entry.connected) {
        return this.refused('put_packet', GodotError.ERR_UNAVAILABLE, 'arguments', `peer ${target} does not count as connected yet (its channels are not all open): the packet is not sent (Godot 4 hands it to a channel that fails, webrtc-native#64)`, entry);
      }
      const code = entry.channels[index]!.put_packet(buffer);
      if (code === GodotError.OK) this.counters.sent(bucket, buffer.byteLength);
      else this.counters.refused++;
      return code;
    }
    // Broadcast: every connected peer (but -target); a channel's refusal is counted, and OK returned, as Godot 4.
    const exclude = -target;
    for (const entry of this.peers()) {
      if (entry.id === exclude || !entry.connected) continue;
      if (entry.channels[index]!.put_packet(buffer) === GodotError.OK) this.counters.sent(bucket, buffer.byteLength);
      else this.counters.refused++;
    }
    return GodotError.OK;
  }

  get(): Uint8Array {
    const next = this.next();
    if (next === null) {
      this.error = GodotError.ERR_UNAVAILABLE;
      this.refuse('get_packet', GodotError.ERR_UNAVAILABLE, 'webrtcMultiplayerPeer', 'no packet is available from any connected peer');
      return EMPTY;
    }
    const packet = next.entry.channels[next.index]!.get_packet();
    this.cursor = next.entry.id;
    this.error = GodotError.OK;
    this.counters.received(RESERVED_MODES.indexOf(this.modes[next.index]!), packet.byteLength);
    return packet;
  }

  /** Packets queued over the peers that count as connected (a connecting peer's wait until it does, §1.5). */
  available(): number {
    let count = 0;
    for (const entry of this.peers()) if (entry.connected) count += entry.queued();
    return count;
  }

  /** The peer of the next packet, 0 if none. */
  packetPeer(): number {
    return this.next()?.entry.id ?? 0;
  }

  /** The next packet's transfer channel: 0 for the reserved three, k + 1 for channels_config[k]. */
  packetChannel(): number {
    const index = this.next()?.index ?? 0;
    return index < RESERVED ? 0 : index - RESERVED + 1;
  }

  packetMode(): TransferMode {
    return this.modes[this.next()?.index ?? 0]!;
  }

  /** The first connected peer after the cursor (ascending, wrapping) with a packet, and its first channel holding one. */
  private next(): { entry: RemotePeer; index: number } | null {
    const peers = this.peers();
    const count = peers.length;
    let start = 0;
    while (start < count && peers[start]!.id <= this.cursor) start++;
    for (let step = 0; step < count; step++) {
      const entry = peers[(start + step) % count]!;
      if (!entry.connected) continue;
      const index = entry.channels.findIndex((channel) => channel.get_available_packet_count() > 0);
      if (index >= 0) return { entry, index };
    }
    return null;
  }

  private refused(method: string, code: GodotError, machine: 'webrtcMultiplayerPeer' | 'arguments', reason: string, peer?: RemotePeer): GodotError {
    this.counters.refused++;
    return this.refuse(method, code, machine, reason, peer);
  }
}
