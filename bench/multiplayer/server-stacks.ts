/**
 * The servers the bench compares, behind one small interface: each makes one connection per
 * client (it offers, as the lower id does in Godot 3's lobbies), and per tick reads every input,
 * then broadcasts one state on channel 3.
 *
 * - `ours`: Godot 3's WebRTCMultiplayer (poll dispatch): `poll()`, then `get_packet_peer()` +
 *   `get_packet()` while `get_available_packet_count() > 0`, then `put_packet` to target 0 in
 *   TRANSFER_MODE_UNRELIABLE, as a Godot 3 server script does.
 * - `api`: the same WebRTCMultiplayer under MultiplayerAPI: `poll()` (inputs come as
 *   `network_peer_packet`), then `send_bytes(state, 0, TRANSFER_MODE_UNRELIABLE)`.
 * - `ours4`, `scene4`: Godot 4's WebRTCMultiplayerPeer, and SceneMultiplayer over it (godot4-server.ts).
 * - `channels`: the layer below alone (WebRTCPeerConnection + WebRTCDataChannel, see ChannelsServer).
 * - `raw`: plain node-datachannel PeerConnections, the same three negotiated channels, the inputs
 *   read in channel 3's onMessage, the state sent with sendMessageBinary on each channel 3.
 */
import nodeDataChannel from 'node-datachannel';
import type { DataChannel, PeerConnection } from 'node-datachannel';
import { GodotError, WebRTCDataChannel, WebRTCPeerConnection, createNodeDataChannelExtension } from '../../src/index.js';
import { WebRTCMultiplayer } from '../../src/godot3/webrtc-multiplayer.js';
import { MultiplayerAPI } from '../../src/godot3/multiplayer-api.js';
import { MULTIPLAYER_CHANNELS, TransferMode } from '../../src/godot3/constants.js';
import { DEFAULT_HOLD_MS } from '../../src/adapters/setup-order.js';
import type { Signal, TurnPlan } from './protocol.js';
import { godot4Server } from './godot4-server.js';

export interface ServerStack {
  /** Makes the connection to client `id` and starts its offer; `out` carries its signals to the client. */
  add(id: number, out: (signal: Signal) => void): void;
  signal(id: number, signal: Signal): void;
  /** Clients whose three channels are open. */
  connected(): number;
  /** During setup: what the stack needs to move on (ours: poll). */
  pump(): void;
  /** The first half of a tick: every input that came read (`onInput` with its bytes). */
  read(): void;
  /** The second half: `state` to every client; returns how many it was sent to. */
  broadcast(state: Uint8Array): number;
  /** The library's own counters (ours, api), for a cross-check. */
  counts(): Record<string, number> | null;
  close(): void;
}

export type InputHandler = (bytes: Uint8Array) => void;

/** ours cannot make channel 3 fully reliable (add_peer always gives it a lifetime, as Godot 3): 65535 ms, more than any run lasts. */
export const OURS_LONGEST_LIFETIME = 65535;

export function makeServer(plan: TurnPlan, onInput: InputHandler): ServerStack {
  if (plan.kind === 'ours4' || plan.kind === 'scene4') return godot4Server(plan, onInput);
  if (plan.kind === 'raw') return new RawServer(plan, onInput);
  if (plan.kind === 'channels') return new ChannelsServer(plan, onInput);
  return godot3Server(plan, onInput);
}

export const loopback = () => WebRTCPeerConnection.set_default_extension(createNodeDataChannelExtension({ name: 'bench-multiplayer', bindAddress: '127.0.0.1' }));

/** Wires `pc`'s signals to `out`, as a Godot script does, and starts its offer. */
export function offer(pc: WebRTCPeerConnection, out: (signal: Signal) => void): void {
  pc.session_description_created.connect((type, sdp) => {
    pc.set_local_description(type, sdp);
    out({ type: type as 'offer', sdp });
  });
  pc.ice_candidate_created.connect((mid, _index, candidate) => out({ type: 'candidate', mid, candidate }));
  pc.create_offer();
}

export function applySignal(pc: WebRTCPeerConnection | undefined, signal: Signal): void {
  if (!pc) return;
  if (signal.type === 'candidate') pc.add_ice_candidate(signal.mid, 0, signal.candidate);
  else pc.set_remote_description(signal.type, signal.sdp);
}

/** What OurServer drives: Godot 3's WebRTCMultiplayer and Godot 4's WebRTCMultiplayerPeer have it name for name. */
export type GodotPeer = Pick<
  WebRTCMultiplayer,
  'add_peer' | 'poll' | 'get_available_packet_count' | 'get_packet_peer' | 'get_packet' | 'set_target_peer' | 'set_transfer_mode' | 'put_packet' | 'get_stats' | 'get_records' | 'close' | 'peer_connected' | 'peer_disconnected'
>;

