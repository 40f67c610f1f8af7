import { fromTransition, initialTransition, transition, type AnyStateMachine, type SnapshotFrom } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { signalingMachine } from '../machines/signaling.js';
import { connectionMachine } from '../machines/connection.js';
import { gatheringMachine } from '../machines/gathering.js';
import { dataChannelMachine } from '../machines/data-channel.js';
import { stateName } from '../machines/explain.js';
import type { LimitExceededEvent, NativeConnectionState, NativeGatheringState, SignalingEvent, TimedOutEvent } from '../machines/events.js';
import { MODEL_EVENTS } from './events.js';
import { eventLabel } from './paths.js';

/**
 * The whole model of one connection: its signaling, connection and gathering machines and the
 * first data channel created on it, put together the way `WebRTCPeerConnection` routes calls
 * and stack reports to them (`close` closes the connection, the signaling and the channel;
 * `initialize` resets the three and drops the channel; a stack report of `closed` closes the
 * signaling too, by the same event; `limit_exceeded` closes the connection, the signaling and the
 * channel, as close does; `timed_out` fails the connection and closes the signaling and the
 * channel; the stack is shut down once the connection closed or timed out, and reports nothing
 * more, and no remote can go past a limit then). It is built from the
 * machines themselves (each part is the machine's own snapshot, moved by xstate's `transition`),
 * so it changes when they change; `xstate/graph` walks it like any actor logic.
 */
export type PeerModelEvent =
  | Exclude<SignalingEvent, { type: 'close' | 'initialize' | 'stack.connection_state' | 'limit_exceeded' | 'timed_out' }>
  | { type: 'close' }
  | LimitExceededEvent
  | TimedOutEvent
  | { type: 'initialize' }
  | { type: 'stack.connection_state'; state: NativeConnectionState }
  | { type: 'stack.gathering_state'; state: NativeGatheringState }
  | { type: 'channel.close' }
  | { type: 'channel.put_packet' }
  | { type: 'channel.stack.open' }
  | { type: 'channel.stack.closed' }
  | { type: 'channel.stack.error'; message: string };

type Part<M extends AnyStateMachine> = SnapshotFrom<M>;

export interface PeerModelState {
  signaling: Part<typeof signalingMachine>;
  connection: Part<typeof connectionMachine>;
  gathering: Part<typeof gatheringMachine>;
  /** The first channel created since the last `initialize`; null before one is. */
  channel: Part<typeof dataChannelMachine> | null;
}

/** The part states of a model state, by name: `{ signaling: 'stable', connection: 'new', gathering: 'new', channel: 'none' }`. */
export function peerModelStates(state: PeerModelState): { signaling: string; connection: string; gathering: string; channel: string } {
  return {
    signaling: stateName(state.signaling),
    connection: stateName(state.connection),
    gathering: stateName(state.gathering),
    channel: state.channel ? stateName(state.channel) : 'none',
  };
}

const can = (snapshot: { can(event: never): boolean }, event: unknown) => snapshot.can(event as never);

/** A transition one of the four machines took, as its transition record says it. */
export interface TakenTransition {
  machine: 'signaling' | 'connection' | 'gathering' | 'dataChannel';
  from: string;
  event: string;
  to: string;
}

/** Whether the connection's stack is shut down: the connection closed, or a timeout failed it. */
function stackShutDown(state: PeerModelState): boolean {
  return state.connection.context.closed !== null;
}

/** Whether the connection takes `event` now, as `WebRTCPeerConnection` would decide. */
export function peerModelAccepts(state: PeerModelState, event: PeerModelEvent): boolean {
  switch (event.type) {
    case 'close':
    case 'timed_out':
      return can(state.connection, event);
    case 'initialize':
      return true;
    case 'limit_exceeded':
    case 'stack.connection_state':
      // A shut-down stack reports nothing more, and no remote can reach it to go past a limit.
      return !stackShutDown(state) && can(state.connection, event);
    case 'stack.gathering_state':
      return !stackShutDown(state) && can(state.gathering, event);
    case 'channel.close':
    case 'channel.put_packet':
    case 'channel.stack.open':
    case 'channel.stack.closed':
    case 'channel.stack.error':
      return state.channel !== null && can(state.channel, channelEvent(event));
    default:
      return can(state.signaling, event);
  }
}

function channelEvent(event: PeerModelEvent): { type: string; message?: string } {
  const type = event.type.slice('channel.'.length);
  return event.type === 'channel.stack.error' ? { type, message: event.message } : { type };
}

/**
 * The next state of the whole model, and the transitions the machines took on the way (what a
 * connection records as `transition` records, in the order it records them).
 */
