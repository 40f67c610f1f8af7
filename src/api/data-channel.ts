import { ChannelState, GodotError, WriteMode, errorName } from '../godot/constants.js';
import { dataChannelMachine, type DataChannelStateName } from '../machines/data-channel.js';
import type { DataChannelEvent } from '../machines/events.js';
import { MachineHandle, describeEvent, type Inspector } from './machine-handle.js';
import { CHANNEL_VALUES } from './state-values.js';
import type { ChannelEvent, DataChannelExtension, MessageSuspicion } from '../adapters/extension.js';
import type { Recorder } from '../records/recorder.js';
import { PacketQueue, type ReceiveBudget } from './packet-queue.js';
import { describe } from './arguments.js';
import { cutText } from '../records/cut.js';
import { Signal } from '../godot/signal.js';
import { badWaitOptions, waitFor, type WaitOptions } from './waits.js';
import type { ChannelStats } from './stats.js';
import { Receivers } from './receivers.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const EMPTY = new Uint8Array(0);

/** What the creating end knows of a channel; the receiving end of an in-band channel knows less. */
export interface ChannelDescription {
  label: string;
  protocol: string;
  negotiated: boolean;
  ordered: boolean;
  maxRetransmits: number;
  maxPacketLifeTime: number;
}

/** @internal What a channel takes from its connection. */
export interface ChannelHost {
  readonly recorder: Recorder;
  /** The connection's receive budget, shared by its channels. */
  readonly budget: ReceiveBudget;
  /** How many characters of the label the channel's name in records keeps. */
  readonly recordTextLength: number;
  /** `limits.maxBufferedBytes`: what `put_packet` may leave buffered. */
  readonly maxBufferedBytes: number;
  /** Queues a signal (or a wake of the promise helpers) to be emitted by the connection's `poll()` or event dispatch. */
  queue(emit: () => void): void;
  readonly inspect?: Inspector;
  /** The channel has closed: the connection lets it go (called once). */
  closed(channel: WebRTCDataChannel): void;
}

/**
 * Godot's `WebRTCDataChannel` (a PacketPeer). Its life is a `dataChannelMachine`; packets go
 * straight from the stack's callback into the receive queue and from `put_packet` to the stack.
 */
export class WebRTCDataChannel {
  static readonly STATE_CONNECTING = ChannelState.STATE_CONNECTING;
  static readonly STATE_OPEN = ChannelState.STATE_OPEN;
  static readonly STATE_CLOSING = ChannelState.STATE_CLOSING;
  static readonly STATE_CLOSED = ChannelState.STATE_CLOSED;
  static readonly WRITE_MODE_TEXT = WriteMode.WRITE_MODE_TEXT;
  static readonly WRITE_MODE_BINARY = WriteMode.WRITE_MODE_BINARY;

  /**
   * Not Godot: the channel's state changed (STATE_OPEN, STATE_CLOSING, STATE_CLOSED), emitted by
   * the connection's `poll()` or its event dispatch, as Godot's signals are.
   */
  readonly ready_state_changed = new Signal<[state: ChannelState]>('ready_state_changed');
  /**
   * Not Godot: the buffered amount fell to the low threshold (`set_buffered_amount_low_threshold`,
   * default 0: all sent) from above it; emitted as `ready_state_changed` is.
   */
  readonly buffered_amount_low = new Signal<[]>('buffered_amount_low');

  /** The channel's lifecycle machine, for inspection. */
  readonly machine: MachineHandle<typeof dataChannelMachine>;
  private readonly received = new PacketQueue();
  private writeMode: WriteMode = WriteMode.WRITE_MODE_BINARY;
  private lastWasString = false;
  private packetError: GodotError = GodotError.OK;
  private readonly recorder: Recorder;
  private readonly budget: ReceiveBudget;
  /** `label#id` with the label cut, made again only when the id changes (records never copy a long label). */
  private recordName = '';
  private recordNameId = NaN;
  private released = false;
  private cutRecorded = false;
  private lowThreshold = 0;
  /** At least the stack's buffered amount: the last one read plus the bytes sent since (put_packet reads the stack only near the limit). */
  private bufferedBound = 0;
  private readonly counts = { messages_sent: 0, bytes_sent: 0, messages_received: 0, bytes_received: 0 };
  private readonly receivers: Receivers;
  /**
   * @internal Set by an owner that reads this channel (Godot 3's WebRTCMultiplayer under event
   * dispatch): called inside the stack's callback after each packet is queued, so it may only
   * schedule work, never run user code.
   */
  onPacketQueued: (() => void) | null = null;

