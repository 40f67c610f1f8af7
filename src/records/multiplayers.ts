import type { MachineHandle } from '../api/machine-handle.js';
import { log } from '../log.js';
import type { ConnectionRecord, MultiplayerMachineName } from './record.js';
import type { Recorder } from './recorder.js';

/** The machine of a multiplayer itself: Godot 3's WebRTCMultiplayer, Godot 4's WebRTCMultiplayerPeer. */
export type OwnMultiplayerMachineName = Exclude<MultiplayerMachineName, 'multiplayerRemote'>;

/** A multiplayer as it is now, read from its own machine and its recorder. */
export interface LiveMultiplayer {
  machine: OwnMultiplayerMachineName;
  /** Its records' `connection`: `mp-1`, `mp4-1`. */
  name: string;
  state: string;
  /** Its machine's context (`WebRTCMultiplayerContext` or `WebRTCMultiplayerPeerContext`). */
  context: Readonly<Record<string, unknown>>;
  /** The records its recorder still keeps, oldest first. */
  records(): ConnectionRecord[];
}

type Listener = (multiplayer: LiveMultiplayer) => void;
type OwnHandle = MachineHandle<never>;

/**
 * The multiplayers of this process, for tools that show them (the inspector), found through their
 * own machine's handle as it is made (the multiplayer classes need not know). Held weakly, like
 * the connections (connections.ts): a multiplayer its owner dropped is forgotten once collected.
 */
const known = new Set<WeakRef<OwnHandle>>();
const recorders = new WeakMap<OwnHandle, Recorder>();
const forgetting = new FinalizationRegistry<WeakRef<OwnHandle>>((ref) => known.delete(ref));
const listeners = new Set<Listener>();

export function isOwnMultiplayerMachine(name: string): name is OwnMultiplayerMachineName {
  return name === 'webrtcMultiplayer' || name === 'webrtcMultiplayerPeer';
}

/** @internal Called by the MachineHandle constructor for a multiplayer's own machine. */
export function registerMultiplayerMachine(handle: MachineHandle<any>, recorder: Recorder): void {
  const ref = new WeakRef(handle as OwnHandle);
  known.add(ref);
  recorders.set(handle as OwnHandle, recorder);
  forgetting.register(handle, ref);
  if (listeners.size === 0) return;
  const live = liveOf(handle as OwnHandle);
  for (const listener of listeners) {
    try {
      listener(live);
    } catch (error) {
      log('error', 'observer', 'a multiplayer observer threw', error);
    }
  }
}

/** Calls `listener` with every multiplayer made from now on (as its machine is made: before its first record); returns a function that stops it. */
export function onMultiplayerCreated(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The multiplayers made in this process that are still referenced (closed ones included), oldest first. */
export function liveMultiplayers(): LiveMultiplayer[] {
  const result: LiveMultiplayer[] = [];
  for (const ref of known) {
    const handle = ref.deref();
    if (handle === undefined) known.delete(ref);
    else result.push(liveOf(handle));
  }
  return result;
}

function liveOf(handle: OwnHandle): LiveMultiplayer {
  const recorder = recorders.get(handle)!;
  return {
    machine: handle.name as OwnMultiplayerMachineName,
    name: recorder.connection,
    state: handle.state,
    context: handle.snapshot.context as Record<string, unknown>,
    records: () => recorder.list(),
  };
}
