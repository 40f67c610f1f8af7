import type { DataChannel } from 'node-datachannel';
import { GodotError } from '../godot/constants.js';
import type { ChannelEvent, ChannelHandlers, DataChannelExtension, MessageSuspicion, StackResult } from './extension.js';
import { nativeLifetimes } from './native-lifetimes.js';
import { OK, fail, messageOf, safe } from './native-calls.js';
import { log } from '../log.js';

/**
 * One node-datachannel channel, created or received, as the stack interface gives it: native
 * values become typed channel events and messages here, and no native getter is called once the
 * channel is gone (some abort inside callbacks).
 */
export class NodeDataChannelChannel implements DataChannelExtension {
  readonly label: string;
  readonly protocol: string;
  private handlers: ChannelHandlers | null = null;
  private knownId = -1;
  private knownMaxMessageSize = 65536;
  private opened = false;
  private sizeSettled = false;
  /** Closed by us or by the stack: from then on no native getter is called (some abort in callbacks). */
  private gone = false;
  private early: Array<ChannelEvent | { type: 'message'; data: Uint8Array; isString: boolean }> = [];
  /** U+FFFD is looked for until the first one is reported. */
  private checkText = true;
  private closedReported = false;

  constructor(
    private readonly dc: DataChannel,
    private readonly localMaxMessageSize: number,
    incoming: boolean,
  ) {
    this.id();
    this.label = safe(() => dc.getLabel(), '');
    this.protocol = safe(() => dc.getProtocol(), '');
    dc.onOpen(() => {
      this.opened = true;
      this.id();
      this.event({ type: 'stack.open' });
    });
    dc.onClosed(() => this.closedByStack());
    dc.onError((message) => this.event({ type: 'stack.error', message: String(message) }));
    dc.onBufferedAmountLow(() => {
      if (!this.gone) this.event({ type: 'stack.buffered_amount_low' });
    });
    dc.onMessage((message) => {
      // Closed by us (the application, or a limit): what is still in flight is not taken.
      if (this.gone) return;
      const isString = typeof message === 'string';
      const data = isString
        ? Buffer.from(message, 'utf8')
        : message instanceof ArrayBuffer
          ? new Uint8Array(message)
          : new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
      this.message(data, isString);
      if (data.byteLength >= this.localMaxMessageSize) {
        this.event({ type: 'stack.suspect_message', suspicion: suspicionAtLimit(data), bytes: data.byteLength });
      } else if (isString && this.checkText && (message as string).includes('\uFFFD')) {
        this.checkText = false;
        this.event({ type: 'stack.suspect_message', suspicion: 'replaced_text', bytes: data.byteLength });
      }
    });
    // A received channel is open when it is handed over. One the remote closed before the callbacks
    // above were set never reports: libdatachannel drops its stored calls with its callbacks when it
    // closes (DataChannel::close), so its wrapper would stay connecting, and referenced, forever.
    if (incoming && !safe(() => dc.isOpen(), true)) {
      this.closedByStack();
      this.dropCallbacks();
    }
  }

  /**
   * node-datachannel's thread-safe functions hold the callbacks, and through them this wrapper and
   * the native channel, until its onClosed (never, here): no-op ones take their place (about 2 KiB of
   * heap per channel otherwise, 56 MB after 30 000 quick open/close cycles).
   */
  private dropCallbacks(): void {
    const dc = this.dc;
    safe(() => {
      dc.onOpen(doNothing);
      dc.onClosed(doNothing);
      dc.onError(doNothing);
      dc.onMessage(doNothing);
      dc.onBufferedAmountLow(doNothing);
    }, undefined);
  }

  private closedByStack(): void {
    if (this.closedReported) return;
    this.closedReported = true;
    this.gone = true;
    this.event({ type: 'stack.closed' });
    nativeLifetimes.channelClosed(this.dc);
  }

