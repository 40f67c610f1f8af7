import { describe, expect, it } from 'vitest';
import { connect, host4, join4, json, startServer, type TestClient } from './server-support.js';

const OPTIONS = { timeout: 60_000 };

async function expectClose(client: TestClient, code: number, reason: string): Promise<void> {
  expect(await client.closed()).toEqual({ code, reason });
}

async function host3(server: Awaited<ReturnType<typeof startServer>>, label = 'host3'): Promise<{ client: TestClient; lobby: string }> {
  const client = await connect(server, label);
  client.send('J: \n');
  const [, join] = await client.received(2);
  return { client, lobby: join!.slice(3, -1) };
}

describe('the signaling server closes a client for each rule, with server.js code and reason', () => {
  it('no JOIN within noLobbyTimeoutMs: 4000 Have not joined lobby yet', OPTIONS, async () => {
    const server = await startServer({ noLobbyTimeoutMs: 200 });
    const a = await connect(server);
    await expectClose(a, 4000, 'Have not joined lobby yet');
    await a.until(() => server.sessions().length === 0, 'the session gone');
  });

  it('a lobby joined in time clears the no-lobby timer', OPTIONS, async () => {
    const server = await startServer({ noLobbyTimeoutMs: 200 });
    const { client } = await host4(server);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(client.closedWith).toBeNull();
  });

  it.each([
    ['a binary frame', (c: TestClient) => c.send(Buffer.from(json(0, 0)), true), 'Invalid transfer mode, must be text'],
    ['bad JSON', (c: TestClient) => c.send('{"type":0,'), 'Invalid message format'],
    ['a first frame of neither protocol', (c: TestClient) => c.send('hello'), 'Invalid message format'],
    ['a float type', (c: TestClient) => c.send('{"type":"0","id":0,"data":""}'), 'Invalid message format'],
    ['a relay before JOIN', (c: TestClient) => c.json(4, 1, 'v=0'), 'Invalid message when not in a lobby'],
    ['SEAL before JOIN', (c: TestClient) => c.json(7, 0), 'Invalid message when not in a lobby'],
    ['an unknown type before JOIN', (c: TestClient) => c.json(9, 0), 'Invalid message when not in a lobby'],
    ['a JOIN of a lobby that is not open', (c: TestClient) => c.json(0, 0, 'NoSuchLobby12345'), 'Lobby does not exists'],
    ['a 3.x relay before J:', (c: TestClient) => c.send('O: 1\nv=0'), 'Invalid message when not in a lobby'],
  ])('%s', OPTIONS, async (_, send, reason) => {
    const server = await startServer();
    const a = await connect(server);
    send(a);
    await expectClose(a, 4000, reason);
  });

  it.each([
    ['a SEAL from a member', (c: TestClient) => c.json(7, 0), 'Only host can seal the lobby'],
    ['a relay to nobody in the lobby', (c: TestClient) => c.json(4, 77, 'v=0'), 'Invalid destination'],
    ['an unknown type', (c: TestClient) => c.json(9, 0), 'Invalid command'],
    ['a server-only type (PEER_CONNECT)', (c: TestClient) => c.json(2, 1), 'Invalid command'],
    ['a second JOIN creating a lobby', (c: TestClient) => c.json(0, 0, ''), 'Already in a lobby'],
  ])('in a lobby, %s closes only the sender', OPTIONS, async (_, send, reason) => {
    const server = await startServer();
    const { client: host, lobby } = await host4(server);
    const { client: b, id: bId } = await join4(server, lobby, 1, 'b');
    const { client: c, id: cId } = await join4(server, lobby, 2, 'c');
    send(b);
    await expectClose(b, 4000, reason);
    await host.received(5);
    expect(host.frames[4]).toBe(json(3, bId));
    await c.received(5);
    expect(c.frames[4]).toBe(json(3, bId));
    host.json(4, cId, 'still relays');
    await c.received(6);
    expect(c.frames[5]).toBe(json(4, 1, 'still relays'));
    expect(host.closedWith).toBeNull();
  });

  it('a JOIN of another lobby while in one: 4000 Already in a lobby, never a silent move', OPTIONS, async () => {
    const server = await startServer();
    const { lobby: first } = await host4(server, true, 'first');
    const { client: second, lobby: other } = await host4(server, true, 'second');
    const { client: b } = await join4(server, first, 1, 'b');
    b.json(0, 0, other);
    await expectClose(b, 4000, 'Already in a lobby');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(second.frames.length).toBe(2);
  });

  it('maxLobbies: one more lobby closes 4000 Too many lobbies open, disconnecting', OPTIONS, async () => {
    const server = await startServer({ maxLobbies: 2 });
    await host4(server, true, 'a');
    await host4(server, true, 'b');
    const c = await connect(server, 'c');
    c.json(0, 0, '');
    await expectClose(c, 4000, 'Too many lobbies open, disconnecting');
  });

  it('maxPeers: one more socket closes 4000 Too many peers connected; a place freed is taken again', OPTIONS, async () => {
    const server = await startServer({ maxPeers: 2 });
    const a = await connect(server, 'a');
    await connect(server, 'b');
    const c = await connect(server, 'c');
    await expectClose(c, 4000, 'Too many peers connected');
    expect(server.sessions().length).toBe(2);
    a.socket.close();
    await a.closed();
    for (let i = 0; i < 50 && server.sessions().length > 1; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    const d = await connect(server, 'd');
    d.json(0, 0, '');
    await d.received(2);
  });

  it('a lobby speaks the protocol of its creator: a client of the other is refused', OPTIONS, async () => {
    const server = await startServer();
    const { lobby: lobby4 } = await host4(server);
    const { lobby: lobby3 } = await host3(server);
    const text = await connect(server, 'text');
    text.send(`J: ${lobby4}\n`);
    await expectClose(text, 4000, 'Lobby speaks another protocol version');
    const jsonClient = await connect(server, 'json');
    jsonClient.json(0, 0, lobby3);
    await expectClose(jsonClient, 4000, 'Lobby speaks another protocol version');
    expect(server.lobbies().map((l) => l.members)).toEqual([[1], [1]]);
  });

  it('3.x: a bad destination in a lobby is Invalid destination, an unknown letter Invalid command', OPTIONS, async () => {
    const server = await startServer();
    const { lobby } = await host3(server);
    const b = await connect(server, 'b');
    b.send(`J: ${lobby}\n`);
    await b.received(3);
    b.send('O: abc\nv=0');
    await expectClose(b, 4000, 'Invalid destination');
    const c = await connect(server, 'c');
    c.send(`J: ${lobby}\n`);
    await c.received(3);
    c.send('X: 1\nv=0');
    await expectClose(c, 4000, 'Invalid command');
    const d = await connect(server, 'd');
    d.send(`J: ${lobby}\n`);
    await d.received(3);
    d.send('X: 99\nv=0');
    await expectClose(d, 4000, 'Invalid destination');
  });

  it('a frame over maxFrameBytes closes 4000 Message too large; past twice that ws closes 1009 itself', OPTIONS, async () => {
    const server = await startServer({ maxFrameBytes: 1024 });
    const { client: host, lobby } = await host4(server);
    const { client: b, id: bId } = await join4(server, lobby, 1, 'b');
    b.json(4, 1, 'x'.repeat(1100));
    await expectClose(b, 4000, 'Message too large');
    await host.received(4);
    expect(host.frames[3]).toBe(json(3, bId));
    const { client: c } = await join4(server, lobby, 1, 'c');
    c.json(4, 1, 'x'.repeat(3000));
    expect((await c.closed()).code).toBe(1009);
    // A frame at the limit passes.
    const { client: d, id: dId } = await join4(server, lobby, 1, 'd');
    const data = 'y'.repeat(1024 - json(4, 1, '').length);
    d.json(4, 1, data);
    await host.until(() => host.frames.includes(json(4, dId, data)), 'the relay at the limit');
    expect(host.closedWith).toBeNull();
  });

  it('the lobby name never reaches another lobby clients', OPTIONS, async () => {
    const server = await startServer();
    const { client: a, lobby: lobbyA } = await host4(server, true, 'a');
    const { client: b1 } = await join4(server, lobbyA, 1, 'b1');
    const { client: x, lobby: lobbyX } = await host4(server, true, 'x');
    const { client: y } = await join4(server, lobbyX, 1, 'y');
    await a.received(3);
    await x.received(3);
    b1.socket.close();
    await a.received(4);
    for (const client of [x, y]) expect(client.frames.join('')).not.toContain(lobbyA);
    for (const client of [a, b1]) expect(client.frames.join('')).not.toContain(lobbyX);
  });
});

describe('the seal and the host leaving', () => {
  it('SEAL goes to every member with the host, relays still work, JOINs are refused, then 1000 Seal complete', OPTIONS, async () => {
    const server = await startServer({ sealCloseTimeoutMs: 400 });
    const { client: host, lobby } = await host4(server);
    const { client: b, id: bId } = await join4(server, lobby, 1, 'b');
    await host.received(3);
    host.json(7, 0);
    await host.received(4);
    await b.received(4);
    expect(host.frames[3]).toBe(json(7, 0));
    expect(b.frames[3]).toBe(json(7, 0));
    expect(server.lobbies()[0]).toMatchObject({ state: 'sealed', sealed: true });
    expect(server.sessions().map((s) => s.state).sort()).toEqual(['sealed', 'sealed']);
    b.json(4, 1, 'after seal');
    await host.received(5);
    expect(host.frames[4]).toBe(json(4, bId, 'after seal'));
    const late = await connect(server, 'late');
    late.json(0, 0, lobby);
    await expectClose(late, 4000, 'Lobby is sealed');
    await expectClose(host, 1000, 'Seal complete');
    await expectClose(b, 1000, 'Seal complete');
    expect(server.lobbies()).toEqual([]);
  });

  it('the host leaving closes every member 4000 Room host has disconnected', OPTIONS, async () => {
    const server = await startServer();
    const { client: host, lobby } = await host4(server);
    const { client: b } = await join4(server, lobby, 1, 'b');
    const { client: c } = await join4(server, lobby, 2, 'c');
    host.socket.close();
    await expectClose(b, 4000, 'Room host has disconnected');
    await expectClose(c, 4000, 'Room host has disconnected');
    expect(b.frames.length).toBe(4);
    expect(server.lobbies()).toEqual([]);
  });

  it('the host leaving a sealed lobby cancels the seal timer', OPTIONS, async () => {
    const server = await startServer({ sealCloseTimeoutMs: 300 });
    const { client: host, lobby } = await host4(server);
    const { client: b } = await join4(server, lobby, 1, 'b');
    host.json(7, 0);
    await b.received(4);
    host.socket.close();
    await expectClose(b, 4000, 'Room host has disconnected');
  });
});

describe('keepalive', () => {
  it('a socket that stops answering pings is terminated, and its peers get PEER_DISCONNECT', OPTIONS, async () => {
    const server = await startServer({ pingIntervalMs: 200 });
    const { client: host, lobby } = await host4(server);
    const mute = await connect(server, 'mute', { autoPong: false });
    mute.json(0, 0, lobby);
    await mute.received(3);
    const muteId = JSON.parse(mute.frames[0]!).id as number;
    await host.until(() => host.frames.includes(json(3, muteId)), 'PEER_DISCONNECT of the mute socket');
    expect((await mute.closed()).code).toBe(1006);
    // The host answered every ping (ws answers by itself) and stays.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(host.closedWith).toBeNull();
    expect(server.sessions().map((s) => s.host)).toEqual([true]);
  });
});

describe('a relay that crosses a departure', () => {
  it('is dropped and counted, the sender stays; a relay to an id never in the lobby still closes Invalid destination', OPTIONS, async () => {
    const server = await startServer();
    const { client: host, lobby } = await host4(server);
    const { client: b, id: bId } = await join4(server, lobby, 1, 'b');
    const { client: c, id: cId } = await join4(server, lobby, 2, 'c');
    b.socket.close();
    await c.until(() => c.frames.includes(json(3, bId)), "b's PEER_DISCONNECT");
    // c's candidate was on its way when b left: server.js would close c for it.
    c.json(6, bId, '\n0\n0\ncandidate:1 1 UDP 1 127.0.0.1 9 typ host');
    c.json(4, 1, 'after');
    await host.until(() => host.frames.includes(json(4, cId, 'after')), "c's relay after the dropped one");
    const view = server.sessions().find((s) => s.id === cId)!;
    expect(view.relayed).toMatchObject({ candidate: 0, offer: 1, dropped: 1 });
    expect(c.closedWith).toBeNull();
    c.json(4, 77, 'v=0');
    await expectClose(c, 4000, 'Invalid destination');
    expect(host.closedWith).toBeNull();
  });
});

describe('a slow reader', () => {
  it('past maxBufferedBytes unsent it is closed; the lobby goes on, and the flooder’s frames still in flight to it are dropped, not refused', OPTIONS, async () => {
    const server = await startServer({ maxBufferedBytes: 256 * 1024 });
    const { client: host, lobby } = await host4(server);
    const { client: reader, id: readerId } = await join4(server, lobby, 1, 'reader');
    const { client: flooder } = await join4(server, lobby, 2, 'flooder');
    const { client: c, id: cId } = await join4(server, lobby, 3, 'c');
    await host.received(5);
    reader.socket.pause();
    const data = 'z'.repeat(60_000);
    // 42 MB in all: more than the kernel's loopback buffers and the server's bound.
    for (let i = 0; i < 700; i++) flooder.json(4, readerId, data);
    await host.until(() => host.frames.includes(json(3, readerId)), "the reader's PEER_DISCONNECT", 30_000);
    await c.until(() => c.frames.includes(json(3, readerId)), "the reader's PEER_DISCONNECT", 30_000);
    const flooderId = JSON.parse(flooder.frames[0]!).id as number;
    await host.until(() => (server.sessions().find((s) => s.id === flooderId)?.relayed.dropped ?? 0) > 0, 'relays to the departed reader dropped');
    expect(flooder.closedWith).toBeNull();
    host.json(4, cId, 'after');
    await c.until(() => c.frames.includes(json(4, 1, 'after')), 'a relay after the overflow');
    expect(host.closedWith).toBeNull();
    const cut = server.sessions().find((s) => s.id === readerId);
    expect(cut === undefined || cut.state === 'closed').toBe(true);
    reader.socket.resume();
    const closed = await reader.closed(40_000);
    expect(closed).toEqual({ code: 4000, reason: 'Too slow reading, disconnecting' });
    // What it read before the cut is bounded by the server's buffer and the kernel's, far below what was sent.
    expect(reader.frames.length).toBeLessThan(700);
  });
});
