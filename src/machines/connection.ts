import { assign, setup } from 'xstate';
import type { ConnectionEvent, NativeConnectionState } from './events.js';

/**
 * The peer connection's transport state (Godot's ConnectionState), driven by the stack's
 * state callbacks; `close` and `initialize` are the only methods it takes. `close` is allowed
 * in every state but closed; the stack reports `closed` by itself when the remote end closes
 * (or after a failure), and the library closes it with `limit_exceeded` when the remote goes past
 * a limit, or fails it with `timed_out` (the setup timeout, a silent keepalive). A stack report that this table does not allow (say, `connected` while new) is not
 * taken and is recorded, so an audit shows the stack misbehaving.
 *
 * Context: `closed`, why the connection ended (null until it has): who closed it, the limit for
 * a limit close, the timeout for a connection failed by one (then the state is failed, and the
 * stack already shut down), and the state it was in before. The first cause is kept: a
 * connection failed by a timeout and then closed by the app still says `timeout`. Godot's states last too briefly to tell
 * (failed and disconnected turn closed in under a millisecond); this keeps it until `initialize`.
 */
export type ConnectionStateName = NativeConnectionState;

/** `local`: the app called close(); `remote`: the stack reported closed (the remote end closed, or it failed); `limit`: the remote went past a limit; `timeout`: the library failed it (setup timeout, keepalive). */
export type ClosedBy = 'local' | 'remote' | 'limit' | 'timeout';

export interface CloseCause {
  by: ClosedBy;
  /** The limit's name (src/limits.ts) when `by` is `limit`, else null. */
  limit: string | null;
  /** `setup` or `keepalive` when `by` is `timeout`, else null. */
  timeout: 'setup' | 'keepalive' | null;
  /** The state the connection was in when it closed. */
  from: Exclude<ConnectionStateName, 'closed'>;
}

export interface ConnectionContext {
  closed: CloseCause | null;
}

type OpenState = CloseCause['from'];

const reported = (state: NativeConnectionState) => ({ event }: { event: ConnectionEvent }) =>
  event.type === 'stack.connection_state' && event.state === state;

const closedAction = (by: ClosedBy, from: OpenState) => ({ type: 'closedBy' as const, params: { by, from } });

const goesTo = (from: OpenState, ...states: NativeConnectionState[]) =>
  states.map((state) => ({
    guard: { type: 'reported' as const, params: { state } },
    target: state,
    ...(state === 'closed' ? { actions: closedAction('remote', from) } : {}),
  }));

/** The app's close and a limit close, from `from`. */
const closes = (from: OpenState) => ({
  close: { target: 'closed' as const, actions: closedAction('local', from) },
  limit_exceeded: { target: 'closed' as const, actions: closedAction('limit', from) },
});

/** The library's timeouts fail a connection that is not failed already. */
const timesOut = (from: Exclude<OpenState, 'failed'>) => ({
  timed_out: { target: 'failed' as const, actions: closedAction('timeout', from) },
});

export const connectionMachine = setup({
  types: {
    context: {} as ConnectionContext,
    events: {} as ConnectionEvent,
  },
  guards: {
    reported: ({ event }, params: { state: NativeConnectionState }) => reported(params.state)({ event }),
  },
  actions: {
    closedBy: assign(({ context, event }, params: { by: ClosedBy; from: OpenState }) => ({
      closed: context.closed ?? {
        by: params.by,
        from: params.from,
        limit: event.type === 'limit_exceeded' ? event.limit : null,
        timeout: event.type === 'timed_out' ? event.timeout : null,
      },
    })),
    reset: assign({ closed: null }),
  },
}).createMachine({
  id: 'connection',
  initial: 'new',
  context: { closed: null },
  on: {
    initialize: { target: '.new', actions: 'reset' },
  },
  states: {
    new: {
      on: {
        'stack.connection_state': goesTo('new', 'connecting', 'connected', 'failed', 'closed'),
        ...closes('new'),
        ...timesOut('new'),
      },
    },
    connecting: {
      on: {
        'stack.connection_state': goesTo('connecting', 'connected', 'disconnected', 'failed', 'closed'),
        ...closes('connecting'),
        ...timesOut('connecting'),
      },
    },
    connected: {
      on: {
        'stack.connection_state': goesTo('connected', 'disconnected', 'failed', 'connecting', 'closed'),
        ...closes('connected'),
        ...timesOut('connected'),
      },
    },
    disconnected: {
      on: {
        'stack.connection_state': goesTo('disconnected', 'connecting', 'connected', 'failed', 'closed'),
        ...closes('disconnected'),
        ...timesOut('disconnected'),
      },
    },
    failed: {
      on: {
        'stack.connection_state': goesTo('failed', 'disconnected', 'closed'),
        ...closes('failed'),
      },
    },
    closed: {},
  },
});
