import { and, assign, not, setup } from 'xstate';
import { MAX_PEER_ID } from './signaling-lobby.js';

/**
 * Godot 3's `WebRTCMultiplayer` by its connection status: disconnected (new, or after close(), or
 * after a `server_compatibility` client lost its server) → connecting (a `server_compatibility`
 * client whose link to 1 is not up yet) → connected (a mesh peer or the server at once; a client
 * once 1 is). Its context is the peer map by id: who was added and who is connected (all three
 * channels open at a poll). Packets, targets and transfer modes never pass through it.
 *
 * Beyond Godot 3 (README, "WebRTCMultiplayer (Godot 3)"): ids are 1..2^31−1; initialize() is
 * refused while initialized; add_peer() is refused before initialize(), and for an id already in
 * the map; a `server_compatibility` client whose link to 1 ends before it connected goes to
 * disconnected with `connection_failed` (Godot 3 stays CONNECTING for ever).
 */
export type WebRTCMultiplayerStateName = 'disconnected' | 'connecting' | 'connected';

export type WebRTCMultiplayerEvent =
  | { type: 'initialize'; id: number; serverCompatibility: boolean }
  | { type: 'set_refuse_new_connections'; enable: boolean }
  | { type: 'add_peer'; id: number }
  /** All three channels of peer `id` were open at a poll (or an event dispatch): it counts as connected. */
  | { type: 'peer_connected'; id: number }
  /** Peer `id` left the map: remove_peer(), or at a poll its connection or one of its channels had ended. */
  | { type: 'peer_removed'; id: number }
  | { type: 'close' };

/** Why the multiplayer peer went back to disconnected. */
export interface MultiplayerEnd {
  by: 'close' | 'server_disconnected' | 'connection_failed';
  from: Exclude<WebRTCMultiplayerStateName, 'disconnected'>;
}

export interface WebRTCMultiplayerContext {
  /** initialize()'s id; 0 before it and after close(). */
  uniqueId: number;
  serverCompatibility: boolean;
  refusing: boolean;
  /** Every peer in the map, ascending (Godot's Map order: get_packet's round robin and broadcasts follow it). */
  peers: number[];
  /** The peers in the map that count as connected, ascending. */
  connected: number[];
  /** How it last went back to disconnected; null while initialized and before the first end. */
  ended: MultiplayerEnd | null;
}

type LiveState = MultiplayerEnd['from'];

const ended = (by: MultiplayerEnd['by'], from: LiveState) => ({ type: 'ended' as const, params: { by, from } });

/** What add_peer, peer_connected, peer_removed and set_refuse_new_connections do in both live states. */
const peerMap = (from: LiveState) => ({
  add_peer: { guard: and(['accepts_new_connections', 'peer_id_in_range', 'peer_id_unused']), actions: 'addPeer' as const },
  set_refuse_new_connections: { actions: 'setRefusing' as const },
  close: { target: 'disconnected' as const, actions: ['clear' as const, ended('close', from)] },
});

