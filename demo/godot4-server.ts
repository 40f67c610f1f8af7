/**
 * The third part of `npm start`: a Godot 4.x multiplayer server written in Node. A
 * MultiplayerLobbyPeer (4.x) creates a client/server lobby (id 1, `create_server()`) with a
 * SceneMultiplayer; two Node clients join it as the 4.x demo's multiplayer_client.gd does
 * (`create_client(id)`). On `connected_to_server` each client sends the server a RAW packet
 * (`send_bytes(…, 1)`); on `peer_connected` of the other client (the server's SYS ADD_PEER) it
 * sends that client a RAW packet, which the server relays (SYS RELAY: a client's peer map holds
 * only 1). The server answers each RAW with one back. Every SceneMultiplayer is polled each 16 ms
 * frame, as a SceneTree polls its multiplayer. The timeline shows the lobby, the sessions, the
 * connections and the peers' machines (`peer <id>` their remotes). Resolves 0, or 1 with what is
 * missing after DEADLINE_MS.
 */
import { observeRecords, type ConnectionRecord } from '../src/index.js';
import { GodotError, errorName } from '../src/godot/constants.js';
import { SignalingServer } from '../src/signaling/server.js';
import { MultiplayerLobbyPeer } from '../src/godot4/lobby-peer.js';
import { SceneMultiplayer } from '../src/godot4/scene-multiplayer.js';
import { ConnectionStatus } from '../src/godot3/constants.js';
import type { DemoOutput } from './godot3-server.js';

export type { DemoOutput } from './godot3-server.js';

const DEADLINE_MS = 20_000;
const FRAME_MS = 16;
const CLIENTS = ['c1', 'c2'] as const;
const STATUS_NAMES = ['CONNECTION_DISCONNECTED', 'CONNECTION_CONNECTING', 'CONNECTION_CONNECTED'];
/** The machines the timeline shows: the connections' own, channels and signaling states, are in the mesh part's. */
const SHOWN = new Set(['signalingSession', 'signalingLobby', 'connection', 'webrtcMultiplayerPeer', 'multiplayerRemote']);

interface Peer {
  name: string;
  lobbyPeer: MultiplayerLobbyPeer;
  multiplayer: SceneMultiplayer;
  /** The RAW packets it got, by sender id. */
  raw: Map<number, string>;
}