  /** @internal Built by WebRTCPeerConnection. */
  constructor(
    private readonly stack: DataChannelExtension,
    private readonly description: ChannelDescription,
    private readonly host: ChannelHost,
  ) {
    this.recorder = host.recorder;
    this.budget = host.budget;
    this.machine = new MachineHandle('dataChannel', dataChannelMachine, host.recorder, { channel: () => this.name(), inspect: host.inspect });
    this.receivers = new Receivers(() => this.take(), () => this.state === 'closed', (emit) => host.queue(emit));
    this.machine.onStateChange = (_from, to) => {
      const state = CHANNEL_VALUES[to as DataChannelStateName];
      host.queue(() => this.ready_state_changed.emit(state));
      if (to === 'closed') this.receivers.wake();
    };
    const name = () => this.name();
    stack.attach({
      onEvent: (event) => this.onStackEvent(event),
      onMessage: (data, isString) => {
        const cost = data.byteLength + this.budget.limits.packetOverheadBytes;
        this.received.push(data, isString, cost);
        this.counts.messages_received++;
        this.counts.bytes_received += data.byteLength;
        this.budget.took(this.received, cost, name);
        this.receivers.wake();
        if (this.onPacketQueued !== null) this.onPacketQueued();
      },
    });
  }

  // ---- PacketPeer

  /** Sends one packet: bytes in WRITE_MODE_BINARY, their UTF-8 text in WRITE_MODE_TEXT. */
  put_packet(buffer: Uint8Array): GodotError {
    if (!(buffer instanceof Uint8Array)) {
      return this.refuseArgument('put_packet', `buffer must be a Uint8Array (PackedByteArray), not ${describe(buffer)}`);
    }
    // The fast path reads the snapshot's value instead of sending an event per packet.
    if (this.state !== 'open') return this.refuseByMachine('put_packet', { type: 'put_packet' });
    const text = this.writeMode === WriteMode.WRITE_MODE_TEXT;
    if (buffer.byteLength === 0) return GodotError.OK;
    const limit = this.stack.maxMessageSize();
    if (buffer.byteLength > limit) {
      return this.refuseArgument('put_packet', `the packet is ${buffer.byteLength} bytes, more than the ${limit} bytes the remote end accepts`);
    }
    // The stack's buffer only grows by what this end sends: while the last amount read plus what
    // was sent since stays under the limit, the limit cannot be reached, and no native call is made.
    if (this.bufferedBound + buffer.byteLength > this.host.maxBufferedBytes) this.bufferedBound = this.stack.bufferedAmount();
    const buffered = this.bufferedBound;
    if (buffered + buffer.byteLength > this.host.maxBufferedBytes) {
      return this.refuse('put_packet', GodotError.ERR_BUSY, 'dataChannel', `the channel buffers ${buffered} bytes for sending, and ${buffer.byteLength} more would pass maxBufferedBytes (${this.host.maxBufferedBytes}): the remote reads slower than this end sends; wait for buffered_amount_low, or await drained()`);
    }
    let message: Uint8Array | string = buffer;
    if (text) {
      const decoded = decodeUtf8(buffer);
      if (decoded === null) {
        return this.refuse('put_packet', GodotError.ERR_INVALID_DATA, 'arguments', 'WRITE_MODE_TEXT sends UTF-8 text, and this packet is not valid UTF-8');
      }
      message = decoded;
    }
    const sent = this.stack.send(message);
    if (sent.code !== GodotError.OK) return this.refuse('put_packet', sent.code, 'dataChannel', (sent as { reason: string }).reason);
    this.bufferedBound += buffer.byteLength;
    this.counts.messages_sent++;
    this.counts.bytes_sent += buffer.byteLength;
    return GodotError.OK;
  }

