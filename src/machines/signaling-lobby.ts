import { and, assign, or, setup } from 'xstate';
import type { SignalingCloseName, SignalingProtocol } from './signaling-session.js';

/**
 * One lobby of the signaling service, from its host's JOIN to its end: open → sealed → closed
 * (the host left, or the seal completed). Pure, like the session machine: the server sends it
 * what its sessions did, and asks it (`can`, `signalingRefusal`) before it relays a frame.
 *
 * Ids are the raw ids the server drew; a lobby's host is 1 on the wire. Rules beyond server.js:
 * a joiner's id is never 0, 1 or above 2^31−1 and is unique in the lobby; a lobby speaks the
 * protocol of the client that created it; in a client/server lobby a client sees (and reaches)
 * only the host. Relays never pass through the machine: `relay` is listed where it is allowed,
 * and the server checks the snapshot instead of sending an event per frame.
 */
export type SignalingLobbyStateName = 'open' | 'sealed' | 'closed';

/** The largest id Godot's create_client/create_mesh take (a signed 32-bit int). */
export const MAX_PEER_ID = 2 ** 31 - 1;

export type SignalingLobbyEvent =
  | { type: 'join'; id: number; protocol: SignalingProtocol }
  | { type: 'seal'; id: number }
  /** `to` as the frame says it: 1 means the host. */
  | { type: 'relay'; from: number; to: number }
  | { type: 'leave'; id: number }
  | { type: 'seal_complete' }
  /** The server is shutting down: every member is closed 1001. */
  | { type: 'shutdown' };

export interface LobbyEnd {
  by: 'host_left' | 'seal_complete' | 'shutdown';
  from: Exclude<SignalingLobbyStateName, 'closed'>;
}

export interface SignalingLobbyContext {
  name: string;
  mesh: boolean;
  protocol: SignalingProtocol;
  host: number;
  /** Everyone in the lobby, the host first, in the order they joined. */
  members: number[];
  /** The last members who left (at most `DEPARTED_MEMORY`), oldest first: relays to them are dropped. */
  departed: number[];
  sealed: boolean;
  closed: LobbyEnd | null;
}

export interface SignalingLobbyInput {
  name: string;
  mesh: boolean;
  protocol: SignalingProtocol;
  host: number;
}

type OpenState = LobbyEnd['from'];

const hostLeaves = (from: OpenState) => [
  { guard: 'host_leaves' as const, target: 'closed' as const, actions: { type: 'ended' as const, params: { by: 'host_left' as const, from } } },
  { guard: 'member_leaves' as const, actions: 'removeMember' as const },
];

/**
 * A relay to a member that has just left is dropped, not refused: its sender cannot know yet (its
 * PEER_DISCONNECT is in flight), and server.js's `Invalid destination` would close a well-behaved
 * member of a mesh for a candidate that crossed a departure.
 */
const relays = { relay: { guard: or(['destination_reachable', 'destination_departed']), actions: 'accept' as const } };

/** How many departed members a lobby remembers, for `destination_departed`. */
export const DEPARTED_MEMORY = 64;