export async function runGodot4Server({ print, stamp, interrupted, deadlineMs = DEADLINE_MS }: DemoOutput): Promise<number> {
  const say = (who: string, what: string) => print(`${stamp()}  ${who.padEnd(18)} ${what}`);
  const stopShowing = observeRecords((record: ConnectionRecord) => {
    if (!('machine' in record) || !SHOWN.has(record.machine)) return;
    if (record.kind === 'transition') {
      if (record.from === record.to) return;
      const machine = record.channel ? `${record.machine === 'multiplayerRemote' ? 'remote' : 'channel'} ${record.channel}` : record.machine;
      print(`${stamp(record.monotonic)}  ${record.connection.padEnd(18)} ${machine.padEnd(21)} ${record.from} → ${record.to}   (${record.event})`);
    } else {
      print(`${stamp(record.monotonic)}  ${record.connection.padEnd(18)} ${record.kind}: ${record.reason}`);
    }
  });

  print(`\nwebrtc-statecharts: a Godot 4.x multiplayer server in Node (id 1) and ${CLIENTS.length} Node clients in a 4.x client/server lobby (WebRTCMultiplayerPeer + SceneMultiplayer, loopback)\n`);
  const server = new SignalingServer({ port: 0 });
  const peers: Peer[] = [];
  let frame: NodeJS.Timeout | undefined;
  /** Set once the part is over (done, gave up, interrupted): run() stops making peers. */
  let over = false;
  let settle: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => (settle = resolve));
  const done = (code: number) => {
    over = true;
    settle(code);
  };
  const giveUp = setTimeout(() => done(1), deadlineMs);
  void interrupted.then(() => done(0));

  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  const bytes = (value: string) => new TextEncoder().encode(value);
  const clients = () => peers.slice(1);
  /** Every RAW exchange done: the server has one from each client, each client one from the server and one from the other client. */
  const complete = () => {
    const [host, ...members] = peers;
    if (host === undefined || members.length !== CLIENTS.length) return false;
    const ids = members.map(({ lobbyPeer }) => lobbyPeer.id ?? 0);
    return ids.every((id) => host.raw.has(id)) && members.every(({ raw, lobbyPeer }) => raw.has(1) && ids.every((other) => other === lobbyPeer.id || raw.has(other)));
  };

  const run = async (): Promise<void> => {
    const listening = await server.listen();
    if (over) return;
    if (listening !== GodotError.OK) return fail(`the signaling server did not listen (${errorName(listening)})`);
    say('server', `signaling server on ${server.url}`);

    const host = makePeer('srv4', '');
    frame = setInterval(() => {
      for (const { multiplayer } of peers) multiplayer.poll();
      if (complete()) done(0);
    }, FRAME_MS);
    const hosted = await host.lobbyPeer.join();
    if (over) return;
    if (hosted !== GodotError.OK) return fail(`the server did not create a lobby (${errorName(hosted)})`);
    say('srv4', `created 4.x client/server lobby "${host.lobbyPeer.lobby}" as id ${host.lobbyPeer.id}: create_server() → ${STATUS_NAMES[host.lobbyPeer.peer.get_connection_status()]}, is_server() ${host.lobbyPeer.peer.is_server()}`);
    for (const name of CLIENTS) {
      const client = makePeer(name, host.lobbyPeer.lobby);
      const joined = await client.lobbyPeer.join();
      if (over) return;
      if (joined !== GodotError.OK) return fail(`${name} did not join ${host.lobbyPeer.lobby} (${errorName(joined)})`);
      say(name, `joined as id ${client.lobbyPeer.id}: create_client(${client.lobbyPeer.id}) → ${STATUS_NAMES[client.lobbyPeer.peer.get_connection_status()]} until 1 connects`);
    }
  };

  function makePeer(name: string, lobby: string): Peer {
    const multiplayer = new SceneMultiplayer();
    const lobbyPeer = new MultiplayerLobbyPeer({ url: server.url, lobby, mesh: false, multiplayer, peer: { id: `${name}-mp` }, peerOptions: { id: name } });
    const peer: Peer = { name, lobbyPeer, multiplayer, raw: new Map() };
    peers.push(peer);
    const hosting = lobby === '';
    multiplayer.peer_connected.connect((id) => {
      say(name, `peer_connected ${id}`);
      // A client meets the other client through the server's SYS ADD_PEER: its RAW to it goes by the server (SYS RELAY).
      if (!hosting && id !== 1) send(peer, id, `raw bytes from ${lobbyPeer.id} to ${id}, relayed`);
    });
    multiplayer.peer_disconnected.connect((id) => say(name, `peer_disconnected ${id}`));
    multiplayer.server_disconnected.connect(() => say(name, 'server_disconnected'));
    multiplayer.connected_to_server.connect(() => {
      say(name, `connected_to_server: ${STATUS_NAMES[lobbyPeer.peer.get_connection_status()]}`);
      send(peer, 1, `raw bytes from ${lobbyPeer.id}`);
    });
    multiplayer.peer_packet.connect((id, packet) => {
      say(name, `RAW from ${id}: "${text(packet)}"`);
      peer.raw.set(id, text(packet));
      if (hosting) send(peer, id, `raw bytes back to ${id}`);
    });
    return peer;
  }

  function send({ name, multiplayer }: Peer, to: number, payload: string): void {
    say(name, `send_bytes("${payload}", ${to}) → ${errorName(multiplayer.send_bytes(bytes(payload), to))}`);
  }

  let failure: string | null = null;
  function fail(why: string): void {
    failure = why;
    done(1);
  }

  void run();
  const code = await finished;
  clearTimeout(giveUp);
  clearInterval(frame);
  if (code !== 0 && failure === null) failure = `not done within ${deadlineMs / 1000} s:\n${missing().map((line) => `  ${line}`).join('\n')}`;
  const summary = code === 0 && complete() ? summarize() : [];
  for (const { lobbyPeer } of peers) lobbyPeer.close();
  await server.close();
  // The connections report closed a moment after close(): the timeline ends with them.
  await new Promise((resolve) => setTimeout(resolve, 100));
  stopShowing();
  if (failure !== null) {
    console.error(`\ngodot4 server demo: ${failure}`);
    return 1;
  }
  for (const line of summary) print(line);
  return 0;

  function missing(): string[] {
    const lines: string[] = [];
    for (const name of ['srv4', ...CLIENTS]) {
      const lobbyPeer = peers.find((peer) => peer.name === name)?.lobbyPeer;
      if (lobbyPeer === undefined || lobbyPeer.id === null) lines.push(`${name} has not ${name === 'srv4' ? 'created its lobby' : 'joined'}`);
      else if (lobbyPeer.peer.get_connection_status() !== ConnectionStatus.CONNECTION_CONNECTED) lines.push(`${name} (${lobbyPeer.id}) is ${STATUS_NAMES[lobbyPeer.peer.get_connection_status()]}`);
    }
    const host = peers[0];
    for (const client of clients()) {
      const id = client.lobbyPeer.id;
      if (id === null) continue;
      if (host !== undefined && !host.raw.has(id)) lines.push(`the server has no RAW packet from ${id}`);
      if (!client.raw.has(1)) lines.push(`${id} has no RAW packet from the server`);
      for (const other of clients()) {
        const otherId = other.lobbyPeer.id;
        if (otherId !== null && otherId !== id && !client.raw.has(otherId)) lines.push(`${id} has no relayed RAW packet from ${otherId}`);
      }
    }
    return lines;
  }

  function summarize(): string[] {
    const [host, ...members] = peers;
    const lines = [`\nsummary: a Godot 4.x server in Node (srv4 1) and ${members.map(({ name, lobbyPeer }) => `${name} ${lobbyPeer.id}`).join(', ')} in client/server lobby "${host!.lobbyPeer.lobby}"`];
    lines.push(`  the server's connected peers: ${host!.multiplayer.get_peers().join(', ')}`);
    for (const { lobbyPeer, raw } of members) {
      const id = lobbyPeer.id!;
      const relayed = [...raw.entries()].filter(([from]) => from !== 1).map(([from, payload]) => `${from} → ${id} (relayed by 1): "${payload}"`);
      lines.push(`    ${id} → 1: RAW "${host!.raw.get(id)}"; 1 → ${id}: RAW "${raw.get(1)}"; ${relayed.join('; ')}`);
    }
    const stats = host!.multiplayer.get_stats();
    const dropped = Object.values(stats.dropped).reduce((sum, n) => sum + (n ?? 0), 0);
    lines.push(`  the server's SceneMultiplayer received ${stats.received} packets (${stats.raw_received} RAW for itself), relayed ${stats.relayed}, sent ${stats.sent}, dropped ${dropped}`);
    lines.push(`done (${stamp().trim()}).`);
    return lines;
  }
}
