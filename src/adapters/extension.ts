import type { GodotError } from '../godot/constants.js';
import type { PeerConfiguration } from '../api/configuration.js';
import type { ChannelOptions } from '../api/channel-options.js';
import type { NativeConnectionState, NativeGatheringState } from '../machines/events.js';

/**
 * What a WebRTC stack must provide: this project's `WebRTCPeerConnectionExtension`.
 *
 * Every method returns a `StackResult` and never throws; the stack's own exceptions are caught
 * inside the implementation and become codes. Events from the stack reach the connection only
 * through the `StackEventSink` given at creation, already narrowed to `StackEvent`, and the sink
 * must be called on the JS thread, never with a user callback's stack below it.
 */
export type StackResult<T = void> = { code: typeof GodotError.OK; value: T } | { code: GodotError; reason: string };

/** The value of a result already known to be OK. */
export function valueOf<T>(result: StackResult<T>): T {
  return (result as { value: T }).value;
}

export type StackEvent =
  | { type: 'stack.local_candidate'; mid: string; candidate: string }
  | { type: 'stack.connection_state'; state: NativeConnectionState }
  | { type: 'stack.gathering_state'; state: NativeGatheringState }
  | { type: 'stack.signaling_state'; state: string }
  | { type: 'stack.data_channel'; channel: DataChannelExtension }
  /** A signal the stack held (`signalReady` said no) may be emitted now: never a machine event. */
  | { type: 'stack.signals_released' };

export type StackEventSink = (event: StackEvent) => void;

export interface WebRTCPeerConnectionExtension {
  /** Generates an offer and applies it as the local description; gives its SDP. */
  createOffer(): StackResult<string>;
  /** Generates the answer to the remote offer just applied and applies it; gives its SDP. */
  createAnswer(): StackResult<string>;
  /** Applies a remote offer or answer. A rejected description is ERR_INVALID_DATA. */
  setRemoteDescription(type: 'offer' | 'answer', sdp: string): StackResult;
  /** Withdraws the local offer (back to stable). */
  rollbackLocalOffer(): StackResult;
  /** Applies a remote candidate (`candidate:...`) for the media section `mid`. */
  addIceCandidate(mid: string, candidate: string): StackResult;
  createDataChannel(label: string, options: ChannelOptions): StackResult<DataChannelExtension>;
  /** Closes the connection and its channels; events stop. Safe to call twice. */
  close(): void;
  /**
   * Optional: whether a signal of this kind may be emitted now. A stack that orders its own
   * setup (adapters/setup-order.ts) holds its answer or its local candidates for a moment;
   * `poll()` stops at the first held signal, and the signals queued after it wait behind it.
   */
  signalReady?(kind: HeldSignal): boolean;
  /**
   * Optional: what the stack counts of this connection (see `StackStats`); null once it is closed
   * or when it cannot tell. Called only from user code, never inside a stack callback.
   */
  stats?(): StackStats | null;
}

/** One end of the selected candidate pair, as the stack describes it. */
export interface CandidateEndpoint {
  /** `host`, `srflx`, `prflx` or `relay`. */
  type: string;
  address: string;
  port: number;
  /** `udp` or `tcp`. */
  transport: string;
  /** The candidate line, as `candidate:...`. */
  candidate: string;
}

/** What the stack counts of one connection: the messages' payload bytes handed to SCTP and delivered by it (every channel, no protocol overhead), the round trip and the pair ICE selected. */
export interface StackStats {
  bytesSent: number;
  bytesReceived: number;
  /** SCTP's smoothed round-trip time, ms; null before it has one. */
  rttMs: number | null;
  selectedPair: { local: CandidateEndpoint; remote: CandidateEndpoint } | null;
}

/** The signals a stack may hold: `session_description_created` of an answer, and `ice_candidate_created`. */
export type HeldSignal = 'answer' | 'candidate';

export type ChannelEvent =
  | { type: 'stack.open' }
  | { type: 'stack.closed' }
  | { type: 'stack.error'; message: string }
  | { type: 'stack.suspect_message'; suspicion: MessageSuspicion; bytes: number }
  /** The buffered amount fell to the threshold last set with `setBufferedAmountLowThreshold`: never a machine event. */
  | { type: 'stack.buffered_amount_low' };

/**
 * What a received message, delivered just before this event, may hide (see the adapter):
 * `amplified`, the signature of libdatachannel's deprecated-PPID bug (a message padded with zeros
 * to the local max-message-size); `cut`, a message of exactly the local max-message-size, which
 * the stack also makes of a longer one; `replaced_text`, a string message with U+FFFD, which the
 * stack also makes of bytes that are not UTF-8. Never a machine event: the data path's.
 */
export type MessageSuspicion = 'amplified' | 'cut' | 'replaced_text';

export interface ChannelHandlers {
  onEvent(event: ChannelEvent): void;
  /** The data path: called once per message, never through a machine. */
  onMessage(data: Uint8Array, isString: boolean): void;
}

export interface DataChannelExtension {
  readonly label: string;
  readonly protocol: string;
  /** The SCTP stream id, or -1 while the stack has not assigned one. */
  id(): number;
  isOpen(): boolean;
  /** Sends one message: bytes as a binary message, a string as a string message. */
  send(data: Uint8Array | string): StackResult;
  bufferedAmount(): number;
  /** `stack.buffered_amount_low` is reported each time the buffered amount falls to `bytes` or below. */
  setBufferedAmountLowThreshold(bytes: number): void;
  /** The largest message the remote end accepts. */
  maxMessageSize(): number;
  close(): void;
  /** Events that happened before handlers were attached are delivered when they are. */
  attach(handlers: ChannelHandlers): void;
}

/** How `set_default_extension` names a stack: it builds one connection per `initialize`. */
export interface ExtensionFactory {
  readonly name: string;
  create(configuration: PeerConfiguration, sink: StackEventSink): StackResult<WebRTCPeerConnectionExtension>;
}
