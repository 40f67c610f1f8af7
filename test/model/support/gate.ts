import type {
  ChannelEvent,
  ChannelHandlers,
  DataChannelExtension,
  ExtensionFactory,
  HeldSignal,
  StackEvent,
  StackResult,
  WebRTCPeerConnectionExtension,
} from '../../../src/index.js';
import type { ChannelOptions } from '../../../src/api/channel-options.js';
import type { NativeConnectionState, NativeGatheringState } from '../../../src/machines/events.js';

/**
 * The real stack (node-datachannel over loopback) with a gate in front of the events the
 * machines take: libdatachannel's connection-state, gathering-state and channel open/closed/error
 * reports are held, in the order the stack made them, until the test releases them one at a
 * time. Nothing is invented or reordered within a kind: every event the connection receives is
 * one libdatachannel reported, delivered as it would be if the JS thread had been busy until
 * then. That makes one step of a generated path exactly one machine event, even where the stack
 * reports several in a burst (gathering, then complete), and it lets a test call a method while
 * a report is in flight (close a channel whose open is on its way).
 *
 * Candidates, received channels and signaling-state reports pass at once (no machine takes them).
 */
export interface Gate {
  readonly factory: ExtensionFactory;
  /** Every connection made through the gate, oldest first (one per `initialize`). */
  readonly peers: GatedPeer[];
  latest(): GatedPeer;
}

export function createGate(inner: ExtensionFactory, name = 'gated-loopback'): Gate {
  const peers: GatedPeer[] = [];
  return {
    peers,
    latest: () => {
      const peer = peers.at(-1);
      if (!peer) throw new Error('the gate has made no connection');
      return peer;
    },
    factory: {
      name,
      create(configuration, sink) {
        let peer: GatedPeer | null = null;
        const early: StackEvent[] = [];
        const result = inner.create(configuration, (event) => (peer ? peer.fromStack(event) : early.push(event)));
        if (result.code !== 0) return result;
        peer = new GatedPeer((result as { value: WebRTCPeerConnectionExtension }).value, sink);
        for (const event of early) peer.fromStack(event);
        peers.push(peer);
        return { code: 0, value: peer };
      },
    },
  };
}

export class GatedPeer implements WebRTCPeerConnectionExtension {
  readonly connection: NativeConnectionState[] = [];
  readonly gathering: NativeGatheringState[] = [];
  /** Channels created on this connection or received by it, in order. */
  readonly channels: GatedChannel[] = [];
  /** Every connection-state report the stack made, released or not. */
  readonly reported: NativeConnectionState[] = [];
  /** Whether the stack has reported gathering (its ICE transport exists), released or not. */
  gatheringSeen = false;

  constructor(
    private readonly inner: WebRTCPeerConnectionExtension,
    private readonly sink: (event: StackEvent) => void,
  ) {}

  /** Called by the stack's sink (inside a native callback): queue, never run test code. */
  fromStack(event: StackEvent): void {
    switch (event.type) {
      case 'stack.connection_state':
        this.reported.push(event.state);
        this.connection.push(event.state);
        return;
      case 'stack.gathering_state':
        this.gatheringSeen = true;
        this.gathering.push(event.state);
        return;
      case 'stack.data_channel': {
        const channel = new GatedChannel(event.channel);
        this.channels.push(channel);
        this.sink({ type: 'stack.data_channel', channel });
        return;
      }
      default:
        this.sink(event);
    }
  }

  /** Delivers the oldest held connection-state report; throws if it is not `expected`. */
  releaseConnection(expected: NativeConnectionState): void {
    const head = this.connection[0];
    if (head !== expected) throw new Error(`the stack's next connection report is ${head ?? 'none'}, not ${expected} (held: ${this.connection.join(', ')})`);
    this.connection.shift();
    this.sink({ type: 'stack.connection_state', state: head });
  }

  releaseGathering(expected: NativeGatheringState): void {
    const head = this.gathering[0];
    if (head !== expected) throw new Error(`the stack's next gathering report is ${head ?? 'none'}, not ${expected} (held: ${this.gathering.join(', ')})`);
    this.gathering.shift();
    this.sink({ type: 'stack.gathering_state', state: head });
  }

  createOffer(): StackResult<string> {
    return this.inner.createOffer();
  }
  createAnswer(): StackResult<string> {
    return this.inner.createAnswer();
  }
  setRemoteDescription(type: 'offer' | 'answer', sdp: string): StackResult {
    return this.inner.setRemoteDescription(type, sdp);
  }
  rollbackLocalOffer(): StackResult {
    return this.inner.rollbackLocalOffer();
  }
  addIceCandidate(mid: string, candidate: string): StackResult {
    return this.inner.addIceCandidate(mid, candidate);
  }
  createDataChannel(label: string, options: ChannelOptions): StackResult<DataChannelExtension> {
    const created = this.inner.createDataChannel(label, options);
    if (created.code !== 0) return created;
    const channel = new GatedChannel((created as { value: DataChannelExtension }).value);
    this.channels.push(channel);
    return { code: 0, value: channel };
  }
  close(): void {
    this.inner.close();
  }
  /** The stack's own setup order (held answers and candidates) is not a machine report: it passes through. */
  signalReady(kind: HeldSignal): boolean {
    return this.inner.signalReady?.(kind) ?? true;
  }
}

export class GatedChannel implements DataChannelExtension {
  /** Open/closed/error reports the stack made and the test has not released, oldest first. */
  readonly held: ChannelEvent[] = [];
  private handlers: ChannelHandlers | null = null;
  private early: Array<[Uint8Array, boolean]> = [];

  constructor(private readonly inner: DataChannelExtension) {
    inner.attach({
      onEvent: (event) => this.held.push(event),
      onMessage: (data, isString) => (this.handlers ? this.handlers.onMessage(data, isString) : this.early.push([data, isString])),
    });
  }

  get label(): string {
    return this.inner.label;
  }
  get protocol(): string {
    return this.inner.protocol;
  }

  /** The kinds of the held reports: `['open', 'closed']`. */
  heldKinds(): string[] {
    return this.held.map((event) => event.type.slice('stack.'.length));
  }

  release(expected: ChannelEvent['type']): void {
    const head = this.held[0];
    if (head?.type !== expected) throw new Error(`the stack's next report on channel ${this.label} is ${head?.type ?? 'none'}, not ${expected}`);
    this.held.shift();
    this.handlers?.onEvent(head);
  }

  id(): number {
    return this.inner.id();
  }
  isOpen(): boolean {
    return this.inner.isOpen();
  }
  send(data: Uint8Array | string): StackResult {
    return this.inner.send(data);
  }
  bufferedAmount(): number {
    return this.inner.bufferedAmount();
  }
  setBufferedAmountLowThreshold(bytes: number): void {
    this.inner.setBufferedAmountLowThreshold(bytes);
  }
  maxMessageSize(): number {
    return this.inner.maxMessageSize();
  }
  close(): void {
    this.inner.close();
  }
  attach(handlers: ChannelHandlers): void {
    this.handlers = handlers;
    for (const [data, isString] of this.early.splice(0)) handlers.onMessage(data, isString);
  }
}
