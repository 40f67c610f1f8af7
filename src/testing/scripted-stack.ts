import { GodotError } from '../godot/constants.js';
import type {
  ChannelEvent,
  ChannelHandlers,
  DataChannelExtension,
  ExtensionFactory,
  StackEvent,
  StackEventSink,
  StackResult,
  WebRTCPeerConnectionExtension,
} from '../adapters/extension.js';
import type { ChannelOptions } from '../api/channel-options.js';
import type { PeerConfiguration } from '../api/configuration.js';
import type { NativeConnectionState, NativeGatheringState } from '../machines/events.js';

/**
 * A stack with no network: it answers every call at once with a plausible result and reports
 * nothing by itself. A test makes it report what a real stack would (connection and gathering
 * states, local candidates, received channels, channel open/close/error, messages), so that
 * every transition of the machines can be driven, including those a loopback pair cannot cause
 * (a connection that drops, ICE failure, gathering again, a channel error).
 *
 * @example
 * ```ts
 * const stack = createScriptedStack();
 * WebRTCPeerConnection.set_default_extension(stack.factory);
 * const pc = new WebRTCPeerConnection();
 * const channel = pc.create_data_channel('chat', { negotiated: true, id: 1 })!;
 * pc.create_offer();
 * stack.latest().connectionState('connecting');
 * stack.latest().connectionState('connected');
 * stack.latest().channels[0]!.open();
 * stack.latest().connectionState('disconnected'); // what loopback cannot do
 * ```
 */
export interface ScriptedStack {
  /** Give it to `WebRTCPeerConnection.set_default_extension` (or `registerExtension`). */
  readonly factory: ExtensionFactory;
  /** Every connection the factory made, oldest first (one per `initialize`). */
  readonly peers: readonly ScriptedPeer[];
  /** The connection made last; throws if none was. */
  latest(): ScriptedPeer;
}

export interface ScriptedStackOptions {
  /** The name `set_default_extension` knows the factory by (default `scripted`). */
  name?: string;
  /** The remote end's max-message-size the channels report (default 262144, libdatachannel's). */
  maxMessageSize?: number;
}

let scriptedNumber = 0;

export function createScriptedStack(options: ScriptedStackOptions = {}): ScriptedStack {
  const peers: ScriptedPeer[] = [];
  const maxMessageSize = options.maxMessageSize ?? 262144;
  const factory: ExtensionFactory = {
    name: options.name ?? 'scripted',
    create(configuration, sink) {
      const peer = new ScriptedPeer(configuration, sink, maxMessageSize);
      peers.push(peer);
      return { code: GodotError.OK, value: peer };
    },
  };
  return {
    factory,
    peers,
    latest() {
      const peer = peers.at(-1);
      if (!peer) throw new Error('the scripted stack has made no connection yet');
      return peer;
    },
  };
}

/**
 * A session description the library takes (`v=0`, `o=`, `s=`, one data-channel media section
 * with mid `0`, ICE credentials and a fingerprint); `serial` makes each one different.
 */