  /** The oldest received packet; an empty one (and `get_packet_error()` ERR_UNAVAILABLE) when there is none. */
  get_packet(): Uint8Array {
    const packet = this.take();
    if (packet === null) {
      this.packetError = GodotError.ERR_UNAVAILABLE;
      this.refuse('get_packet', GodotError.ERR_UNAVAILABLE, 'dataChannel', 'no packet is available');
      return EMPTY;
    }
    return packet;
  }

  get_packet_error(): GodotError {
    return this.packetError;
  }

  get_available_packet_count(): number {
    return this.received.length;
  }

  // ---- WebRTCDataChannel

  /** Whether the last packet `get_packet` returned was sent as a string. */
  was_string_packet(): boolean {
    return this.lastWasString;
  }

  set_write_mode(mode: WriteMode): void {
    if (mode !== WriteMode.WRITE_MODE_TEXT && mode !== WriteMode.WRITE_MODE_BINARY) {
      this.refuseArgument('set_write_mode', `write mode must be WRITE_MODE_TEXT (0) or WRITE_MODE_BINARY (1), not ${describe(mode)}`);
      return;
    }
    this.writeMode = mode;
  }

  get_write_mode(): WriteMode {
    return this.writeMode;
  }

  /** Received packets stay readable; Godot's poll has nothing else to do here either. */
  poll(): GodotError {
    return GodotError.OK;
  }

  close(): void {
    if (!this.machine.send({ type: 'close' })) {
      this.refuseByMachine('close', { type: 'close' });
      return;
    }
    this.stack.close();
  }

  get_ready_state(): ChannelState {
    return CHANNEL_VALUES[this.state];
  }

  get_label(): string {
    return this.description.label;
  }

  get_protocol(): string {
    return this.description.protocol;
  }

  is_negotiated(): boolean {
    return this.description.negotiated;
  }

  is_ordered(): boolean {
    return this.description.ordered;
  }

  get_id(): number {
    return this.stack.id();
  }

  get_max_retransmits(): number {
    return this.description.maxRetransmits;
  }

  get_max_packet_life_time(): number {
    return this.description.maxPacketLifeTime;
  }

  get_buffered_amount(): number {
    return this.state === 'open' ? this.stack.bufferedAmount() : 0;
  }

  /** Not Godot: `buffered_amount_low` is emitted each time the buffered amount falls to `bytes` or below (default 0). */
  set_buffered_amount_low_threshold(bytes: number): GodotError {
    if (!Number.isSafeInteger(bytes) || bytes < 0) return this.refuseArgument('set_buffered_amount_low_threshold', `bytes must be a whole number of 0 or more, not ${describe(bytes)}`);
    this.lowThreshold = bytes;
    this.stack.setBufferedAmountLowThreshold(bytes);
    return GodotError.OK;
  }

  get_buffered_amount_low_threshold(): number {
    return this.lowThreshold;
  }

  /**
   * Not Godot: resolves with OK once the channel is STATE_OPEN (at once if it is),
   * ERR_CONNECTION_ERROR if it closes first, ERR_TIMEOUT after `timeout` ms. It never rejects, and
   * settles when `ready_state_changed` is emitted (by the connection's `poll()` or event dispatch).
   */
  opened(options?: WaitOptions): Promise<GodotError> {
    const open = (state: ChannelState) => (state === ChannelState.STATE_OPEN ? GodotError.OK : state === ChannelState.STATE_CONNECTING ? undefined : GodotError.ERR_CONNECTION_ERROR);
    return this.wait('opened', () => open(this.get_ready_state()), [{ signal: this.ready_state_changed, settle: open }], options);
  }