export const webrtcMultiplayerMachine = setup({
  types: {
    context: {} as WebRTCMultiplayerContext,
    events: {} as WebRTCMultiplayerEvent,
  },
  guards: {
    self_id_in_range: ({ event }) => event.type === 'initialize' && Number.isInteger(event.id) && event.id >= 1 && event.id <= MAX_PEER_ID,
    /** `initialize(id ≠ 1, true)`: a client that waits for its link to the server (1). */
    server_compatible_client: ({ event }) => event.type === 'initialize' && event.serverCompatibility && event.id !== 1,
    accepts_new_connections: ({ context }) => !context.refusing,
    peer_id_in_range: ({ event }) => event.type === 'add_peer' && Number.isInteger(event.id) && event.id >= 1 && event.id <= MAX_PEER_ID,
    peer_id_unused: ({ context, event }) => event.type === 'add_peer' && !context.peers.includes(event.id),
    peer_in_map: ({ context, event }) => (event.type === 'peer_connected' || event.type === 'peer_removed') && context.peers.includes(event.id),
    peer_not_connected: ({ context, event }) => event.type === 'peer_connected' && !context.connected.includes(event.id),
    /** The event is about peer 1 of a `server_compatibility` client (its server). */
    server_link: ({ context, event }) =>
      (event.type === 'peer_connected' || event.type === 'peer_removed') && context.serverCompatibility && context.uniqueId !== 1 && event.id === 1,
    has_peers: ({ context }) => context.peers.length > 0,
  },
  actions: {
    initialized: assign(({ event }) => (event.type === 'initialize' ? { uniqueId: event.id, serverCompatibility: event.serverCompatibility, ended: null } : {})),
    setRefusing: assign(({ event }) => (event.type === 'set_refuse_new_connections' ? { refusing: event.enable } : {})),
    addPeer: assign(({ context, event }) => (event.type === 'add_peer' ? { peers: [...context.peers, event.id].sort((a, b) => a - b) } : {})),
    markConnected: assign(({ context, event }) =>
      event.type === 'peer_connected' ? { connected: [...context.connected, event.id].sort((a, b) => a - b) } : {},
    ),
    removePeer: assign(({ context, event }) =>
      event.type === 'peer_removed' ? { peers: context.peers.filter((id) => id !== event.id), connected: context.connected.filter((id) => id !== event.id) } : {},
    ),
    clear: assign({ peers: [], connected: [], uniqueId: 0 }),
    ended: assign((_, params: MultiplayerEnd) => ({ ended: { by: params.by, from: params.from } })),
  },
}).createMachine({
  id: 'webrtcMultiplayer',
  initial: 'disconnected',
  context: { uniqueId: 0, serverCompatibility: false, refusing: false, peers: [], connected: [], ended: null },
  states: {
    disconnected: {
      on: {
        initialize: [
          { guard: and(['self_id_in_range', 'server_compatible_client']), target: 'connecting', actions: 'initialized' },
          { guard: 'self_id_in_range', target: 'connected', actions: 'initialized' },
        ],
        set_refuse_new_connections: { actions: 'setRefusing' },
        // A client that lost its server keeps its other peers (as Godot 3 does) until close().
        peer_connected: { guard: and(['peer_in_map', 'peer_not_connected']), actions: 'markConnected' },
        peer_removed: { guard: 'peer_in_map', actions: 'removePeer' },
        close: { guard: 'has_peers', actions: 'clear' },
      },
    },
    connecting: {
      on: {
        ...peerMap('connecting'),
        peer_connected: [
          { guard: and(['server_link', 'peer_in_map', 'peer_not_connected']), target: 'connected', actions: 'markConnected' },
          { guard: and(['peer_in_map', 'peer_not_connected']), actions: 'markConnected' },
        ],
        peer_removed: [
          { guard: and(['server_link', 'peer_in_map']), target: 'disconnected', actions: ['removePeer', ended('connection_failed', 'connecting')] },
          { guard: 'peer_in_map', actions: 'removePeer' },
        ],
      },
    },
    connected: {
      on: {
        ...peerMap('connected'),
        peer_connected: { guard: and(['peer_in_map', 'peer_not_connected']), actions: 'markConnected' },
        peer_removed: [
          { guard: and(['server_link', 'peer_in_map']), target: 'disconnected', actions: ['removePeer', ended('server_disconnected', 'connected')] },
          { guard: and(['peer_in_map', not('server_link')]), actions: 'removePeer' },
        ],
      },
    },
  },
});

/** Why each guard of the machine refuses, for refusal records (`MachineHandle.explain`). */
export const webrtcMultiplayerGuardReasons: Record<string, (context: WebRTCMultiplayerContext, event: WebRTCMultiplayerEvent) => string> = {
  self_id_in_range: (_, event) => `the peer id must be a whole number from 1 to ${MAX_PEER_ID}, not ${event.type === 'initialize' ? String(event.id) : '?'}`,
  accepts_new_connections: () => 'set_refuse_new_connections(true) is in force: no peer may be added',
  peer_id_in_range: (_, event) => `the peer id must be a whole number from 1 to ${MAX_PEER_ID}, not ${event.type === 'add_peer' ? String(event.id) : '?'}`,
  peer_id_unused: (_, event) => `a peer with id ${event.type === 'add_peer' ? event.id : '?'} is already in the peer map: remove_peer() it first`,
  peer_in_map: () => 'no peer with that id is in the peer map',
  peer_not_connected: () => 'that peer already counts as connected',
};

/**
 * An event as its record names it, with what a replay needs: `initialize(2,server_compatibility)`,
 * `initialize(1)`, `add_peer(3)`, `peer_connected(1)`, `peer_removed(3)`,
 * `set_refuse_new_connections(true)`, `close`.
 */
export function describeMultiplayerEvent(event: WebRTCMultiplayerEvent): string {
  switch (event.type) {
    case 'initialize':
      return `initialize(${event.id}${event.serverCompatibility ? ',server_compatibility' : ''})`;
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

/** The event a record's `event` text names (describeMultiplayerEvent's inverse), or null. */
export function parseMultiplayerEvent(text: string): WebRTCMultiplayerEvent | null {
  const match = /^([a-z_]+)(?:\((.*)\))?$/.exec(text);
  if (match === null) return null;
  const [, type, argument] = match;
  const [first, second] = (argument ?? '').split(',');
  const id = Number(first);
  switch (type) {
    case 'initialize':
      return argument === undefined ? null : { type, id, serverCompatibility: second === 'server_compatibility' };
    case 'set_refuse_new_connections':
      return first === 'true' || first === 'false' ? { type, enable: first === 'true' } : null;
    case 'add_peer':
    case 'peer_connected':
    case 'peer_removed':
      return argument === undefined ? null : { type, id };
    case 'close':
      return argument === undefined ? { type } : null;
    default:
      return null;
  }
}
