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

  get live(): { connections: number; channels: number } {
    return { connections: this.connections.size, channels: this.channels.size };
  }
}
