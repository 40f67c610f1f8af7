/**
 * A real Godot 3 engine in a lobby of our signaling server (issue 11, point 6): Debian's headless
 * Godot 3.2 with the official WebRTC plugin runs the 3.x demo's client logic (test/godot3/project:
 * Godot's own WebSocketClient, the text protocol, WebRTCMultiplayer with the lower id offering)
 * against SignalingServer, with Node members (SignalingClient, protocol 3) in the same lobby.
 * Every Godot ↔ Node link carries data both ways on WebRTCMultiplayer's channels, and the server's
 * trail replays through its machines.
 *
 * Run by scripts/test-godot3.sh (not by the main suite); a missing engine or plugin fails here.
 */
import { afterEach, describe, expect, it } from 'vitest';
import '../support/loopback.js';
import { verifyTrail } from '../../src/audit/verify.js';
import { GodotError } from '../../src/godot/constants.js';
import type { ConnectionRecord } from '../../src/records/record.js';
import { observeRecords } from '../../src/records/recorder.js';
import { SignalingServer } from '../../src/signaling/server.js';
import { useGodot, type GodotProcess } from './support/godot.js';
import { NodeMember } from './support/node-member.js';

const godots = useGodot();

/** One attempt's server, its trail, and the Node members and Godot engines it started. */
interface Scene {
  server: SignalingServer;
  records: ConnectionRecord[];
  members: NodeMember[];
  engines: GodotProcess[];
  stopObserving: () => void;
}

let scene: Scene | null = null;

async function openScene(): Promise<Scene> {
  const records: ConnectionRecord[] = [];
  const stopObserving = observeRecords((record) => records.push(record));
  const server = new SignalingServer({ port: 0, sealCloseTimeoutMs: 1000 });
  scene = { server, records, members: [], engines: [], stopObserving };
  expect(await server.listen()).toBe(GodotError.OK);
  return scene;
}

async function closeScene(): Promise<void> {
  if (scene === null) return;
  const { members, engines, server, stopObserving } = scene;
  scene = null;
  for (const member of members) member.close();
  await Promise.all(engines.map((godot) => godot.stop()));
  await server.close();
  stopObserving();
}

afterEach(closeScene);

function member(lobby: string): NodeMember {
  const created = new NodeMember(scene!.server.url, lobby);
  scene!.members.push(created);
  return created;
}

function startGodot(lobby: string): GodotProcess {
  const godot = godots.start({ url: scene!.server.url, lobby });
  scene!.engines.push(godot);
  return godot;
}

/**
 * Runs `body` in a new scene, again (at most `attempts` times in all) only when Godot's plugin
 * showed libdatachannel 0.24.5's early fingerprint check failing a connection Godot offered
 * (README, Setup order: a raw libdatachannel offerer on the same host can meet it; about 1 run in
 * 40 of this file on 2 busy cores). Any other failure fails at once.
 */
async function inFreshScenes(body: (scene: Scene) => Promise<void>, attempts = 3): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const current = await openScene();
    try {
      return await body(current);
    } catch (error) {
      const fault = current.engines.map((godot) => godot.knownFault).find((line) => line !== null);
      if (fault === undefined || attempt >= attempts) throw error;
      console.warn(`attempt ${attempt} met libdatachannel's known setup fault in Godot's plugin (${fault}); running again on a new server and engine`);
      await closeScene();
    }
  }
}

/** Godot's id, from its `EVENT joined <lobby> <id>`, once it is in `lobby` ('' : any). */
async function joinedId(godot: GodotProcess, lobby = ''): Promise<{ id: number; lobby: string }> {
  // A socket closed before the JOIN is the server's refusal (its code and reason are in the event).
  const joined = await godot.waitFor('joined', (event) => lobby === '' || event.args[0] === lobby, 30_000, ['error', 'socket_closed']);
  return { lobby: joined.args[0]!, id: Number(joined.args[1]) };
}

/**
 * The link between `node` and Godot (id `godotId`) carries data both ways: Godot greets on its
 * reliable channel once all three channels are open; Node sends on each of the three channels and
 * Godot, reading with get_packet_peer()/get_packet(), names the sender and echoes on channel 1.
 */
async function dataCrosses(godot: GodotProcess, node: NodeMember, godotId: number): Promise<void> {
  await godot.waitFor('peer_connected', (event) => event.args[0] === String(node.id), 60_000).catch((error: Error) => {
    throw new Error(`${error.message}\n${node.describe(godotId)}`);
  });
  await node.opened(godotId);
  const hello = await node.receivedText(godotId, `hello from godot ${godotId}`);
  expect(hello).toEqual({ channel: 1, text: `hello from godot ${godotId}`, binary: true });
  for (const channel of [1, 2, 3]) {
    const text = `hello from node ${node.id} on ${channel}`;
    node.send(godotId, channel, text);
    await godot.waitFor('got', (event) => event.rest === `${node.id} ${text}`);
    expect(await node.receivedText(godotId, `echo ${text}`)).toMatchObject({ channel: 1, binary: true });
  }
}

/** Godot offers to `peer` exactly when its id is the lower one (the 3.x rule), and the other way round. */
async function offerRule(godot: GodotProcess, godotId: number, peer: number): Promise<void> {
  const offering = peer > godotId;
  const announced = await godot.waitFor('peer_announced', (event) => event.args[0] === String(peer));
  expect(announced.args[1]).toBe(offering ? 'offering' : 'waiting');
  const description = await godot.waitFor('description_sent', (event) => event.args[1] === String(peer));
  expect(description.args[0]).toBe(offering ? 'offer' : 'answer');
}

/**
 * Once `peer` is connected: one offer and one answer crossed, in the 3.x direction only. Two
 * libdatachannel ends that both offer still connect (each rolls its offer back and answers the
 * other's), so only these counts show a Node end that broke the rule.
 */
