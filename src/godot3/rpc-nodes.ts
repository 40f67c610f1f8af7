import { MAX_PEER_ID } from '../machines/signaling-lobby.js';
import { bad, describe, isInteger, ok, type Check } from '../api/arguments.js';
import { RPCMode, RPC_MODE_KEYWORDS, type RPCModeKeyword } from './constants.js';
import type { Variant } from './variant-types.js';

/** A method remotes may call on an exposed node: its RPC mode (GDScript's keyword), the function, and optionally how many arguments it takes. */
export interface ExposedMethod {
  mode: RPCModeKeyword | RPCMode;
  call: (...args: Variant[]) => void;
  /** When given, a call with another number of arguments is dropped (Godot: "Method expected N arguments"). */
  argc?: number;
}

/** A property remotes may set (`rset`) on an exposed node. */
export interface ExposedProperty {
  mode: RPCModeKeyword | RPCMode;
  set: (value: Variant) => void;
}

/** What `MultiplayerAPI.expose(path, node)` takes: this process's stand-in for a Godot node at a wire path. */
export interface ExposedNodeInit {
  methods?: Record<string, ExposedMethod>;
  properties?: Record<string, ExposedProperty>;
  /** The node's network master (Godot's `set_network_master`); 1 by default, as in Godot. */
  master?: number;
}

/** An exposed node as the API keeps it: own copies of the tables (later changes to the caller's object change nothing). */
export interface ExposedNode {
  readonly path: string;
  readonly methods: ReadonlyMap<string, { mode: RPCMode; call: (...args: Variant[]) => void; argc: number | null }>;
  readonly properties: ReadonlyMap<string, { mode: RPCMode; set: (value: Variant) => void }>;
  master: number;
}

/** Godot's NodePath max is not a limit, but ours is: a wire path or name longer than this is refused (sending) or dropped (receiving). */
export const MAX_WIRE_PATH_LENGTH = 4096;
export const MAX_NAME_LENGTH = 1024;
/** The largest peer id Godot 3 accepts (`initialize`/`add_peer`: 0 ≤ id ≤ 2^31 − 1): the one bound every layer uses. */
export { MAX_PEER_ID };

const DEFAULT_MASTER = 1;

/**
 * A wire path: what Godot sends, `root.get_path().rel_path_to(node.get_path())`, e.g. `Main/Target`
 * for `/root/Main/Target`. Relative, non-empty, no NUL (it is sent NUL-terminated), well-formed
 * UTF-16 (so its UTF-8 is exactly what was meant).
 */
export function checkWirePath(path: unknown, what = 'path'): Check<string> {
  const text = checkText(path, what, MAX_WIRE_PATH_LENGTH);
  if (!text.ok) return text;
  if (text.value.startsWith('/')) return bad(`${what} must be relative to /root (as Godot sends it: 'Main/Target' for /root/Main/Target), not the absolute ${describe(path)}`);
  return text;
}

/** A method or property name: non-empty, no NUL, well-formed. */
export function checkName(name: unknown, what: string): Check<string> {
  return checkText(name, what, MAX_NAME_LENGTH);
}

function checkText(value: unknown, what: string, max: number): Check<string> {
  if (typeof value !== 'string') return bad(`${what} must be a String, not ${describe(value)}`);
  if (value.length === 0) return bad(`${what} must not be empty`);
  if (value.length > max) return bad(`${what} has ${value.length} characters, more than the ${max} allowed`);
  if (value.includes('\0')) return bad(`${what} must not contain NUL (it is sent NUL-terminated)`);
  if (!isWellFormed(value)) return bad(`${what} has a lone surrogate: it has no UTF-8 form`);
  return ok(value);
}

/** Any object but an Array (a literal or a class instance: its own enumerable entries are read). */
function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isWellFormed(text: string): boolean {
  const native = (text as { isWellFormed?: () => boolean }).isWellFormed;
  if (typeof native === 'function') return native.call(text);
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}

/** A mode as its GDScript keyword (`'remote'`, `'puppetsync'`, `'disabled'`) or as an RPCMode number. */
export function checkMode(mode: unknown, what: string): Check<RPCMode> {
  if (typeof mode === 'string') {
    const index = (RPC_MODE_KEYWORDS as readonly string[]).indexOf(mode);
    if (index >= 0) return ok(index as RPCMode);
  } else if (isInteger(mode) && mode >= RPCMode.RPC_MODE_DISABLED && mode <= RPCMode.RPC_MODE_PUPPETSYNC) {
    return ok(mode as RPCMode);
  }
  return bad(`${what} must be one of ${RPC_MODE_KEYWORDS.join(', ')} or an RPCMode (0-6), not ${describe(mode)}`);
}

export function checkPeerId(id: unknown, what: string): Check<number> {
  if (!isInteger(id) || id < 0 || id > MAX_PEER_ID) return bad(`${what} must be a whole number from 0 to 2^31 - 1, not ${describe(id)}`);
  return ok(id);
}

