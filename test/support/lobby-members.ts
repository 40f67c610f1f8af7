/**
 * What the 3.x and 4.x lobby-peer tests share: servers and lobby peers closed after each test,
 * bounded polling and waiting, a lobby of three joined in turn, packets carried between two
 * members, and the checks both versions make of the same lobby behaviour (offers, refusals, the
 * socket's end, the seal). A member is a lobby peer and its rtc_mp (WebRTCMultiplayer or
 * WebRTCMultiplayerPeer) with the signals it emitted, as `peer_connected(2)`.
 */
import { afterEach, expect } from 'vitest';
import type { ConnectionRecord } from '../../src/index.js';
import { GodotError } from '../../src/godot/constants.js';
import { ConnectionStatus, TransferMode } from '../../src/godot3/constants.js';
import { SignalingServer } from '../../src/signaling/server.js';
import type { SignalingClient } from '../../src/signaling/client.js';
import { pollUntil } from './multiplayer-members.js';

/** What the tests use of WebRTCMultiplayer (3.x) and WebRTCMultiplayerPeer (4.x) alike. */
export interface LobbyMultiplayer {
  poll(): unknown;
  get_connection_status(): number;
  has_peer(id: number): boolean;
  get_peers(): Record<number, { connected: boolean }>;
  get_records(): ConnectionRecord[];
  get_available_packet_count(): number;
  get_packet_peer(): number;
  get_packet(): Uint8Array;
  get_packet_error(): GodotError;
  put_packet(buffer: Uint8Array): GodotError;
  set_target_peer(id: number): GodotError;
  set_transfer_mode(mode: TransferMode): GodotError;
  peer_connected: { connect(listener: (id: number) => void): unknown };
  peer_disconnected: { connect(listener: (id: number) => void): unknown };
}

/** What the tests use of a lobby peer of either version. */
export interface TestLobbyPeer {
  readonly id: number | null;
  readonly lobby: string;
  readonly sealed: boolean;
  readonly signaling: SignalingClient;
  join(): Promise<GodotError>;
  seal(): GodotError;
  close(): void;
}

export interface LobbyMember<M extends LobbyMultiplayer = LobbyMultiplayer> {
  peer: TestLobbyPeer;
  mp: M;
  events: string[];
}

/** Servers on free ports and lobby peers, each closed after the test (the peers first). */
export function lobbyFixtures<P extends { close(): void }>() {
  const servers = new Set<SignalingServer>();
  const made = new Set<P>();
  afterEach(async () => {
    for (const peer of made) peer.close();
    made.clear();
    await Promise.all([...servers].map((s) => s.close()));
    servers.clear();
  });
  return {
    /** A listening server; `sealCloseTimeoutMs` as SignalingServer's default unless told. */
    async server(sealCloseTimeoutMs = 10_000): Promise<SignalingServer> {
      const s = new SignalingServer({ port: 0, sealCloseTimeoutMs });
      servers.add(s);
      expect(await s.listen()).toBe(GodotError.OK);
      return s;
    },
    /** `peer`, closed after the test. */
    track<T extends P>(peer: T): T {
      made.add(peer);
      return peer;
    },
  };
}

/** `mp`'s peer_connected / peer_disconnected, written to the list returned. */
export function peerSignals(mp: LobbyMultiplayer): string[] {
  const events: string[] = [];
  mp.peer_connected.connect((id) => events.push(`peer_connected(${id})`));
  mp.peer_disconnected.connect((id) => events.push(`peer_disconnected(${id})`));
  return events;
}

/** Polls every member's rtc_mp until `done()` holds, as the SceneTree polls; rejects with `what` after `timeoutMs`. */
export function pump(members: readonly LobbyMember[], done: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  return pollUntil(() => members.forEach(({ mp }) => mp.poll()), done, () => what, timeoutMs);
}

/** Waits, without polling anything, until `done()` holds; rejects with `what` after 10 s. */
export function waitFor(done: () => boolean, what: string): Promise<void> {
  return pollUntil(() => {}, done, () => what, 10_000);
}

/** Every packet queued now, as `<sender>:<text>` (bounded). */
export function drain(mp: LobbyMultiplayer, into: string[]): void {
  for (let n = 0; mp.get_available_packet_count() > 0 && n < 100; n++) {
    const from = mp.get_packet_peer();
    const packet = mp.get_packet();
    if (mp.get_packet_error() === GodotError.OK) into.push(`${from}:${new TextDecoder().decode(packet)}`);
  }
}

