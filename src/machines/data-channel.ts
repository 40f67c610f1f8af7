import { setup } from 'xstate';
import type { DataChannelEvent } from './events.js';

/**
 * One data channel's life (Godot's WebRTCDataChannel.ChannelState). Packets never pass through
 * this machine: `put_packet` is listed here so that the table says where it is allowed, and the
 * channel's fast path checks the same snapshot value instead of sending an event per packet.
 */
export type DataChannelStateName = 'connecting' | 'open' | 'closing' | 'closed';

export const dataChannelMachine = setup({
  types: {
    context: {} as Record<string, never>,
    events: {} as DataChannelEvent,
  },
  actions: {
    /** Allowed, and nothing to remember: `can()` counts a transition only if it has an action or a target. */
    accept: () => {},
  },
}).createMachine({
  id: 'dataChannel',
  initial: 'connecting',
  context: {},
  states: {
    connecting: {
      on: {
        'stack.open': 'open',
        'stack.error': { actions: 'accept' },
        close: 'closing',
        'stack.closed': 'closed',
        peer_closed: 'closed',
      },
    },
    open: {
      on: {
        put_packet: { actions: 'accept' },
        'stack.error': { actions: 'accept' },
        close: 'closing',
        'stack.closed': 'closed',
        peer_closed: 'closed',
      },
    },
    closing: {
      on: {
        'stack.open': { actions: 'accept' },
        'stack.error': { actions: 'accept' },
        'stack.closed': 'closed',
        peer_closed: 'closed',
      },
    },
    closed: {
      on: {
        // The stack confirms a close the machine already took (after peer_closed).
        'stack.closed': { actions: 'accept' },
        'stack.error': { actions: 'accept' },
      },
    },
  },
});