/** `expose(path, node)`'s node, checked whole: a bad entry refuses the call and nothing is exposed. */
export function checkExposedNode(path: string, init: unknown): Check<ExposedNode> {
  if (!isRecord(init)) return bad(`node must be an object { methods?, properties?, master? }, not ${describe(init)}`);
  const methods = new Map<string, { mode: RPCMode; call: (...args: Variant[]) => void; argc: number | null }>();
  const properties = new Map<string, { mode: RPCMode; set: (value: Variant) => void }>();
  if (init.methods !== undefined) {
    if (!isRecord(init.methods)) return bad(`node.methods must be an object of name → { mode, call, argc? }, not ${describe(init.methods)}`);
    for (const [name, entry] of Object.entries(init.methods)) {
      const what = `node.methods[${JSON.stringify(name)}]`;
      const named = checkName(name, `the method name ${JSON.stringify(name)}`);
      if (!named.ok) return named;
      if (!isRecord(entry)) return bad(`${what} must be { mode, call, argc? }, not ${describe(entry)}`);
      const mode = checkMode(entry.mode, `${what}.mode`);
      if (!mode.ok) return mode;
      if (typeof entry.call !== 'function') return bad(`${what}.call must be a function, not ${describe(entry.call)}`);
      if (entry.argc !== undefined && (!isInteger(entry.argc) || entry.argc < 0 || entry.argc > 255)) {
        return bad(`${what}.argc must be a whole number from 0 to 255 (an RPC carries at most 255 arguments), not ${describe(entry.argc)}`);
      }
      methods.set(name, { mode: mode.value, call: entry.call as (...args: Variant[]) => void, argc: (entry.argc as number | undefined) ?? null });
    }
  }
  if (init.properties !== undefined) {
    if (!isRecord(init.properties)) return bad(`node.properties must be an object of name → { mode, set }, not ${describe(init.properties)}`);
    for (const [name, entry] of Object.entries(init.properties)) {
      const what = `node.properties[${JSON.stringify(name)}]`;
      const named = checkName(name, `the property name ${JSON.stringify(name)}`);
      if (!named.ok) return named;
      if (!isRecord(entry)) return bad(`${what} must be { mode, set }, not ${describe(entry)}`);
      const mode = checkMode(entry.mode, `${what}.mode`);
      if (!mode.ok) return mode;
      if (typeof entry.set !== 'function') return bad(`${what}.set must be a function, not ${describe(entry.set)}`);
      properties.set(name, { mode: mode.value, set: entry.set as (value: Variant) => void });
    }
  }
  let master = DEFAULT_MASTER;
  if (init.master !== undefined) {
    const id = checkPeerId(init.master, 'node.master');
    if (!id.ok) return id;
    master = id.value;
  }
  return ok({ path, methods, properties, master });
}

/** The nodes remotes can reach, by wire path. */
export class ExposedNodes {
  private readonly nodes = new Map<string, ExposedNode>();

  get(path: string): ExposedNode | undefined {
    return this.nodes.get(path);
  }

  /** A path as a remote sent it: Godot resolves it from /root, so `/root/Main/Target` is `Main/Target` too. */
  resolve(path: string): ExposedNode | undefined {
    return this.nodes.get(path.startsWith('/root/') ? path.slice('/root/'.length) : path);
  }

  has(path: string): boolean {
    return this.nodes.has(path);
  }

  add(node: ExposedNode): void {
    this.nodes.set(node.path, node);
  }

  delete(path: string): boolean {
    return this.nodes.delete(path);
  }

  /** A path's network master: an exposed node's, else Godot's default 1 (a remote node we only call). */
  masterOf(path: string): number {
    return this.nodes.get(path)?.master ?? DEFAULT_MASTER;
  }

  paths(): string[] {
    return [...this.nodes.keys()];
  }
}

/** Godot 3's `_can_call_mode`: may `remoteId` call (or set) something of this mode on a node whose master is `master`, here where our id is `ownId`? */
export function canCallMode(mode: RPCMode, master: number, ownId: number, remoteId: number): boolean {
  const isMaster = master === ownId;
  switch (mode) {
    case RPCMode.RPC_MODE_REMOTE:
    case RPCMode.RPC_MODE_REMOTESYNC:
      return true;
    case RPCMode.RPC_MODE_MASTER:
    case RPCMode.RPC_MODE_MASTERSYNC:
      return isMaster;
    case RPCMode.RPC_MODE_PUPPET:
    case RPCMode.RPC_MODE_PUPPETSYNC:
      return !isMaster && remoteId === master;
    default:
      return false;
  }
}

/**
 * Godot 3's `_should_call_local`: whether an rpc/rset that reaches this process too (broadcast,
 * our own id, or an exclude that is not us) runs locally, and whether the remote send is skipped
 * (`master`/`mastersync` on the master: only the local call).
 */
export function shouldCallLocal(mode: RPCMode, isMaster: boolean): { local: boolean; skipRemote: boolean } {
  switch (mode) {
    case RPCMode.RPC_MODE_MASTERSYNC:
      return { local: true, skipRemote: isMaster };
    case RPCMode.RPC_MODE_REMOTESYNC:
    case RPCMode.RPC_MODE_PUPPETSYNC:
      return { local: true, skipRemote: false };
    case RPCMode.RPC_MODE_MASTER:
      return { local: isMaster, skipRemote: isMaster };
    case RPCMode.RPC_MODE_PUPPET:
      return { local: !isMaster, skipRemote: false };
    default:
      return { local: false, skipRemote: false };
  }
}
