/** SignalingClient without WebRTC traffic: the offer rule, its options, how join() fails, listeners that throw. */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { GodotError, WebRTCPeerConnection, setLogger, type LogEntry } from '../../src/index.js';
import { CloseReason, decodeFrame, encodeFrame, MessageType, type SignalMessage } from '../../src/signaling/frames.js';
import { decodeClientTextFrame, encodeTextFrame, toJsonMessage, toTextMessage } from '../../src/signaling/text-frames.js';
import { parseCandidatePayload } from '../../src/signaling/protocol.js';
import { SignalingClient, offersTo } from '../../src/signaling/client.js';
import { peer } from '../support/loopback.js';
import { Chat, client, next, server, until } from './client-support.js';

const logged: LogEntry[] = [];
setLogger((entry) => logged.push(entry));
afterEach(() => {
  logged.length = 0;
});

/** A port nothing listens on: bound, then released. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** A bare ws server on 127.0.0.1 that runs `onSocket` for each connection; closed by the caller. */
async function bareServer(onSocket: (socket: import('ws').WebSocket) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  wss.on('connection', onSocket);
  const { port } = wss.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of wss.clients) socket.terminate();
        wss.close(() => resolve());
      }),
  };
}

describe('the offer rule', () => {
  it('4.x: the higher id offers, the host (1) never does', () => {
    expect(offersTo(4, 5, 1)).toBe(true);
    expect(offersTo(4, 1, 5)).toBe(false);
    expect(offersTo(4, 9, 5)).toBe(true);
    expect(offersTo(4, 5, 9)).toBe(false);
    for (const member of [2, 77, 2 ** 31 - 1]) expect(offersTo(4, 1, member)).toBe(false);
  });

  it('3.x: the lower id offers, the host offers to everyone', () => {
    expect(offersTo(3, 1, 5)).toBe(true);
    expect(offersTo(3, 5, 1)).toBe(false);
    expect(offersTo(3, 5, 9)).toBe(true);
    expect(offersTo(3, 9, 5)).toBe(false);
    for (const member of [2, 77, 2 ** 31 - 1]) expect(offersTo(3, 1, member)).toBe(true);
  });

  it('exactly one side of any pair offers, in either version', () => {
    for (const protocol of [3, 4] as const) {
      for (const [a, b] of [[1, 2], [1, 2 ** 31 - 1], [40, 41], [1000, 7]]) {
        expect(offersTo(protocol, a!, b!) !== offersTo(protocol, b!, a!)).toBe(true);
      }
    }
  });
});

describe('options', () => {
  const bad: Array<[string, unknown]> = [
    ['no url', {}],
    ['an http url', { url: 'http://127.0.0.1:9080' }],
    ['a url that is not one', { url: 'not a url' }],
    ['a lobby that is not a string', { url: 'ws://127.0.0.1:1', lobby: 5 }],
    ['a lobby with a line break', { url: 'ws://127.0.0.1:1', lobby: 'a\nb' }],
    ['protocol 5', { url: 'ws://127.0.0.1:1', protocol: 5 }],
    ['a 3.x client/server lobby', { url: 'ws://127.0.0.1:1', protocol: 3, mesh: false }],
    ['a negative join timeout', { url: 'ws://127.0.0.1:1', joinTimeoutMs: -1 }],
    ['a bad configuration', { url: 'ws://127.0.0.1:1', configuration: { iceServers: [{ urls: 'http://x' }] } }],
    ['options that are not an object', 'ws://127.0.0.1:1'],
  ];
  for (const [what, options] of bad) {
    it(`${what}: join() gives ERR_INVALID_PARAMETER and a log line, nothing is opened`, async () => {
      const c = new SignalingClient(options as never);
      expect(logged.some((entry) => entry.level === 'error' && entry.message.includes('new SignalingClient'))).toBe(true);
      expect(await c.join()).toBe(GodotError.ERR_INVALID_PARAMETER);
      expect(c.state).toBe('new');
      expect(c.closeInfo).toBeNull();
    });
  }
});