/** Sends `text` from `from` to `to` (reliable) and waits until `to` read it with `from`'s id. */
export async function carries(all: readonly LobbyMember[], from: LobbyMember, to: LobbyMember, text: string): Promise<void> {
  expect(from.mp.set_transfer_mode(TransferMode.TRANSFER_MODE_RELIABLE)).toBe(GodotError.OK);
  expect(from.mp.set_target_peer(to.peer.id!)).toBe(GodotError.OK);
  expect(from.mp.put_packet(new TextEncoder().encode(text))).toBe(GodotError.OK);
  const got: string[] = [];
  await pump(all, () => (drain(to.mp, got), got.includes(`${from.peer.id}:${text}`)), `${text} from ${from.peer.id} to ${to.peer.id}`);
}

/** A packet each way on every link, with the sender id. */
export async function expectEveryLinkCarries(all: readonly LobbyMember[]): Promise<void> {
  for (const from of all) {
    for (const to of all) if (from !== to) await carries(all, from, to, `hi from ${from.peer.id} to ${to.peer.id}`);
  }
}

/** A broadcast (target 0) from `from` reaches every other member, with `from`'s id. */
export async function expectBroadcastReachesOthers(all: readonly LobbyMember[], from: LobbyMember): Promise<void> {
  expect(from.mp.set_target_peer(0)).toBe(GodotError.OK);
  expect(from.mp.put_packet(new TextEncoder().encode('everyone'))).toBe(GodotError.OK);
  const others = all.filter((member) => member !== from).map((member) => ({ member, got: [] as string[] }));
  const expected = `${from.peer.id}:everyone`;
  const arrived = () => {
    for (const { member, got } of others) drain(member.mp, got);
    return others.every(({ got }) => got.includes(expected));
  };
  await pump(all, arrived, 'the broadcast');
}

export const connectedCount = (mp: LobbyMultiplayer) => Object.values(mp.get_peers()).filter((p) => p.connected).length;

/** `count` members made by `make` and joined in turn: the host (`make('')`) first, then the others in its lobby. */
export async function joinInTurn<T extends { peer: TestLobbyPeer }>(make: (lobby: string) => T, count: number): Promise<T[]> {
  const host = make('');
  expect(await host.peer.join()).toBe(GodotError.OK);
  const members = [host];
  while (members.length < count) {
    const member = make(host.peer.lobby);
    expect(await member.peer.join()).toBe(GodotError.OK);
    members.push(member);
  }
  return members;
}

/** A host and two members joined in turn, polled until each has `links[n]` connected links (a mesh: 2 each). */
export async function lobbyOfThree<T extends LobbyMember>(make: (lobby: string) => T, links = [2, 2, 2]) {
  const all = await joinInTurn(make, 3);
  await pump(all, () => all.every(({ mp }, n) => connectedCount(mp) === links[n]), 'every link connected');
  const [host, m1, m2] = all as [T, T, T];
  return { host, m1, m2, all };
}

/** Whether each connection's signaling machine made the offer: exactly when `offers(own id, other id)` (3.x: the lower id, 4.x: the higher). */
export function expectOffers(members: readonly LobbyMember[], offers: (self: number, other: number) => boolean): void {
  for (const member of members) {
    for (const [peerId, pc] of member.peer.signaling.peers) {
      const offered = pc.get_records().some((r) => r.kind === 'transition' && r.machine === 'signaling' && r.event === 'create_offer');
      expect(offered, `${member.peer.id} → ${peerId}`).toBe(offers(member.peer.id!, peerId));
    }
  }
}

/** The happy path: the version's offers, nothing ignored or refused by the relay, no record but transitions on any rtc_mp or connection. */
export function expectCleanLobby(members: readonly LobbyMember[], offers: (self: number, other: number) => boolean): void {
  expectOffers(members, offers);
  for (const member of members) expect(member.peer.signaling.relays).toEqual({ ignored: 0, refused: 0 });
  for (const member of members) {
    const records = [...member.mp.get_records(), ...[...member.peer.signaling.peers.values()].flatMap((pc) => pc.get_records())];
    expect(records.filter((r) => r.kind !== 'transition'), `${member.peer.id}`).toEqual([]);
  }
}

/** Each member's `join()` with the options refused gives ERR_INVALID_PARAMETER. */
export async function expectOptionsRefused(make: (options: unknown) => TestLobbyPeer, refused: readonly unknown[]): Promise<void> {
  for (const options of refused) expect(await make(options).join(), JSON.stringify(options)).toBe(GodotError.ERR_INVALID_PARAMETER);
}

