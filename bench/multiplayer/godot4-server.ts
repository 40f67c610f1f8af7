/**
 * The Godot 4 servers of the fan-out bench (bench/multiplayer4.ts), as a Godot 4 server script
 * drives them each tick:
 *
 * - `ours4`: WebRTCMultiplayerPeer.create_server(), add_peer(pc, id, lifetime) per client; a tick
 *   is `poll()`, then `get_packet_peer()` + `get_packet()` while `get_available_packet_count() > 0`,
 *   then `put_packet` to target 0 (TARGET_PEER_BROADCAST) in TRANSFER_MODE_UNRELIABLE.
 * - `scene4`: SceneMultiplayer over the same peer (server relay on, no auth_callback, as the
 *   default SceneTree's is): `poll()` (inputs come as `peer_packet`, their RAW byte 3 taken off),
 *   then `send_bytes(state, 0, TRANSFER_MODE_UNRELIABLE, 0)`.
 *
 * Its three negotiated channels are Godot 3's (1 reliable, 2 ordered and 3 unordered with the
 * lifetime), so the clients and `raw` are the same as the Godot 3 bench's.
 */
import { GodotError, WebRTCPeerConnection } from '../../src/index.js';
import { SceneMultiplayer, TransferMode, WebRTCMultiplayerPeer } from '../../src/godot4/index.js';
import type { Signal, TurnPlan } from './protocol.js';
import { applySignal, loopback, offer, OURS_LONGEST_LIFETIME, type InputHandler, type ServerStack } from './server-stacks.js';

export class Godot4Server implements ServerStack {
  private readonly peer = new WebRTCMultiplayerPeer({ recordCapacity: 256 });
  private readonly scene: SceneMultiplayer | null;
  private readonly connections = new Map<number, WebRTCPeerConnection>();
  private announced = 0;

  constructor(
    private readonly plan: TurnPlan,
    private readonly onInput: InputHandler,
  ) {
    loopback();
    const created = this.peer.create_server();
    if (created !== GodotError.OK) throw new Error(`create_server() returned ${created}`);
    this.scene = plan.kind === 'scene4' ? new SceneMultiplayer() : null;
    const announcer = this.scene ?? this.peer;
    announcer.peer_connected.connect(() => this.announced++);
    announcer.peer_disconnected.connect(() => this.announced--);
    if (this.scene) {
      this.scene.set_multiplayer_peer(this.peer);
      this.scene.peer_packet.connect((_id, packet) => onInput(packet));
    }
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
    if (this.scene) this.scene.poll();
    else this.peer.poll();
  }

  read(): void {
    if (this.scene) return void this.scene.poll();
    const peer = this.peer;
    peer.poll();
    while (peer.get_available_packet_count() > 0) {
      peer.get_packet_peer();
      this.onInput(peer.get_packet());
    }
  }

  broadcast(state: Uint8Array): number {
    if (this.scene) return this.scene.send_bytes(state, 0, TransferMode.TRANSFER_MODE_UNRELIABLE, 0) === GodotError.OK ? this.announced : 0;
    const peer = this.peer;
    peer.set_target_peer(0);
    peer.set_transfer_mode(TransferMode.TRANSFER_MODE_UNRELIABLE);
    return peer.put_packet(state) === GodotError.OK ? this.announced : 0;
  }

  counts(): Record<string, number> {
    const stats = this.peer.get_stats();
    const { messages_sent, messages_received } = stats.modes.unreliable;
    const scene = this.scene?.get_stats();
    return {
      unreliable_sent: messages_sent,
      unreliable_received: messages_received,
      packets_refused: stats.packets_refused,
      packets_dropped: stats.packets_dropped,
      ...(scene ? { scene_raw_received: scene.raw_received, scene_dropped: Object.values(scene.dropped).reduce((sum, n) => sum + (n ?? 0), 0) } : {}),
    };
  }

  close(): void {
    this.scene?.clear();
    this.peer.close();
  }
}