describe('join() failures', { timeout: 60_000 }, () => {
  it('no server: ERR_CANT_CONNECT, and closed says the socket never opened (1006)', async () => {
    const c = client({ url: `ws://127.0.0.1:${await freePort()}` });
    const closed = next(c, 'closed');
    expect(await c.join()).toBe(GodotError.ERR_CANT_CONNECT);
    expect(await closed).toEqual([{ code: 1006, reason: '' }]);
    expect(c.state).toBe('closed');
    expect(c.id).toBeNull();
  });

  it('a server that never answers: ERR_TIMEOUT after joinTimeoutMs, and the socket is closed', async () => {
    const frames: string[] = [];
    const silent = await bareServer((socket) => socket.on('message', (data) => frames.push(data.toString())));
    try {
      const c = client({ url: silent.url, joinTimeoutMs: 300 });
      const closed = next(c, 'closed');
      expect(await c.join()).toBe(GodotError.ERR_TIMEOUT);
      expect((await closed)[0]).toMatchObject({ code: 1000 });
      expect(frames).toEqual([encodeFrame({ type: MessageType.JOIN, id: 0, data: '' })]);
    } finally {
      await silent.close();
    }
  });

  it('joining a lobby that does not exist: ERR_CONNECTION_ERROR, closeInfo 4000 "Lobby does not exists"', async () => {
    const s = await server();
    const c = client({ url: s.url, lobby: 'NoSuchLobby' });
    const closed = next(c, 'closed');
    expect(await c.join()).toBe(GodotError.ERR_CONNECTION_ERROR);
    expect(c.closeInfo).toEqual({ code: 4000, reason: CloseReason.LOBBY_DOES_NOT_EXISTS });
    expect(await closed).toEqual([{ code: 4000, reason: CloseReason.LOBBY_DOES_NOT_EXISTS }]);
  });

  it('join() while joining is ERR_BUSY, once joined ERR_ALREADY_IN_USE, once closed ERR_UNAVAILABLE; seal() only for a joined host', async () => {
    const s = await server();
    const host = client({ url: s.url });
    expect(host.seal()).toBe(GodotError.ERR_UNCONFIGURED);
    const joining = host.join();
    expect(await host.join()).toBe(GodotError.ERR_BUSY);
    expect(await joining).toBe(GodotError.OK);
    expect(host.id).toBe(1);
    expect(host.host).toBe(true);
    expect(host.lobby).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(await host.join()).toBe(GodotError.ERR_ALREADY_IN_USE);

    const member = client({ url: s.url, lobby: host.lobby });
    expect(await member.join()).toBe(GodotError.OK);
    expect(member.host).toBe(false);
    expect(member.mesh).toBe(true);
    expect(member.seal()).toBe(GodotError.ERR_UNAUTHORIZED);

    const closed = next(member, 'closed');
    member.close();
    expect((await closed)[0]).toMatchObject({ code: 1000 });
    expect(await member.join()).toBe(GodotError.ERR_UNAVAILABLE);
  });

  it('a client/server lobby: the ID says so, whatever a joiner asked', async () => {
    const s = await server();
    const host = client({ url: s.url, mesh: false });
    expect(await host.join()).toBe(GodotError.OK);
    expect(host.mesh).toBe(false);
    const member = client({ url: s.url, lobby: host.lobby, mesh: true });
    const joined = next(member, 'joined');
    expect(await member.join()).toBe(GodotError.OK);
    expect(member.mesh).toBe(false);
    expect(await joined).toEqual([host.lobby, member.id, false]);
  });
});

