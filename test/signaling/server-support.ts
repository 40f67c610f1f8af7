/** Real ws clients against a real SignalingServer on 127.0.0.1, port 0, with bounded waits. */
import { WebSocket, type ClientOptions } from 'ws';
import { afterEach } from 'vitest';
import { GodotError } from '../../src/godot/constants.js';
import { SignalingServer, type SignalingServerOptions } from '../../src/signaling/server.js';

export interface Closed {
  code: number;
  reason: string;
}

/** A test client: every frame it received (text), in order, and how its socket closed. */
export class TestClient {
  readonly frames: string[] = [];
  closedWith: Closed | null = null;
  private waiters: Array<() => void> = [];
  readonly opened: Promise<void>;

  constructor(
    readonly socket: WebSocket,
    readonly label = 'client',
  ) {
    this.opened = new Promise((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    socket.on('error', () => {});
    socket.on('message', (data, isBinary) => {
      this.frames.push(isBinary ? `<binary ${(data as Buffer).length}>` : data.toString());
      this.wake();
    });
    socket.on('close', (code, reason) => {
      this.closedWith = { code, reason: reason.toString() };
      this.wake();
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  /** Waits (bounded) until `ready()` holds; rejects with what was seen if it does not. */
  async until(ready: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.label}: no ${what} within ${timeoutMs} ms; frames ${JSON.stringify(this.frames)}, closed ${JSON.stringify(this.closedWith)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The first `count` frames, once they arrived. */
  async received(count: number, timeoutMs?: number): Promise<string[]> {
    await this.until(() => this.frames.length >= count, `${count} frames`, timeoutMs);
    return this.frames.slice(0, count);
  }

  async closed(timeoutMs?: number): Promise<Closed> {
    await this.until(() => this.closedWith !== null, 'close', timeoutMs);
    return this.closedWith!;
  }

  send(frame: string | Buffer, binary = false): void {
    this.socket.send(frame, { binary });
  }

  json(type: number, id: number, data = ''): void {
    this.send(JSON.stringify({ type, id, data }));
  }
}

const servers: SignalingServer[] = [];
const clients: TestClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.socket.terminate();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A listening server on a free port, closed after the test. */
export async function startServer(options: SignalingServerOptions = {}): Promise<SignalingServer> {
  const server = new SignalingServer({ port: 0, ...options });
  servers.push(server);
  const code = await server.listen();
  if (code !== GodotError.OK) throw new Error(`listen() gave ${code}`);
  return server;
}

/** An open client socket, terminated after the test. */
export async function connect(server: SignalingServer, label?: string, options?: ClientOptions): Promise<TestClient> {
  const client = new TestClient(new WebSocket(server.url, options), label);
  clients.push(client);
  await client.opened;
  return client;
}

export const json = (type: number, id: number, data = ''): string => JSON.stringify({ type, id, data });

/** A 4.x client that created a lobby: it got ID(1) and JOIN(name). */
export async function host4(server: SignalingServer, mesh = true, label = 'host'): Promise<{ client: TestClient; lobby: string }> {
  const client = await connect(server, label);
  client.json(0, mesh ? 0 : 1, '');
  const [, join] = await client.received(2);
  return { client, lobby: (JSON.parse(join!) as { data: string }).data };
}

/** A 4.x client that joined `lobby`, and its id; `seen` how many PEER_CONNECTs it expects. */
export async function join4(server: SignalingServer, lobby: string, seen: number, label = 'member'): Promise<{ client: TestClient; id: number }> {
  const client = await connect(server, label);
  client.json(0, 0, lobby);
  const frames = await client.received(2 + seen);
  return { client, id: (JSON.parse(frames[0]!) as { id: number }).id };
}
