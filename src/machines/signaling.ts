import { assign, setup } from 'xstate';
import type { SdpType, SignalingEvent } from './events.js';

/**
 * Offer/answer negotiation, after the W3C/JSEP table (RFC 9429 §5.5–5.7), as the contract
 * adapts it to a stack that generates its own descriptions:
 *
 * - `create_offer` makes the stack generate and apply an offer; the state moves to
 *   have-local-offer when the user sets it with `set_local_description("offer", sdp)`, as
 *   Godot's documentation of SIGNALING_STATE_HAVE_LOCAL_OFFER says.
 * - `set_remote_description("offer")` makes the stack answer at once (Godot's behaviour); the
 *   state stays have-remote-offer until the user sets that answer (or uses it as a pranswer).
 * - a remote pranswer is held here (libdatachannel would jump to stable and then reject the
 *   final answer); the stack sees only the final answer.
 * - rollback of a remote offer is refused: libdatachannel applies its answer as it makes it.
 * - the connection's end closes it from every state, by the event that ended the connection:
 *   `close` (the app), `stack.connection_state(closed)` (the stack: the remote end closed, or a
 *   failure), `limit_exceeded` (the remote went past a limit), `timed_out` (the library's setup
 *   timeout or keepalive failed the connection and shut its stack down), so its trail says who closed.
 *
 * Context: `created` (an offer was created or a remote offer taken: the connection has left
 * STATE_NEW), `generated` (the description type the stack made that the user has not set yet),
 * `remoteApplied` (the stack holds a remote description, so candidates can be applied),
 * `channels` (data channels created before the offer).
 */
export interface SignalingContext {
  created: boolean;
  generated: 'offer' | 'answer' | null;
  remoteApplied: boolean;
  channels: number;
}

export type SignalingStateName =
  | 'stable'
  | 'haveLocalOffer'
  | 'haveRemoteOffer'
  | 'haveLocalPranswer'
  | 'haveRemotePranswer'
  | 'closed';

const initialContext: SignalingContext = { created: false, generated: null, remoteApplied: false, channels: 0 };

const sdpIs =
  (side: 'set_local_description' | 'set_remote_description', type: SdpType) =>
  ({ event }: { event: SignalingEvent }) =>
    event.type === side && event.sdpType === type;

/** Every way the connection's life ends closes the signaling too. */
const closes = {
  close: 'closed',
  'stack.connection_state': { guard: { type: 'reported', params: { state: 'closed' } }, target: 'closed' },
  limit_exceeded: 'closed',
  timed_out: 'closed',
} as const;