  /** Not Godot: resolves with OK once the channel is STATE_CLOSED, ERR_TIMEOUT after `timeout` ms (as `opened`). */
  closed(options?: WaitOptions): Promise<GodotError> {
    const closed = (state: ChannelState) => (state === ChannelState.STATE_CLOSED ? GodotError.OK : undefined);
    return this.wait('closed', () => closed(this.get_ready_state()), [{ signal: this.ready_state_changed, settle: closed }], options);
  }

  /**
   * Not Godot: resolves with OK once the buffered amount is at or below the low threshold (at once
   * if it is), ERR_CONNECTION_ERROR if the channel closes first, ERR_TIMEOUT after `timeout` ms.
   */
  drained(options?: WaitOptions): Promise<GodotError> {
    const ended = (state: ChannelState) => (state === ChannelState.STATE_CLOSING || state === ChannelState.STATE_CLOSED ? GodotError.ERR_CONNECTION_ERROR : undefined);
    return this.wait(
      'drained',
      () => (this.get_buffered_amount() <= this.lowThreshold && this.state === 'open' ? GodotError.OK : ended(this.get_ready_state())),
      [
        { signal: this.buffered_amount_low, settle: () => (this.get_buffered_amount() <= this.lowThreshold ? GodotError.OK : undefined) },
        { signal: this.ready_state_changed, settle: ended },
      ],
      options,
    );
  }

  /**
   * Not Godot: the next received packet, as `get_packet()` gives it (then `was_string_packet()`
   * tells its kind), waiting for one if none is queued. Resolves with null, and
   * `get_packet_error()` ERR_UNAVAILABLE, once the channel is closed and its packets are read, or
   * ERR_TIMEOUT after `timeout` ms. A packet that arrives while it waits is handed over by the
   * connection's `poll()` or event dispatch.
   */
  receive(options?: WaitOptions): Promise<Uint8Array | null> {
    const bad = badWaitOptions(options);
    if (bad !== null) {
      this.packetError = this.refuseArgument('receive', bad);
      return Promise.resolve(null);
    }
    const now = this.take();
    if (now !== null) return Promise.resolve(now);
    if (this.state === 'closed') {
      this.packetError = GodotError.ERR_UNAVAILABLE;
      return Promise.resolve(null);
    }
    return new Promise((resolve) => {
      this.receivers.wait(options?.timeout, (packet, error) => {
        if (packet === null) this.packetError = error;
        resolve(packet);
      });
    });
  }

  /**
   * Not Godot: the received packets, as `receive()` gives them, until the channel is closed and
   * every packet is read: `for await (const packet of channel.packets()) ...`.
   */
  async *packets(): AsyncGenerator<Uint8Array, void, undefined> {
    for (;;) {
      const packet = await this.receive();
      if (packet === null) return;
      yield packet;
    }
  }

  /** Not Godot: what this channel has carried and holds (src/api/stats.ts). */
  get_stats(): ChannelStats {
    return {
      label: this.description.label,
      id: this.get_id(),
      state: this.get_ready_state(),
      state_name: this.state,
      ...this.counts,
      buffered_amount: this.get_buffered_amount(),
      queued_packets: this.received.length,
      queued_bytes: this.received.bytes,
    };
  }

  /** Not Godot: the most a `put_packet` may carry on this channel (the remote's max-message-size). */
  get_max_packet_size(): number {
    return this.stack.maxMessageSize();
  }

  /**
   * Not Godot: what the received packets not read yet hold, counted as the connection's receive
   * budget (`maxQueuedBytes`) counts them: each packet's payload plus `packetOverheadBytes`.
   */
  get_queued_bytes(): number {
    return this.received.bytes;
  }

  // ---- internal

  /** @internal The owning connection closed or was re-initialized. */
  peerClosed(): void {
    if (this.machine.send({ type: 'peer_closed' })) this.stack.close();
    this.releaseIfClosed();
  }

  /**
   * @internal The stack closed the owning connection by itself (the remote end closed, or it
   * failed). Called inside the stack's callback: no native call here; closing the native
   * connection closes its channels.
   */
  connectionClosed(): void {
    this.machine.send({ type: 'peer_closed' });
    this.releaseIfClosed();
  }

