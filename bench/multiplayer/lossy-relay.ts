/**
 * A lossy link between the bench's server and its clients (these VMs have no netem): a user-space
 * UDP relay on 127.0.0.1, in the parent process (idle during a run). Per client, two sockets:
 * `forClient` stands for the client (the server is told its port), `forServer` stands for the
 * server (the client is told its port). A datagram from the server to `forClient` leaves
 * `forServer` for the client's real port, and back the same way, so each side hears the other
 * from the very address it was told (libjuice's symmetry check passes; no peer-reflexive
 * candidate is needed). The candidates the bench relays over IPC are rewritten (trickled ones and
 * `a=candidate:` lines in descriptions); a candidate the relay cannot map is dropped, so that no
 * pair connects around it.
 *
 * Impairment (loss, delay each way) is off during setup and switched on for the run, as pion and
 * libwebrtc do. Loss is one draw of a seeded PRNG per datagram per direction. Delay holds each
 * datagram `delayMs` (timers of one duration fire in order, so nothing is reordered); at most
 * `maxInFlight` datagrams are held, more are dropped and counted.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { Signal } from './protocol.js';

export interface LinkImpairment {
  /** Share of datagrams dropped, each direction (0..1). */
  loss: number;
  /** Added one-way delay, ms. */
  delayMs: number;
  seed: number;
}

export interface DirectionStats {
  datagrams: number;
  forwarded: number;
  dropped: number;
  /** Dropped because `maxInFlight` datagrams were already held. */
  overflow: number;
  /** Arrived before the far side's real port was known (setup only). */
  unrouted: number;
}

export interface RelayStats {
  toClients: DirectionStats;
  toServer: DirectionStats;
  /** Pairs over which datagrams went both ways. */
  pairsUsed: number;
  pairs: number;
  /** Candidates the relay could not map (dropped, not relayed). */
  candidatesDropped: number;
}

const HOST = '127.0.0.1';
/** One UDP host candidate: foundation, component, transport, priority, address, port, the rest. */
const CANDIDATE = /^(a=)?candidate:(\S+) (\d+) (\S+) (\d+) (\S+) (\d+)( .*)?$/;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const emptyStats = (): DirectionStats => ({ datagrams: 0, forwarded: 0, dropped: 0, overflow: 0, unrouted: 0 });

interface Pair {
  forClient: Socket;
  forServer: Socket;
  serverPort: number | null;
  clientPort: number | null;
  up: number;
  down: number;
}

export class LossyRelay {
  private readonly pairs = new Map<number, Pair>();
  private readonly toClients = emptyStats();
  private readonly toServer = emptyStats();
  private readonly randomDown: () => number;
  private readonly randomUp: () => number;
  private impaired = false;
  private inFlight = 0;
  private candidatesDropped = 0;
  private closed = false;

  constructor(
    private readonly impairment: LinkImpairment,
    private readonly maxInFlight = 50_000,
  ) {
    this.randomDown = mulberry32(impairment.seed);
    this.randomUp = mulberry32(impairment.seed ^ 0x5bd1e995);
  }

  /** Binds the two sockets of each client; call before any of their signals is relayed. */
  async open(ids: number[]): Promise<void> {
    for (const id of ids) {
      const pair: Pair = { forClient: createSocket('udp4'), forServer: createSocket('udp4'), serverPort: null, clientPort: null, up: 0, down: 0 };
      this.pairs.set(id, pair);
      await Promise.all([pair.forClient, pair.forServer].map((socket) => new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(0, HOST, () => (socket.off('error', reject), resolve()));
      })));
      for (const socket of [pair.forClient, pair.forServer]) socket.on('error', () => {});
      // Server → client: arrives at forClient, leaves forServer for the client's real port.
      pair.forClient.on('message', (bytes, from) => {
        if (from.address !== HOST) return;
        pair.serverPort ??= from.port;
        pair.down++;
        this.forward(bytes, pair.forServer, pair.clientPort, this.toClients, this.randomDown);
      });
      pair.forServer.on('message', (bytes, from) => {
        if (from.address !== HOST) return;
        pair.clientPort ??= from.port;
        pair.up++;
        this.forward(bytes, pair.forClient, pair.serverPort, this.toServer, this.randomUp);
      });
    }
  }

  /** Loss and delay from now on (off during setup). */
  impair(on: boolean): void {
    this.impaired = on;
  }

  /** A signal from the server on its way to client `id`: the server's candidates become forServer's port. */
  toClient(id: number, signal: Signal): Signal | null {
    const pair = this.pairs.get(id);
    if (!pair) return null;
    return this.rewrite(signal, pair.forServer, (port) => (pair.serverPort ??= port) === port);
  }

  /** A signal from client `id` on its way to the server: the client's candidates become forClient's port. */
  fromClient(id: number, signal: Signal): Signal | null {
    const pair = this.pairs.get(id);
    if (!pair) return null;
    return this.rewrite(signal, pair.forClient, (port) => (pair.clientPort ??= port) === port);
  }

  stats(): RelayStats {
    let pairsUsed = 0;
    for (const pair of this.pairs.values()) if (pair.up > 0 && pair.down > 0) pairsUsed++;
    return { toClients: { ...this.toClients }, toServer: { ...this.toServer }, pairsUsed, pairs: this.pairs.size, candidatesDropped: this.candidatesDropped };
  }

  close(): void {
    this.closed = true;
    for (const pair of this.pairs.values()) for (const socket of [pair.forClient, pair.forServer]) {
      try {
        socket.close();
      } catch {
        /* already closed */
      }
    }
  }

  private forward(bytes: Buffer, out: Socket, port: number | null, stats: DirectionStats, random: () => number): void {
    stats.datagrams++;
    if (port === null) return void stats.unrouted++;
    if (this.impaired) {
      if (random() < this.impairment.loss) return void stats.dropped++;
      if (this.impairment.delayMs > 0) {
        if (this.inFlight >= this.maxInFlight) return void stats.overflow++;
        this.inFlight++;
        setTimeout(() => {
          this.inFlight--;
          if (this.closed) return;
          out.send(bytes, port, HOST);
          stats.forwarded++;
        }, this.impairment.delayMs);
        return;
      }
    }
    out.send(bytes, port, HOST);
    stats.forwarded++;
  }

  /** Each UDP candidate on 127.0.0.1 whose port `accept`s gets `socket`'s port; any other is dropped. */
  private rewrite(signal: Signal, socket: Socket, accept: (port: number) => boolean): Signal | null {
    const port = socket.address().port;
    const map = (line: string): string | null => {
      const m = CANDIDATE.exec(line.trim());
      if (!m) return null;
      const [, prefix = '', foundation, component, transport, priority, address, realPort, rest = ''] = m;
      if (transport!.toUpperCase() !== 'UDP' || address !== HOST || !accept(Number(realPort))) return null;
      return `${prefix}candidate:${foundation} ${component} ${transport} ${priority} ${HOST} ${port}${rest}`;
    };
    if (signal.type === 'candidate') {
      const mapped = map(signal.candidate);
      if (mapped === null) this.candidatesDropped++;
      return mapped === null ? null : { ...signal, candidate: mapped };
    }
    const lines = signal.sdp.split(/\r\n|\n/).flatMap((line) => {
      if (!line.startsWith('a=candidate:')) return [line];
      const mapped = map(line);
      if (mapped === null) this.candidatesDropped++;
      return mapped === null ? [] : [mapped];
    });
    return { ...signal, sdp: lines.join('\r\n') };
  }
}
