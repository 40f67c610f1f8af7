import type { AnyStateMachine, EventObject } from 'xstate';
import { signalingMachine } from '../machines/signaling.js';
import { connectionMachine, type ConnectionContext } from '../machines/connection.js';
import { gatheringMachine } from '../machines/gathering.js';
import { dataChannelMachine } from '../machines/data-channel.js';
import {
  SDP_TYPES,
  type ConnectionEvent,
  type DataChannelEvent,
  type GatheringEvent,
  type NativeConnectionState,
  type NativeGatheringState,
  type SignalingEvent,
} from '../machines/events.js';

const CONNECTION_STATES: readonly NativeConnectionState[] = ['new', 'connecting', 'connected', 'disconnected', 'failed', 'closed'];
const GATHERING_STATES: readonly NativeGatheringState[] = ['new', 'gathering', 'complete'];

/**
 * The limit the alphabet's `limit_exceeded` names. The machines treat every limit alike (no
 * guard reads the name), so one stands for all: the one a remote reaches by sending packets the
 * app does not read.
 */
export const MODEL_LIMIT = 'maxQueuedPackets';
const LIMIT_EXCEEDED = { type: 'limit_exceeded', limit: MODEL_LIMIT } as const;

/**
 * The timeout the alphabet's `timed_out` names. The machines treat both alike (no guard reads
 * it), so one stands for both: the setup timeout, which fails a connection that did not connect.
 */
export const MODEL_TIMEOUT = 'setup';
const TIMED_OUT = { type: 'timed_out', timeout: MODEL_TIMEOUT } as const;

/**
 * Every event each machine can be sent, with every argument it can carry (each SDP type, each
 * state the stack can report, including the ones the tables refuse): the alphabet that path
 * generation tries in every state.
 */
export const MODEL_EVENTS = {
  signaling: [
    { type: 'create_data_channel' },
    { type: 'create_offer' },
    ...SDP_TYPES.map((sdpType) => ({ type: 'set_local_description', sdpType }) as const),
    ...SDP_TYPES.map((sdpType) => ({ type: 'set_remote_description', sdpType }) as const),
    { type: 'add_ice_candidate' },
    { type: 'close' },
    { type: 'stack.connection_state', state: 'closed' },
    LIMIT_EXCEEDED,
    TIMED_OUT,
    { type: 'initialize' },
  ] as readonly SignalingEvent[],
  connection: [
    ...CONNECTION_STATES.map((state) => ({ type: 'stack.connection_state', state }) as const),
    { type: 'close' },
    LIMIT_EXCEEDED,
    TIMED_OUT,
    { type: 'initialize' },
  ] as readonly ConnectionEvent[],
  gathering: [
    ...GATHERING_STATES.map((state) => ({ type: 'stack.gathering_state', state }) as const),
    { type: 'initialize' },
  ] as readonly GatheringEvent[],
  dataChannel: [
    { type: 'stack.open' },
    { type: 'stack.closed' },
    { type: 'stack.error', message: 'a scripted stack error' },
    { type: 'put_packet' },
    { type: 'close' },
    { type: 'peer_closed' },
  ] as readonly DataChannelEvent[],
} as const;

/** This library's four machines, by the name records use. */
export const MACHINES = {
  signaling: signalingMachine,
  connection: connectionMachine,
  gathering: gatheringMachine,
  dataChannel: dataChannelMachine,
} as const;

export type ModelMachineName = keyof typeof MACHINES;

/**
 * Whether the library can send `event` to the machine in `snapshot`, beyond what the machine's
 * table allows: once the connection machine holds why the connection ended, its stack is shut
 * down (by close, a limit or a timeout; a stack that reported closed is gone too), so nothing
 * reports to it any more and no remote can go past a limit. From failed by a timeout it leaves
 * only by close or initialize. Every other machine and event: true.
 */
export function libraryCanSend(machine: AnyStateMachine, snapshot: { context?: unknown }, event: EventObject): boolean {
  if (machine !== connectionMachine) return true;
  const stackShutDown = (snapshot.context as ConnectionContext).closed !== null;
  return !stackShutDown || event.type === 'close' || event.type === 'initialize';
}

/** The alphabet of one of this library's machines; undefined for another machine. */
export function eventsOf(machine: AnyStateMachine): readonly EventObject[] | undefined {
  for (const [name, known] of Object.entries(MACHINES)) {
    if (known === machine) return MODEL_EVENTS[name as ModelMachineName];
  }
  return undefined;
}
