/**
 * SignalingClients in real lobbies of our SignalingServer, over real libdatachannel connections on
 * 127.0.0.1: a 4.x mesh, a 4.x client/server lobby and a 3.x mesh, four peers each, every link
 * carrying data both ways, each version's offer rule seen in the connections' own records.
 */
import { describe, expect, it } from 'vitest';
import { GodotError, WebRTCPeerConnection } from '../../src/index.js';
import type { SignalingClient, SignalingClientOptions } from '../../src/signaling/client.js';
import { Chat, allConnected, client, server, until } from './client-support.js';

/** Whether this connection created the offer (its signaling machine took create_offer). */
function offered(pc: WebRTCPeerConnection): boolean {
  return pc.get_records().some((record) => record.kind === 'transition' && record.machine === 'signaling' && record.event === 'create_offer');
}

/** A host and `members` members of its lobby, joined one after the other, each with its chat. */
async function lobby(url: string, options: Partial<SignalingClientOptions>, members: number) {
  const host = client({ url, ...options });
  const chats = new Map<SignalingClient, Chat>([[host, new Chat(host)]]);
  expect(await host.join()).toBe(GodotError.OK);
  const peers = [host];
  for (let i = 0; i < members; i++) {
    const member = client({ url, ...options, lobby: host.lobby });
    chats.set(member, new Chat(member));
    expect(await member.join()).toBe(GodotError.OK);
    peers.push(member);
  }
  return { host, peers, chats };
}

/** Every client sends one message to each of its peers, and each arrives. */
async function everyLinkCarries(peers: SignalingClient[], chats: Map<SignalingClient, Chat>): Promise<number> {
  let sent = 0;
  for (const from of peers) {
    for (const to of from.peers.keys()) {
      expect(await chats.get(from)!.send(to, `${from.id}->${to}`)).toBe(GodotError.OK);
      sent++;
    }
  }
  await until(
    () => peers.every((to) => [...to.peers.keys()].every((from) => chats.get(to)!.received.get(from)!.includes(`${from}->${to.id}`))),
    'every message arrived',
  );
  return sent;
}

describe('SignalingClient in a lobby', { timeout: 60_000 }, () => {
  it('4.x mesh: a host and 3 members, 6 links, the higher id offers, data both ways on each', async () => {
    const s = await server();
    const { host, peers, chats } = await lobby(s.url, {}, 3);
    await until(() => allConnected(peers, 3), 'every pair connected');
    const ids = peers.map((c) => c.id!);
    expect(new Set(ids).size).toBe(4);
    for (const c of peers) {
      expect([...c.peers.keys()].sort()).toEqual(ids.filter((id) => id !== c.id).sort());
      for (const [peerId, pc] of c.peers) expect(offered(pc)).toBe(peerId < c.id!);
    }
    expect([...host.peers.values()].some(offered)).toBe(false);
    expect(await everyLinkCarries(peers, chats)).toBe(12);
    expect(s.lobbies()).toMatchObject([{ lobby: host.lobby, mesh: true, members: expect.arrayContaining(ids) }]);
    for (const c of peers) expect(c.relays).toEqual({ ignored: 0, refused: 0 });
  });

  it('4.x client/server: 3 clients each connect to the host only, data both ways', async () => {
    const s = await server();
    const { host, peers, chats } = await lobby(s.url, { mesh: false }, 3);
    const clients = peers.slice(1);
    await until(() => allConnected([host], 3) && allConnected(clients, 1), 'every client connected to the host');
    for (const c of clients) {
      expect(c.mesh).toBe(false);
      expect([...c.peers.keys()]).toEqual([1]);
      expect(offered(c.peers.get(1)!)).toBe(true);
    }
    expect([...host.peers.keys()].sort()).toEqual(clients.map((c) => c.id!).sort());
    expect([...host.peers.values()].some(offered)).toBe(false);
    expect(await everyLinkCarries(peers, chats)).toBe(6);
  });

  it('3.x mesh: text frames, the lower id offers (the host to everyone), data both ways on each link', async () => {
    const s = await server();
    const { host, peers, chats } = await lobby(s.url, { protocol: 3 }, 3);
    await until(() => allConnected(peers, 3), 'every pair connected');
    expect(s.sessions().map((session) => session.protocol)).toEqual([3, 3, 3, 3]);
    for (const c of peers) {
      expect(c.mesh).toBe(true);
      for (const [peerId, pc] of c.peers) expect(offered(pc)).toBe(peerId > c.id!);
    }
    expect([...host.peers.values()].every(offered)).toBe(true);
    expect(await everyLinkCarries(peers, chats)).toBe(12);
  });
});