export function scriptedSdp(type: 'offer' | 'answer', serial: number = ++scriptedNumber): string {
  return [
    'v=0',
    `o=- ${serial} 1 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    'a=mid:0',
    `a=ice-ufrag:s${serial}`,
    'a=ice-pwd:scriptedscriptedscripted',
    `a=fingerprint:sha-256 ${Array.from({ length: 32 }, () => '5C').join(':')}`,
    `a=setup:${type === 'offer' ? 'actpass' : 'active'}`,
    'a=sctp-port:5000',
    'a=max-message-size:262144',
    '',
  ].join('\r\n');
}

/** A host candidate on 127.0.0.1 (nothing is sent to it: the scripted stack has no network). */
export function scriptedCandidate(port = 9): string {
  return `candidate:1 1 UDP 2122260223 127.0.0.1 ${port} typ host`;
}

type Method = 'createOffer' | 'createAnswer' | 'setRemoteDescription' | 'rollbackLocalOffer' | 'addIceCandidate' | 'createDataChannel';

/** One scripted connection: what the library called, and methods that make it report as a stack would. */
export class ScriptedPeer implements WebRTCPeerConnectionExtension {
  /** The library's calls, in order: `createOffer`, `setRemoteDescription(answer)`, `addIceCandidate(0)`, `close`. */
  readonly calls: string[] = [];
  /** Channels created on this connection or received by it, in order. */
  readonly channels: ScriptedChannel[] = [];
  closed = false;
  /** The last description the stack generated. */
  localDescription: string | null = null;
  private readonly failures = new Map<Method, { code: GodotError; reason: string }>();

  constructor(
    readonly configuration: PeerConfiguration,
    private readonly sink: StackEventSink,
    private readonly maxMessageSize: number,
  ) {}

  // ---- what a test makes the stack report

  /** Reports a stack event to the connection, as the adapter would (call it from test code, never inside a library callback). */
  emit(event: StackEvent): void {
    this.sink(event);
  }

  connectionState(state: NativeConnectionState): void {
    this.emit({ type: 'stack.connection_state', state });
  }

  gatheringState(state: NativeGatheringState): void {
    this.emit({ type: 'stack.gathering_state', state });
  }

  localCandidate(candidate = scriptedCandidate(), mid = '0'): void {
    this.emit({ type: 'stack.local_candidate', mid, candidate: `a=${candidate}` });
  }

  /** The remote end opened an in-band channel: the connection gets `data_channel_received`. */
  receiveChannel(label: string, protocol = ''): ScriptedChannel {
    const channel = new ScriptedChannel(label, protocol, this.channels.length * 2 + 1, this.maxMessageSize);
    this.channels.push(channel);
    this.emit({ type: 'stack.data_channel', channel });
    return channel;
  }

  /** Makes the next call of `method` fail with `code` (then it works again). */
  failNext(method: Method, code: GodotError, reason = `scripted failure of ${method}`): void {
    this.failures.set(method, { code, reason });
  }

  // ---- WebRTCPeerConnectionExtension

  createOffer(): StackResult<string> {
    return this.call('createOffer', () => (this.localDescription = scriptedSdp('offer')));
  }

  createAnswer(): StackResult<string> {
    return this.call('createAnswer', () => (this.localDescription = scriptedSdp('answer')));
  }

  setRemoteDescription(type: 'offer' | 'answer', _sdp: string): StackResult {
    return this.call('setRemoteDescription', () => undefined, type);
  }

  rollbackLocalOffer(): StackResult {
    return this.call('rollbackLocalOffer', () => undefined);
  }

  addIceCandidate(mid: string, _candidate: string): StackResult {
    return this.call('addIceCandidate', () => undefined, mid);
  }

  createDataChannel(label: string, options: ChannelOptions): StackResult<DataChannelExtension> {
    return this.call('createDataChannel', () => {
      const channel = new ScriptedChannel(label, options.protocol, options.negotiated ? options.id : -1, this.maxMessageSize);
      this.channels.push(channel);
      return channel;
    }, label);
  }

  close(): void {
    this.calls.push('close');
    this.closed = true;
  }

  private call<T>(method: Method, value: () => T, argument?: string): StackResult<T> {
    this.calls.push(argument === undefined ? method : `${method}(${argument})`);
    const failure = this.failures.get(method);
    if (failure) {
      this.failures.delete(method);
      return failure;
    }
    return { code: GodotError.OK, value: value() };
  }
}

/** One scripted channel: what was sent on it, and methods that make it report as a stack would. */
export class ScriptedChannel implements DataChannelExtension {
  /** Every message sent, in order: bytes for binary, a string for text. */
  readonly sent: Array<Uint8Array | string> = [];
  opened = false;
  closed = false;
  private handlers: ChannelHandlers | null = null;
  private early: Array<() => void> = [];

  constructor(
    readonly label: string,
    readonly protocol: string,
    private streamId: number,
    private readonly maxSize: number,
  ) {}

  open(): void {
    this.opened = true;
    this.event({ type: 'stack.open' });
  }

  /** The stack reports the channel closed (the remote end closed it, or the close the library asked for completed). */
  remoteClosed(): void {
    this.closed = true;
    this.event({ type: 'stack.closed' });
  }

  error(message = 'a scripted stack error'): void {
    this.event({ type: 'stack.error', message });
  }

  /** A message from the remote end. */
  receive(data: Uint8Array | string): void {
    const deliver = () => {
      if (typeof data === 'string') this.handlers!.onMessage(new TextEncoder().encode(data), true);
      else this.handlers!.onMessage(data, false);
    };
    if (this.handlers) deliver();
    else this.early.push(deliver);
  }

  // ---- DataChannelExtension

  id(): number {
    return this.streamId;
  }

  /** Sets the stream id an in-band channel gets when the connection is up. */
  assignId(id: number): void {
    this.streamId = id;
  }

  isOpen(): boolean {
    return this.opened && !this.closed;
  }

  send(data: Uint8Array | string): StackResult {
    if (this.closed) return { code: GodotError.ERR_UNAVAILABLE, reason: 'the scripted channel is closed' };
    this.sent.push(typeof data === 'string' ? data : data.slice());
    return { code: GodotError.OK, value: undefined };
  }

  bufferedAmount(): number {
    return 0;
  }

  setBufferedAmountLowThreshold(): void {}

  maxMessageSize(): number {
    return this.maxSize;
  }

  close(): void {
    this.closed = true;
  }

  attach(handlers: ChannelHandlers): void {
    this.handlers = handlers;
    const early = this.early;
    this.early = [];
    for (const deliver of early) deliver();
  }

  private event(event: ChannelEvent): void {
    if (this.handlers) this.handlers.onEvent(event);
    else this.early.push(() => this.handlers!.onEvent(event));
  }
}
