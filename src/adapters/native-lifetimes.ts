import type { DataChannel, PeerConnection } from 'node-datachannel';
import { log } from '../log.js';

/** libdatachannel's id of a channel without a stream yet (in-band, before SCTP is up). */
const NO_STREAM = 65535;

interface ConnectionLife {
  /** Closed by us: its stack closes the channels it knows. */
  closing: boolean;
  /** The stream ids its channels have had. */
  streams: Set<number>;
}

interface ChannelLife {
  pc: PeerConnection;
  /**
   * The stack closes it when its connection closes. Not when it reuses an earlier channel's stream:
   * libdatachannel keeps a closed channel's entry until the remote resets the stream, and does not
   * register a new channel on it (`mDataChannels.emplace`), so closing the connection never closes it.
   */
  stackCloses: boolean;
}

/**
 * Keeps every native object alive until the stack says it has closed: a node-datachannel
 * channel collected before its `onClosed` makes a later `cleanup()` (ours or a user's) crash
 * the process. `live` tells how many are still held, for tests and diagnostics.
 *
 * It also decides when a channel is closed natively. node-datachannel's `close()` drops the
 * channel's libdatachannel object, whose destructor resets its callbacks
 * (`rtc::Channel::~Channel`); a close that a stack thread began first (the remote reset the stream
 * or closed its connection, or our connection is closing) then finds no closed callback when it
 * gets to it: `onClosed` never comes, and the channel's thread-safe function holds the event loop
 * for ever (1 run in 5 of 60 pairs never exited).
 */
export class NativeLifetimes {
  private readonly connections = new Map<PeerConnection, ConnectionLife>();
  private readonly channels = new Map<DataChannel, ChannelLife>();
  private readonly openedListeners = new Set<() => void>();

  connectionOpened(pc: PeerConnection): void {
    this.connections.set(pc, { closing: false, streams: new Set() });
    for (const listener of this.openedListeners) {
      try {
        listener();
      } catch (error) {
        log('error', 'library', 'a native connection listener threw', error);
      }
    }
  }

  /** Calls `listener` each time a native connection is made (from the call that made it, never a native callback); returns a function that stops it. */
  onConnectionOpened(listener: () => void): () => void {
    this.openedListeners.add(listener);
    return () => this.openedListeners.delete(listener);
  }

  connectionClosing(pc: PeerConnection): void {
    const life = this.connections.get(pc);
    if (life) life.closing = true;
  }

  connectionClosed(pc: PeerConnection): void {
    this.connections.delete(pc);
  }

  /** A channel made or received by `pc`; called before anything else is done with it. */
  channelOpened(dc: DataChannel, pc: PeerConnection): void {
    const streams = this.connections.get(pc)?.streams;
    const stream = streamOf(dc);
    const reused = stream !== NO_STREAM && streams !== undefined && streams.has(stream);
    if (stream !== NO_STREAM) streams?.add(stream);
    this.channels.set(dc, { pc, stackCloses: !reused });
  }

  channelClosed(dc: DataChannel): void {
    this.channels.delete(dc);
  }

  /**
   * Closes a channel natively on the next turn of the event loop: a connection that closes closes
   * its channels first, then itself in the same turn, and by then the stack closes the channels it
   * knows. A channel it does not know is closed here: no stack thread touches it. `opened`: its
   * `onOpen` has come; libdatachannel never unsets "open", so an opened channel that no longer
   * reads open is being closed by the stack, and its `onClosed` is on its way.
   *
   * What is left: a channel closed here while the remote closes it, the two closes within a
   * microsecond of each other, can still lose its `onClosed`.
   */
  closeChannel(dc: DataChannel, opened: boolean): void {
    setImmediate(() => {
      const life = this.channels.get(dc);
      if (life === undefined) return;
      try {
        if (life.stackCloses && this.connectionGone(life.pc) && streamOf(dc) !== NO_STREAM) return;
        if (opened && !dc.isOpen()) return;
        dc.close();
      } catch (error) {
        log('error', 'library', 'closing a native channel threw', error);
      }
    });
  }

  get live(): { connections: number; channels: number } {
    return { connections: this.connections.size, channels: this.channels.size };
  }

  private connectionGone(pc: PeerConnection): boolean {
    return this.connections.get(pc)?.closing ?? true;
  }
}

function streamOf(dc: DataChannel): number {
  try {
    return dc.getId();
  } catch {
    return NO_STREAM;
  }
}

/** The node-datachannel adapter's one registry of native objects. */
export const nativeLifetimes = new NativeLifetimes();
