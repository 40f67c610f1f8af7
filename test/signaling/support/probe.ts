/**
 * A raw `ws` client for the signaling server's hostile-input tests: it records every frame it
 * receives and how its socket closed, and sends whatever it is told to (text, binary, junk).
 * Every wait is bounded in time and rejects with what was seen so far.
 */
import WebSocket from 'ws';

export interface CloseInfo {
  code: number;
  reason: string;
}

/** One frame received: its text (binary frames too, read as UTF-8) and whether it was binary. */
export interface ReceivedFrame {
  text: string;
  binary: boolean;
}

/** A frame to send: text, or binary bytes. */
export type OutgoingFrame = { text: string } | { binary: Uint8Array };

const open = new Set<Probe>();
let made = 0;

/** How many probes were made so far: with `terminateProbesSince`, a run ends what it started, even when it failed. */
export function probeCount(): number {
  return made;
}

export class Probe {
  readonly frames: ReceivedFrame[] = [];
  closeInfo: CloseInfo | null = null;
  /** The socket errors seen (a connect refused, a malformed frame from the server). */
  readonly errors: Error[] = [];
  readonly closed: Promise<CloseInfo>;
  private cursor = 0;
  private readonly watchers = new Set<() => void>();
  readonly serial = ++made;

  private constructor(
    readonly socket: WebSocket,
    readonly label: string,
  ) {
    open.add(this);
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString('utf8') };
        open.delete(this);
        this.notify();
        resolve(this.closeInfo);
      });
    });
    socket.on('message', (data, isBinary) => {
      const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      this.frames.push({ text: buffer.toString('utf8'), binary: isBinary });
      this.notify();
    });
    socket.on('error', (error) => {
      this.errors.push(error);
      this.notify();
    });
  }

  /** Opens a socket to `url`; rejects if it does not open within `timeoutMs`. */
  static connect(url: string, label = 'probe', timeoutMs = 10_000, options: WebSocket.ClientOptions = {}): Promise<Probe> {
    const socket = new WebSocket(url, { handshakeTimeout: timeoutMs, ...options });
    const probe = new Probe(socket, label);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.terminate();
        reject(new Error(`${label}: no open within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('open', () => {
        clearTimeout(timer);
        resolve(probe);
      });
      socket.once('close', (code) => {
        clearTimeout(timer);
        reject(new Error(`${label}: closed (${code}) before it opened: ${probe.errors.map(String).join('; ')}`));
      });
    });
  }

  /** A socket that starts connecting and is not awaited (for churn); it is still cleaned up. */
  static dial(url: string, label = 'dial'): Probe {
    return new Probe(new WebSocket(url), label);
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** The text frames received, in order. */
  get texts(): string[] {
    return this.frames.map((frame) => frame.text);
  }

  /** Sends one frame; a socket that is no longer open drops it (ws reports it to no one). */
  send(frame: OutgoingFrame | string): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    if (typeof frame === 'string') this.socket.send(frame);
    else if ('text' in frame) this.socket.send(frame.text);
    else this.socket.send(frame.binary, { binary: true });
  }

  /** The frames received since the last call. */
  takeNew(): ReceivedFrame[] {
    const fresh = this.frames.slice(this.cursor);
    this.cursor = this.frames.length;
    return fresh;
  }

  /** How many frames arrived since the last `takeNew()`. */
  get pending(): number {
    return this.frames.length - this.cursor;
  }

  /** Waits until `count` frames arrived since the last `takeNew()`. */
  waitNew(count: number, timeoutMs = 10_000): Promise<void> {
    return this.waitFor(() => this.pending >= count, `${count} new frames`, timeoutMs);
  }

  /** Waits until `count` frames in all have arrived; returns them all. */
  async waitFrames(count: number, timeoutMs = 10_000): Promise<ReceivedFrame[]> {
    await this.waitFor(() => this.frames.length >= count, `${count} frames`, timeoutMs);
    return this.frames;
  }

  /** Waits for a frame that `match` picks, received at `from` or later; returns its index. */
  async waitFrame(match: (text: string) => boolean, from = 0, timeoutMs = 10_000): Promise<number> {
    let found = -1;
    await this.waitFor(
      () => {
        found = this.frames.findIndex((frame, index) => index >= from && match(frame.text));
        return found >= 0;
      },
      'a matching frame',
      timeoutMs,
    );
    return found;
  }

  /** Waits for the socket to close; returns the close code and reason. */
  async waitClose(timeoutMs = 10_000): Promise<CloseInfo> {
    await this.waitFor(() => this.closeInfo !== null, 'the close', timeoutMs);
    return this.closeInfo!;
  }

  /** Waits until `done()`, checked on every frame, close and error of this probe. */
  waitFor(done: () => boolean, what: string, timeoutMs: number): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        this.watchers.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.watchers.delete(check);
        reject(new Error(`${this.label}: no ${what} within ${timeoutMs} ms; ${this.describe()}`));
      }, timeoutMs);
      this.watchers.add(check);
    });
  }

  /** Closes with a close frame. */
  close(code = 1000, reason = ''): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(code, reason);
  }

  /** Writes raw bytes under ws (hand-made frames, garbage). */
  writeRaw(bytes: Uint8Array): void {
    (this.socket as unknown as { _socket: import('node:net').Socket })._socket.write(bytes);
  }

  /** Ends the TCP connection (FIN) under ws, with no close frame. */
  endRaw(): void {
    (this.socket as unknown as { _socket: import('node:net').Socket })._socket.end();
  }

  /** Drops the TCP connection without a close frame. */
  terminate(): void {
    this.socket.terminate();
  }

  describe(): string {
    const shown = this.frames.slice(-6).map((frame) => (frame.binary ? '<binary>' : JSON.stringify(frame.text.slice(0, 120))));
    return `${this.frames.length} frames (last: ${shown.join(', ')}), close ${JSON.stringify(this.closeInfo)}, errors ${this.errors.length}`;
  }

  private notify(): void {
    for (const watcher of [...this.watchers]) watcher();
  }
}

/** Terminates every probe still open (for afterEach/afterAll), and waits for their closes. */
export async function terminateProbes(timeoutMs = 5_000): Promise<void> {
  const probes = [...open];
  for (const probe of probes) probe.terminate();
  await Promise.race([Promise.all(probes.map((probe) => probe.closed)), new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
}

/** Terminates the probes made after `count` (see probeCount), and waits for their closes. */
export async function terminateProbesSince(count: number, timeoutMs = 5_000): Promise<void> {
  const probes = [...open].filter((probe) => probe.serial > count);
  for (const probe of probes) probe.terminate();
  await Promise.race([Promise.all(probes.map((probe) => probe.closed)), new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
}

/** Waits until `done()` holds, checking every few ms; rejects with `what` (a function: read when it gives up) after `timeoutMs`. */
export async function waitUntil(done: () => boolean, what: string | (() => string), timeoutMs = 10_000, intervalMs = 5): Promise<void> {
  const started = Date.now();
  while (!done()) {
    if (Date.now() - started > timeoutMs) throw new Error(`not reached within ${timeoutMs} ms: ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
