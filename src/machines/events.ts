/**
 * Every event the machines know, in one place.
 * Method events carry the Godot method's name; `stack.*` events come from the adapter,
 * already narrowed to these types.
 */
export type SdpType = 'offer' | 'answer' | 'pranswer' | 'rollback';
export const SDP_TYPES: readonly SdpType[] = ['offer', 'answer', 'pranswer', 'rollback'];

export type NativeConnectionState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';
export type NativeGatheringState = 'new' | 'gathering' | 'complete';

/** Methods every machine of a connection takes: they reset or end its life. */
export type LifecycleEvent = { type: 'initialize' } | { type: 'close' };

/** The stack reports the connection's state; `closed` (the remote end closed, or a failure it gave up on) ends the connection's life. */
export type StackConnectionStateEvent = { type: 'stack.connection_state'; state: NativeConnectionState };

/**
 * The remote peer went past one of the connection's limits (src/limits.ts), named by `limit`:
 * the library closes the connection, and the records say `limit_exceeded(maxQueuedPackets)`.
 */
export type LimitExceededEvent = { type: 'limit_exceeded'; limit: string };

/**
 * The connection did not get where it should in time, named by `timeout`: `setup` (not connected
 * within the setup timeout of its first offer), `keepalive` (the remote end fell silent; see
 * keepalive.ts). The library fails the connection and shuts its stack down.
 */
export type TimedOutEvent = { type: 'timed_out'; timeout: 'setup' | 'keepalive' };

export type SignalingEvent =
  | LifecycleEvent
  | StackConnectionStateEvent
  | LimitExceededEvent
  | TimedOutEvent
  | { type: 'create_data_channel' }
  | { type: 'create_offer' }
  | { type: 'set_local_description'; sdpType: SdpType }
  | { type: 'set_remote_description'; sdpType: SdpType }
  | { type: 'add_ice_candidate' };

export type ConnectionEvent = LifecycleEvent | StackConnectionStateEvent | LimitExceededEvent | TimedOutEvent;

export type GatheringEvent =
  | { type: 'initialize' }
  | { type: 'stack.gathering_state'; state: NativeGatheringState };

export type DataChannelEvent =
  | { type: 'put_packet' }
  | { type: 'close' }
  | { type: 'stack.open' }
  | { type: 'stack.closed' }
  | { type: 'stack.error'; message: string }
  /** The peer connection that owns the channel was closed or re-initialized. */
  | { type: 'peer_closed' };

export type AnyMachineEvent = SignalingEvent | ConnectionEvent | GatheringEvent | DataChannelEvent;
