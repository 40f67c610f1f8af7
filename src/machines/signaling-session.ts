import { assign, setup, type AnyStateMachine } from 'xstate';

/**
 * One client socket of the signaling service (the Godot webrtc_signaling demo's protocol,
 * server.js rules), from connect to close. Pure: the server owns the sockets and the timers and
 * tells the machine what happened (`no_lobby_timeout`, `seal_complete`, ...).
 *
 * Frames: `create_lobby` (JOIN with an empty lobby name), `join_lobby` (JOIN with a name), `seal`,
 * `relay` (OFFER, ANSWER, CANDIDATE), `unknown_command` (any other type). Every frame a state
 * refuses is refused by a named guard, so `signalingRefusal` gives the close code and reason
 * server.js uses. Relays never pass through the machine: they are listed where they are allowed,
 * and the server checks the snapshot (`can`) and counts them per session instead of sending one
 * event each. The lobby's own rules (sealed, protocol, ids, destinations) are the lobby machine's.
 */
export type SignalingSessionStateName = 'connected' | 'inLobby' | 'sealed' | 'closed';

/** The demo protocol a client speaks: Godot 3.x's text frames or Godot 4.x's JSON. */
export type SignalingProtocol = 3 | 4;

export interface SignalingClose {
  code: number;
  reason: string;
}

/**
 * Every close the service makes, with server.js's codes and texts (4000, and 1000 for a seal),
 * then the port's own: rules server.js lacks, and the ws-level closes.
 */
export const SIGNALING_CLOSES = {
  tooManyPeers: { code: 4000, reason: 'Too many peers connected' },
  noLobby: { code: 4000, reason: 'Have not joined lobby yet' },
  hostLeft: { code: 4000, reason: 'Room host has disconnected' },
  onlyHostSeals: { code: 4000, reason: 'Only host can seal the lobby' },
  sealComplete: { code: 1000, reason: 'Seal complete' },
  tooManyLobbies: { code: 4000, reason: 'Too many lobbies open, disconnecting' },
  alreadyInLobby: { code: 4000, reason: 'Already in a lobby' },
  lobbyMissing: { code: 4000, reason: 'Lobby does not exists' },
  lobbySealed: { code: 4000, reason: 'Lobby is sealed' },
  invalidFormat: { code: 4000, reason: 'Invalid message format' },
  notInLobby: { code: 4000, reason: 'Invalid message when not in a lobby' },
  lobbyNotFound: { code: 4000, reason: 'Server error, lobby not found' },
  invalidDestination: { code: 4000, reason: 'Invalid destination' },
  invalidCommand: { code: 4000, reason: 'Invalid command' },
  binaryFrame: { code: 4000, reason: 'Invalid transfer mode, must be text' },
  otherProtocol: { code: 4000, reason: 'Lobby speaks another protocol version' },
  invalidPeerId: { code: 4000, reason: 'Invalid peer id' },
  duplicatePeerId: { code: 4000, reason: 'Peer id already in the lobby' },
  frameTooLarge: { code: 4000, reason: 'Message too large' },
  serverShutdown: { code: 1001, reason: 'Server shutting down' },
  tooSlow: { code: 4000, reason: 'Too slow reading, disconnecting' },
  // A dead socket is terminated (no close frame): ws reports 1006 on both ends.
  pingMissed: { code: 1006, reason: 'No pong within the ping interval' },
} as const satisfies Record<string, SignalingClose>;

export type SignalingCloseName = keyof typeof SIGNALING_CLOSES;

/** server.js's constants; the limits are the server's options, these their defaults. */
export const SIGNALING_DEFAULTS = {
  maxPeers: 4096,
  maxLobbies: 1024,
  noLobbyTimeoutMs: 1000,
  sealCloseTimeoutMs: 10_000,
  pingIntervalMs: 10_000,
} as const;

export type RelayKind = 'offer' | 'answer' | 'candidate';

