import type { DataChannel } from 'node-datachannel';

/**
 * Keeps every native object alive until the stack says it has closed: a node-datachannel
 * channel collected before its `onClosed` makes a later `cleanup()` (ours or a user's) crash
 * the process. `live` tells how many are still held, for tests and diagnostics.
 */
export class NativeLifetimes {
  private readonly connections = new Set<object>();
  private readonly channels = new Set<object>();

  connectionOpened(pc: object): void {
    this.connections.add(pc);
  }

  connectionClosed(pc: object): void {
    this.connections.delete(pc);
  }

  channelOpened(dc: object): void {
    this.channels.add(dc);
  }

  channelClosed(dc: object): void {
    this.channels.delete(dc);
  }

  /**
   * Closes a channel natively, unless a stack thread is already closing it. node-datachannel's
   * `close()` drops the channel's libdatachannel object, whose destructor resets its callbacks
   * (`rtc::Channel::~Channel`); a close that a stack thread began first (the remote reset the
   * stream, or closed its connection) then finds no closed callback when it gets to it: `onClosed`
   * never comes and the channel's thread-safe function holds the event loop for ever (1 run in 5
   * of 60 pairs never exited). `opened`: its `onOpen` has come; libdatachannel never unsets
   * "open", so an opened channel that no longer reads open is closing, and its `onClosed` is on
   * its way.
   */
  closeChannel(dc: DataChannel, opened: boolean): void {
    try {
      if (opened && !dc.isOpen()) return;
      dc.close();
    } catch (error) {
      console.error('webrtc-statecharts: closing a native channel threw', error);
    }
  }

  get live(): { connections: number; channels: number } {
    return { connections: this.connections.size, channels: this.channels.size };
  }
}
