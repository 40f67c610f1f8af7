import { cutText } from '../records/cut.js';
import type { NetworkedMultiplayerPeer } from './networked-peer.js';
import type { PathGetCache, PathSendCache } from './path-cache.js';
import { MAX_WIRE_PATH_LENGTH, canCallMode, type ExposedNode, type ExposedNodes } from './rpc-nodes.js';
import { confirmPath } from './rpc-send.js';
import type { DropReason, RpcCounters } from './rpc-stats.js';
import type { Variant } from './variant-types.js';
import { decodePacket, type PathTarget } from './wire.js';

/** Remote text quoted in a drop's reason is cut to this (the reason goes into a record). */
const QUOTE_LENGTH = 120;

export interface ReceiveContext {
  readonly peer: NetworkedMultiplayerPeer;
  readonly nodes: ExposedNodes;
  readonly sendCache: PathSendCache;
  readonly getCache: PathGetCache;
  readonly counters: RpcCounters;
  readonly decodeOptions: { exact: boolean; allowObjects: boolean };
  /** Counts the drop; records the first of each reason per peer. */
  drop(from: number, reason: DropReason, detail: string): void;
  /** `network_peer_packet(from, payload)`. */
  emitRaw(from: number, payload: Uint8Array): void;
  /** Runs an exposed method or setter; a throw is caught, counted and logged. */
  invoke(what: string, run: () => void): void;
}

/**
 * Godot 3's `_process_packet` for one packet from `from`: RAW to `network_peer_packet`,
 * SIMPLIFY_PATH stored and confirmed at once, CONFIRM_PATH marked, REMOTE_CALL/REMOTE_SET to an
 * exposed node's method or setter if its mode lets `from` call it. Anything else is dropped.
 */
export function processPacket(context: ReceiveContext, from: number, bytes: Uint8Array): void {
  const { counters } = context;
  counters.packetsRead++;
  counters.bytesReceived += bytes.byteLength;
  const decoded = decodePacket(bytes, context.decodeOptions);
  if (!decoded.ok) return context.drop(from, decoded.drop, decoded.reason);
  const packet = decoded.packet;
  switch (packet.command) {
    case 'raw':
      counters.countReceived('raw');
      if (packet.payload.byteLength === 0) return context.drop(from, 'malformed', 'a RAW packet without payload (Godot: "Invalid packet received. Size too small.")');
      return context.emitRaw(from, packet.payload);
    case 'simplify_path':
      counters.countReceived('simplify_path');
      return simplifyPath(context, from, packet.id, packet.path);
    case 'confirm_path': {
      counters.countReceived('confirm_path');
      const confirmed = context.sendCache.confirm(packet.path, from);
      if (confirmed === 'unknown_path') return context.drop(from, 'confirm_unknown_path', `CONFIRM_PATH for ${quote(packet.path)}, a path never sent (Godot: "Tries to confirm a path which was not found in cache.")`);
      if (confirmed === 'unannounced_peer') return context.drop(from, 'confirm_unannounced_peer', `CONFIRM_PATH for ${quote(packet.path)}, which was never announced to peer ${from} (Godot: "Source peer was not found in cache for the given path.")`);
      return;
    }
    case 'remote_call': {
      counters.countReceived('remote_call', packet.target.kind);
      const node = targetNode(context, from, packet.target);
      if (node === null) return;
      const method = node.methods.get(packet.method);
      if (method === undefined) return context.drop(from, 'unknown_method', `REMOTE_CALL of ${quote(packet.method)}, which ${node.path} does not expose`);
      if (!allowed(context, from, node, 'RPC', packet.method, method.mode)) return;
      if (method.argc !== null && method.argc !== packet.args.length) {
        return context.drop(from, 'wrong_argc', `RPC ${quote(packet.method)} on ${node.path}: expected ${method.argc} arguments, but called with ${packet.args.length}`);
      }
      const args: Variant[] = packet.args;
      return context.invoke(`the exposed method ${node.path}::${packet.method}`, () => method.call(...args));
    }
    case 'remote_set': {
      counters.countReceived('remote_set', packet.target.kind);
      const node = targetNode(context, from, packet.target);
      if (node === null) return;
      const property = node.properties.get(packet.property);
      if (property === undefined) return context.drop(from, 'unknown_property', `REMOTE_SET of ${quote(packet.property)}, which ${node.path} does not expose (Godot: "Error setting remote property")`);
      if (!allowed(context, from, node, 'RSET', packet.property, property.mode)) return;
      const value = packet.value;
      return context.invoke(`the exposed property ${node.path}:${packet.property}`, () => property.set(value));
    }
  }
}

/** `_process_simplify_path`: store (bounded), then answer CONFIRM_PATH on ch1 at once. */
function simplifyPath(context: ReceiveContext, from: number, id: number, path: string): void {
  if (path.length > MAX_WIRE_PATH_LENGTH) return context.drop(from, 'malformed', `SIMPLIFY_PATH with a path of ${path.length} characters, more than ${MAX_WIRE_PATH_LENGTH}`);
  if (context.getCache.store(from, id, path) === 'full') {
    return context.drop(from, 'path_cache_full', `SIMPLIFY_PATH ${id} ${quote(path)}: peer ${from} already holds as many cached paths as it may`);
  }
  confirmPath(context, from, path);
}

/** `_process_get_node`: the node a packet names, by its cached id from this sender or by its full path. */
function targetNode(context: ReceiveContext, from: number, target: PathTarget): ExposedNode | null {
  let path: string;
  if (target.kind === 'cached') {
    const found = context.getCache.lookup(from, target.id);
    if (!found.ok) {
      const why = found.drop === 'unknown_peer_cache' ? `peer ${from} has no path cache here` : `peer ${from} never announced path id ${target.id}`;
      context.drop(from, found.drop, `${why} (Godot: "Invalid packet received. Unabled to find requested cached node.")`);
      return null;
    }
    path = found.path;
  } else {
    path = target.path;
  }
  const node = context.nodes.resolve(path);
  if (node === undefined) context.drop(from, 'unknown_path', `no node is exposed at ${quote(path)} (Godot: "Failed to get path from RPC", "Requested node was not found.")`);
  return node ?? null;
}

function allowed(context: ReceiveContext, from: number, node: ExposedNode, kind: 'RPC' | 'RSET', name: string, mode: number): boolean {
  const ownId = context.peer.get_unique_id();
  if (canCallMode(mode as Parameters<typeof canCallMode>[0], node.master, ownId, from)) return true;
  context.drop(from, 'not_allowed', `${kind} ${quote(name)} is not allowed on node ${node.path} from: ${from}. Mode is ${mode}, master is ${node.master}.`);
  return false;
}

function quote(text: string): string {
  return JSON.stringify(cutText(text, QUOTE_LENGTH));
}
