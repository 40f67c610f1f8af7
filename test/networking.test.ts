import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { GodotError, WebRTCDataChannel, WebRTCPeerConnection, createNodeDataChannelExtension, type ExtensionFactory } from '../src/index.js';
import { nativeLifetimes } from '../src/adapters/node-datachannel.js';
import { bothOpen, loopbackExtension, peer, pollUntil } from './support/loopback.js';

/** A UDP port nothing holds on 127.0.0.1 right now: bound to port 0, read, closed. */
async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** `count` consecutive free ports (tried from a few free bases; bounded). */
async function freeUdpRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = await freeUdpPort();
    if (base + count - 1 > 65535) continue;
    const sockets: dgram.Socket[] = [];
    let free = true;
    for (let port = base; port < base + count && free; port++) {
      const socket = dgram.createSocket('udp4');
      free = await new Promise<boolean>((resolve) => {
        socket.once('error', () => resolve(false));
        socket.bind(port, '127.0.0.1', () => resolve(true));
      });
      sockets.push(socket);
    }
    await Promise.all(sockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
    if (free) return base;
  }
  throw new Error(`no ${count} consecutive free UDP ports found`);
}

/** Runs `body` with `factory` as the default stack (a constructor and `initialize()` take it), then the suite's loopback stack again. */
function using<T>(factory: ExtensionFactory, body: () => T): T {
  WebRTCPeerConnection.set_default_extension(factory);
  try {
    return body();
  } finally {
    WebRTCPeerConnection.set_default_extension(loopbackExtension);
  }
}

/** A connection made by `factory`. */
const peerOf = (factory: ExtensionFactory) => using(factory, () => peer());

interface Link {
  server: WebRTCPeerConnection;
  client: WebRTCPeerConnection;
  serverChannel: WebRTCDataChannel;
  clientChannel: WebRTCDataChannel;
  /** The candidates the server emitted, as the client got them. */
  serverCandidates: string[];
  /** The descriptions the server sent. */
  serverDescriptions: string[];
}

/**
 * A service end made by `serverFactory` and a client (the suite's loopback stack), the client
 * offering as a browser or a game would. `clientCandidatesToServer: false` keeps the client's
 * candidates from the server, which then only learns it from its checks (peer-reflexive).
 */
function link(serverFactory: ExtensionFactory, clientCandidatesToServer = true): Link {
  const server = peerOf(serverFactory);
  const client = peer();
  const serverChannel = server.create_data_channel('data', { negotiated: true, id: 1 })!;
  const clientChannel = client.create_data_channel('data', { negotiated: true, id: 1 })!;
  const serverCandidates: string[] = [];
  const serverDescriptions: string[] = [];
  server.session_description_created.connect((_type, sdp) => serverDescriptions.push(sdp));
  for (const [self, other] of [
    [server, client],
    [client, server],
  ] as const) {
    self.session_description_created.connect((type, sdp) => {
      self.set_local_description(type, sdp);
      other.set_remote_description(type, sdp);
    });
  }
  server.ice_candidate_created.connect((media, index, name) => {
    serverCandidates.push(name);
    client.add_ice_candidate(media, index, name);
  });
  client.ice_candidate_created.connect((media, index, name) => {
    if (clientCandidatesToServer) server.add_ice_candidate(media, index, name);
  });
  expect(client.create_offer()).toBe(GodotError.OK);
  return { server, client, serverChannel, clientChannel, serverCandidates, serverDescriptions };
}

const connected = (pc: WebRTCPeerConnection) => pc.get_connection_state() === WebRTCPeerConnection.STATE_CONNECTED;

async function untilOpen(links: Link[], timeoutMs = 10_000): Promise<void> {
  const peers = links.flatMap((l) => [l.server, l.client]);
  await pollUntil(peers, () => links.every((l) => bothOpen(l.serverChannel, l.clientChannel) && connected(l.server) && connected(l.client)), timeoutMs);
}

