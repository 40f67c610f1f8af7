import { and, assign, setup } from 'xstate';
import { MAX_PEER_ID } from './signaling-lobby.js';

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
export type WebRTCMultiplayerPeerStateName = 'disconnected' | 'connecting' | 'connected';

export type NetworkModeName = 'none' | 'server' | 'client' | 'mesh';

export type WebRTCMultiplayerPeerEvent =
  /** create_server (id 1), create_client(id), create_mesh(id). */
  | { type: 'create'; mode: Exclude<NetworkModeName, 'none'>; id: number }
  | { type: 'set_refuse_new_connections'; enable: boolean }
  | { type: 'add_peer'; id: number }
  /** Its connection was connected and all its channels open at a poll: it counts as connected. */
  | { type: 'peer_connected'; id: number }
  /** Peer `id` left the map: remove_peer(), disconnect_peer(force), or at a poll its connection or a channel had ended. */
  | { type: 'peer_removed'; id: number }
  | { type: 'close' };

/** Why it went back to disconnected. */
export interface MultiplayerPeerEnd {
  by: 'close' | 'server_disconnected' | 'connection_failed';
  from: Exclude<WebRTCMultiplayerPeerStateName, 'disconnected'>;
}

export interface WebRTCMultiplayerPeerContext {
  mode: NetworkModeName;
  /** create_*'s id; 0 before it and after close(). */
  uniqueId: number;
  refusing: boolean;
  /** Every peer in the map, ascending (the order of get_packet's round robin and of broadcasts). */
  peers: number[];
  /** The peers in the map that count as connected, ascending. */
  connected: number[];
  ended: MultiplayerPeerEnd | null;
}

type LiveState = MultiplayerPeerEnd['from'];

const ended = (by: MultiplayerPeerEnd['by'], from: LiveState) => ({ type: 'ended' as const, params: { by, from } });

const ADD_PEER_GUARDS = ['client_adds_only_server', 'server_never_adds_1', 'peer_id_in_range', 'accepts_new_connections', 'peer_id_unused'] as const;

const live = (from: LiveState) => ({
  add_peer: { guard: and([...ADD_PEER_GUARDS]), actions: 'addPeer' as const },
  set_refuse_new_connections: { actions: 'setRefusing' as const },
  close: { target: 'disconnected' as const, actions: ['clear' as const, ended('close', from)] },
});