describe('what a client writes and what it ignores, against a scripted server', { timeout: 60_000 }, () => {
  const SECRET = 'SECRET-7f3a';
  for (const protocol of [4, 3] as const) {
    it(`${protocol}.x: its frames are the demo's, a host connection made by hand links up through them; unknown, unreadable and refused relays are counted, never thrown`, async () => {
      const encode = (message: SignalMessage) => (protocol === 4 ? encodeFrame(message) : encodeTextFrame(toTextMessage(message)!));
      const decodeFromClient = (text: string): SignalMessage | null => {
        if (protocol === 4) {
          const decoded = decodeFrame(text);
          return decoded.ok ? decoded.message : null;
        }
        const decoded = decodeClientTextFrame(text);
        return decoded.ok ? toJsonMessage(decoded.message) : null;
      };
      // The host (id 1) is a connection of this test's own, wired to the scripted socket.
      const hostPc = peer({ dispatch: 'events' });
      const hostChannel = hostPc.create_data_channel('chat', { negotiated: true, id: 1 })!;
      const raw: string[] = [];
      const frames: SignalMessage[] = [];
      let socket: import('ws').WebSocket | null = null;
      const toClient = (message: SignalMessage) => socket!.send(encode(message));
      hostPc.session_description_created.connect((type, sdp) => {
        hostPc.set_local_description(type, sdp);
        toClient({ type: type === 'offer' ? MessageType.OFFER : MessageType.ANSWER, id: 1, data: sdp });
      });
      hostPc.ice_candidate_created.connect((mid, index, name) => toClient({ type: MessageType.CANDIDATE, id: 1, data: `\n${mid}\n${index}\n${name}` }));
      const scripted = await bareServer((s) => {
        socket = s;
        s.on('message', (data, isBinary) => {
          expect(isBinary).toBe(false);
          raw.push(data.toString());
          const message = decodeFromClient(data.toString());
          if (message === null) return;
          frames.push(message);
          if (message.type === MessageType.JOIN) {
            toClient({ type: MessageType.ID, id: 5, data: 'true' });
            toClient({ type: MessageType.PEER_CONNECT, id: 1, data: '' });
            toClient({ type: MessageType.JOIN, id: 0, data: 'Scripted' });
            // 3.x: the lower id (the host) offers.
            if (protocol === 3) hostPc.create_offer();
          } else if (message.type === MessageType.OFFER || message.type === MessageType.ANSWER) {
            hostPc.set_remote_description(message.type === MessageType.OFFER ? 'offer' : 'answer', message.data);
          } else if (message.type === MessageType.CANDIDATE) {
            const parts = parseCandidatePayload(message.data);
            if (parts.ok) hostPc.add_ice_candidate(parts.value.mid, parts.value.index, parts.value.candidate);
          }
        });
      });
      try {
        const c = client({ url: scripted.url, protocol });
        const chat = new Chat(c);
        expect(await c.join()).toBe(GodotError.OK);
        expect(raw[0]).toBe(protocol === 4 ? '{"type":0,"id":0,"data":""}' : 'J: \n');
        expect([c.id, c.lobby, c.mesh, c.host]).toEqual([5, 'Scripted', true, false]);
        expect([...c.peers.keys()]).toEqual([1]);
        expect(await chat.send(1, 'through the scripted server')).toBe(GodotError.OK);
        expect(await hostChannel.receive({ timeout: 20_000 }).then((bytes) => bytes && new TextDecoder().decode(bytes))).toBe('through the scripted server');

        // 4.x: the higher id (5) offered; 3.x: it answered. Every relay went to the host, candidates as the demo writes them.
        const relaysSent = frames.filter((f) => f.type !== MessageType.JOIN);
        expect(relaysSent.filter((f) => f.type === MessageType.OFFER).length).toBe(protocol === 4 ? 1 : 0);
        expect(relaysSent.filter((f) => f.type === MessageType.ANSWER).length).toBe(protocol === 4 ? 0 : 1);
        expect(relaysSent.every((f) => f.id === 1)).toBe(true);
        const candidates = relaysSent.filter((f) => f.type === MessageType.CANDIDATE);
        expect(candidates.length).toBeGreaterThan(0);
        for (const candidate of candidates) expect(candidate.data).toMatch(/^\n[^\n]+\n\d+\n(a=)?candidate:[^\n]+$/);
        if (protocol === 3) expect(raw.filter((frame) => frame.startsWith('C: 1\n\n')).length).toBe(candidates.length);

        const relays = c.relays;
        toClient({ type: MessageType.OFFER, id: 99, data: `v=0 ${SECRET}` });
        toClient({ type: MessageType.CANDIDATE, id: 1, data: `no candidate here ${SECRET}` });
        toClient({ type: MessageType.ANSWER, id: 1, data: `not an answer ${SECRET}` });
        socket!.send('{"type":"nonsense"');
        socket!.send(Buffer.from('binary'), { binary: true });
        toClient({ type: MessageType.ID, id: 7, data: 'true' });
        await until(() => c.relays.ignored + c.relays.refused === relays.ignored + relays.refused + 3, 'the relays counted');
        expect(c.relays).toEqual({ ignored: relays.ignored + 1, refused: relays.refused + 2 });
        expect(c.id).toBe(5);
        expect(c.peers.get(1)!.get_connection_state()).toBe(WebRTCPeerConnection.STATE_CONNECTED);

        const pc = c.peers.get(1)!;
        const left = next(c, 'peer_disconnected');
        toClient({ type: MessageType.PEER_DISCONNECT, id: 1, data: '' });
        expect(await left).toEqual([1]);
        expect(c.peers.size).toBe(0);
        expect(pc.get_connection_state()).toBe(WebRTCPeerConnection.STATE_CLOSED);
        const closed = next(c, 'closed');
        socket!.close(4000, 'Scripted end');
        expect(await closed).toEqual([{ code: 4000, reason: 'Scripted end' }]);
        for (const reason of ['from 99, which it has no connection with, ignored', 'CANDIDATE from 1 ignored', 'ANSWER from 1 refused by', 'a server frame ignored', 'a second ID']) {
          expect(logged.some((entry) => entry.message.includes(reason))).toBe(true);
        }
        expect(logged.some((entry) => entry.message.includes(SECRET))).toBe(false);
      } finally {
        await scripted.close();
      }
    });
  }
});