/** Sends `text` each way on every link and waits until each end has it. */
async function exchange(links: Link[]): Promise<void> {
  links.forEach((l, i) => {
    expect(l.serverChannel.put_packet(new TextEncoder().encode(`to client ${i}`))).toBe(GodotError.OK);
    expect(l.clientChannel.put_packet(new TextEncoder().encode(`to server ${i}`))).toBe(GodotError.OK);
  });
  const got = new Map<WebRTCDataChannel, string>();
  const peers = links.flatMap((l) => [l.server, l.client]);
  await pollUntil(peers, () => {
    for (const channel of links.flatMap((l) => [l.serverChannel, l.clientChannel])) {
      while (channel.get_available_packet_count() > 0) got.set(channel, new TextDecoder().decode(channel.get_packet()));
    }
    return got.size === links.length * 2;
  });
  links.forEach((l, i) => {
    expect(got.get(l.clientChannel)).toBe(`to client ${i}`);
    expect(got.get(l.serverChannel)).toBe(`to server ${i}`);
  });
}

/** A candidate line's address and port. */
function endpoint(candidate: string): { address: string; port: number; type: string } {
  const fields = candidate.split(' ');
  return { address: fields[4]!, port: Number(fields[5]), type: fields[7]! };
}

describe('ICE UDP mux: one port for every connection', () => {
  it('puts four connections of one factory on one UDP port; each connects to its own remote and moves bytes both ways', async () => {
    const port = await freeUdpPort();
    const service = createNodeDataChannelExtension({ name: 'mux-service', bindAddress: '127.0.0.1', enableIceUdpMux: true, portRangeBegin: port, portRangeEnd: port });
    const links = Array.from({ length: 4 }, () => link(service));
    await untilOpen(links);
    await exchange(links);
    for (const l of links) {
      expect(l.serverCandidates.length).toBeGreaterThan(0);
      for (const candidate of l.serverCandidates) expect(endpoint(candidate)).toMatchObject({ address: '127.0.0.1', port, type: 'host' });
      expect(l.server.get_stats().selected_pair?.local).toMatchObject({ address: '127.0.0.1', port });
      expect(l.client.get_stats().selected_pair?.remote).toMatchObject({ address: '127.0.0.1', port });
    }
    // Four clients, four distinct ports of theirs, one port of the service.
    const clientPorts = new Set(links.map((l) => l.client.get_stats().selected_pair?.local.port));
    expect(clientPorts.size).toBe(4);
  });

  it('refuses the mux without one pinned port, and a second bind address for a mux port this process already has', async () => {
    const port = await freeUdpPort();
    const cases: Array<[Parameters<typeof createNodeDataChannelExtension>[0], RegExp]> = [
      [{ enableIceUdpMux: true }, /enableIceUdpMux needs one port/],
      [{ enableIceUdpMux: true, portRangeBegin: port, portRangeEnd: port + 1 }, /enableIceUdpMux needs one port/],
    ];
    createNodeDataChannelExtension({ name: 'mux-first', bindAddress: '127.0.0.1', enableIceUdpMux: true, portRangeBegin: port, portRangeEnd: port });
    cases.push([{ bindAddress: '0.0.0.0', enableIceUdpMux: true, portRangeBegin: port, portRangeEnd: port }, /already bound to 127\.0\.0\.1/]);
    for (const [options, reason] of cases) {
      const pc = peerOf(createNodeDataChannelExtension({ name: 'mux-bad', ...options }));
      const record = pc.get_records().at(-1);
      expect(record).toMatchObject({ kind: 'refusal', method: 'initialize', code: GodotError.ERR_INVALID_PARAMETER });
      expect((record as { reason: string }).reason).toMatch(reason);
    }
  });
});