export function peerModelStep(state: PeerModelState, event: PeerModelEvent): { state: PeerModelState; taken: TakenTransition[] } {
  const taken: TakenTransition[] = [];
  if (!peerModelAccepts(state, event)) return { state, taken };
  const step = <M extends AnyStateMachine>(name: TakenTransition['machine'], machine: M, snapshot: Part<M>, sent: { type: string }): Part<M> => {
    if (!can(snapshot as never, sent)) return snapshot;
    const next = transition(machine, snapshot as never, sent as never)[0] as Part<M>;
    taken.push({ machine: name, from: stateName(snapshot), event: eventLabel(sent), to: stateName(next) });
    return next;
  };
  const sig = (sent: { type: string }) => step('signaling', signalingMachine, state.signaling, sent);
  const conn = (sent: { type: string }) => step('connection', connectionMachine, state.connection, sent);
  const gath = (sent: { type: string }) => step('gathering', gatheringMachine, state.gathering, sent);
  const chan = (sent: { type: string }) => (state.channel ? step('dataChannel', dataChannelMachine, state.channel, sent) : null);
  switch (event.type) {
    case 'close':
    case 'limit_exceeded':
    case 'timed_out': {
      // WebRTCPeerConnection.close (and closeForLimit, failForTimeout): the connection, then the signaling, then its channels.
      const connection = conn(event);
      const signaling = sig(event);
      return { state: { ...state, connection, signaling, channel: chan({ type: 'peer_closed' }) }, taken };
    }
    case 'initialize': {
      // initialize: the channels are closed first (the old stack is shut down), then the three machines start again.
      chan({ type: 'peer_closed' });
      return { state: { signaling: sig(event), connection: conn(event), gathering: gath(event), channel: null }, taken };
    }
    case 'stack.connection_state': {
      const connection = conn(event);
      if (event.state !== 'closed') return { state: { ...state, connection }, taken };
      // Closed by the stack (the remote end closed, or it failed): the signaling reads closed too, and the channels close.
      const signaling = sig(event);
      return { state: { ...state, connection, signaling, channel: chan({ type: 'peer_closed' }) }, taken };
    }
    case 'stack.gathering_state':
      return { state: { ...state, gathering: gath(event) }, taken };
    case 'channel.close':
    case 'channel.put_packet':
    case 'channel.stack.open':
    case 'channel.stack.closed':
    case 'channel.stack.error':
      return { state: { ...state, channel: chan(channelEvent(event)) }, taken };
    case 'create_data_channel': {
      const signaling = sig(event);
      return { state: { ...state, signaling, channel: state.channel ?? initialTransition(dataChannelMachine)[0] }, taken };
    }
    default:
      return { state: { ...state, signaling: sig(event) }, taken };
  }
}

export function peerModelTransition(state: PeerModelState, event: PeerModelEvent): PeerModelState {
  return peerModelStep(state, event).state;
}

export function peerModelInitialState(): PeerModelState {
  return {
    signaling: initialTransition(signalingMachine)[0],
    connection: initialTransition(connectionMachine)[0],
    gathering: initialTransition(gatheringMachine)[0],
    channel: null,
  };
}

/** The model as actor logic, for `xstate/graph` (or `createActor`). */
export const peerModel = fromTransition(
  (state: PeerModelState, event: PeerModelEvent) => peerModelTransition(state, event),
  peerModelInitialState,
);

/** Signaling events the connection routes to its other machines too (or first). */
const NOT_SIGNALING_ONLY = new Set(['close', 'initialize', 'stack.connection_state', 'limit_exceeded', 'timed_out']);

/** Every event of the whole model, with every argument. */
export const PEER_MODEL_EVENTS: readonly PeerModelEvent[] = [
  ...(MODEL_EVENTS.signaling.filter((event) => !NOT_SIGNALING_ONLY.has(event.type)) as PeerModelEvent[]),
  { type: 'close' },
  { type: 'initialize' },
  ...(MODEL_EVENTS.connection.filter((event) => ['stack.connection_state', 'limit_exceeded', 'timed_out'].includes(event.type)) as PeerModelEvent[]),
  ...(MODEL_EVENTS.gathering.filter((event) => event.type === 'stack.gathering_state') as PeerModelEvent[]),
  { type: 'channel.close' },
  { type: 'channel.put_packet' },
  { type: 'channel.stack.open' },
  { type: 'channel.stack.closed' },
  { type: 'channel.stack.error', message: 'a scripted stack error' },
];

/**
 * What makes two model states the same: every part's state, the signaling context (whether there
 * is a channel, not how many), and whether the stack is shut down (a connection failed by a
 * timeout has none; one the stack failed still reports). Not why the connection closed (the
 * connection machine's context): that would multiply every closed state by the ways into it; the
 * replays check it at every step.
 */
export function serializePeerModelState(state: PeerModelState): string {
  const { channels, ...signaling } = state.signaling.context;
  return JSON.stringify([peerModelStates(state), signaling, Math.min(channels, 1), stackShutDown(state)]);
}

export interface PeerModelStep {
  event: PeerModelEvent;
  label: string;
  /** The state after the event. */
  state: PeerModelState;
  /** The machines' transitions the event causes. */
  taken: TakenTransition[];
}

export interface PeerModelPath {
  description: string;
  steps: PeerModelStep[];
  end: PeerModelState;
}

/**
 * The shortest path to every state of the whole model (every combination of the four machines'
 * states that the routing can reach), optionally only through events `filter` lets through
 * (e.g. what a test environment can cause).
 */
export function peerModelShortestPaths(filter?: (state: PeerModelState, event: PeerModelEvent) => boolean): PeerModelPath[] {
  const raw = getShortestPaths(peerModel, {
    events: PEER_MODEL_EVENTS,
    filterEvents: (snapshot, event) => peerModelAccepts(snapshot.context, event) && (!filter || filter(snapshot.context, event)),
    serializeState: (snapshot) => serializePeerModelState(snapshot.context),
  });
  return raw.map((path) => {
    // Replayed from the start: xstate/graph keeps one snapshot per serialized state (the first
    // reached), whose unserialized part (why the connection closed) may be another path's.
    let state = peerModelInitialState();
    const steps = path.steps.slice(1).map((s) => {
      const next = peerModelStep(state, s.event);
      state = next.state;
      return { event: s.event, label: eventLabel(s.event), state: next.state, taken: next.taken };
    });
    const names = (model: PeerModelState) => Object.values(peerModelStates(model)).join('/');
    const description = [names(path.steps[0]!.state.context), ...steps.map((s) => `-${s.label}-> ${names(s.state)}`)].join(' ');
    return { description, steps, end: state };
  });
}
