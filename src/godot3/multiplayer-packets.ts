import { ChannelState, GodotError } from '../godot/constants.js';
import { PacketPaths, RESERVED_MODES, type Refuse } from '../multiplayer/packets.js';
import type { RemotePeer } from '../multiplayer/remote-peer.js';
import type { MultiplayerCounters } from '../multiplayer/stats.js';

/**
 * A WebRTCMultiplayer's packet paths: the shared round robin over every peer in the map (peers
 * not connected yet too, as Godot 3), and put_packet by target and transfer mode on the mode's
 * channel, which Godot 3 checks is open rather than whether the peer counts as connected.
 */
export class MultiplayerPacketPaths extends PacketPaths<'webrtcMultiplayer'> {
  constructor(peers: () => readonly RemotePeer[], counters: MultiplayerCounters, refuse: Refuse<'webrtcMultiplayer'>) {
    super(peers, counters, refuse, { machine: 'webrtcMultiplayer', byteArray: 'PoolByteArray', setUp: 'initialize()', connectedOnly: false });
  }

  /**
   * Sends `buffer` as is (binary, no header) on the transfer mode's channel: to `target` (> 0), to
   * every peer whose channel is open (0), or to every such peer but `-target` (< 0); a broadcast
   * returns the first channel's refusal.
   */
  put(buffer: Uint8Array, disconnected: boolean): GodotError {
    const refused = this.refusePut(buffer, disconnected);
    if (refused !== null) return refused;
    const index = RESERVED_MODES.indexOf(this.mode);
    const target = this.target;
    if (target > 0) {
      const entry = this.targetPeer(target);
      if (typeof entry === 'number') return entry;
      const channel = entry.channels[index]!;
      if (channel.get_ready_state() !== ChannelState.STATE_OPEN) {
        return this.refused('put_packet', GodotError.ERR_UNAVAILABLE, 'arguments', `peer ${target}'s channel "${channel.get_label()}" is not open (state ${channel.get_ready_state()}): the packet is not sent`, entry);
      }
      return this.send(channel, buffer, index);
    }
    const exclude = -target;
    let first: GodotError = GodotError.OK;
    for (const entry of this.peers()) {
      if (entry.id === exclude) continue;
      const channel = entry.channels[index]!;
      if (channel.get_ready_state() !== ChannelState.STATE_OPEN) continue;
      const code = this.send(channel, buffer, index);
      if (code !== GodotError.OK && first === GodotError.OK) first = code;
    }
    return first;
  }
}
