import { describe, isInteger } from '../api/arguments.js';
import { GodotError } from '../godot/constants.js';
import { log } from '../log.js';
import { ConnectionStatus } from './constants.js';
import type { NetworkedMultiplayerPeer } from './networked-peer.js';
import type { PathSendCache } from './path-cache.js';
import { ExposedNodes, MAX_PEER_ID, checkExposedNode, checkName, checkPeerId, checkWirePath, shouldCallLocal, type ExposedNodeInit } from './rpc-nodes.js';
import { sendRemote, type RemoteCommand } from './rpc-send.js';
import type { RpcCounters } from './rpc-stats.js';
import { encodeVariants } from './variant.js';
import type { Variant } from './variant-types.js';

/**
 * The Node side of MultiplayerAPI (Godot's `Node.rpc*`, `Node.rset*`, `set_network_master`, and
 * `MultiplayerAPI.rpcp`/`rsetp`), for a process whose "scene" is a set of wire paths: `expose`
 * says what remotes may call or set at a path; calling a path needs no exposure (it is just the
 * path of a node on the other side). Kept apart from multiplayer-api.ts only for size.
 */
export abstract class MultiplayerNodes {
  protected peer: NetworkedMultiplayerPeer | null = null;
  /** Godot's `connected_peers`: ids announced by the peer's `peer_connected`. */
  protected readonly connected = new Set<number>();
  protected readonly nodes = new ExposedNodes();
  protected rpcSenderId = 0;

  constructor(
    protected readonly sendCache: PathSendCache,
    protected readonly counters: RpcCounters,
  ) {}

  protected abstract refuse(method: string, code: GodotError, reason: string): GodotError;

  protected connectedPeers(): number[] {
    return [...this.connected].sort((a, b) => a - b);
  }

  /** Makes `node`'s methods and properties callable by remotes at the wire path `path` (`Main/Target` for /root/Main/Target). */
  expose(path: string, node: ExposedNodeInit): GodotError {
    const checked = checkWirePath(path);
    if (!checked.ok) return this.refuseArgument('expose', checked.reason);
    if (this.nodes.has(path)) return this.refuse('expose', GodotError.ERR_ALREADY_EXISTS, `a node is exposed at ${JSON.stringify(path)} already (unexpose it first)`);
    const exposed = checkExposedNode(path, node);
    if (!exposed.ok) return this.refuseArgument('expose', exposed.reason);
    this.nodes.add(exposed.value);
    return GodotError.OK;
  }

  unexpose(path: string): GodotError {
    const checked = checkWirePath(path);
    if (!checked.ok) return this.refuseArgument('unexpose', checked.reason);
    if (!this.nodes.delete(path)) return this.refuse('unexpose', GodotError.ERR_DOES_NOT_EXIST, `no node is exposed at ${JSON.stringify(path)}`);
    return GodotError.OK;
  }

  /** Godot's `Node.set_network_master(id)` for an exposed node. */
  set_network_master(path: string, id: number): GodotError {
    const checked = checkWirePath(path);
    if (!checked.ok) return this.refuseArgument('set_network_master', checked.reason);
    const master = checkPeerId(id, 'id');
    if (!master.ok) return this.refuseArgument('set_network_master', master.reason);
    const node = this.nodes.get(path);
    if (node === undefined) return this.refuse('set_network_master', GodotError.ERR_DOES_NOT_EXIST, `no node is exposed at ${JSON.stringify(path)}`);
    node.master = master.value;
    return GodotError.OK;
  }

  /** The network master of the node at `path` (1, Godot's default, for a path not exposed here). */
  get_network_master(path: string): number {
    return this.nodes.masterOf(path);
  }

  rpc(path: string, method: string, ...args: Variant[]): GodotError {
    return this.rpcp('rpc', 0, false, path, method, args);
  }

  rpc_id(id: number, path: string, method: string, ...args: Variant[]): GodotError {
    return this.rpcp('rpc_id', id, false, path, method, args);
  }

  rpc_unreliable(path: string, method: string, ...args: Variant[]): GodotError {
    return this.rpcp('rpc_unreliable', 0, true, path, method, args);
  }

  rpc_unreliable_id(id: number, path: string, method: string, ...args: Variant[]): GodotError {
    return this.rpcp('rpc_unreliable_id', id, true, path, method, args);
  }

  rset(path: string, property: string, value: Variant): GodotError {
    return this.rsetp('rset', 0, false, path, property, value);
  }

  rset_id(id: number, path: string, property: string, value: Variant): GodotError {
    return this.rsetp('rset_id', id, false, path, property, value);
  }

  rset_unreliable(path: string, property: string, value: Variant): GodotError {
    return this.rsetp('rset_unreliable', 0, true, path, property, value);
  }

  rset_unreliable_id(id: number, path: string, property: string, value: Variant): GodotError {
    return this.rsetp('rset_unreliable_id', id, true, path, property, value);
  }

