/**
 * Keeps every native object alive until the stack says it has closed: a node-datachannel
 * channel collected before its `onClosed` makes a later `cleanup()` crash the process.
 * When the last connection and the last channel have closed, `onAllClosed` runs (on a later
 * tick, outside any native callback) so that the native threads let the process exit.
 */
export class NativeLifetimes {
  private readonly connections = new Set<object>();
  private readonly channels = new Set<object>();
  private scheduled = false;

  constructor(private readonly onAllClosed: () => void) {}

  connectionOpened(pc: object): void {
    this.connections.add(pc);
  }

  connectionClosed(pc: object): void {
    this.connections.delete(pc);
    this.scheduleIfIdle();
  }

  channelOpened(dc: object): void {
    this.channels.add(dc);
  }

  channelClosed(dc: object): void {
    this.channels.delete(dc);
    this.scheduleIfIdle();
  }

  get live(): { connections: number; channels: number } {
    return { connections: this.connections.size, channels: this.channels.size };
  }

  private scheduleIfIdle(): void {
    if (this.scheduled || this.connections.size > 0 || this.channels.size > 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.connections.size > 0 || this.channels.size > 0) return;
      try {
        this.onAllClosed();
      } catch (error) {
        console.error('webrtc-statecharts: native cleanup failed', error);
      }
    });
  }
}
