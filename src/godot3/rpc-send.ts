import { GodotError } from '../godot/constants.js';
import { TransferMode } from './constants.js';
import type { NetworkedMultiplayerPeer } from './networked-peer.js';
import type { PathSendCache } from './path-cache.js';
import type { RpcCounters } from './rpc-stats.js';
import type { Variant } from './variant-types.js';
import { encodePacket, type MultiplayerPacket } from './wire.js';

/** What an rpc or rset carries, before it has a target form. */
export type RemoteCommand =
  | { command: 'remote_call'; method: string; args: Variant[] }
  | { command: 'remote_set'; property: string; value: Variant };

export interface SendContext {
  readonly peer: NetworkedMultiplayerPeer;
  readonly cache: PathSendCache;
  /** MultiplayerAPI's `connected_peers` (peers announced by `peer_connected`), in id order. */
  readonly connected: readonly number[];
  readonly counters: RpcCounters;
}

export type SendResult = { ok: true; code: GodotError } | { ok: false; reason: string };

/**
 * Godot 3's `_send_rpc` (+ `_send_confirm_path`): SIMPLIFY_PATH once to every target peer that
 * has not had it; then, when every target has confirmed the path, one `put_packet` with the
 * cached id to `to` (the fast path: a broadcast goes to every peer the network peer has), else one
 * packet per target peer, the cached form to those that confirmed and the full-path form to the
 * others. `to` has been checked (0, a connected peer, or minus one). Nothing is sent when the
 * packet cannot be encoded (an argument that is not a Variant, too many arguments): `ok: false`.
 * Otherwise `code` is the first failed `put_packet`'s, else OK.
 */
export function sendRemote(context: SendContext, to: number, unreliable: boolean, path: string, remote: RemoteCommand): SendResult {
  const { peer, cache, counters } = context;
  const cached = encodePacket(withTarget(remote, { kind: 'cached', id: cache.idFor(path) }));
  if (!cached.ok) return { ok: false, reason: cached.reason };
  cache.ensure(path);

  const targets = context.connected.filter((id) => (to < 0 ? id !== -to : to > 0 ? id === to : true));
  let firstError: GodotError = GodotError.OK;
  const note = (code: GodotError) => {
    if (firstError === GodotError.OK && code !== GodotError.OK) firstError = code;
  };

  let allConfirmed = true;
  for (const id of targets) {
    const state = cache.state(path, id);
    if (state === true) continue;
    allConfirmed = false;
    if (state === undefined) note(announce(context, path, id));
  }

  peer.set_transfer_mode(unreliable ? TransferMode.TRANSFER_MODE_UNRELIABLE : TransferMode.TRANSFER_MODE_RELIABLE);
  if (allConfirmed) {
    peer.set_target_peer(to);
    note(put(context, remote.command, cached.value, 'cached'));
    return { ok: true, code: firstError };
  }
  const full = encodePacket(withTarget(remote, { kind: 'path', path }));
  if (!full.ok) return { ok: true, code: GodotError.ERR_BUG };
  for (const id of targets) {
    peer.set_target_peer(id);
    if (cache.state(path, id) === true) note(put(context, remote.command, cached.value, 'cached'));
    else note(put(context, remote.command, full.value, 'path'));
  }
  return { ok: true, code: firstError };
}

/**
 * SIMPLIFY_PATH to one peer on the reliable channel. Unlike Godot, the peer is marked as waiting
 * for only if the packet went out: a failed put would otherwise leave it on full paths for good.
 */
function announce(context: SendContext, path: string, id: number): GodotError {
  const packet = encodePacket({ command: 'simplify_path', id: context.cache.idFor(path), path });
  if (!packet.ok) return GodotError.ERR_BUG;
  context.peer.set_target_peer(id);
  context.peer.set_transfer_mode(TransferMode.TRANSFER_MODE_RELIABLE);
  const code = put(context, 'simplify_path', packet.value);
  if (code === GodotError.OK) context.cache.announced(path, id);
  return code;
}

/** The receiver's answer to SIMPLIFY_PATH: CONFIRM_PATH with the same path, reliable, to the sender. */
export function confirmPath(context: Pick<SendContext, 'peer' | 'counters'>, from: number, path: string): GodotError {
  const packet = encodePacket({ command: 'confirm_path', path });
  if (!packet.ok) return GodotError.ERR_BUG;
  context.peer.set_transfer_mode(TransferMode.TRANSFER_MODE_RELIABLE);
  context.peer.set_target_peer(from);
  return put(context, 'confirm_path', packet.value);
}

function put(context: Pick<SendContext, 'peer' | 'counters'>, command: MultiplayerPacket['command'], bytes: Uint8Array, target?: 'cached' | 'path'): GodotError {
  const code = context.peer.put_packet(bytes);
  if (code === GodotError.OK) context.counters.countSent(command, bytes.byteLength, target);
  return code;
}

function withTarget(remote: RemoteCommand, target: { kind: 'cached'; id: number } | { kind: 'path'; path: string }): MultiplayerPacket {
  return remote.command === 'remote_call'
    ? { command: 'remote_call', target, method: remote.method, args: remote.args }
    : { command: 'remote_set', target, property: remote.property, value: remote.value };
}
