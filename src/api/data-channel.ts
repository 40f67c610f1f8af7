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

  /** @internal Built by WebRTCPeerConnection. */
  constructor(
    private readonly stack: DataChannelExtension,
    private readonly description: ChannelDescription,
    private readonly host: ChannelHost,
  ) {
    this.recorder = host.recorder;
    this.budget = host.budget;
    this.machine = new MachineHandle('dataChannel', dataChannelMachine, host.recorder, () => this.name(), host.inspect);
    const name = () => this.name();
    stack.attach({
      onEvent: (event) => this.onStackEvent(event),
      onMessage: (data, isString) => {
        const cost = data.byteLength + this.budget.limits.packetOverheadBytes;
        this.received.push(data, isString, cost);
        this.budget.took(this.received, cost, name);
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
    return GodotError.OK;
  }

  /** The oldest received packet; an empty one (and `get_packet_error()` ERR_UNAVAILABLE) when there is none. */
  get_packet(): Uint8Array {
    const overhead = this.budget.limits.packetOverheadBytes;
    const packet = this.received.shift(overhead);
    if (!packet) {
      this.packetError = GodotError.ERR_UNAVAILABLE;
      this.refuse('get_packet', GodotError.ERR_UNAVAILABLE, 'dataChannel', 'no packet is available');
      return EMPTY;
    }
    this.packetError = GodotError.OK;
    this.lastWasString = packet.isString;
    this.budget.bytes -= packet.data.byteLength + overhead;
    return packet.data;
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

  private get state(): DataChannelStateName {
    return this.machine.state as DataChannelStateName;
  }

  private onStackEvent(event: ChannelEvent): void {
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
