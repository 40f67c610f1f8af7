import type { GodotError } from '../godot/constants.js';
import type { TransferMode } from './constants.js';
import type { MultiplayerPeer4 } from './multiplayer-peer.js';
import type { ReceivedPaths, SceneCounters, SceneDropReason } from './scene-stats.js';
import { decodeScenePacket, encodeConfirmPath, wrapRelay, type ScenePacket, type SysPacket } from './scene-wire.js';

/** The most peers a server may announce to a client (bounded memory whatever a server sends). */
export const MAX_RELAYED_PEERS = 4096;

/** What SceneMultiplayer lends the receive path for one read. */
export interface SceneReceiveContext {
  readonly peer: MultiplayerPeer4;
  readonly connected: ReadonlySet<number>;
  readonly paths: ReceivedPaths;
  readonly counters: SceneCounters;
  relaying(): boolean;
  drop(from: number, reason: SceneDropReason, detail: string): void;
  /** get_remote_sender_id() while a packet is processed. */
  setSender(id: number): void;
  admit(id: number): void;
  remove(id: number): void;
  /** One put to `to`, this mode and channel, no relay wrapping (the server's forward). */
  put(to: number, packet: Uint8Array, mode: TransferMode, channel: number): GodotError;
  /** Godot's send_command: wrapped in a RELAY to 1 from a client. */
  send(to: number, packet: Uint8Array, mode: TransferMode, channel: number): GodotError;
  emitRaw(from: number, payload: Uint8Array): void;
}

/** A packet from an admitted peer (§2.3): SYS to `processSys`, everything else to `processPacket`. */
export function processScenePacket(context: SceneReceiveContext, from: number, bytes: Uint8Array, mode: TransferMode, channel: number): void {
  const decoded = decodeScenePacket(bytes);
  if (!decoded.ok) return context.drop(from, decoded.drop, decoded.reason);
  const packet = decoded.packet;
  if (packet.command === 'sys') return processSys(context, from, packet, mode, channel);
  context.setSender(from);
  processPacket(context, from, packet);
}

function processSys(context: SceneReceiveContext, from: number, packet: SysPacket, mode: TransferMode, channel: number): void {
  const self = context.peer.get_unique_id();
  switch (packet.sys) {
    case 'auth':
      // Already admitted: the 2-byte completion is the remote's late confirmation; data is an error (§2.4).
      if (packet.data.length !== 0) context.drop(from, 'unexpected_auth', `${packet.data.length} bytes of auth data from an admitted peer`);
      return;
    case 'add_peer':
    case 'del_peer':
      if (!context.relaying()) return context.drop(from, 'relay_not_supported', `SYS ${packet.sys} while the server relay is off or unsupported`);
      if (self === 1 || from !== 1) return context.drop(from, 'sys_not_from_server', `SYS ${packet.sys} from ${from} to ${self} (only the server announces peers to clients)`);
      if (packet.sys === 'add_peer') {
        if (packet.peer < 2 || packet.peer === self) return context.drop(from, 'malformed', `ADD_PEER of ${packet.peer}, not another client's id`);
        if (!context.connected.has(packet.peer) && context.connected.size >= MAX_RELAYED_PEERS) return context.drop(from, 'too_many_peers', `ADD_PEER of ${packet.peer} past ${MAX_RELAYED_PEERS} peers`);
        context.admit(packet.peer);
      }
      else context.remove(packet.peer);
      return;
    case 'relay':
      return processRelay(context, from, packet.peer, packet.inner, mode, channel);
  }
}

/** §2.4 RELAY: the server forwards `07 03 · source · inner` (and processes a broadcast itself); a client processes it as from the source. */
function processRelay(context: SceneReceiveContext, from: number, target: number, inner: Uint8Array, mode: TransferMode, channel: number): void {
  if (!context.relaying()) return context.drop(from, 'relay_not_supported', 'RELAY while the server relay is off or unsupported');
  let source = target;
  let process = false;
  if (context.peer.get_unique_id() === 1) {
    if (target > 0 && !context.connected.has(target)) return context.drop(from, 'relay_unknown_peer', `RELAY to ${target}, not a connected peer`);
    const forward = wrapRelay(from, inner);
    if (!forward.ok) return context.drop(from, 'malformed', forward.reason);
    if (target > 0) {
      if (context.put(target, forward.value, mode, channel) === 0) context.counters.relayed++;
    } else {
      for (const id of [...context.connected]) {
        if (id === from || (target < 0 && id === -target)) continue;
        if (context.put(id, forward.value, mode, channel) === 0) context.counters.relayed++;
      }
      if (target !== -1) {
        process = true;
        source = from;
      }
    }
  } else {
    if (from !== 1) return context.drop(from, 'relay_not_from_server', `RELAY from ${from}, not the server`);
    // Not Godot, which would emit peer_packet for a source it never announced: only ADD_PEER's peers (and 1) are sources.
    if (!context.connected.has(target)) return context.drop(from, 'relay_unknown_peer', `RELAY from the server as ${target}, a peer it never announced with ADD_PEER`);
    process = true;
  }
  if (!process) return;
  const decoded = decodeScenePacket(inner, { relayed: true });
  if (!decoded.ok) return context.drop(source, decoded.drop, `relayed: ${decoded.reason}`);
  context.setSender(source);
  processPacket(context, source, decoded.packet);
}

/** Godot's `_process_packet` for what a Node process models: RAW and the path cache; REMOTE_CALL and replication are dropped. */
function processPacket(context: SceneReceiveContext, from: number, packet: ScenePacket): void {
  switch (packet.command) {
    case 'raw':
      context.counters.rawReceived++;
      context.emitRaw(from, packet.payload.slice());
      return;
    case 'simplify_path': {
      const added = context.paths.add(from, packet.id, packet.path);
      if (added !== 'ok') return context.drop(from, added, `SIMPLIFY_PATH id ${packet.id} (${packet.path})`);
      // No scene tree to check the methods' md5 against: the path is confirmed as valid, so the sender logs no checksum error (§2.7).
      const reply = encodeConfirmPath(packet.id, true);
      if (reply.ok) context.send(from, reply.value, 2, 0);
      return;
    }
    case 'confirm_path':
      return; // this process never sends SIMPLIFY_PATH, so every id is unknown: Godot ignores those
    case 'remote_call':
      return context.drop(from, 'remote_call', `REMOTE_CALL name id ${packet.nameId} (a Node process has no nodes to call)`);
    case 'spawn':
    case 'despawn':
    case 'sync':
      return context.drop(from, packet.command, `${packet.command.toUpperCase()} (replication is not modelled)`);
    case 'sys':
      return context.drop(from, 'unknown_command', 'SYS inside a relay');
  }
}