function negotiatedOnce(godot: GodotProcess, godotId: number, peer: number): void {
  const count = (name: string) => godot.events.filter((event) => event.name === name && event.args[event.name === 'description_sent' ? 1 : 0] === String(peer)).length;
  const offering = peer > godotId;
  expect({ sent: count('description_sent'), offers: count('offer_received'), answers: count('answer_received') }).toEqual({ sent: 1, offers: offering ? 0 : 1, answers: offering ? 1 : 0 });
}

/** The trail of everything this test recorded replays, with a life for every session and lobby of the server. */
function expectTrailVerifies(records: ConnectionRecord[], sessions: number, lobbies: number): void {
  const verification = verifyTrail(records);
  expect(verification.problems).toEqual([]);
  expect(verification.ok).toBe(true);
  const names = verification.connections.map((life) => life.connection);
  expect(names.filter((name) => name.startsWith('session-'))).toHaveLength(sessions);
  expect(names.filter((name) => name.startsWith('lobby-'))).toHaveLength(lobbies);
}

describe('a real Godot 3 engine (the 3.x demo client, WebSocketClient + WebRTCMultiplayer) in our server\'s lobbies', () => {
  it('joins a Node host\'s lobby by name, then a Node member joins: Godot connects to both, data crosses both ways on every link', () =>
    inFreshScenes(async ({ server, records }) => {
      const host = member('');
      await host.join();
      expect(host.client.id).toBe(1);
      const lobby = host.client.lobby;

      const godot = startGodot(lobby);
      const { id: godotId } = await joinedId(godot, lobby);
      expect(godotId).toBeGreaterThan(1);
      // The host (1) offers to everyone, Godot too.
      await offerRule(godot, godotId, 1);

      const other = member(lobby);
      await other.join();
      await offerRule(godot, godotId, other.id);

      await dataCrosses(godot, host, godotId);
      await dataCrosses(godot, other, godotId);
      negotiatedOnce(godot, godotId, 1);
      negotiatedOnce(godot, godotId, other.id);
      // The Node members reach each other as well (a 3.x lobby is a mesh).
      await host.opened(other.id);
      await other.opened(1);
      // initialize(id, true): a member is CONNECTING until its link to the host (1) connects.
      await godot.waitFor('connection_succeeded');

      const godotSession = server.sessions().find((session) => session.id === godotId);
      expect(godotSession).toMatchObject({ lobby, host: false, protocol: 3 });
      expect(godotSession!.relayed.candidate).toBeGreaterThan(0);
      const [lobbyView, ...otherLobbies] = server.lobbies();
      expect(otherLobbies).toEqual([]);
      expect(lobbyView).toMatchObject({ lobby, protocol: 3, sealed: false });
      expect(lobbyView!.members[0]).toBe(1);
      expect([...lobbyView!.members].sort()).toEqual([1, godotId, other.id].sort());

      host.send(godotId, 1, 'quit');
      expect(await godot.exited).toEqual({ code: 0, signal: null });
      // Godot closed its connections as it quit, and the server told the others it left.
      await waitGone(host, godotId);
      await waitGone(other, godotId);
      expect(host.problems.concat(other.problems)).toEqual([]);
      expectTrailVerifies(records, 3, 1);
    }));

  it('creates the lobby (id 1) and a Node member joins it by the name Godot printed: Godot offers, data crosses both ways, its seal reaches everyone and the link outlives the socket', () =>
    inFreshScenes(async ({ server, records }) => {
      const godot = startGodot('');
      const { id: godotId, lobby } = await joinedId(godot);
      expect(godotId).toBe(1);
      expect(lobby).toMatch(/^[A-Za-z0-9]{16}$/);

      const node = member(lobby);
      await node.join();
      await offerRule(godot, godotId, node.id);
      await dataCrosses(godot, node, godotId);
      negotiatedOnce(godot, godotId, node.id);

      // Godot seals (S: from its WebSocketClient); the server tells both, then closes both sockets with 1000 'Seal complete'.
      const sealed = new Promise<void>((resolve) => node.client.on('sealed', () => resolve()));
      node.send(godotId, 1, 'seal');
      await godot.waitFor('sealed');
      await sealed;
      const closed = await godot.waitFor('socket_closed');
      expect(closed.rest).toBe('1000 Seal complete');
      // After the seal the WebRTC link outlives the signaling socket, on both ends.
      node.send(godotId, 1, 'after the seal');
      expect(await node.receivedText(godotId, 'echo after the seal')).toMatchObject({ channel: 1 });

      node.send(godotId, 1, 'quit');
      expect(await godot.exited).toEqual({ code: 0, signal: null });
      expect(node.problems).toEqual([]);
      expectTrailVerifies(records, 2, 1);
    }));

  it('asks for a lobby that does not exist: the server closes its socket with 4000 "Lobby does not exists", as its WebSocketClient reports', () =>
    inFreshScenes(async ({ server, records }) => {
      const godot = startGodot('NoSuchLobby');
      await godot.waitFor('socket_connected');
      const closed = await godot.waitFor('socket_closed');
      expect(closed.rest).toBe('4000 Lobby does not exists');
      expect(godot.events.map((event) => event.name)).not.toContain('joined');
      expect(server.lobbies()).toEqual([]);
      expectTrailVerifies(records, 1, 0);
    }));
});

/** Waits (bounded) until `member` no longer has a connection to `peer`. */
async function waitGone(member: NodeMember, peer: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (member.client.peers.has(peer)) {
    if (Date.now() > deadline) throw new Error(`member ${member.id} still has a connection to ${peer} after ${timeoutMs} ms`);
    await new Promise((wait) => setTimeout(wait, 50));
  }
}
