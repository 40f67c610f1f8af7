import { MAX_PEER_ID } from './signaling-lobby.js';

/**
 * What Godot 3's `webrtcMultiplayerMachine` and Godot 4's `webrtcMultiplayerPeerMachine` share:
 * the peer map by id in their context, the events that change it, their guards, the context
 * each event makes, why a guard refuses, and how a record names these events. Each machine adds
 * how it is set up (initialize / create_*) and when its server link moves it. Pure: no I/O.
 */
export type MultiplayerStateName = 'disconnected' | 'connecting' | 'connected';

export type PeerMapEvent =
  | { type: 'set_refuse_new_connections'; enable: boolean }
  | { type: 'add_peer'; id: number }
  /** Its connection was connected and all its channels open at a poll (or an event dispatch): it counts as connected. */
  | { type: 'peer_connected'; id: number }
  /** Peer `id` left the map: remove_peer(), disconnect_peer(force) (Godot 4), or at a poll its connection or a channel had ended. */
  | { type: 'peer_removed'; id: number }
  | { type: 'close' };

/** Why the multiplayer peer went back to disconnected. */
export interface MultiplayerEnd {
  by: 'close' | 'server_disconnected' | 'connection_failed';
  from: Exclude<MultiplayerStateName, 'disconnected'>;
}

export interface PeerMapContext {
  /** initialize()'s or create_*'s id; 0 before it and after close(). */
  uniqueId: number;
  refusing: boolean;
  /** Every peer in the map, ascending (Godot's Map order: get_packet's round robin and broadcasts follow it). */
  peers: number[];
  /** The peers in the map that count as connected, ascending. */
  connected: number[];
  /** How it last went back to disconnected; null while initialized and before the first end. */
  ended: MultiplayerEnd | null;
}

/** Any event of either machine, as the shared guards and assigners read it. */
interface AnyMultiplayerEvent {
  type: string;
  id?: number;
  enable?: boolean;
}

interface Args {
  context: PeerMapContext;
  event: AnyMultiplayerEvent;
}

const inRange = (id: number | undefined): boolean => id !== undefined && Number.isInteger(id) && id >= 1 && id <= MAX_PEER_ID;
const aboutPeer = (event: AnyMultiplayerEvent): event is AnyMultiplayerEvent & { id: number } => event.type === 'peer_connected' || event.type === 'peer_removed';

/** `self_id_in_range` of the event that sets the peer up (`initialize`, `create`). */
export const selfIdInRange =
  (type: string) =>
  ({ event }: Args): boolean =>
    event.type === type && inRange(event.id);

/** The guards of add_peer, peer_connected and peer_removed, by the names both machines give them. */
export const peerMapGuards = {
  accepts_new_connections: ({ context }: Args) => !context.refusing,
  peer_id_in_range: ({ event }: Args) => event.type === 'add_peer' && inRange(event.id),
  peer_id_unused: ({ context, event }: Args) => event.type === 'add_peer' && !context.peers.includes(event.id!),
  peer_in_map: ({ context, event }: Args) => aboutPeer(event) && context.peers.includes(event.id),
  peer_not_connected: ({ context, event }: Args) => event.type === 'peer_connected' && !context.connected.includes(event.id!),
};

const ascending = (ids: number[]): number[] => ids.sort((a, b) => a - b);

/** What the shared events make of the context: each machine calls them from its own `assign` (so that xstate types them by its context). */
export const peerMapAssigners = {
  setRefusing: ({ event }: Args) => (event.type === 'set_refuse_new_connections' ? { refusing: event.enable! } : {}),
  addPeer: ({ context, event }: Args) => (event.type === 'add_peer' ? { peers: ascending([...context.peers, event.id!]) } : {}),
  markConnected: ({ context, event }: Args) => (event.type === 'peer_connected' ? { connected: ascending([...context.connected, event.id!]) } : {}),
  removePeer: ({ context, event }: Args) =>
    event.type === 'peer_removed' ? { peers: context.peers.filter((id) => id !== event.id), connected: context.connected.filter((id) => id !== event.id) } : {},
  ended: (_: unknown, params: MultiplayerEnd) => ({ ended: { by: params.by, from: params.from } }),
};

/** The `ended` action with its params, for a transition's actions. */
export const ended = (by: MultiplayerEnd['by'], from: MultiplayerEnd['from']) => ({ type: 'ended' as const, params: { by, from } });

type Reason = (context: PeerMapContext, event: AnyMultiplayerEvent) => string;
const idOf = (event: AnyMultiplayerEvent): string => (event.id === undefined ? '?' : String(event.id));

/** Why the shared guards refuse; `unusedNote` follows peer_id_unused's reason. */
export function peerMapGuardReasons(unusedNote: string): Record<string, Reason> {
  return {
    self_id_in_range: (_, event) => `the peer id must be a whole number from 1 to ${MAX_PEER_ID}, not ${idOf(event)}`,
    accepts_new_connections: () => 'set_refuse_new_connections(true) is in force: no peer may be added',
    peer_id_in_range: (_, event) => `the peer id must be a whole number from 1 to ${MAX_PEER_ID}, not ${idOf(event)}`,
    peer_id_unused: (_, event) => `a peer with id ${idOf(event)} is already in the peer map: remove_peer() it first${unusedNote}`,
    peer_in_map: () => 'no peer with that id is in the peer map',
    peer_not_connected: () => 'that peer already counts as connected',
  };
}

/** A shared event as its record names it: `add_peer(3)`, `peer_connected(1)`, `peer_removed(3)`, `set_refuse_new_connections(true)`, `close`. */
export function describePeerMapEvent(event: PeerMapEvent): string {
  switch (event.type) {
    case 'set_refuse_new_connections':
      return `set_refuse_new_connections(${event.enable})`;
    case 'add_peer':
    case 'peer_connected':
    case 'peer_removed':
      return `${event.type}(${event.id})`;
    case 'close':
      return 'close';
  }
}

/** A record's event text as `type` and the text between its parentheses (undefined if none), or null. */
export function splitEventText(text: string): { type: string; argument: string | undefined } | null {
  const match = /^([a-z_]+)(?:\((.*)\))?$/.exec(text);
  return match === null ? null : { type: match[1]!, argument: match[2] };
}

/** describePeerMapEvent's inverse, from splitEventText's parts; null if it names no shared event. */
export function parsePeerMapEvent(type: string, argument: string | undefined): PeerMapEvent | null {
  const first = (argument ?? '').split(',')[0];
  switch (type) {
    case 'set_refuse_new_connections':
      return first === 'true' || first === 'false' ? { type, enable: first === 'true' } : null;
    case 'add_peer':
    case 'peer_connected':
    case 'peer_removed':
      return argument === undefined ? null : { type, id: Number(first) };
    case 'close':
      return argument === undefined ? { type } : null;
    default:
      return null;
  }
}

/** What add_peer (with its machine's guard), set_refuse_new_connections and close do in both live states. */
export const liveTransitions = <Guard>(from: MultiplayerEnd['from'], addPeerGuard: Guard) => ({
  add_peer: { guard: addPeerGuard, actions: 'addPeer' as const },
  set_refuse_new_connections: { actions: 'setRefusing' as const },
  close: { target: 'disconnected' as const, actions: ['clear' as const, ended('close', from)] },
});