describe('listeners that throw', { timeout: 60_000 }, () => {
  it('are logged, the others still run, and the client goes on', async () => {
    const s = await server();
    const host = client({ url: s.url });
    const seen: string[] = [];
    host.on('joined', () => {
      throw new Error('joined listener');
    });
    host.on('joined', () => seen.push('joined'));
    host.on('peer_added', () => {
      throw new Error('peer_added listener');
    });
    host.on('peer_added', (id) => seen.push(`peer_added ${id}`));
    const hostChat = new Chat(host);
    host.on('closed', () => {
      throw new Error('closed listener');
    });
    expect(await host.join()).toBe(GodotError.OK);

    const member = client({ url: s.url, lobby: host.lobby });
    member.on('peer_added', () => {
      throw new Error('member peer_added listener');
    });
    const memberChat = new Chat(member);
    member.on('peer_connected', () => {
      throw new Error('peer_connected listener');
    });
    expect(await member.join()).toBe(GodotError.OK);
    await until(() => seen.includes(`peer_added ${member.id}`), 'the host sees the member');
    // The connection still comes up and carries data: the throws changed nothing.
    expect(await memberChat.send(1, 'after the throws')).toBe(GodotError.OK);
    await until(() => hostChat.received.get(member.id!)?.[0] === 'after the throws', 'the message reached the host');
    await until(() => logged.some((entry) => entry.source === 'listener' && (entry.error as Error).message === 'peer_connected listener'), 'peer_connected emitted');

    const closed = next(host, 'closed');
    host.close();
    await closed;
    const thrown = logged.filter((entry) => entry.source === 'listener').map((entry) => (entry.error as Error).message);
    expect(thrown).toEqual(expect.arrayContaining(['joined listener', 'peer_added listener', 'member peer_added listener', 'peer_connected listener', 'closed listener']));
    expect(seen).toEqual(['joined', `peer_added ${member.id}`]);
  });

  it('a listener that is not a function is refused with a log line', () => {
    const c = new SignalingClient({ url: 'ws://127.0.0.1:1' });
    c.on('joined', 'not a function' as never);
    expect(logged.some((entry) => entry.message.includes('needs a function'))).toBe(true);
  });
});