export const signalingLobbyMachine = setup({
  types: {
    context: {} as SignalingLobbyContext,
    events: {} as SignalingLobbyEvent,
    input: {} as SignalingLobbyInput,
  },
  guards: {
    not_sealed: ({ context }) => !context.sealed,
    speaks_lobby_protocol: ({ context, event }) => event.type === 'join' && event.protocol === context.protocol,
    peer_id_in_range: ({ event }) => event.type === 'join' && Number.isInteger(event.id) && event.id > 1 && event.id <= MAX_PEER_ID,
    peer_id_unused: ({ context, event }) => event.type === 'join' && !context.members.includes(event.id),
    from_host: ({ context, event }) => event.type === 'seal' && event.id === context.host,
    destination_reachable: ({ context, event }) => event.type === 'relay' && relayTarget(context, event.from, event.to) !== null,
    destination_departed: ({ context, event }) => event.type === 'relay' && relayDeparted(context, event.from, event.to),
    host_leaves: ({ context, event }) => event.type === 'leave' && event.id === context.host,
    member_leaves: ({ context, event }) => event.type === 'leave' && context.members.includes(event.id),
  },
  actions: {
    accept: () => {},
    // An id drawn again for a new member is no longer a departed one.
    addMember: assign(({ context, event }) =>
      event.type === 'join' ? { members: [...context.members, event.id], departed: context.departed.filter((id) => id !== event.id) } : {},
    ),
    removeMember: assign(({ context, event }) =>
      event.type === 'leave'
        ? { members: context.members.filter((id) => id !== event.id), departed: [...context.departed.filter((id) => id !== event.id), event.id].slice(-DEPARTED_MEMORY) }
        : {},
    ),
    markSealed: assign({ sealed: true }),
    ended: assign((_, params: LobbyEnd) => ({ closed: { by: params.by, from: params.from } })),
  },
}).createMachine({
  id: 'signalingLobby',
  initial: 'open',
  context: ({ input }) => ({
    name: input.name,
    // A Godot 3.x JOIN has no mesh flag: every 3.x lobby is a mesh.
    mesh: input.protocol === 3 || input.mesh,
    protocol: input.protocol,
    host: input.host,
    members: [input.host],
    departed: [],
    sealed: false,
    closed: null,
  }),
  states: {
    open: {
      on: {
        join: { guard: and(['speaks_lobby_protocol', 'peer_id_in_range', 'peer_id_unused']), actions: 'addMember' },
        seal: { guard: 'from_host', target: 'sealed', actions: 'markSealed' },
        ...relays,
        leave: hostLeaves('open'),
        shutdown: { target: 'closed', actions: { type: 'ended', params: { by: 'shutdown', from: 'open' } } },
      },
    },
    sealed: {
      on: {
        join: { guard: 'not_sealed' },
        seal: { guard: 'from_host', actions: 'accept' },
        ...relays,
        leave: hostLeaves('sealed'),
        seal_complete: { target: 'closed', actions: { type: 'ended', params: { by: 'seal_complete', from: 'sealed' } } },
        shutdown: { target: 'closed', actions: { type: 'ended', params: { by: 'shutdown', from: 'sealed' } } },
      },
    },
    closed: { type: 'final' },
  },
});

/** The close each guard of the lobby stands for, when it refuses a frame (`leave` is not a frame: the server's own bookkeeping). */
export const signalingLobbyGuardCloses = {
  not_sealed: 'lobbySealed',
  speaks_lobby_protocol: 'otherProtocol',
  peer_id_in_range: 'invalidPeerId',
  peer_id_unused: 'duplicatePeerId',
  from_host: 'onlyHostSeals',
  destination_reachable: 'invalidDestination',
  destination_departed: 'invalidDestination',
  host_leaves: 'lobbyNotFound',
  member_leaves: 'lobbyNotFound',
} as const satisfies Record<string, SignalingCloseName>;

export type SignalingLobbyGuard = keyof typeof signalingLobbyGuardCloses;

/**
 * The raw id a relay from `from` addressed to `to` (1: the host) goes to, or null when it may not
 * go: the destination is not in the lobby, or, in a client/server lobby, neither end is the host.
 */
export function relayTarget(context: SignalingLobbyContext, from: number, to: number): number | null {
  const target = to === 1 ? context.host : to;
  if (!context.members.includes(from) || !context.members.includes(target)) return null;
  if (!context.mesh && from !== context.host && target !== context.host) return null;
  return target;
}

/** Whether a relay from `from` to `to` is addressed to a member who has left (and `from` is still in). */
export function relayDeparted(context: SignalingLobbyContext, from: number, to: number): boolean {
  return context.members.includes(from) && to !== 1 && context.departed.includes(to);
}

/**
 * The members `id` sees, as raw ids: everyone else in a mesh; in a client/server lobby the host
 * sees every client and a client only the host. They get each other's PEER_CONNECT and
 * PEER_DISCONNECT.
 */
export function peersSeenBy(context: SignalingLobbyContext, id: number): number[] {
  if (context.mesh || id === context.host) return context.members.filter((member) => member !== id);
  return context.members.includes(id) ? [context.host] : [];
}

/** `id` as the lobby's members see it on the wire: 1 for the host. */
export function lobbyWireId(context: SignalingLobbyContext, id: number): number {
  return id === context.host ? 1 : id;
}

/**
 * A lobby event as its record names it: ids as the lobby's members see them (the host is 1), so
 * that a replay, which knows no raw id, starts its lobby with host 1 and takes the same events:
 * `join(5)`, `seal(1)`, `leave(1)`, `seal_complete`, `shutdown`. The lobby's host and name come from `host`.
 */
export function describeLobbyEvent(event: SignalingLobbyEvent, host: number): string {
  if (event.type === 'join' || event.type === 'seal' || event.type === 'leave') return `${event.type}(${event.id === host ? 1 : event.id})`;
  return event.type;
}
