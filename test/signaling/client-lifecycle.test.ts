/**
 * How a SignalingClient's WebRTC connections end: PEER_DISCONNECT closes one, the host leaving
 * closes them all, and after SEAL they outlive the socket (the server's 1000 `Seal complete`).
 * Real server, real libdatachannel connections on 127.0.0.1.
 */
import { describe, expect, it } from 'vitest';
import { GodotError, WebRTCPeerConnection } from '../../src/index.js';
import { CloseReason } from '../../src/signaling/frames.js';
import type { SignalingClient, SignalingClientOptions } from '../../src/signaling/client.js';
import { Chat, allConnected, client, next, server, until } from './client-support.js';

/** A host and `members` members, every link connected, each client with its chat and the ids it saw leave. */
async function connectedLobby(url: string, options: Partial<SignalingClientOptions>, members: number) {
  const peers: SignalingClient[] = [];
  const chats = new Map<SignalingClient, Chat>();
  const left = new Map<SignalingClient, number[]>();
  for (let i = 0; i <= members; i++) {
    const c = client({ url, ...options, lobby: i === 0 ? '' : peers[0]!.lobby });
    chats.set(c, new Chat(c));
    left.set(c, []);
    c.on('peer_disconnected', (id) => left.get(c)!.push(id));
    expect(await c.join()).toBe(GodotError.OK);
    peers.push(c);
  }
  await until(() => allConnected(peers, members), 'every link connected');
  return { host: peers[0]!, members: peers.slice(1), peers, chats, left };
}

const closedState = (pc: WebRTCPeerConnection) => pc.get_connection_state() === WebRTCPeerConnection.STATE_CLOSED;

describe('SignalingClient lifecycle', { timeout: 60_000 }, () => {
  it('a member leaving: the others get PEER_DISCONNECT, close its connection and drop it; its own connections close', async () => {
    const s = await server();
    const { host, members, left } = await connectedLobby(s.url, {}, 2);
    const [a, b] = members as [SignalingClient, SignalingClient];
    const toB = [host.peers.get(b.id!)!, a.peers.get(b.id!)!];
    const ownConnections = [...b.peers.values()];
    const closed = next(b, 'closed');
    b.close();
    expect((await closed)[0]).toMatchObject({ code: 1000 });
    expect(b.peers.size).toBe(0);
    expect(ownConnections.every(closedState)).toBe(true);
    expect(left.get(b)!.sort()).toEqual([1, a.id!].sort());
    await until(() => !host.peers.has(b.id!) && !a.peers.has(b.id!), 'the others dropped the member');
    expect(left.get(host)).toEqual([b.id]);
    expect(left.get(a)).toEqual([b.id]);
    expect(toB.every(closedState)).toBe(true);
    // The link between the two that stayed is untouched.
    expect(host.peers.get(a.id!)!.get_connection_state()).toBe(WebRTCPeerConnection.STATE_CONNECTED);
  });

  it('the host leaving before a seal: members are closed 4000 "Room host has disconnected" and close every connection', async () => {
    const s = await server();
    const { host, members, left } = await connectedLobby(s.url, {}, 2);
    const connections = members.flatMap((m) => [...m.peers.values()]);
    const closings = members.map((m) => next(m, 'closed'));
    host.close();
    for (const closing of closings) expect(await closing).toEqual([{ code: 4000, reason: CloseReason.HOST_DISCONNECTED }]);
    for (const m of members) {
      expect(m.peers.size).toBe(0);
      expect(left.get(m)!.length).toBe(2);
      expect(m.closeInfo).toEqual({ code: 4000, reason: CloseReason.HOST_DISCONNECTED });
    }
    expect(connections.every(closedState)).toBe(true);
  });

  for (const protocol of [4, 3] as const) {
    it(`${protocol}.x seal: every socket closes 1000 "Seal complete", and the WebRTC links still carry data`, async () => {
      const s = await server({ sealCloseTimeoutMs: 1500 });
      const { host, members, peers, chats, left } = await connectedLobby(s.url, { protocol }, 2);
      const sealed = peers.map((c) => next(c, 'sealed'));
      const closed = peers.map((c) => next(c, 'closed'));
      expect(host.seal()).toBe(GodotError.OK);
      expect(host.seal()).toBe(GodotError.ERR_ALREADY_IN_USE);
      await Promise.all(sealed);
      expect(peers.every((c) => c.sealed)).toBe(true);

      // Sealed: nobody else may join.
      const late = client({ url: s.url, protocol, lobby: host.lobby });
      expect(await late.join()).toBe(GodotError.ERR_CONNECTION_ERROR);
      expect(late.closeInfo).toEqual({ code: 4000, reason: CloseReason.LOBBY_IS_SEALED });

      for (const closing of closed) expect(await closing).toEqual([{ code: 1000, reason: CloseReason.SEAL_COMPLETE }]);
      expect(peers.every((c) => c.state === 'closed')).toBe(true);
      expect(allConnected(peers, 2)).toBe(true);
      expect(peers.every((c) => left.get(c)!.length === 0)).toBe(true);
      for (const from of peers) {
        for (const to of from.peers.keys()) expect(await chats.get(from)!.send(to, `sealed ${from.id}->${to}`)).toBe(GodotError.OK);
      }
      await until(
        () => peers.every((to) => [...to.peers.keys()].every((from) => chats.get(to)!.received.get(from)!.includes(`sealed ${from}->${to.id}`))),
        'every message after the seal arrived',
      );

      // With no server left to say so, a link that ends is seen by its own connection.
      const [a] = members as [SignalingClient];
      a.peers.get(1)!.close();
      await until(() => !host.peers.has(a.id!), 'the host dropped the member whose link ended');
      expect(left.get(host)).toEqual([a.id]);
      expect(left.get(a)).toEqual([1]);
    });
  }

  it('the host closing after a seal: closed once, members closed 4000 "Room host has disconnected", every link stays and carries data', async () => {
    const s = await server({ sealCloseTimeoutMs: 10_000 });
    const { host, members, peers, chats, left } = await connectedLobby(s.url, {}, 2);
    const sealed = peers.map((c) => next(c, 'sealed'));
    expect(host.seal()).toBe(GodotError.OK);
    await Promise.all(sealed);
    const closes: unknown[] = [];
    host.on('closed', (info) => closes.push(info));
    const closed = peers.map((c) => next(c, 'closed'));
    host.close();
    host.close();
    expect((await closed[0]!)[0]).toMatchObject({ code: 1000 });
    for (const closing of closed.slice(1)) expect(await closing).toEqual([{ code: 4000, reason: CloseReason.HOST_DISCONNECTED }]);
    expect(closes).toEqual([{ code: 1000, reason: '' }]);
    expect(allConnected(peers, 2)).toBe(true);
    expect(peers.every((c) => left.get(c)!.length === 0)).toBe(true);
    for (const m of members) expect(await chats.get(m)!.send(1, `still here ${m.id}`)).toBe(GodotError.OK);
    expect(await chats.get(host)!.send(members[0]!.id!, 'host still here')).toBe(GodotError.OK);
    await until(
      () => members.every((m) => chats.get(host)!.received.get(m.id!)!.includes(`still here ${m.id}`)) && chats.get(members[0]!)!.received.get(1)!.includes('host still here'),
      'the messages after the close arrived',
    );
  });
});