export type SignalingSessionEvent =
  /** JOIN with an empty name: `name` is the new lobby's (the server draws it), `openLobbies` how many are open now. */
  | { type: 'create_lobby'; name: string; mesh: boolean; protocol: SignalingProtocol; openLobbies: number }
  /** JOIN with a name: whether a lobby of that name is open (its own rules are the lobby machine's). */
  | { type: 'join_lobby'; name: string; protocol: SignalingProtocol; lobbyExists: boolean }
  | { type: 'seal' }
  | { type: 'relay'; kind: RelayKind }
  | { type: 'unknown_command'; command: number }
  | { type: 'no_lobby_timeout' }
  /** The host sealed this session's lobby (the host's own session gets it too). */
  | { type: 'lobby_sealed' }
  | { type: 'host_left' }
  | { type: 'seal_complete' }
  /** The client closed, or the socket ended under the server. */
  | { type: 'socket_closed'; code: number; reason: string }
  | { type: 'ping_missed' }
  | { type: 'frame_too_large' }
  /** More than the server's bound waits unsent to this socket: its reader is too slow. */
  | { type: 'too_slow' }
  /** The server is closing every socket (`SignalingServer.close()`). */
  | { type: 'server_shutdown' }
  /** The server closes the socket for a frame it or the rules refused, with that close. */
  | { type: 'bad_frame'; close: SignalingCloseName };

export interface SessionEnd {
  /** `client`: the socket closed under the server; `server`: the server closed it. */
  by: 'client' | 'server';
  code: number;
  reason: string;
  from: Exclude<SignalingSessionStateName, 'closed'>;
}

export interface SignalingSessionContext {
  /** The id the server drew for this socket (a host is 1 on the wire: `wireId`). */
  id: number;
  maxLobbies: number;
  lobby: string | null;
  host: boolean;
  protocol: SignalingProtocol | null;
  closed: SessionEnd | null;
}

export interface SignalingSessionInput {
  id: number;
  maxLobbies?: number;
}

type OpenState = SessionEnd['from'];

const closesWith = (close: SignalingCloseName, from: OpenState) => ({
  target: 'closed' as const,
  actions: { type: 'serverClosed' as const, params: { close, from } },
});

/** How a socket can end in every state but closed. */
const ends = (from: OpenState) => ({
  socket_closed: { target: 'closed' as const, actions: { type: 'clientClosed' as const, params: { from } } },
  ping_missed: closesWith('pingMissed', from),
  frame_too_large: closesWith('frameTooLarge', from),
  server_shutdown: closesWith('serverShutdown', from),
  too_slow: closesWith('tooSlow', from),
  bad_frame: { target: 'closed' as const, actions: { type: 'badFrame' as const, params: { from } } },
});

/** Frames a session in a lobby refuses: a second JOIN, and a command the protocol does not have. */
const inLobbyRefusals = {
  create_lobby: { guard: 'not_in_lobby' as const },
  join_lobby: { guard: 'not_in_lobby' as const },
  unknown_command: { guard: 'known_command' as const },
};

/** The types a client may send (JOIN, OFFER, ANSWER, CANDIDATE, SEAL); ID, PEER_CONNECT and PEER_DISCONNECT are the server's, so server.js closes them `Invalid command` too. */
const KNOWN_COMMANDS = new Set([0, 4, 5, 6, 7]);

