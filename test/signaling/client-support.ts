/** Shared by the SignalingClient tests: clients and servers that are closed after each test, bounded waits, channel traffic. */
import { afterEach } from 'vitest';
import '../support/loopback.js';
import { GodotError, WebRTCDataChannel, WebRTCPeerConnection } from '../../src/index.js';
import { SignalingClient, type SignalingClientOptions } from '../../src/signaling/client.js';
import { SignalingServer } from '../../src/signaling/server.js';

const clients = new Set<SignalingClient>();
const servers = new Set<SignalingServer>();

/** A client that is closed, with every WebRTC connection it made, after the test. */
export function client(options: SignalingClientOptions): SignalingClient {
  const made = new SignalingClient(options);
  clients.add(made);
  return made;
}

/** A listening server on a free 127.0.0.1 port, closed after the test. */
export async function server(options: ConstructorParameters<typeof SignalingServer>[0] = {}): Promise<SignalingServer> {
  const made = new SignalingServer({ port: 0, ...options });
  servers.add(made);
  const code = await made.listen();
  if (code !== GodotError.OK) throw new Error(`the signaling server did not listen: ${code}`);
  return made;
}

afterEach(async () => {
  for (const made of clients) {
    const connections = [...made.peers.values()];
    made.close();
    // Sealed links outlive the socket: the test's connections are closed here.
    for (const pc of connections) pc.close();
  }
  clients.clear();
  await Promise.all([...servers].map((made) => made.close()));
  servers.clear();
});

/** Resolves once `done()` holds, checked every 10 ms; rejects after `timeoutMs`. */
export function until(done: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      if (done()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`${what}: not within ${timeoutMs} ms`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

/** The next emission of `event`, or a rejection after `timeoutMs`. */
export function next<E extends 'closed' | 'sealed' | 'joined' | 'peer_disconnected'>(c: SignalingClient, event: E, timeoutMs = 20_000): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    c.once(event, (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

export const encode = (text: string) => new TextEncoder().encode(text);
export const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/**
 * The `chat` channel of each connection the client makes (negotiated, id 1, created in
 * `peer_added`) and what arrives on it, by peer id.
 */
export class Chat {
  readonly channels = new Map<number, WebRTCDataChannel>();
  readonly received = new Map<number, string[]>();

  constructor(readonly of: SignalingClient) {
    of.on('peer_added', (id, pc) => {
      const channel = pc.create_data_channel('chat', { negotiated: true, id: 1 });
      if (channel === null) throw new Error(`no chat channel to ${id}: ${JSON.stringify(pc.get_records().at(-1))}`);
      this.channels.set(id, channel);
      this.received.set(id, []);
      void this.read(id, channel);
    });
  }

  /** Sends `text` to `id` once the channel is open; the Godot Error of put_packet. */
  async send(id: number, text: string): Promise<GodotError> {
    const channel = this.channels.get(id);
    if (channel === undefined) return GodotError.ERR_DOES_NOT_EXIST;
    const opened = await channel.opened({ timeout: 20_000 });
    return opened === GodotError.OK ? channel.put_packet(encode(text)) : opened;
  }

  private async read(id: number, channel: WebRTCDataChannel): Promise<void> {
    for await (const packet of channel.packets()) this.received.get(id)!.push(decode(packet));
  }
}

/** Every connection of every client is connected. */
export function allConnected(peers: SignalingClient[], expected: number): boolean {
  return peers.every(
    (c) => c.peers.size === expected && [...c.peers.values()].every((pc) => pc.get_connection_state() === WebRTCPeerConnection.STATE_CONNECTED),
  );
}