  /** Godot's `rpcp` + `_send_rpc`, with every check made before anything is sent or called. */
  private rpcp(api: string, to: unknown, unreliable: boolean, path: unknown, method: unknown, args: unknown[]): GodotError {
    const target = this.checkCall(api, to, path, method, 'method');
    if (typeof target !== 'object') return target;
    if (args.length > 255) return this.refuseArgument(api, `Too many arguments >255 (${args.length}): an RPC carries at most 255`);
    const { peer, ownId } = target;
    const name = method as string;
    const wirePath = path as string;
    const entry = this.nodes.get(wirePath)?.methods.get(name);
    const { local, skip } = this.localCall(to as number, ownId, wirePath, entry?.mode);
    if (skip && !local) return this.refuse(api, GodotError.ERR_UNAUTHORIZED, `RPC '${name}' on yourself is not allowed by selected mode.`);
    if (local && entry!.argc !== null && entry!.argc !== args.length) {
      return this.refuseArgument(api, `${wirePath}::${name} takes ${entry!.argc} arguments, not ${args.length} (the local call would fail)`);
    }
    let code: GodotError = GodotError.OK;
    if (skip) {
      const encoded = encodeVariants(args);
      if (!encoded.ok) return this.refuseArgument(api, encoded.reason);
    } else {
      const unknown = this.unknownTarget(to as number);
      if (unknown !== null) return this.refuseArgument(api, unknown);
      const sent = sendRemote(this.sendContext(peer), to as number, unreliable, wirePath, { command: 'remote_call', method: name, args: args as Variant[] });
      if (!sent.ok) return this.refuseArgument(api, sent.reason);
      code = sent.code;
    }
    // As in Godot, the local call happens whatever the remote puts returned.
    if (local) this.callLocally(ownId, `the local call of ${wirePath}::${name}`, () => entry!.call(...(args as Variant[])));
    return code;
  }

  /** Godot's `rsetp`. */
  private rsetp(api: string, to: unknown, unreliable: boolean, path: unknown, property: unknown, value: unknown): GodotError {
    const target = this.checkCall(api, to, path, property, 'property');
    if (typeof target !== 'object') return target;
    const { peer, ownId } = target;
    const name = property as string;
    const wirePath = path as string;
    const entry = this.nodes.get(wirePath)?.properties.get(name);
    const { local, skip } = this.localCall(to as number, ownId, wirePath, entry?.mode);
    if (skip && !local) return this.refuse(api, GodotError.ERR_UNAUTHORIZED, `RSET for '${name}' on yourself is not allowed by selected mode.`);
    let code: GodotError = GodotError.OK;
    if (skip) {
      const encoded = encodeVariants([value]);
      if (!encoded.ok) return this.refuseArgument(api, encoded.reason);
    } else {
      const unknown = this.unknownTarget(to as number);
      if (unknown !== null) return this.refuseArgument(api, unknown);
      const remote: RemoteCommand = { command: 'remote_set', property: name, value: value as Variant };
      const sent = sendRemote(this.sendContext(peer), to as number, unreliable, wirePath, remote);
      if (!sent.ok) return this.refuseArgument(api, sent.reason);
      code = sent.code;
    }
    if (local) this.callLocally(ownId, `the local set of ${wirePath}:${name}`, () => entry!.set(value as Variant));
    return code;
  }

  /** The argument, peer and status checks common to rpc* and rset*: the peer and our id, or the refusal's code. */
  private checkCall(api: string, to: unknown, path: unknown, name: unknown, what: 'method' | 'property'): { peer: NetworkedMultiplayerPeer; ownId: number } | GodotError {
    if (!isInteger(to) || Math.abs(to) > MAX_PEER_ID) return this.refuseArgument(api, `id must be a peer id (0 every peer, -n every peer but n), not ${describe(to)}`);
    const checkedPath = checkWirePath(path);
    if (!checkedPath.ok) return this.refuseArgument(api, checkedPath.reason);
    const checkedName = checkName(name, what);
    if (!checkedName.ok) return this.refuseArgument(api, checkedName.reason);
    const peer = this.peer;
    const noun = what === 'method' ? 'call an RPC' : 'RSET';
    if (peer === null) return this.refuse(api, GodotError.ERR_UNCONFIGURED, `Trying to ${noun} while no network peer is active.`);
    if (peer.get_connection_status() !== ConnectionStatus.CONNECTION_CONNECTED) {
      return this.refuse(api, GodotError.ERR_UNCONFIGURED, `Trying to ${what === 'method' ? 'call an RPC' : 'send an RSET'} via a network peer which is not connected.`);
    }
    return { peer, ownId: peer.get_unique_id() };
  }

  /**
   * `_should_call_local` where the call reaches us too (broadcast, our id, or an exclude of
   * another peer): a local call, and whether the remote send is skipped (a call to our own id,
   * or `master*` on the master).
   */
  private localCall(to: number, ownId: number, path: string, mode: number | undefined): { local: boolean; skip: boolean } {
    let skip = to === ownId;
    let local = false;
    if (mode !== undefined && (to === 0 || to === ownId || (to < 0 && to !== -ownId))) {
      const decision = shouldCallLocal(mode as Parameters<typeof shouldCallLocal>[0], this.nodes.masterOf(path) === ownId);
      local = decision.local;
      skip ||= decision.skipRemote;
    }
    return { local, skip };
  }

  /** Godot's check in `_send_rpc`: a target other than 0 must be (minus) a connected peer. */
  private unknownTarget(to: number): string | null {
    if (to === 0 || this.connected.has(Math.abs(to))) return null;
    return `Attempt to remote call unexisting ID: ${to}.`;
  }

  private callLocally(ownId: number, what: string, run: () => void): void {
    const previous = this.rpcSenderId;
    this.rpcSenderId = ownId;
    try {
      run();
    } catch (error) {
      this.counters.handlerErrors++;
      log('error', 'listener', `MultiplayerAPI: ${what} threw`, error);
    } finally {
      this.rpcSenderId = previous;
    }
  }

  private sendContext(peer: NetworkedMultiplayerPeer) {
    return { peer, cache: this.sendCache, connected: this.connectedPeers(), counters: this.counters };
  }

  protected refuseArgument(method: string, reason: string): GodotError {
    return this.refuse(method, GodotError.ERR_INVALID_PARAMETER, reason);
  }
}
