import { setup } from 'xstate';
import type { ConnectionEvent, NativeConnectionState } from './events.js';

/**
 * The peer connection's transport state (Godot's ConnectionState), driven by the stack's
 * state callbacks; `close` and `initialize` are the only methods it takes. `close` is allowed
 * in every state but closed; the stack reports `closed` by itself when the remote end closes.
 * A stack report that this table does not allow (say, `connected` while new) is not taken and
 * is recorded, so an audit shows the stack misbehaving.
 */
export type ConnectionStateName = NativeConnectionState;

const reported = (state: NativeConnectionState) => ({ event }: { event: ConnectionEvent }) =>
  event.type === 'stack.connection_state' && event.state === state;

const goesTo = (...states: NativeConnectionState[]) =>
  states.map((state) => ({ guard: { type: 'reported' as const, params: { state } }, target: state }));

export const connectionMachine = setup({
  types: {
    context: {} as Record<string, never>,
    events: {} as ConnectionEvent,
  },
  guards: {
    reported: ({ event }, params: { state: NativeConnectionState }) => reported(params.state)({ event }),
  },
}).createMachine({
  id: 'connection',
  initial: 'new',
  context: {},
  on: {
    initialize: { target: '.new' },
  },
  states: {
    new: {
      on: {
        'stack.connection_state': goesTo('connecting', 'connected', 'failed', 'closed'),
        close: 'closed',
      },
    },
    connecting: {
      on: {
        'stack.connection_state': goesTo('connected', 'disconnected', 'failed', 'closed'),
        close: 'closed',
      },
    },
    connected: {
      on: {
        'stack.connection_state': goesTo('disconnected', 'failed', 'connecting', 'closed'),
        close: 'closed',
      },
    },
    disconnected: {
      on: {
        'stack.connection_state': goesTo('connecting', 'connected', 'failed', 'closed'),
        close: 'closed',
      },
    },
    failed: {
      on: {
        'stack.connection_state': goesTo('disconnected', 'closed'),
        close: 'closed',
      },
    },
    closed: {},
  },
});
