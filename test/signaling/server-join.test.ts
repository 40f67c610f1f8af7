import { describe, expect, it } from 'vitest';
import { MAX_PEER_ID } from '../../src/signaling/frames.js';
import { connect, host4, join4, json, startServer } from './server-support.js';

const OPTIONS = { timeout: 60_000 };
const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n"quoted" \\ back\u00e9';
const CANDIDATE = '\n0\n0\ncandidate:1 1 UDP 2122317823 127.0.0.1 50412 typ host';

describe('the signaling server: joins in 4.x JSON frames', () => {
  it('creates a lobby: ID(1, "true") then JOIN(name), 16 ALFNUM characters', OPTIONS, async () => {
    const server = await startServer();
    const a = await connect(server, 'a');
    a.json(0, 0, '');
    const [id, join] = await a.received(2);
    expect(id).toBe('{"type":1,"id":1,"data":"true"}');
    expect(join).toMatch(/^\{"type":0,"id":0,"data":"[A-Za-z0-9]{16}"\}$/);
    expect(server.lobbies()).toMatchObject([{ state: 'open', mesh: true, protocol: 4, members: [1], sealed: false }]);
  });

  it('a client/server lobby: ID(1, "")', OPTIONS, async () => {
    const server = await startServer();
    const a = await connect(server, 'a');
    a.json(0, 1, '');
    expect((await a.received(1))[0]).toBe('{"type":1,"id":1,"data":""}');
  });

  it('orders ID → PEER_CONNECTs → JOIN, each member told in turn as server.js interleaves them', OPTIONS, async () => {
    const server = await startServer();
    const { client: a, lobby } = await host4(server);
    const { client: b, id: bId } = await join4(server, lobby, 1, 'b');
    expect(b.frames).toEqual([json(1, bId, 'true'), json(2, 1), json(0, 0, lobby)]);
    await a.received(3);
    expect(a.frames[2]).toBe(json(2, bId));
    const { client: c, id: cId } = await join4(server, lobby, 2, 'c');
    expect(c.frames).toEqual([json(1, cId, 'true'), json(2, 1), json(2, bId), json(0, 0, lobby)]);
    await a.received(4);
    await b.received(4);
    expect(a.frames[3]).toBe(json(2, cId));
    expect(b.frames[3]).toBe(json(2, cId));
    expect(server.lobbies()[0]!.members).toEqual([1, bId, cId]);
  });

  it('draws ids in 2..2^31−1, unique, and numbers go out as JSON numbers', OPTIONS, async () => {
    const server = await startServer();
    const { lobby } = await host4(server);
    const ids = new Set<number>();
    for (let i = 0; i < 8; i++) {
      const { client, id } = await join4(server, lobby, i + 1, `m${i}`);
      expect(client.frames[0]).toMatch(/^\{"type":1,"id":\d+,"data":"true"\}$/);
      expect(Number.isInteger(id) && id >= 2 && id <= MAX_PEER_ID).toBe(true);
      ids.add(id);
    }
    expect(ids.size).toBe(8);
    expect(new Set(server.sessions().map((s) => s.id)).size).toBe(9);
  });

  it('in a client/server lobby a client sees only the host, the host sees every client', OPTIONS, async () => {
    const server = await startServer();
    const { client: host, lobby } = await host4(server, false);
    const { client: b, id: bId } = await join4(server, lobby, 1, 'b');
    const { client: c, id: cId } = await join4(server, lobby, 1, 'c');
    expect(b.frames).toEqual([json(1, bId, ''), json(2, 1), json(0, 0, lobby)]);
    expect(c.frames).toEqual([json(1, cId, ''), json(2, 1), json(0, 0, lobby)]);
    await host.received(4);
    expect(host.frames.slice(2)).toEqual([json(2, bId), json(2, cId)]);
    // A client relaying to another client: Invalid destination.
    c.json(4, bId, 'v=0');
    expect(await c.closed()).toEqual({ code: 4000, reason: 'Invalid destination' });
    // c leaving: only the host hears of it.
    await host.received(5);
    expect(host.frames[4]).toBe(json(3, cId));
    expect(b.frames.length).toBe(3);
  });
});