  /** The stack forgets the id once the channel closes; Godot's getter keeps answering, so the last known one is kept. */
  id(): number {
    if (this.knownId >= 0 || this.gone) return this.knownId;
    const id = safe(() => this.dc.getId(), -1);
    if (id >= 0 && id < 65535) this.knownId = id;
    return this.knownId;
  }

  isOpen(): boolean {
    return !this.gone && safe(() => this.dc.isOpen(), false);
  }

  send(data: Uint8Array | string): StackResult {
    if (this.gone) return fail(GodotError.ERR_UNAVAILABLE, 'the channel is closed');
    try {
      if (typeof data === 'string') this.dc.sendMessage(data);
      else this.dc.sendMessageBinary(data);
      return OK(undefined);
    } catch (error) {
      return fail(GodotError.FAILED, `the stack could not send: ${messageOf(error)}`);
    }
  }

  bufferedAmount(): number {
    return this.gone ? 0 : safe(() => this.dc.bufferedAmount(), 0);
  }

  setBufferedAmountLowThreshold(bytes: number): void {
    if (!this.gone) safe(() => this.dc.setBufferedAmountLowThreshold(bytes), undefined);
  }

  /**
   * Before the connection is up the stack says 65536 (the size when the remote says nothing).
   * Once the channel is open the size is settled: read once and kept, so that put_packet makes
   * no extra native call per packet.
   */
  maxMessageSize(): number {
    if (this.sizeSettled || this.gone) return this.knownMaxMessageSize;
    this.knownMaxMessageSize = safe(() => this.dc.maxMessageSize(), this.knownMaxMessageSize) || this.knownMaxMessageSize;
    if (this.opened) this.sizeSettled = true;
    return this.knownMaxMessageSize;
  }

  close(): void {
    if (this.gone) return;
    this.gone = true;
    nativeLifetimes.closeChannel(this.dc, this.opened);
  }

  attach(handlers: ChannelHandlers): void {
    this.handlers = handlers;
    const early = this.early;
    this.early = [];
    for (const item of early) {
      if (item.type === 'message') handlers.onMessage(item.data, item.isString);
      else handlers.onEvent(item);
    }
  }

  private message(data: Uint8Array, isString: boolean): void {
    if (!this.handlers) {
      this.early.push({ type: 'message', data, isString });
      return;
    }
    try {
      this.handlers.onMessage(data, isString);
    } catch (error) {
      log('error', 'library', 'a message handler threw', error);
    }
  }

  private event(event: ChannelEvent): void {
    if (!this.handlers) {
      this.early.push(event);
      return;
    }
    try {
      this.handlers.onEvent(event);
    } catch (error) {
      log('error', 'library', 'a channel event handler threw', error);
    }
  }
}

const AMPLIFIED_TAIL = Buffer.alloc(1024);
/** Module-level, so that it closes over no channel. */
const doNothing = () => {};

/**
 * libdatachannel 0.24.5 (SctpTransport::processData) resizes its partial-message buffer to the
 * local max-message-size on every deprecated "partial" PPID (52, 54), and delivers that buffer on
 * the next final or "empty" message (51/53, 56/57): a 1-byte partial and an empty message arrive as
 * one message of exactly the limit, zeros after the first byte; what a later fragment carried is
 * dropped. It also cuts a longer message (SctpTransport::doRecv) to exactly the limit. So a message
 * of the limit is `cut` (or an honest one that fills it), and one whose last KiB is zeros is taken
 * for `amplified`: an honest remote makes it only with a message that fills the limit and ends in
 * 1 KiB of zeros.
 */
function suspicionAtLimit(data: Uint8Array): MessageSuspicion {
  const tail = Math.min(AMPLIFIED_TAIL.byteLength, data.byteLength);
  const end = Buffer.from(data.buffer, data.byteOffset + data.byteLength - tail, tail);
  return end.equals(AMPLIFIED_TAIL.subarray(0, tail)) ? 'amplified' : 'cut';
}