describe('port ranges', () => {
  it('binds each connection to a port of the range, and refuses one past the range instead of letting the stack abort the process', async () => {
    const begin = await freeUdpRange(3);
    const end = begin + 2;
    const service = createNodeDataChannelExtension({ name: 'ranged-service', bindAddress: '127.0.0.1', portRangeBegin: begin, portRangeEnd: end });
    const links = Array.from({ length: 3 }, () => link(service));
    await untilOpen(links);
    await exchange(links);
    const ports = links.flatMap((l) => l.serverCandidates.map((candidate) => endpoint(candidate).port));
    expect(ports.length).toBeGreaterThanOrEqual(3);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(begin);
      expect(port).toBeLessThanOrEqual(end);
    }
    expect(new Set(ports).size).toBe(3);

    // A fourth would find every port taken: libdatachannel throws from setLocalDescription, uncaught (std::terminate).
    const fourth = peerOf(service);
    expect(fourth.get_records().at(-1)).toMatchObject({ kind: 'refusal', method: 'initialize', code: GodotError.ERR_ALREADY_IN_USE });
    expect(fourth.create_offer()).not.toBe(GodotError.OK);
    expect(using(service, () => fourth.initialize())).toBe(GodotError.ERR_ALREADY_IN_USE);

    // Once one connection's stack has reported it closed, its port is taken again.
    const released = nativeLifetimes.live.connections - 2;
    links[0]!.server.close();
    links[0]!.client.close();
    const deadline = Date.now() + 5000;
    while (nativeLifetimes.live.connections > released && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    const again = link(service);
    await untilOpen([again]);
    expect(endpoint(again.serverCandidates[0]!).port).toBe(endpoint(links[0]!.serverCandidates[0]!).port);
  });
});

/**
 * A 1:1 NAT on loopback: the service is bound to 127.0.0.1:port and announced at 127.0.0.2:port.
 * This relay holds 127.0.0.2:port, forwards each outside sender's datagrams to the service from
 * a socket of its own (as a NAT's inside leg), and sends the service's replies back from
 * 127.0.0.2:port, so that the sender sees them come from where it sent them (libjuice drops a
 * response from any other address). Binding the service itself to 0.0.0.0 does not work here: its
 * replies to 127.0.0.1 leave from 127.0.0.1, not 127.0.0.2 (measured with plain dgram sockets).
 */
class LoopbackNat {
  readonly inbound: number[] = [];
  readonly outbound: number[] = [];
  private readonly outside = dgram.createSocket('udp4');
  private readonly insides = new Map<string, dgram.Socket>();

  private constructor(
    readonly publicAddress: string,
    readonly port: number,
    private readonly target: string,
  ) {}

  static async open(publicAddress: string, port: number, target: string): Promise<LoopbackNat> {
    const nat = new LoopbackNat(publicAddress, port, target);
    await new Promise<void>((resolve, reject) => {
      nat.outside.once('error', reject);
      nat.outside.bind(port, publicAddress, resolve);
    });
    nat.outside.on('message', (message, from) => nat.forwardIn(message, from));
    return nat;
  }

  /** The inside legs' ports: the service sees its remotes at 127.0.0.1 and these. */
  insidePorts(): number[] {
    return [...this.insides.values()].map((socket) => socket.address().port);
  }

  private forwardIn(message: Buffer, from: dgram.RemoteInfo): void {
    const key = `${from.address}:${from.port}`;
    let inside = this.insides.get(key);
    if (!inside) {
      if (this.insides.size >= 16) return;
      const leg = dgram.createSocket('udp4');
      leg.on('message', (reply) => {
        this.outbound.push(reply.length);
        this.outside.send(reply, from.port, from.address);
      });
      leg.bind(0, '127.0.0.1');
      this.insides.set(key, leg);
      inside = leg;
    }
    this.inbound.push(message.length);
    inside.send(message, this.port, this.target);
  }

