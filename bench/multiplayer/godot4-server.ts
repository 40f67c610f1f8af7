/**
 * The Godot 4 servers of the fan-out bench (bench/multiplayer4.ts), driven by server-stacks.ts's
 * OurServer as a Godot 4 server script drives them each tick:
 *
 * - `ours4`: WebRTCMultiplayerPeer.create_server(), add_peer(pc, id, lifetime) per client; a tick
 *   is `poll()`, then `get_packet_peer()` + `get_packet()` while `get_available_packet_count() > 0`,
 *   then `put_packet` to target 0 (TARGET_PEER_BROADCAST) in TRANSFER_MODE_UNRELIABLE.
 * - `scene4`: SceneMultiplayer over the same peer (server relay on, no auth_callback, as the
 *   SceneTree's default multiplayer): `poll()` (inputs come as `peer_packet`, their RAW byte 3
 *   taken off), then `send_bytes(state, 0, TRANSFER_MODE_UNRELIABLE, 0)`.
 *
 * Its three negotiated channels are Godot 3's (1 reliable, 2 ordered and 3 unordered with the
 * lifetime), so the clients and `raw` are the same as the Godot 3 bench's.
 */
import { GodotError } from '../../src/index.js';
import { SceneMultiplayer, TransferMode, WebRTCMultiplayerPeer } from '../../src/godot4/index.js';
import type { TurnPlan } from './protocol.js';
import { loopback, OurServer, type InputHandler } from './server-stacks.js';

export function godot4Server(plan: TurnPlan, onInput: InputHandler): OurServer {
  loopback();
  const peer = new WebRTCMultiplayerPeer({ recordCapacity: 256 });
  const created = peer.create_server();
  if (created !== GodotError.OK) throw new Error(`create_server() returned ${created}`);
  if (plan.kind !== 'scene4') return new OurServer(plan, onInput, peer, null);
  const scene = new SceneMultiplayer();
  scene.set_multiplayer_peer(peer);
  scene.peer_packet.connect((_id, packet) => onInput(packet));
  return new OurServer(plan, onInput, peer, {
    poll: () => scene.poll(),
    sendToAll: (state) => scene.send_bytes(state, 0, TransferMode.TRANSFER_MODE_UNRELIABLE, 0),
    peer_connected: scene.peer_connected,
    peer_disconnected: scene.peer_disconnected,
    counts: () => {
      const stats = scene.get_stats();
      return { scene_raw_received: stats.raw_received, scene_dropped: Object.values(stats.dropped).reduce((sum, n) => sum + (n ?? 0), 0) };
    },
    close: () => scene.clear(),
  });
}