/** The API layer above the peer (Godot 3's MultiplayerAPI, Godot 4's SceneMultiplayer): its poll, its signals, its send_bytes to everyone. */
export interface GodotApi {
  poll(): void;
  sendToAll(state: Uint8Array): GodotError;
  peer_connected: GodotPeer['peer_connected'];
  peer_disconnected: GodotPeer['peer_disconnected'];
  counts(): Record<string, number>;
  close(): void;
}

/** A Godot server script's tick over `peer` (and `api` above it, when given): see the file's comment. */
export class OurServer implements ServerStack {
  private readonly connections = new Map<number, WebRTCPeerConnection>();
  private announced = 0;

  constructor(
    private readonly plan: TurnPlan,
    private readonly onInput: InputHandler,
    private readonly peer: GodotPeer,
    private readonly api: GodotApi | null,
  ) {
    const announcer = api ?? peer;
    announcer.peer_connected.connect(() => this.announced++);
    announcer.peer_disconnected.connect(() => this.announced--);
  }

  add(id: number, out: (signal: Signal) => void): void {
    const pc = new WebRTCPeerConnection();
    const code = this.peer.add_peer(pc, id, this.plan.lifetime ?? OURS_LONGEST_LIFETIME);
    if (code !== GodotError.OK) throw new Error(`add_peer(${id}) returned ${code}: ${JSON.stringify(this.peer.get_records().at(-1))}`);
    this.connections.set(id, pc);
    offer(pc, out);
  }

  signal(id: number, signal: Signal): void {
    applySignal(this.connections.get(id), signal);
  }

  connected(): number {
    return this.announced;
  }

  pump(): void {
    if (this.api) this.api.poll();
    else this.peer.poll();
  }

  read(): void {
    if (this.api) return void this.api.poll();
    const peer = this.peer;
    peer.poll();
    while (peer.get_available_packet_count() > 0) {
      peer.get_packet_peer();
      this.onInput(peer.get_packet());
    }
  }

  broadcast(state: Uint8Array): number {
    if (this.api) return this.api.sendToAll(state) === GodotError.OK ? this.announced : 0;
    const peer = this.peer;
    peer.set_target_peer(0);
    peer.set_transfer_mode(TransferMode.TRANSFER_MODE_UNRELIABLE);
    return peer.put_packet(state) === GodotError.OK ? this.announced : 0;
  }

  counts(): Record<string, number> {
    const stats = this.peer.get_stats();
    const { messages_sent, messages_received } = stats.modes.unreliable;
    return { unreliable_sent: messages_sent, unreliable_received: messages_received, packets_refused: stats.packets_refused, packets_dropped: stats.packets_dropped, ...this.api?.counts() };
  }

  close(): void {
    this.api?.close();
    this.peer.close();
  }
}

/** Godot 3's server: WebRTCMultiplayer.initialize(1), and MultiplayerAPI over it for `api`. */
function godot3Server(plan: TurnPlan, onInput: InputHandler): OurServer {
  loopback();
  const mp = new WebRTCMultiplayer({ recordCapacity: 256 });
  mp.initialize(1);
  if (plan.kind !== 'api') return new OurServer(plan, onInput, mp, null);
  const api = new MultiplayerAPI();
  api.set_network_peer(mp);
  api.network_peer_packet.connect((_id, packet) => onInput(packet));
  return new OurServer(plan, onInput, mp, {
    poll: () => api.poll(),
    sendToAll: (state) => api.send_bytes(state, 0, TransferMode.TRANSFER_MODE_UNRELIABLE),
    // Counted from the peer's signals, as before the Godot 4 bench shared this class.
    peer_connected: mp.peer_connected,
    peer_disconnected: mp.peer_disconnected,
    counts: () => ({}),
    close: () => {},
  });
}

/**
 * The library's layer below WebRTCMultiplayer alone: WebRTCPeerConnections with the same three
 * negotiated channels, each polled, channel 3 read with get_packet and written with put_packet.
 * Against `ours`, it says what the WebRTCMultiplayer layer costs; against `raw`, the channels'.
 */
class ChannelsServer implements ServerStack {
  private readonly peers: Array<{ pc: WebRTCPeerConnection; channels: WebRTCDataChannel[] }> = [];
  private readonly byId = new Map<number, WebRTCPeerConnection>();

  constructor(
    private readonly plan: TurnPlan,
    private readonly onInput: InputHandler,
  ) {
    loopback();
  }

  add(id: number, out: (signal: Signal) => void): void {
    const pc = new WebRTCPeerConnection();
    const lifetime = this.plan.lifetime ?? OURS_LONGEST_LIFETIME;
    const channels = MULTIPLAYER_CHANNELS.map(({ id: channel, label, ordered }) => pc.create_data_channel(label, { negotiated: true, id: channel, ordered, ...(channel === 1 ? {} : { maxPacketLifeTime: lifetime }) })!);
    this.peers.push({ pc, channels });
    this.byId.set(id, pc);
    offer(pc, out);
  }