describe('the signaling server: relays', () => {
  it('4.x: OFFER, ANSWER, CANDIDATE with the sender id (1 for the host) and the data verbatim; counted per session', OPTIONS, async () => {
    const server = await startServer();
    const { client: a, lobby } = await host4(server);
    const { client: b, id: bId } = await join4(server, lobby, 1, 'b');
    await a.received(3);
    b.json(4, 1, SDP);
    await a.received(4);
    expect(a.frames[3]).toBe(JSON.stringify({ type: 4, id: bId, data: SDP }));
    a.json(5, bId, SDP);
    a.json(6, bId, CANDIDATE);
    await b.received(5);
    expect(b.frames.slice(3)).toEqual([JSON.stringify({ type: 5, id: 1, data: SDP }), JSON.stringify({ type: 6, id: 1, data: CANDIDATE })]);
    const views = new Map(server.sessions().map((s) => [s.host ? 'a' : 'b', s]));
    expect(views.get('b')!.relayed).toMatchObject({ offer: 1, answer: 0, candidate: 0 });
    expect(views.get('a')!.relayed).toMatchObject({ offer: 0, answer: 1, candidate: 1 });
    expect(views.get('b')!.relayed.bytes).toBe(Buffer.byteLength(JSON.stringify({ type: 4, id: 1, data: SDP })));
  });

  it('3.x text: the same relays in the text framing, and a 3.x lobby is a mesh', OPTIONS, async () => {
    const server = await startServer();
    const a = await connect(server, 'a');
    a.send('J: \n');
    const [id, join] = await a.received(2);
    expect(id).toBe('I: 1\n');
    const lobby = join!.match(/^J: ([A-Za-z0-9]{16})\n$/)![1]!;
    const b = await connect(server, 'b');
    b.send(`J: ${lobby}\n`);
    const frames = await b.received(3);
    const bId = Number(frames[0]!.match(/^I: (\d+)\n$/)![1]);
    expect(frames).toEqual([`I: ${bId}\n`, 'N: 1\n', `J: ${lobby}\n`]);
    await a.received(3);
    expect(a.frames[2]).toBe(`N: ${bId}\n`);
    b.send(`O: 1\n${SDP}`);
    await a.received(4);
    expect(a.frames[3]).toBe(`O: ${bId}\n${SDP}`);
    a.send(`A: ${bId}\n${SDP}`);
    a.send(`C: ${bId}\n${CANDIDATE}`);
    await b.received(5);
    expect(b.frames.slice(3)).toEqual([`A: 1\n${SDP}`, `C: 1\n${CANDIDATE}`]);
    expect(server.lobbies()[0]).toMatchObject({ protocol: 3, mesh: true });
    b.socket.close();
    await a.received(5);
    expect(a.frames[4]).toBe(`D: ${bId}\n`);
  });
});

describe('the server wire templates', () => {
  it('write what encodeFrame and encodeTextFrame write, byte for byte', async () => {
    const { JSON_WIRE, TEXT_WIRE } = await import('../../src/signaling/wire.js');
    const { encodeFrame } = await import('../../src/signaling/frames.js');
    const { encodeTextFrame } = await import('../../src/signaling/text-frames.js');
    const datas = ['', SDP, CANDIDATE, '\u0000\u001f\u2028\ud800"\\/', 'x'.repeat(1000)];
    for (const id of [1, 2, 1234567, 2 ** 31 - 1]) {
      expect(JSON_WIRE.id(id, true)).toBe(encodeFrame({ type: 1, id, data: 'true' }));
      expect(JSON_WIRE.id(id, false)).toBe(encodeFrame({ type: 1, id, data: '' }));
      expect(JSON_WIRE.peerConnect(id)).toBe(encodeFrame({ type: 2, id }));
      expect(JSON_WIRE.peerDisconnect(id)).toBe(encodeFrame({ type: 3, id }));
      expect(TEXT_WIRE.id(id, true)).toBe(encodeTextFrame({ command: 'I', id }));
      expect(TEXT_WIRE.peerConnect(id)).toBe(encodeTextFrame({ command: 'N', id }));
      expect(TEXT_WIRE.peerDisconnect(id)).toBe(encodeTextFrame({ command: 'D', id }));
      for (const data of datas) {
        for (const [type, command] of [[4, 'O'], [5, 'A'], [6, 'C']] as const) {
          expect(JSON_WIRE.relay(type, id, data)).toBe(encodeFrame({ type, id, data }));
          expect(TEXT_WIRE.relay(type, id, data)).toBe(encodeTextFrame({ command, id, payload: data }));
        }
      }
    }
    expect(JSON_WIRE.join('Qx7LmN2pR4sT8vWz')).toBe(encodeFrame({ type: 0, id: 0, data: 'Qx7LmN2pR4sT8vWz' }));
    expect(JSON_WIRE.seal()).toBe(encodeFrame({ type: 7, id: 0 }));
    expect(TEXT_WIRE.join('Qx7LmN2pR4sT8vWz')).toBe(encodeTextFrame({ command: 'J', lobby: 'Qx7LmN2pR4sT8vWz' }));
    expect(TEXT_WIRE.seal()).toBe(encodeTextFrame({ command: 'S' }));
  });

  it('a JOIN of the same lobby twice is refused: Already in a lobby (server.js would list the member twice)', OPTIONS, async () => {
    const server = await startServer();
    const { client: host, lobby } = await host4(server);
    const { client: b, id: bId } = await join4(server, lobby, 1, 'b');
    b.json(0, 0, lobby);
    expect(await b.closed()).toEqual({ code: 4000, reason: 'Already in a lobby' });
    await host.received(4);
    expect(host.frames[3]).toBe(json(3, bId));
    expect(server.lobbies()[0]!.members).toEqual([1]);
  });
});
