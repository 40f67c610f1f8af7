import { GodotError } from '../godot/constants.js';
import type { TransferMode } from '../godot3/constants.js';
import { PacketPaths, RESERVED_MODES, type Refuse } from '../multiplayer/packets.js';
import type { RemotePeer } from '../multiplayer/remote-peer.js';
import type { MultiplayerCounters } from '../multiplayer/stats.js';

const RESERVED = RESERVED_MODES.length;

/**
 * A WebRTCMultiplayerPeer's packet paths (§1.5, §1.6): the shared round robin over the peers that
 * count as connected (a connecting peer's packets wait until it does), put_packet by target,
 * transfer channel and mode, and what the next packet's transfer channel and mode are.
 */
export class PeerPackets extends PacketPaths<'webrtcMultiplayerPeer'> {
  channel = 0;

  constructor(peers: () => readonly RemotePeer[], counters: MultiplayerCounters, refuse: Refuse<'webrtcMultiplayerPeer'>) {
    super(peers, counters, refuse, { machine: 'webrtcMultiplayerPeer', byteArray: 'PackedByteArray', setUp: 'create_server(), create_client() or create_mesh()', connectedOnly: true });
  }

  put(buffer: Uint8Array, disconnected: boolean): GodotError {
    const refused = this.refusePut(buffer, disconnected);
    if (refused !== null) return refused;
    const index = this.channel === 0 ? RESERVED_MODES.indexOf(this.mode) : this.channel + RESERVED - 1;
    if (index >= this.modes.length) {
      return this.refused('put_packet', GodotError.ERR_INVALID_PARAMETER, 'arguments', `Unable to send packet on channel ${this.channel}, max channels: ${this.modes.length - RESERVED}`);
    }
    const bucket = RESERVED_MODES.indexOf(this.modes[index]!);
    const target = this.target;
    if (target > 0) {
      const entry = this.targetPeer(target);
      if (typeof entry === 'number') return entry;
      if (!entry.connected) {
        return this.refused('put_packet', GodotError.ERR_UNAVAILABLE, 'arguments', `peer ${target} does not count as connected yet (its channels are not all open): the packet is not sent (Godot 4 hands it to a channel that fails, webrtc-native#64)`, entry);
      }
      return this.send(entry.channels[index]!, buffer, bucket);
    }
    // Broadcast: every connected peer (but -target); a channel's refusal is counted, and OK returned, as Godot 4.
    const exclude = -target;
    for (const entry of this.peers()) {
      if (entry.id !== exclude && entry.connected) this.send(entry.channels[index]!, buffer, bucket);
    }
    return GodotError.OK;
  }

  /** The next packet's transfer channel: 0 for the reserved three, k + 1 for channels_config[k]. */
  packetChannel(): number {
    const index = this.next()?.index ?? 0;
    return index < RESERVED ? 0 : index - RESERVED + 1;
  }

  /** The next packet's transfer mode. */
  packetMode(): TransferMode {
    return this.modes[this.next()?.index ?? 0]!;
  }
}