export const signalingMachine = setup({
  types: {
    context: {} as SignalingContext,
    events: {} as SignalingEvent,
  },
  guards: {
    create_data_channel: ({ context }) => !context.created,
    create_offer: ({ context }) => !context.created && context.channels > 0,
    local_offer_created: ({ context, event }) => sdpIs('set_local_description', 'offer')({ event }) && context.generated === 'offer',
    local_answer_created: ({ context, event }) => sdpIs('set_local_description', 'answer')({ event }) && context.generated === 'answer',
    local_pranswer_created: ({ context, event }) => sdpIs('set_local_description', 'pranswer')({ event }) && context.generated === 'answer',
    local_rollback: sdpIs('set_local_description', 'rollback'),
    remote_offer: sdpIs('set_remote_description', 'offer'),
    remote_answer: sdpIs('set_remote_description', 'answer'),
    remote_pranswer: sdpIs('set_remote_description', 'pranswer'),
    remote_rollback: sdpIs('set_remote_description', 'rollback'),
    reported: ({ event }, params: { state: 'closed' }) => event.type === 'stack.connection_state' && event.state === params.state,
  },
  actions: {
    /** Allowed, and nothing to remember: `can()` counts a transition only if it has an action or a target. */
    accept: () => {},
    countChannel: assign({ channels: ({ context }) => context.channels + 1 }),
    offerCreated: assign({ created: true, generated: 'offer' as const }),
    remoteOfferAnswered: assign({ created: true, remoteApplied: true, generated: 'answer' as const }),
    remoteAnswerApplied: assign({ remoteApplied: true }),
    localSet: assign({ generated: null }),
    reset: assign(() => ({ ...initialContext })),
  },
}).createMachine({
  id: 'signaling',
  initial: 'stable',
  context: { ...initialContext },
  on: {
    initialize: { target: '.stable', actions: 'reset' },
  },
  states: {
    stable: {
      on: {
        create_data_channel: { guard: 'create_data_channel', actions: 'countChannel' },
        create_offer: { guard: 'create_offer', actions: 'offerCreated' },
        set_local_description: { guard: 'local_offer_created', target: 'haveLocalOffer', actions: 'localSet' },
        set_remote_description: { guard: 'remote_offer', target: 'haveRemoteOffer', actions: 'remoteOfferAnswered' },
        add_ice_candidate: { actions: 'accept' },
        ...closes,
      },
    },
    haveLocalOffer: {
      on: {
        set_local_description: { guard: 'local_rollback', target: 'stable' },
        set_remote_description: [
          { guard: 'remote_answer', target: 'stable', actions: 'remoteAnswerApplied' },
          { guard: 'remote_pranswer', target: 'haveRemotePranswer' },
          { guard: 'remote_offer', target: 'haveRemoteOffer', actions: 'remoteOfferAnswered' },
          { guard: 'remote_rollback', target: 'stable' },
        ],
        add_ice_candidate: { actions: 'accept' },
        ...closes,
      },
    },
    haveRemoteOffer: {
      on: {
        set_local_description: [
          { guard: 'local_answer_created', target: 'stable', actions: 'localSet' },
          { guard: 'local_pranswer_created', target: 'haveLocalPranswer' },
        ],
        set_remote_description: { guard: 'remote_offer', target: 'haveRemoteOffer', actions: 'remoteOfferAnswered' },
        add_ice_candidate: { actions: 'accept' },
        ...closes,
      },
    },
    haveLocalPranswer: {
      on: {
        set_local_description: [
          { guard: 'local_answer_created', target: 'stable', actions: 'localSet' },
          { guard: 'local_pranswer_created', target: 'haveLocalPranswer' },
        ],
        add_ice_candidate: { actions: 'accept' },
        ...closes,
      },
    },
    haveRemotePranswer: {
      on: {
        set_remote_description: [
          { guard: 'remote_answer', target: 'stable', actions: 'remoteAnswerApplied' },
          { guard: 'remote_pranswer', target: 'haveRemotePranswer' },
        ],
        add_ice_candidate: { actions: 'accept' },
        ...closes,
      },
    },
    closed: {},
  },
});

/** Why a guard of this machine said no, in words a user can act on. */
export const signalingGuardReasons: Record<string, (context: SignalingContext, event: SignalingEvent) => string> = {
  create_data_channel: () =>
    'create_data_channel is only allowed in STATE_NEW, before create_offer or set_remote_description',
  create_offer: (context) =>
    context.created
      ? 'create_offer is only allowed once, in STATE_NEW (this connection has already created or received an offer)'
      : 'create_offer needs at least one data channel: call create_data_channel first',
  local_offer_created: (context, event) => describeLocal(context, event),
  local_answer_created: (context, event) => describeLocal(context, event),
  local_pranswer_created: (context, event) => describeLocal(context, event),
  remote_offer: (context, event) => describeRemote(context, event),
};

/** A remote description other than an offer, where only an offer fits: what is missing. */
function describeRemote(context: SignalingContext, event: SignalingEvent): string {
  const type = 'sdpType' in event ? event.sdpType : '?';
  const call = `set_remote_description("${type}")`;
  if (type === 'rollback') return `${call} has nothing to roll back: there is no remote offer`;
  if (context.generated === 'offer') {
    return `${call} needs this end's offer to be set first: the offer was created, but set_local_description("offer", sdp) was never called`;
  }
  if (context.generated === 'answer') return `${call} does not fit: this end received an offer, so it is the answering side`;
  if (!context.created) return `${call} needs a local offer, and this end has made none: call create_offer, then set_local_description("offer", sdp)`;
  return `${call} has no offer to answer: the negotiation is complete`;
}

function describeLocal(context: SignalingContext, event: SignalingEvent): string {
  const type = 'sdpType' in event ? event.sdpType : '?';
  if (context.generated === null) {
    return `set_local_description("${type}") has no description to set: the stack has not generated one (call create_offer, or set_remote_description with an offer)`;
  }
  return `set_local_description("${type}") does not fit: the description the stack generated is an ${context.generated}`;
}

/** Whether a candidate added now can go to the stack, or must be held until a remote description lands. */
export function canApplyCandidates(context: SignalingContext): boolean {
  return context.remoteApplied;
}
