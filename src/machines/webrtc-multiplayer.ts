import { and, assign, not, setup } from 'xstate';
import {
  describePeerMapEvent,
  ended,
  liveTransitions,
  parsePeerMapEvent,
  peerMapAssigners,
  peerMapGuardReasons,
  peerMapGuards,
  selfIdInRange,
  splitEventText,
  type MultiplayerEnd,
  type MultiplayerStateName,
  type PeerMapContext,
  type PeerMapEvent,
} from './multiplayer-peer-map.js';

export type { MultiplayerEnd } from './multiplayer-peer-map.js';

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
export type WebRTCMultiplayerStateName = MultiplayerStateName;

export type WebRTCMultiplayerEvent = { type: 'initialize'; id: number; serverCompatibility: boolean } | PeerMapEvent;

export interface WebRTCMultiplayerContext extends PeerMapContext {
  serverCompatibility: boolean;
}

/** add_peer's checks, in the order Godot 3's add_peer makes them. */
const ADD_PEER_GUARDS = ['accepts_new_connections', 'peer_id_in_range', 'peer_id_unused'] as const;

export const webrtcMultiplayerMachine = setup({
  types: {
    context: {} as WebRTCMultiplayerContext,
    events: {} as WebRTCMultiplayerEvent,
  },
  guards: {
    self_id_in_range: selfIdInRange('initialize'),
    /** `initialize(id ≠ 1, true)`: a client that waits for its link to the server (1). */
    server_compatible_client: ({ event }) => event.type === 'initialize' && event.serverCompatibility && event.id !== 1,
    ...peerMapGuards,
    /** The event is about peer 1 of a `server_compatibility` client (its server). */
    server_link: ({ context, event }) =>
      (event.type === 'peer_connected' || event.type === 'peer_removed') && context.serverCompatibility && context.uniqueId !== 1 && event.id === 1,
    has_peers: ({ context }) => context.peers.length > 0,
  },
  actions: {
    initialized: assign(({ event }) => (event.type === 'initialize' ? { uniqueId: event.id, serverCompatibility: event.serverCompatibility, ended: null } : {})),
    setRefusing: assign((args) => peerMapAssigners.setRefusing(args)),
    addPeer: assign((args) => peerMapAssigners.addPeer(args)),
    markConnected: assign((args) => peerMapAssigners.markConnected(args)),
    removePeer: assign((args) => peerMapAssigners.removePeer(args)),
    clear: assign({ peers: [], connected: [], uniqueId: 0 }),
    ended: assign((args, params: MultiplayerEnd) => peerMapAssigners.ended(args, params)),
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
        ...liveTransitions('connecting', and([...ADD_PEER_GUARDS])),
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
        ...liveTransitions('connected', and([...ADD_PEER_GUARDS])),
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
export const webrtcMultiplayerGuardReasons: Record<string, (context: WebRTCMultiplayerContext, event: WebRTCMultiplayerEvent) => string> = peerMapGuardReasons('');

/**
 * An event as its record names it, with what a replay needs: `initialize(2,server_compatibility)`,
 * `initialize(1)`, `add_peer(3)`, `peer_connected(1)`, `peer_removed(3)`,
 * `set_refuse_new_connections(true)`, `close`.
 */
export function describeMultiplayerEvent(event: WebRTCMultiplayerEvent): string {
  return event.type === 'initialize' ? `initialize(${event.id}${event.serverCompatibility ? ',server_compatibility' : ''})` : describePeerMapEvent(event);
}

/** The event a record's `event` text names (describeMultiplayerEvent's inverse), or null. */
export function parseMultiplayerEvent(text: string): WebRTCMultiplayerEvent | null {
  const parts = splitEventText(text);
  if (parts?.type !== 'initialize') return parts === null ? null : parsePeerMapEvent(parts.type, parts.argument);
  if (parts.argument === undefined) return null;
  const [first, second] = parts.argument.split(',');
  return { type: 'initialize', id: Number(first), serverCompatibility: second === 'server_compatibility' };
}