  signal(id: number, signal: Signal): void {
    applySignal(this.byId.get(id), signal);
  }

  connected(): number {
    let open = 0;
    for (const { channels } of this.peers) if (channels.every((c) => c.get_ready_state() === WebRTCDataChannel.STATE_OPEN)) open++;
    return open;
  }

  pump(): void {
    for (const { pc } of this.peers) pc.poll();
  }

  read(): void {
    for (const { pc, channels } of this.peers) {
      pc.poll();
      const channel = channels[2]!;
      while (channel.get_available_packet_count() > 0) this.onInput(channel.get_packet());
    }
  }

  broadcast(state: Uint8Array): number {
    let count = 0;
    for (const { channels } of this.peers) {
      const channel = channels[2]!;
      if (channel.get_ready_state() === WebRTCDataChannel.STATE_OPEN && channel.put_packet(state) === GodotError.OK) count++;
    }
    return count;
  }

  counts(): null {
    return null;
  }

  close(): void {
    for (const { pc } of this.peers) pc.close();
  }
}

interface RawPeer {
  pc: PeerConnection;
  /** Referenced until the process ends: a collected native channel loses its callbacks. */
  channels: DataChannel[];
  /** Local candidates held until this end's ICE is up. */
  held: Array<[string, string]>;
  iceUp: boolean;
  release: () => void;
}

class RawServer implements ServerStack {
  private readonly peers = new Map<number, RawPeer>();
  private readonly unreliable: DataChannel[] = [];
  private open = 0;

  constructor(
    private readonly plan: TurnPlan,
    private readonly onInput: InputHandler,
  ) {}

  add(id: number, out: (signal: Signal) => void): void {
    const pc = new nodeDataChannel.PeerConnection(`server-${id}`, { iceServers: [], disableAutoNegotiation: true, bindAddress: '127.0.0.1' });
    const lifetime = this.plan.lifetime;
    const timed = lifetime === null ? {} : { maxPacketLifeTime: lifetime };
    const channels = [
      pc.createDataChannel('reliable', { negotiated: true, id: 1 }),
      pc.createDataChannel('ordered', { negotiated: true, id: 2, ...timed }),
      pc.createDataChannel('unreliable', { negotiated: true, id: 3, unordered: true, ...timed }),
    ];
    const entry: RawPeer = { pc, channels, held: [], iceUp: false, release: () => {} };
    this.peers.set(id, entry);
    let opened = 0;
    for (const channel of channels) {
      channel.onOpen(() => {
        if (++opened === 3) {
          this.open++;
          this.unreliable.push(channels[2]!);
        }
      });
      channel.onClosed(() => {
        if (opened === 3) {
          opened = 0;
          this.open--;
          this.unreliable.splice(this.unreliable.indexOf(channels[2]!), 1);
        }
      });
    }
    const onInput = this.onInput;
    channels[2]!.onMessage((message) => {
      if (typeof message === 'string') return;
      onInput(message instanceof ArrayBuffer ? new Uint8Array(message) : new Uint8Array(message.buffer, message.byteOffset, message.byteLength));
    });
    // The offerer sends its candidates once its ICE is up (or DEFAULT_HOLD_MS after the answer), as
    // ours does by default, so that neither side stalls on libdatachannel's setup faults.
    entry.release = () => {
      if (entry.iceUp) return;
      entry.iceUp = true;
      for (const [candidate, mid] of entry.held.splice(0)) out({ type: 'candidate', mid, candidate });
    };
    pc.onIceStateChange((state) => {
      if (state === 'connected' || state === 'completed') entry.release();
    });
    pc.onStateChange(() => {});
    pc.onLocalDescription((sdp, type) => out({ type: type as 'offer', sdp }));
    pc.onLocalCandidate((candidate, mid) => (entry.iceUp ? out({ type: 'candidate', mid, candidate }) : entry.held.push([candidate, mid])));
    pc.setLocalDescription('offer');
  }

  signal(id: number, signal: Signal): void {
    const entry = this.peers.get(id);
    if (!entry) return;
    if (signal.type === 'candidate') entry.pc.addRemoteCandidate(signal.candidate, signal.mid);
    else if (signal.type === 'answer') {
      entry.pc.setRemoteDescription(signal.sdp, 'answer');
      setTimeout(entry.release, DEFAULT_HOLD_MS);
    }
  }

  connected(): number {
    return this.open;
  }

  pump(): void {}

  /** Nothing to do: the inputs were read as they came, in channel 3's onMessage. */
  read(): void {}

  broadcast(state: Uint8Array): number {
    let count = 0;
    for (const channel of this.unreliable) {
      try {
        channel.sendMessageBinary(state);
        count++;
      } catch {
        /* closed meanwhile */
      }
    }
    return count;
  }

  counts(): null {
    return null;
  }

  close(): void {
    for (const { pc } of this.peers.values()) {
      try {
        pc.close();
      } catch {
        /* best effort at exit */
      }
    }
  }
}