  /** The oldest received packet, counted out of the budget, or null. */
  private take(): Uint8Array | null {
    const overhead = this.budget.limits.packetOverheadBytes;
    const packet = this.received.shift(overhead);
    if (!packet) return null;
    this.packetError = GodotError.OK;
    this.lastWasString = packet.isString;
    this.budget.bytes -= packet.data.byteLength + overhead;
    return packet.data;
  }

  private wait(method: string, now: () => GodotError | undefined, watches: Parameters<typeof waitFor>[1], options: WaitOptions | undefined): Promise<GodotError> {
    return waitFor(now, watches, options, (reason) => this.refuseArgument(method, reason));
  }

  private get state(): DataChannelStateName {
    return this.machine.state as DataChannelStateName;
  }

  private onStackEvent(event: ChannelEvent): void {
    if (event.type === 'stack.buffered_amount_low') {
      this.host.queue(() => this.buffered_amount_low.emit());
      return;
    }
    if (event.type === 'stack.suspect_message') {
      this.onSuspectMessage(event.suspicion, event.bytes);
      return;
    }
    if (event.type === 'stack.error') {
      this.recorder.add({ kind: 'stack_error', channel: this.name(), method: 'stack.error', code: GodotError.FAILED, codeName: 'FAILED', reason: event.message });
    }
    const taken = this.machine.send(event);
    this.releaseIfClosed();
    if (taken) return;
    this.recorder.add({
      kind: 'stack_anomaly',
      channel: this.name(),
      machine: 'dataChannel',
      state: this.state,
      event: describeEvent(event),
      reason: this.machine.explain(event),
    });
  }

  private onSuspectMessage(suspicion: MessageSuspicion, bytes: number): void {
    if (suspicion === 'amplified') {
      this.budget.amplified(
        `channel ${this.name()} received a message of ${bytes} bytes, the local max-message-size, whose last KiB is zeros: the signature of libdatachannel's deprecated-PPID amplification (a 1-byte "partial" message padded to the limit)`,
      );
      return;
    }
    // Once per channel and kind: a remote that repeats it must not push every other record out.
    if (suspicion === 'cut') {
      if (this.cutRecorded) return;
      this.cutRecorded = true;
    }
    const reason =
      suspicion === 'cut'
        ? `a received message is ${bytes} bytes, the local max-message-size: the stack cuts a longer one to this size without a word, so it may be cut (later ones on this channel are not recorded)`
        : 'a received string message holds U+FFFD: the stack decodes string messages with replacement, so the remote sent that character or bytes that are not UTF-8 (the bytes are lost; later ones on this channel are not recorded)';
    this.recorder.add({ kind: 'stack_error', channel: this.name(), method: 'stack.message', code: GodotError.ERR_INVALID_DATA, codeName: errorName(GodotError.ERR_INVALID_DATA), reason });
  }

  /** Once closed, the channel leaves its connection's list (its queued packets stay readable). */
  private releaseIfClosed(): void {
    if (this.released || this.state !== 'closed') return;
    this.released = true;
    this.host.closed(this);
  }

  private name(): string {
    const id = this.stack.id();
    if (id !== this.recordNameId) {
      this.recordName = `${cutText(this.description.label, this.host.recordTextLength)}#${id}`;
      this.recordNameId = id;
    }
    return this.recordName;
  }

  private refuseByMachine(method: string, event: DataChannelEvent): GodotError {
    return this.refuse(method, GodotError.ERR_UNAVAILABLE, 'dataChannel', this.machine.explain(event));
  }

  private refuseArgument(method: string, reason: string): GodotError {
    return this.refuse(method, GodotError.ERR_INVALID_PARAMETER, 'arguments', reason);
  }

  private refuse(method: string, code: GodotError, machine: 'dataChannel' | 'arguments', reason: string): GodotError {
    this.recorder.add({
      kind: 'refusal',
      channel: this.name(),
      method,
      machine,
      state: this.state,
      states: { dataChannel: this.state },
      code,
      codeName: errorName(code),
      reason,
    });
    return code;
  }
}

function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}