/** No server, then a lobby that does not exist: join() gives SignalingClient's code, the rtc_mp stays DISCONNECTED; a second join() is refused. */
export async function expectJoinFailures(make: (url: string, lobby?: string) => LobbyMember, server: () => Promise<SignalingServer>): Promise<SignalingServer> {
  const nowhere = make('ws://127.0.0.1:1');
  expect(await nowhere.peer.join()).toBe(GodotError.ERR_CANT_CONNECT);
  expect(nowhere.mp.get_connection_status()).toBe(ConnectionStatus.CONNECTION_DISCONNECTED);
  expect(await nowhere.peer.join()).toBe(GodotError.ERR_UNAVAILABLE);

  const s = await server();
  const lost = make(s.url, 'NoSuchLobby');
  expect(await lost.peer.join()).toBe(GodotError.ERR_CONNECTION_ERROR);
  expect(lost.peer.signaling.closeInfo).toEqual({ code: 4000, reason: 'Lobby does not exists' });
  expect(lost.mp.get_connection_status()).toBe(ConnectionStatus.CONNECTION_DISCONNECTED);
  return s;
}

/**
 * `leaver` closes: its rtc_mp closed at once with no signal; the others remove it (unpolled: only
 * the lobby peer's remove_peer, at PEER_DISCONNECT or SignalingClient dropping the ended link, takes
 * it out of a map) and say peer_disconnected at their next poll.
 */
export async function expectLeaverRemoved(all: readonly LobbyMember[], leaver: LobbyMember): Promise<void> {
  const id = leaver.peer.id!;
  const others = all.filter((member) => member !== leaver);
  for (const member of all) member.events.length = 0;
  leaver.peer.close();
  expect(leaver.mp.get_connection_status()).toBe(ConnectionStatus.CONNECTION_DISCONNECTED);
  expect(leaver.mp.get_peers()).toEqual({});
  await waitFor(() => others.every(({ mp }) => !mp.has_peer(id)), `the others removed ${id}`);
  await pump(all, () => others.every(({ events }) => events.length > 0), 'peer_disconnected at the next poll');
  for (const { events } of others) expect(events).toEqual([`peer_disconnected(${id})`]);
  expect(leaver.events).toEqual([]);
}

/** The server closes: every socket ends (1001) before a seal, so each rtc_mp is closed at once, as the demo's stop(), with no signal. */
export async function expectServerEndStopsEveryPeer(s: SignalingServer, all: readonly LobbyMember[]): Promise<void> {
  for (const member of all) member.events.length = 0;
  // Unpolled while the sockets close: a link's end seen at a poll before the socket's would be a peer_disconnected of its own.
  await s.close();
  await waitFor(() => all.every(({ peer }) => peer.signaling.closeInfo !== null), 'every socket closed');
  for (const { mp, peer } of all) {
    expect(peer.signaling.closeInfo).toEqual({ code: 1001, reason: 'Server shutting down' });
    expect(mp.get_connection_status(), `${peer.id}`).toBe(ConnectionStatus.CONNECTION_DISCONNECTED);
    expect(mp.get_peers()).toEqual({});
    expect(peer.signaling.peers.size).toBe(0);
  }
  for (let n = 0; n < 5; n++) for (const { mp } of all) mp.poll();
  expect(all.map(({ events }) => events)).toEqual(all.map(() => []));
}

/**
 * A member's seal is refused, the host's taken: the server closes every socket (1000 Seal complete)
 * and the mesh outlives them, CONNECTED with no peer_disconnected; `expectLinks` checks each rtc_mp's links.
 */
export async function expectSealKeepsMesh(all: readonly LobbyMember[], expectLinks: (mp: LobbyMultiplayer) => void): Promise<void> {
  const [host, member] = all as [LobbyMember, LobbyMember];
  expect(member.peer.seal()).toBe(GodotError.ERR_UNAUTHORIZED);
  expect(host.peer.seal()).toBe(GodotError.OK);
  await pump(all, () => all.every(({ peer }) => peer.signaling.closeInfo !== null), 'every socket closed after the seal');
  for (const { mp, peer, events } of all) {
    expect(peer.sealed).toBe(true);
    expect(peer.signaling.closeInfo).toEqual({ code: 1000, reason: 'Seal complete' });
    expect(mp.get_connection_status()).toBe(ConnectionStatus.CONNECTION_CONNECTED);
    expectLinks(mp);
    expect(events.some((e) => e.startsWith('peer_disconnected'))).toBe(false);
  }
}

/** close() after a seal still ends the mesh: the others see `leaver`'s link go. */
export async function expectCloseAfterSealSeen(all: readonly LobbyMember[], leaver: LobbyMember): Promise<void> {
  leaver.peer.close();
  const gone = `peer_disconnected(${leaver.peer.id})`;
  await pump(all, () => all.every((member) => member === leaver || member.events.includes(gone)), `the others saw ${leaver.peer.id} go`);
}
