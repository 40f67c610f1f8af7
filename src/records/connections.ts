import type { WebRTCPeerConnection } from '../api/peer-connection.js';
import { log } from '../log.js';

/**
 * The connections of this process, for tools that show them (the inspector). Held weakly: a
 * connection its owner dropped is forgotten once it is collected, so a long-running server that
 * creates many connections does not keep them alive by being inspectable.
 *
 * @example
 * ```ts
 * const stop = onConnectionCreated((pc) => console.log('new connection', pc.id));
 * for (const pc of liveConnections()) console.log(pc.id, pc.get_machine_states());
 * ```
 */
type Listener = (connection: WebRTCPeerConnection) => void;

const known = new Set<WeakRef<WebRTCPeerConnection>>();
// A collected connection's entry goes when it is collected, not when someone next lists them.
const forgetting = new FinalizationRegistry<WeakRef<WebRTCPeerConnection>>((ref) => known.delete(ref));
const listeners = new Set<Listener>();

/** @internal Called by the WebRTCPeerConnection constructor. */
export function registerConnection(connection: WebRTCPeerConnection): void {
  const ref = new WeakRef(connection);
  known.add(ref);
  forgetting.register(connection, ref);
  for (const listener of listeners) {
    try {
      listener(connection);
    } catch (error) {
      log('error', 'observer', 'a connection observer threw', error);
    }
  }
}

/** Calls `listener` with every connection created from now on; returns a function that stops it. */
export function onConnectionCreated(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The connections created in this process that are still referenced (closed ones included), oldest first. */
export function liveConnections(): WebRTCPeerConnection[] {
  const result: WebRTCPeerConnection[] = [];
  for (const ref of known) {
    const connection = ref.deref();
    if (connection === undefined) known.delete(ref);
    else result.push(connection);
  }
  return result;
}

/** @internal How many connections the registry still has an entry for (collected ones leave it soon after they are collected). */
export function registeredConnectionCount(): number {
  return known.size;
}
