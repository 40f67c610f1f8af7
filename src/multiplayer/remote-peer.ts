import { ChannelState, GodotError } from '../godot/constants.js';
import { WebRTCPeerConnection } from '../api/peer-connection.js';
import type { WebRTCDataChannel } from '../api/data-channel.js';
import { MachineHandle, type Inspector } from '../api/machine-handle.js';
import { describeRemoteEvent, multiplayerRemoteMachine, type MultiplayerRemoteEvent } from '../machines/multiplayer-remote.js';
import type { Recorder } from '../records/recorder.js';
import { MULTIPLAYER_CHANNELS } from '../godot3/constants.js';

/** What `get_peer(id)` gives, as Godot 3's Dictionary: the connection, whether it counts as connected, its three channels. */
export interface MultiplayerPeerInfo {
  connection: WebRTCPeerConnection;
  connected: boolean;
  channels: WebRTCDataChannel[];
}

/** Why a peer left the map: its remote machine's event. */
export type RemovalEvent = MultiplayerRemoteEvent & { type: 'link_ended' | 'remove_peer' };

/**
 * One entry of a WebRTCMultiplayer's (Godot 3) or WebRTCMultiplayerPeer's (Godot 4) peer map: the connection it was given, the three negotiated
 * channels add_peer made on it (index 0/1/2 = ids 1/2/3 = MULTIPLAYER_CHANNELS), and its remote
 * machine (`peer <id>` in the records). `announced` is ours: whether `peer_connected(id)` was
 * queued for it, so that `peer_disconnected(id)` is only ever said of a peer that was announced.
 */
export class RemotePeer {
  readonly machine: MachineHandle<typeof multiplayerRemoteMachine>;
  announced = false;

  constructor(
    readonly id: number,
    readonly connection: WebRTCPeerConnection,
    /** The three of MULTIPLAYER_CHANNELS, then (Godot 4) any extra channels in order. */
    readonly channels: readonly WebRTCDataChannel[],
    recorder: Recorder,
    inspect: Inspector | undefined,
  ) {
    const channel = `peer ${id}`;
    this.machine = new MachineHandle('multiplayerRemote', multiplayerRemoteMachine, recorder, {
      channel: () => channel,
      input: { id },
      describe: describeRemoteEvent,
      ...(inspect ? { inspect } : {}),
    });
  }

  /** Whether it counts as connected (its three channels were open at a poll): read from its machine. */
  get connected(): boolean {
    return this.machine.state === 'connected';
  }

  /** Packets queued on its channels. */
  queued(): number {
    let count = 0;
    for (const channel of this.channels) count += channel.get_available_packet_count();
    return count;
  }

  info(): MultiplayerPeerInfo {
    return { connection: this.connection, connected: this.connected, channels: [...this.channels] };
  }

  /**
   * What a poll sees of its link, as Godot 3's poll reads it: `ended` (the connection left
   * NEW/CONNECTING/CONNECTED, or one of its channels is closing or closed), `opened` (connected,
   * all three channels open, and not announced as open before), or nothing.
   */
  check(): { ended: 'connection' | 'channel' } | 'opened' | null {
    const state = this.connection.get_connection_state();
    if (state === WebRTCPeerConnection.STATE_NEW || state === WebRTCPeerConnection.STATE_CONNECTING) return null;
    if (state !== WebRTCPeerConnection.STATE_CONNECTED) return { ended: 'connection' };
    let open = 0;
    for (const channel of this.channels) {
      const ready = channel.get_ready_state();
      if (ready === ChannelState.STATE_OPEN) open++;
      else if (ready !== ChannelState.STATE_CONNECTING) return { ended: 'channel' };
    }
    return open === this.channels.length && this.machine.state === 'added' ? 'opened' : null;
  }

  /** Closes its connection unless it is closed already (a closed one would refuse, and record that). */
  closeConnection(): void {
    if (this.connection.connection.can({ type: 'close' })) this.connection.close();
  }
}

export type ChannelsMade =
  | { ok: true; channels: WebRTCDataChannel[] }
  | { ok: false; code: GodotError; reason: string };

/** A channel beyond the three (Godot 4's `channels_config`): negotiated, with this label, id and ordering. */
export interface ExtraChannel {
  label: string;
  id: number;
  ordered: boolean;
  maxPacketLifeTime?: number;
}

/**
 * add_peer's three negotiated channels on `pc`, as MULTIPLAYER_CHANNELS names them, with
 * `maxPacketLifeTime: lifetime` on 2 and 3 (Godot asks with the misspelt `maxPacketLifetime`,
 * which no stack reads; ours honours it on what this end sends), then the `extra` ones (Godot 4's
 * channels_config). If one cannot be made, the ones made are closed and the connection's refusal is returned.
 */
export function makeChannels(pc: WebRTCPeerConnection, lifetime: number, extra: readonly ExtraChannel[] = []): ChannelsMade {
  const made: WebRTCDataChannel[] = [];
  const wanted: ExtraChannel[] = MULTIPLAYER_CHANNELS.map(({ id, label, ordered }) => ({ id, label, ordered, ...(id === 1 ? {} : { maxPacketLifeTime: lifetime }) }));
  for (const { id, label, ordered, maxPacketLifeTime } of [...wanted, ...extra]) {
    const channel = pc.create_data_channel(label, { negotiated: true, id, ordered, ...(maxPacketLifeTime === undefined ? {} : { maxPacketLifeTime }) });
    if (channel !== null) {
      made.push(channel);
      continue;
    }
    const refusal = pc.get_records().at(-1);
    for (const open of made) open.close();
    const refused = refusal?.kind === 'refusal' && refusal.method === 'create_data_channel';
    const code = refused ? refusal.code : GodotError.FAILED;
    const why = refused ? refusal.reason : 'the connection did not make it';
    return { ok: false, code, reason: `the connection ${pc.id} refused create_data_channel("${label}", id ${id}): ${why}` };
  }
  return { ok: true, channels: made };
}