  async close(): Promise<void> {
    const sockets = [this.outside, ...this.insides.values()];
    await Promise.all(sockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
  }
}

describe('publicAddress: host candidates announced at the address remotes reach', () => {
  it('connects a client that only ever had the public candidate, through a 1:1 NAT on loopback', async () => {
    const port = await freeUdpPort();
    const nat = await LoopbackNat.open('127.0.0.2', port, '127.0.0.1');
    try {
      const service = createNodeDataChannelExtension({ name: 'nat-service', bindAddress: '127.0.0.1', portRangeBegin: port, portRangeEnd: port, publicAddress: '127.0.0.2' });
      // The client's own candidates never reach the service, as those of a client behind its own
      // NAT would not help: the service can reach it only through the relay's inside leg.
      const l = link(service, false);
      await untilOpen([l]);
      await exchange([l]);
      // The client was told of one candidate: the public address, on the bound port.
      expect(l.serverCandidates.map(endpoint)).toEqual([{ address: '127.0.0.2', port, type: 'host' }]);
      // Nor did the answer carry the bound address (descriptions go without candidates).
      expect(l.serverDescriptions).toHaveLength(1);
      expect(l.serverDescriptions[0]).not.toContain('127.0.0.1');
      // The client's pair goes to the public candidate. The service's goes to the relay's inside
      // leg, from the local address its checks' responses reported: the public one, as behind a real NAT.
      expect(l.client.get_stats().selected_pair?.remote).toMatchObject({ address: '127.0.0.2', port, type: 'host' });
      const servicePair = l.server.get_stats().selected_pair!;
      expect(servicePair.local).toMatchObject({ address: '127.0.0.2', port, type: 'prflx' });
      expect(servicePair.remote).toMatchObject({ address: '127.0.0.1', type: 'prflx' });
      expect(nat.insidePorts()).toContain(servicePair.remote.port);
      // Every datagram of the connection went through the NAT, both ways.
      expect(nat.inbound.length).toBeGreaterThan(0);
      expect(nat.outbound.length).toBeGreaterThan(0);
    } finally {
      await nat.close();
    }
  });

  it('sends the bound host candidate too with keepHostCandidates, after the public one', async () => {
    const port = await freeUdpPort();
    const service = createNodeDataChannelExtension({
      name: 'nat-keep',
      bindAddress: '127.0.0.1',
      portRangeBegin: port,
      portRangeEnd: port,
      publicAddress: ['127.0.0.2', '::1'],
      keepHostCandidates: true,
    });
    const l = link(service);
    await untilOpen([l]);
    expect(l.serverCandidates.map(endpoint)).toEqual([
      { address: '127.0.0.2', port, type: 'host' },
      { address: '127.0.0.1', port, type: 'host' },
    ]);
    // Nothing listens on 127.0.0.2 here: the pair that works is the bound one.
    expect(l.client.get_stats().selected_pair?.remote).toMatchObject({ address: '127.0.0.1', port });
  });
});

describe('bad networking options', () => {
  it.each([
    [{ bindAddress: 'localhost' }, /bindAddress must be an IP address/],
    [{ bindAddress: '127.1' }, /bindAddress: .*not a canonical IPv4/],
    [{ portRangeBegin: 0 }, /portRangeBegin must be an integer port/],
    [{ portRangeEnd: 70000 }, /portRangeEnd must be an integer port/],
    [{ portRangeBegin: 5000.5 }, /portRangeBegin must be an integer port/],
    [{ portRangeBegin: 6000, portRangeEnd: 5000 }, /portRangeBegin \(6000\) is past portRangeEnd \(5000\)/],
    [{ enableIceUdpMux: 'yes' }, /enableIceUdpMux must be a boolean/],
    [{ iceTransportPolicy: 'none' }, /iceTransportPolicy must be "all" or "relay"/],
    [{ publicAddress: 'example.com' }, /is a host name/],
    [{ publicAddress: '0.0.0.0' }, /unspecified: no remote can reach it/],
    [{ publicAddress: ['203.0.113.7', '198.51.100.1'] }, /two IPv4 addresses/],
    [{ publicAddress: [] }, /publicAddress must be an IP address/],
    [{ keepHostCandidates: true }, /only means something with publicAddress/],
    [{ maxMessageSize: -1 }, /maxMessageSize must be a positive integer/],
    [{ setupOrder: 'fast' }, /setupOrder must be/],
  ])('%j: every initialize() is refused with ERR_INVALID_PARAMETER and the reason', (options, reason) => {
    const factory = createNodeDataChannelExtension({ name: 'bad-options', ...(options as object) });
    const pc = peerOf(factory);
    const record = pc.get_records().at(-1);
    expect(record).toMatchObject({ kind: 'refusal', method: 'initialize', code: GodotError.ERR_INVALID_PARAMETER, codeName: 'ERR_INVALID_PARAMETER' });
    expect((record as { reason: string }).reason).toMatch(reason);
    expect(using(factory, () => pc.initialize())).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(pc.create_data_channel('late')).toBeNull();
  });
});
