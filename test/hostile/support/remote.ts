/**
 * A hostile remote peer in a child process, and the library's end of the connection in the
 * test process. The child speaks JSON lines on stdin/stdout (see `fixtures/pipe.ts`): the
 * signaling messages `{ type: 'offer' | 'answer', sdp }` and `{ type: 'candidate', mid, candidate }`
 * both ways, and whatever else its attack says (`{ type: 'sent', ... }`, `{ type: 'error', ... }`).
 * Everything it binds and sends stays on 127.0.0.1.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WebRTCPeerConnection, type PeerConnectionOptions } from '../../../src/api/peer-connection.js';

const tsx = new URL('../../../node_modules/.bin/tsx', import.meta.url).pathname;

export type RemoteMessage = { type: string; [key: string]: unknown };

export class HostileRemote {
  readonly messages: RemoteMessage[] = [];
  readonly stderr: string[] = [];
  private readonly waiters = new Set<() => void>();
  private exited: { code: number | null; signal: string | null } | null = null;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        this.messages.push(JSON.parse(line) as RemoteMessage);
      } catch {
        this.stderr.push(`stdout: ${line}`);
      }
      this.wake();
    });
    child.stderr.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString()));
    child.on('exit', (code, signal) => {
      this.exited = { code, signal };
      this.wake();
    });
  }

  /** Starts `fixtures/<name>.ts` with `args`; the process is killed by `stop()`. */
  static start(name: string, args: string[] = []): HostileRemote {
    return HostileRemote.startScript(new URL(`../fixtures/${name}.ts`, import.meta.url), args);
  }

  /** Starts the fixture script at `script` (a file URL, for fixtures kept beside other tests). */
  static startScript(script: URL, args: string[] = []): HostileRemote {
    return new HostileRemote(spawn(tsx, [script.pathname, ...args], { stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  send(message: RemoteMessage): void {
    if (this.exited === null) this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  /** The first message of `type` (after `from` messages), waiting for it at most `timeoutMs`. */
  async next(type: string, timeoutMs = 10_000, from = 0): Promise<RemoteMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(from).find((message) => message.type === type);
      if (found) return found;
      if (this.exited) throw new Error(`the remote exited (${JSON.stringify(this.exited)}) before sending ${type}\n${this.stderr.join('')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the remote sent no ${type} within ${timeoutMs} ms\n${this.stderr.join('')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, 50));
        const waiter = () => done();
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.add(waiter);
      });
    }
  }

  get exit(): { code: number | null; signal: string | null } | null {
    return this.exited;
  }

  stop(): void {
    if (this.exited === null) this.child.kill('SIGKILL');
  }

  private wake(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const waiter of waiters) waiter();
  }
}

/**
 * The library's end: a connection wired to the remote's signaling and polled every `pollMs`
 * until `stop()`. `offer: true` makes the library the offerer (it creates `channel` first).
 */
export class LibraryEnd {
  readonly pc: WebRTCPeerConnection;
  private readonly timer: NodeJS.Timeout;
  private seen = 0;

  constructor(
    readonly remote: HostileRemote,
    options: PeerConnectionOptions & { offer?: boolean; channel?: string; pollMs?: number } = {},
  ) {
    this.pc = new WebRTCPeerConnection(options);
    const pc = this.pc;
    pc.session_description_created.connect((type, sdp) => {
      pc.set_local_description(type, sdp);
      remote.send({ type, sdp });
    });
    pc.ice_candidate_created.connect((mid, _index, candidate) => remote.send({ type: 'candidate', mid, candidate }));
    if (options.offer) {
      pc.create_data_channel(options.channel ?? 'from-library');
      pc.create_offer();
    }
    this.timer = setInterval(() => this.step(), options.pollMs ?? 2);
  }

  /** Takes the remote's signaling messages, then polls. Other messages are left for the test. */
  step(): void {
    const messages = this.remote.messages;
    for (; this.seen < messages.length; this.seen++) {
      const message = messages[this.seen]!;
      if (message.type === 'offer' || message.type === 'answer') this.pc.set_remote_description(message.type, message.sdp as never);
      else if (message.type === 'candidate') this.pc.add_ice_candidate(message.mid as never, 0, message.candidate as never);
    }
    this.pc.poll();
  }

  stop(): void {
    clearInterval(this.timer);
    if (this.pc.get_connection_state() !== WebRTCPeerConnection.STATE_CLOSED) this.pc.close();
  }
}

/** Waits until `done()` holds, checking every 5 ms, at most `timeoutMs`; `what` names it in the error (a function: read when it fails). */
export async function until(done: () => boolean, timeoutMs = 10_000, what: string | (() => string) = 'the condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${typeof what === 'string' ? what : what()} did not hold within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Measures the longest the event loop was blocked while `body` ran (ms, 1 ms resolution). */
export async function longestStall<T>(body: () => Promise<T>): Promise<{ result: T; stallMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  try {
    const result = await body();
    return { result, stallMs: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}