export const webrtcMultiplayerPeerMachine = setup({
  types: {
    context: {} as WebRTCMultiplayerPeerContext,
    events: {} as WebRTCMultiplayerPeerEvent,
  },
  guards: {
    self_id_in_range: ({ event }) => event.type === 'create' && Number.isInteger(event.id) && event.id >= 1 && event.id <= MAX_PEER_ID,
    clients_cannot_be_1: ({ event }) => event.type === 'create' && !(event.mode === 'client' && event.id === 1),
    server_is_1: ({ event }) => event.type === 'create' && (event.mode !== 'server' || event.id === 1),
    creates_client: ({ event }) => event.type === 'create' && event.mode === 'client',
    client_adds_only_server: ({ context, event }) => event.type === 'add_peer' && (context.mode !== 'client' || event.id === 1),
    server_never_adds_1: ({ context, event }) => event.type === 'add_peer' && (context.mode !== 'server' || event.id !== 1),
    peer_id_in_range: ({ event }) => event.type === 'add_peer' && Number.isInteger(event.id) && event.id >= 1 && event.id <= MAX_PEER_ID,
    accepts_new_connections: ({ context }) => !context.refusing,
    peer_id_unused: ({ context, event }) => event.type === 'add_peer' && !context.peers.includes(event.id),
    peer_in_map: ({ context, event }) => (event.type === 'peer_connected' || event.type === 'peer_removed') && context.peers.includes(event.id),
    peer_not_connected: ({ context, event }) => event.type === 'peer_connected' && !context.connected.includes(event.id),
    /** The event is about a client's peer 1, its server. */
    server_link: ({ context, event }) => (event.type === 'peer_connected' || event.type === 'peer_removed') && context.mode === 'client' && event.id === 1,
    /** A client that lost its server is disconnected but still in client mode: close() clears that too. */
    has_peers_or_mode: ({ context }) => context.peers.length > 0 || context.mode !== 'none',
  },
  actions: {
    created: assign(({ event }) => (event.type === 'create' ? { mode: event.mode, uniqueId: event.id, peers: [], connected: [], ended: null } : {})),
    setRefusing: assign(({ event }) => (event.type === 'set_refuse_new_connections' ? { refusing: event.enable } : {})),
    addPeer: assign(({ context, event }) => (event.type === 'add_peer' ? { peers: [...context.peers, event.id].sort((a, b) => a - b) } : {})),
    markConnected: assign(({ context, event }) => (event.type === 'peer_connected' ? { connected: [...context.connected, event.id].sort((a, b) => a - b) } : {})),
    removePeer: assign(({ context, event }) =>
      event.type === 'peer_removed' ? { peers: context.peers.filter((id) => id !== event.id), connected: context.connected.filter((id) => id !== event.id) } : {},
    ),
    clear: assign({ peers: [], connected: [], uniqueId: 0, mode: 'none' as NetworkModeName }),
    ended: assign((_, params: MultiplayerPeerEnd) => ({ ended: { by: params.by, from: params.from } })),
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
        ...live('connecting'),
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
        ...live('connected'),
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
  self_id_in_range: (_, event) => `the peer id must be a whole number from 1 to ${MAX_PEER_ID}, not ${idOf(event)}`,
  clients_cannot_be_1: () => 'Clients cannot have ID 1.',
  server_is_1: () => 'a server is always peer 1',
  client_adds_only_server: (_, event) => `a client adds only its server, peer 1, not ${idOf(event)}`,
  server_never_adds_1: () => 'a server cannot add peer 1: it is 1 itself',
  peer_id_in_range: (_, event) => `the peer id must be a whole number from 1 to ${MAX_PEER_ID}, not ${idOf(event)}`,
  accepts_new_connections: () => 'set_refuse_new_connections(true) is in force: no peer may be added',
  peer_id_unused: (_, event) => `a peer with id ${idOf(event)} is already in the peer map: remove_peer() it first (Godot 4 replaces it without a word)`,
  peer_in_map: () => 'no peer with that id is in the peer map',
  peer_not_connected: () => 'that peer already counts as connected',
};

/** An event as its record names it: `create(client,2)`, `add_peer(3)`, `peer_connected(1)`, `peer_removed(3)`, `set_refuse_new_connections(true)`, `close`. */
export function describeMultiplayerPeerEvent(event: WebRTCMultiplayerPeerEvent): string {
  switch (event.type) {
    case 'create':
      return `create(${event.mode},${event.id})`;
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

/** describeMultiplayerPeerEvent's inverse, or null. */
export function parseMultiplayerPeerEvent(text: string): WebRTCMultiplayerPeerEvent | null {
  const match = /^([a-z_]+)(?:\((.*)\))?$/.exec(text);
  if (match === null) return null;
  const [, type, argument] = match;
  const parts = (argument ?? '').split(',');
  switch (type) {
    case 'create': {
      const [mode, id] = parts;
      if (mode !== 'server' && mode !== 'client' && mode !== 'mesh') return null;
      return id === undefined ? null : { type, mode, id: Number(id) };
    }
    case 'set_refuse_new_connections':
      return parts[0] === 'true' || parts[0] === 'false' ? { type, enable: parts[0] === 'true' } : null;
    case 'add_peer':
    case 'peer_connected':
    case 'peer_removed':
      return argument === undefined ? null : { type, id: Number(parts[0]) };
    case 'close':
      return argument === undefined ? { type } : null;
    default:
      return null;
  }
}
