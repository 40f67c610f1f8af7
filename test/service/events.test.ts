import { describe, expect, it } from 'vitest';
import {
  ConnectionState,
  GodotError,
  WebRTCDataChannel,
  WebRTCPeerConnection,
  createNodeDataChannelExtension,
  type CloseInfo,
  type ExtensionFactory,
} from '../../src/index.js';
import { decode, encode, openEventPair, peer, pollUntil, wire, withExtension } from '../support/loopback.js';

/**
 * The loopback stack, with a flag raised while the stack's sink runs: inside it we are within a
 * native callback (the adapter calls the sink from node-datachannel's callbacks), and no user code
 * may run there.
 */
let insideStackCallback = false;
const inner = createNodeDataChannelExtension({ name: 'events-test-inner', bindAddress: '127.0.0.1' });
const flagged: ExtensionFactory = {
  name: 'events-test-flagged',
  create(configuration, sink) {
    return inner.create(configuration, (event) => {
      insideStackCallback = true;
      try {
        sink(event);
      } finally {
        insideStackCallback = false;
      }
    });
  },
};

/** Every signal a connection and its channel can emit, as they come, and whether any came inside a stack callback. */
function listen(pc: WebRTCPeerConnection, channel: WebRTCDataChannel) {
  const seen: string[] = [];
  const connection: Array<[ConnectionState, CloseInfo | null]> = [];
  let inside = 0;
  const note = (what: string) => {
    if (insideStackCallback) inside++;
    seen.push(what);
  };
  pc.session_description_created.connect((type) => note(`description:${type}`));
  pc.ice_candidate_created.connect(() => note('candidate'));
  pc.connection_state_changed.connect((state, info) => {
    note(`connection:${state}`);
    connection.push([state, info]);
  });
  pc.gathering_state_changed.connect((state) => note(`gathering:${state}`));
  pc.signaling_state_changed.connect((state) => note(`signaling:${state}`));
  channel.ready_state_changed.connect((state) => note(`channel:${state}`));
  return { seen, connection, inside: () => inside };
}

/** The connection machine's changes of state, as its transition records give them. */
function connectionPath(pc: WebRTCPeerConnection): string[] {
  return pc
    .get_records()
    .flatMap((record) => (record.kind === 'transition' && record.machine === 'connection' && record.from !== record.to ? [record.to] : []));
}

const NAMES = ['new', 'connecting', 'connected', 'disconnected', 'failed', 'closed'];

describe('event dispatch', () => {
  it('connects two peers and moves bytes with no poll() at all, never emitting inside a stack callback', async () => {
    await withExtension(flagged, async () => {
      const a = peer({ dispatch: 'events' });
      const b = peer({ dispatch: 'events' });
      const chA = a.create_data_channel('chat', { negotiated: true, id: 1 })!;
      const chB = b.create_data_channel('chat', { negotiated: true, id: 1 })!;
      const listenA = listen(a, chA);
      const listenB = listen(b, chB);
      wire(a, b);
      expect(a.create_offer()).toBe(GodotError.OK);
      const [connectedA, connectedB, openA, openB] = await Promise.all([
        a.connected({ timeout: 10_000 }),
        b.connected({ timeout: 10_000 }),
        chA.opened({ timeout: 10_000 }),
        chB.opened({ timeout: 10_000 }),
      ]);
      expect([connectedA, connectedB, openA, openB]).toEqual([GodotError.OK, GodotError.OK, GodotError.OK, GodotError.OK]);
      for (let i = 0; i < 20; i++) expect(chA.put_packet(encode(`ping ${i}`))).toBe(GodotError.OK);
      const got: string[] = [];
      for await (const packet of chB.packets()) {
        got.push(decode(packet));
        if (got.length === 20) break;
      }
      expect(got).toEqual(Array.from({ length: 20 }, (_, i) => `ping ${i}`));
      expect(listenA.seen).toContain('description:offer');
      expect(listenB.seen).toContain('description:answer');
      expect(listenA.seen).toContain('candidate');
      expect(listenA.seen).toContain(`channel:${WebRTCDataChannel.STATE_OPEN}`);
      // Emitted as the stack reported, never from within its callback.
      expect(listenA.inside() + listenB.inside()).toBe(0);
      // The state changes signalled are the machine's transitions, in order.
      for (const [pc, heard] of [[a, listenA], [b, listenB]] as const) {
        expect(heard.connection.map(([state]) => NAMES[state])).toEqual(connectionPath(pc));
      }
    });
  });

  it('tells why a connection closed, with the same close info as get_close_info(), on both ends', async () => {
    const a = peer({ dispatch: 'events' });
    const b = peer({ dispatch: 'events' });
    a.create_data_channel('chat', { negotiated: true, id: 1 });
    b.create_data_channel('chat', { negotiated: true, id: 1 });
    const heardA: Array<[ConnectionState, CloseInfo | null]> = [];
    const heardB: Array<[ConnectionState, CloseInfo | null]> = [];
    a.connection_state_changed.connect((state, info) => heardA.push([state, info]));
    b.connection_state_changed.connect((state, info) => heardB.push([state, info]));
    wire(a, b);
    a.create_offer();
    expect(await a.connected({ timeout: 10_000 })).toBe(GodotError.OK);
    expect(await b.connected({ timeout: 10_000 })).toBe(GodotError.OK);
    const remoteClosed = b.closed({ timeout: 10_000 });
    a.close();
    expect(await a.closed({ timeout: 1000 })).toBe(GodotError.OK);
    expect(await remoteClosed).toBe(GodotError.OK);
    expect(heardA.at(-1)).toEqual([WebRTCPeerConnection.STATE_CLOSED, a.get_close_info()]);
    expect(heardA.at(-1)![1]).toMatchObject({ by: 'local', last_state_name: 'connected' });
    expect(heardB.at(-1)).toEqual([WebRTCPeerConnection.STATE_CLOSED, b.get_close_info()]);
    expect(heardB.at(-1)![1]).toMatchObject({ by: 'remote' });
    // Before the end, no close info.
    expect(heardA.slice(0, -1).every(([, info]) => info === null)).toBe(true);
    // Awaiting a connection that has closed settles at once, and says so.
    expect(await a.connected()).toBe(GodotError.ERR_CONNECTION_ERROR);
  });
});