export const signalingSessionMachine = setup({
  types: {
    context: {} as SignalingSessionContext,
    events: {} as SignalingSessionEvent,
    input: {} as SignalingSessionInput,
  },
  guards: {
    not_in_lobby: ({ context }) => context.lobby === null,
    in_lobby: ({ context }) => context.lobby !== null,
    below_lobby_limit: ({ context, event }) => event.type === 'create_lobby' && event.openLobbies < context.maxLobbies,
    lobby_exists: ({ event }) => event.type === 'join_lobby' && event.lobbyExists,
    is_host: ({ context }) => context.host,
    known_command: ({ event }) => event.type === 'unknown_command' && KNOWN_COMMANDS.has(event.command),
  },
  actions: {
    /** Allowed, and nothing to remember: `can()` counts a transition only if it has an action or a target. */
    accept: () => {},
    enterLobby: assign(({ event }) => {
      if (event.type !== 'create_lobby' && event.type !== 'join_lobby') return {};
      return { lobby: event.name, host: event.type === 'create_lobby', protocol: event.protocol };
    }),
    serverClosed: assign((_, params: { close: SignalingCloseName; from: OpenState }) => ({
      closed: { by: 'server' as const, ...SIGNALING_CLOSES[params.close], from: params.from },
    })),
    badFrame: assign(({ event }, params: { from: OpenState }) => {
      const close = event.type === 'bad_frame' ? SIGNALING_CLOSES[event.close] : SIGNALING_CLOSES.invalidFormat;
      return { closed: { by: 'server' as const, ...close, from: params.from } };
    }),
    clientClosed: assign(({ event }, params: { from: OpenState }) => ({
      closed: {
        by: 'client' as const,
        code: event.type === 'socket_closed' ? event.code : 1005,
        reason: event.type === 'socket_closed' ? event.reason : '',
        from: params.from,
      },
    })),
  },
}).createMachine({
  id: 'signalingSession',
  initial: 'connected',
  context: ({ input }) => ({
    id: input.id,
    maxLobbies: input.maxLobbies ?? SIGNALING_DEFAULTS.maxLobbies,
    lobby: null,
    host: false,
    protocol: null,
    closed: null,
  }),
  states: {
    connected: {
      on: {
        create_lobby: { guard: 'below_lobby_limit', target: 'inLobby', actions: 'enterLobby' },
        join_lobby: { guard: 'lobby_exists', target: 'inLobby', actions: 'enterLobby' },
        seal: { guard: 'in_lobby' },
        relay: { guard: 'in_lobby' },
        unknown_command: { guard: 'in_lobby' },
        no_lobby_timeout: closesWith('noLobby', 'connected'),
        ...ends('connected'),
      },
    },
    inLobby: {
      on: {
        ...inLobbyRefusals,
        seal: { guard: 'is_host', actions: 'accept' },
        relay: { actions: 'accept' },
        lobby_sealed: 'sealed',
        host_left: closesWith('hostLeft', 'inLobby'),
        ...ends('inLobby'),
      },
    },
    sealed: {
      on: {
        ...inLobbyRefusals,
        // The host sealing again changes nothing (server.js would broadcast SEAL and arm a second timer).
        seal: { guard: 'is_host', actions: 'accept' },
        relay: { actions: 'accept' },
        host_left: closesWith('hostLeft', 'sealed'),
        seal_complete: closesWith('sealComplete', 'sealed'),
        ...ends('sealed'),
      },
    },
    closed: { type: 'final' },
  },
});

/** The close each guard of the session stands for, when it says no. */
export const signalingSessionGuardCloses = {
  not_in_lobby: 'alreadyInLobby',
  in_lobby: 'notInLobby',
  below_lobby_limit: 'tooManyLobbies',
  lobby_exists: 'lobbyMissing',
  is_host: 'onlyHostSeals',
  known_command: 'invalidCommand',
} as const satisfies Record<string, SignalingCloseName>;

export type SignalingSessionGuard = keyof typeof signalingSessionGuardCloses;

/** The id the session has on the wire: 1 for a lobby's host (server.js's `getPeerId`). */
export function wireId(context: SignalingSessionContext): number {
  return context.host ? 1 : context.id;
}

export interface SignalingRefusal extends SignalingClose {
  guard: string;
  close: SignalingCloseName;
}

type GuardRef = string | { type: string; params?: unknown } | { guards?: GuardRef[] };
type GuardImplementation = (args: { context: unknown; event: unknown }, params: unknown) => boolean;

/**
 * Why `machine` in `snapshot` refuses `event`, as the close the refusing guard stands for: the
 * first named guard (inside `and(...)` too) of the event's transitions in this state that says
 * no. Null when the machine takes the event, or when no guard refuses it (the state has no
 * transition for it: not a frame rule, a server event out of place).
 */
export function signalingRefusal<E extends { type: string }>(
  machine: AnyStateMachine,
  snapshot: { value: unknown; context: unknown; can(event: never): boolean },
  event: E,
  guardCloses: Readonly<Record<string, SignalingCloseName>>,
): SignalingRefusal | null {
  if (snapshot.can(event as never)) return null;
  const node = machine.getStateNodeById(`${machine.id}.${String(snapshot.value)}`);
  const guards = machine.implementations.guards as Record<string, GuardImplementation>;
  for (const transition of node.on[event.type] ?? []) {
    for (const { name, params } of namedGuards(transition.guard as GuardRef | undefined)) {
      const implementation = guards[name];
      const close = Object.hasOwn(guardCloses, name) ? guardCloses[name] : undefined;
      if (!implementation || !close) continue;
      if (!implementation({ context: snapshot.context, event }, params)) return { guard: name, close, ...SIGNALING_CLOSES[close] };
    }
  }
  return null;
}

function namedGuards(guard: GuardRef | undefined): Array<{ name: string; params: unknown }> {
  if (guard === undefined) return [];
  if (typeof guard === 'string') return [{ name: guard, params: undefined }];
  if ('guards' in guard && Array.isArray(guard.guards)) return guard.guards.flatMap(namedGuards);
  if ('type' in guard) return [{ name: guard.type, params: guard.params }];
  return [];
}
