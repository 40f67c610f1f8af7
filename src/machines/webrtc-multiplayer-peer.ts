import { and, assign, setup } from 'xstate';
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

/**
 * Godot 4's `WebRTCMultiplayerPeer` (modules/webrtc/webrtc_multiplayer_peer.cpp, 4.3+) by its
 * connection status: disconnected (new, after close(), or a client that lost its server) →
 * connecting (a client whose link to 1 is not up yet) → connected (a server or mesh peer at once
 * from create_*; a client once 1 counts as connected). Its context is the network mode and the peer
 * map by id. Packets, targets, transfer modes and channels never pass through it.
 *
 * Beyond Godot 4 (where Godot is silently wrong): create_* is refused while initialized; a
 * duplicate add_peer id is refused; a client whose link to 1 ends before its channels opened goes
 * to disconnected (Godot stays CONNECTING for ever, so SceneMultiplayer never says connection_failed).
 */
export type WebRTCMultiplayerPeerStateName = MultiplayerStateName;

export type NetworkModeName = 'none' | 'server' | 'client' | 'mesh';

export type WebRTCMultiplayerPeerEvent =
  /** create_server (id 1), create_client(id), create_mesh(id). */
  | { type: 'create'; mode: Exclude<NetworkModeName, 'none'>; id: number }
  | PeerMapEvent;

/** Why it went back to disconnected. */
export type MultiplayerPeerEnd = MultiplayerEnd;

export interface WebRTCMultiplayerPeerContext extends PeerMapContext {
  mode: NetworkModeName;
}

const ADD_PEER_GUARDS = ['client_adds_only_server', 'server_never_adds_1', 'peer_id_in_range', 'accepts_new_connections', 'peer_id_unused'] as const;

export const webrtcMultiplayerPeerMachine = setup({
  types: {
    context: {} as WebRTCMultiplayerPeerContext,
    events: {} as WebRTCMultiplayerPeerEvent,
  },
  guards: {
    self_id_in_range: selfIdInRange('create'),
    clients_cannot_be_1: ({ event }) => event.type === 'create' && !(event.mode === 'client' && event.id === 1),
    server_is_1: ({ event }) => event.type === 'create' && (event.mode !== 'server' || event.id === 1),
    creates_client: ({ event }) => event.type === 'create' && event.mode === 'client',
    client_adds_only_server: ({ context, event }) => event.type === 'add_peer' && (context.mode !== 'client' || event.id === 1),
    server_never_adds_1: ({ context, event }) => event.type === 'add_peer' && (context.mode !== 'server' || event.id !== 1),
    ...peerMapGuards,
    /** The event is about a client's peer 1, its server. */
    server_link: ({ context, event }) => (event.type === 'peer_connected' || event.type === 'peer_removed') && context.mode === 'client' && event.id === 1,
    /** A client that lost its server is disconnected but still in client mode: close() clears that too. */
    has_peers_or_mode: ({ context }) => context.peers.length > 0 || context.mode !== 'none',
  },
  actions: {
    created: assign(({ event }) => (event.type === 'create' ? { mode: event.mode, uniqueId: event.id, peers: [], connected: [], ended: null } : {})),
    setRefusing: assign((args) => peerMapAssigners.setRefusing(args)),
    addPeer: assign((args) => peerMapAssigners.addPeer(args)),
    markConnected: assign((args) => peerMapAssigners.markConnected(args)),
    removePeer: assign((args) => peerMapAssigners.removePeer(args)),
    clear: assign({ peers: [], connected: [], uniqueId: 0, mode: 'none' as NetworkModeName }),
    ended: assign((args, params: MultiplayerEnd) => peerMapAssigners.ended(args, params)),
  },
}).createMachine({
  id: 'webrtcMultiplayerPeer',
  initial: 'disconnected',
  context: { mode: 'none', uniqueId: 0, refusing: false, peers: [], connected: [], ended: null },
  states: {
    disconnected: {
      on: {
        create: [
          { guard: and(['self_id_in_range', 'clients_cannot_be_1', 'server_is_1', 'creates_client']), target: 'connecting', actions: 'created' },
          { guard: and(['self_id_in_range', 'clients_cannot_be_1', 'server_is_1']), target: 'connected', actions: 'created' },
        ],
        set_refuse_new_connections: { actions: 'setRefusing' },
        peer_removed: { guard: 'peer_in_map', actions: 'removePeer' },
        close: { guard: 'has_peers_or_mode', actions: 'clear' },
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
          { guard: 'peer_in_map', actions: 'removePeer' },
        ],
      },
    },
  },
});

type Reason = (context: WebRTCMultiplayerPeerContext, event: WebRTCMultiplayerPeerEvent) => string;
const idOf = (event: WebRTCMultiplayerPeerEvent) => ('id' in event ? String(event.id) : '?');

/** Why each guard refuses, for refusal records (`MachineHandle.explain`). */
export const webrtcMultiplayerPeerGuardReasons: Record<string, Reason> = {
  ...peerMapGuardReasons(' (Godot 4 replaces it without a word)'),
  clients_cannot_be_1: () => 'Clients cannot have ID 1.',
  server_is_1: () => 'a server is always peer 1',
  client_adds_only_server: (_, event) => `a client adds only its server, peer 1, not ${idOf(event)}`,
  server_never_adds_1: () => 'a server cannot add peer 1: it is 1 itself',
};

/** An event as its record names it: `create(client,2)`, `add_peer(3)`, `peer_connected(1)`, `peer_removed(3)`, `set_refuse_new_connections(true)`, `close`. */
export function describeMultiplayerPeerEvent(event: WebRTCMultiplayerPeerEvent): string {
  return event.type === 'create' ? `create(${event.mode},${event.id})` : describePeerMapEvent(event);
}

/** describeMultiplayerPeerEvent's inverse, or null. */
export function parseMultiplayerPeerEvent(text: string): WebRTCMultiplayerPeerEvent | null {
  const parts = splitEventText(text);
  if (parts?.type !== 'create') return parts === null ? null : parsePeerMapEvent(parts.type, parts.argument);
  const [mode, id] = (parts.argument ?? '').split(',');
  if (mode !== 'server' && mode !== 'client' && mode !== 'mesh') return null;
  return id === undefined ? null : { type: 'create', mode, id: Number(id) };
}