describe('poll dispatch (the default)', () => {
  it('holds the state-change signals and the promises until poll(), while the getters move on', async () => {
    const a = peer();
    const b = peer();
    const chA = a.create_data_channel('chat', { negotiated: true, id: 1 })!;
    b.create_data_channel('chat', { negotiated: true, id: 1 });
    const heard: ConnectionState[] = [];
    a.connection_state_changed.connect((state) => heard.push(state));
    let settled: GodotError | null = null;
    void a.connected().then((code) => (settled = code));
    wire(a, b);
    a.create_offer();
    // Only b is polled until a's getter says connected: a's signals wait for its poll().
    await pollUntil([b], () => {
      a.poll();
      return a.get_connection_state() !== WebRTCPeerConnection.STATE_NEW;
    });
    const deadline = Date.now() + 10_000;
    while (a.get_connection_state() !== WebRTCPeerConnection.STATE_CONNECTED && Date.now() < deadline) {
      b.poll();
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    // Candidates from a have been emitted by the polls above; connected was reached without a's poll since the last one.
    expect(a.get_connection_state()).toBe(WebRTCPeerConnection.STATE_CONNECTED);
    const before = heard.length;
    expect(heard).not.toContain(WebRTCPeerConnection.STATE_CONNECTED);
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBeNull();
    a.poll();
    expect(heard.length).toBeGreaterThan(before);
    expect(heard.at(-1)).toBe(WebRTCPeerConnection.STATE_CONNECTED);
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(GodotError.OK);
    let opened: GodotError | null = null;
    void chA.opened({ timeout: 5000 }).then((code) => (opened = code));
    await pollUntil([a, b], () => opened !== null);
    expect(opened).toBe(GodotError.OK);
  });
});

describe('promise helpers', () => {
  it('time out, refuse bad options with a record, and never reject', async () => {
    const pc = peer({ dispatch: 'events' });
    const started = performance.now();
    expect(await pc.connected({ timeout: 60 })).toBe(GodotError.ERR_TIMEOUT);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    for (const bad of [{ timeout: -1 }, { timeout: 'soon' }, { timeout: Infinity }, 'fast', null]) {
      expect(await pc.connected(bad as never)).toBe(GodotError.ERR_INVALID_PARAMETER);
      expect(pc.get_records().at(-1)).toMatchObject({ kind: 'refusal', method: 'connected', code: GodotError.ERR_INVALID_PARAMETER });
    }
    const channel = pc.create_data_channel('x', { negotiated: true, id: 3 })!;
    expect(await channel.receive({ timeout: 30 })).toBeNull();
    expect(channel.get_packet_error()).toBe(GodotError.ERR_TIMEOUT);
    expect(await channel.opened({ timeout: 30 })).toBe(GodotError.ERR_TIMEOUT);
    const opened = channel.opened();
    const closed = channel.closed();
    pc.close();
    expect(await opened).toBe(GodotError.ERR_CONNECTION_ERROR);
    expect(await closed).toBe(GodotError.OK);
    expect(await channel.receive()).toBeNull();
    expect(channel.get_packet_error()).toBe(GodotError.ERR_UNAVAILABLE);
    expect(await pc.gathered()).toBe(GodotError.ERR_CONNECTION_ERROR);
  });

  it('hands every packet to receive() and packets() in order, then ends the iteration when the channel closes', async () => {
    const { b, chA, chB } = await openEventPair();
    // Waiting first: the packet arrives while receive() waits.
    const first = chB.receive({ timeout: 5000 });
    chA.set_write_mode(WebRTCDataChannel.WRITE_MODE_TEXT);
    chA.put_packet(encode('text'));
    expect(decode((await first)!)).toBe('text');
    expect(chB.was_string_packet()).toBe(true);
    chA.set_write_mode(WebRTCDataChannel.WRITE_MODE_BINARY);
    const count = 300;
    for (let i = 0; i < count; i++) chA.put_packet(Uint8Array.of(i & 0xff, i >> 8));
    const got: number[] = [];
    const iterated = (async () => {
      for await (const packet of chB.packets()) got.push(packet[0]! | (packet[1]! << 8));
    })();
    await pollUntil([], () => got.length === count, 10_000);
    chA.close();
    await iterated;
    expect(got).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(chB.get_ready_state()).toBe(WebRTCDataChannel.STATE_CLOSED);
    expect(b.get_queued_bytes()).toBe(0);
  });
});
