/**
 * The second part of `npm start`: a Godot 3.x high-level multiplayer server written in Node. A
 * MultiplayerLobbyPeer creates a 3.x lobby (id 1, `initialize(1, true)`), with a MultiplayerAPI
 * whose node `Main/Server` has a `remote func hello(text)`; two Node clients join it as the 3.x
 * demo's multiplayer_client.gd does (`initialize(id, true)`), and on `connected_to_server` each
 * sends the server a RAW packet (`send_bytes`) and calls `rpc_id(1, 'Main/Server', 'hello', …)`.
 * The server prints each with its sender id and answers with `rpc_id(sender, 'Main/Client',
 * 'welcome', …)`. Every MultiplayerAPI is polled each 16 ms frame, as a SceneTree polls its
 * multiplayer. The timeline shows the lobby, the sessions, the connections and the multiplayer
 * machines (each peer's map, `peer <id>` its remotes). Resolves 0, or 1 with what is missing
 * after DEADLINE_MS.
 */
import { observeRecords, type ConnectionRecord } from '../src/index.js';
import { GodotError, errorName } from '../src/godot/constants.js';
import { SignalingServer } from '../src/signaling/server.js';
import { MultiplayerLobbyPeer } from '../src/godot3/lobby-peer.js';
import { MultiplayerAPI } from '../src/godot3/multiplayer-api.js';
import { ConnectionStatus } from '../src/godot3/constants.js';
import type { Variant } from '../src/godot3/variant-types.js';

export interface DemoOutput {
  print(line: string): void;
  stamp(monotonic?: number): string;
  /** Resolves when the user interrupted (Ctrl-C): the part stops and resolves 0. */
  interrupted: Promise<void>;
  /** How long the part may take before it gives up with what is missing (default 20 s). */
  deadlineMs?: number;
}

const DEADLINE_MS = 20_000;
const FRAME_MS = 16;
const CLIENTS = ['c1', 'c2'] as const;
const STATUS_NAMES = ['CONNECTION_DISCONNECTED', 'CONNECTION_CONNECTING', 'CONNECTION_CONNECTED'];
/** The machines the timeline shows: the connections' own, channels and signaling states, are in the mesh part's. */
const SHOWN = new Set(['signalingSession', 'signalingLobby', 'connection', 'webrtcMultiplayer', 'multiplayerRemote']);

interface Peer {
  name: string;
  lobbyPeer: MultiplayerLobbyPeer;
  api: MultiplayerAPI;
}

export async function runGodot3Server({ print, stamp, interrupted, deadlineMs = DEADLINE_MS }: DemoOutput): Promise<number> {
  const say = (who: string, what: string) => print(`${stamp()}  ${who.padEnd(18)} ${what}`);
  const stopShowing = observeRecords((record: ConnectionRecord) => {
    if (!('machine' in record) || !SHOWN.has(record.machine)) return;
    if (record.kind === 'transition') {
      if (record.from === record.to) return;
      const machine = record.channel ? `${record.machine === 'multiplayerRemote' ? 'remote' : 'channel'} ${record.channel}` : record.machine;
      print(`${stamp(record.monotonic)}  ${record.connection.padEnd(18)} ${machine.padEnd(17)} ${record.from} → ${record.to}   (${record.event})`);
    } else {
      print(`${stamp(record.monotonic)}  ${record.connection.padEnd(18)} ${record.kind}: ${record.reason}`);
    }
  });

  print(`\nwebrtc-statecharts: a Godot 3.x multiplayer server in Node (id 1) and ${CLIENTS.length} Node clients in a 3.x lobby (WebRTCMultiplayer + MultiplayerAPI, loopback)\n`);
  const server = new SignalingServer({ port: 0 });
  const peers: Peer[] = [];
  /** What the server got, by client id: the RAW payload and the hello's argument. */
  const got = new Map<number, { raw?: string; hello?: string }>();
  /** What each client got back from the server. */
  const welcomed = new Map<number, string>();
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
  const expected = () => peers.slice(1).map(({ lobbyPeer }) => lobbyPeer.id ?? 0);
  const complete = () => {
    const ids = expected();
    const everything = ids.length === CLIENTS.length && ids.every((id) => got.get(id)?.raw !== undefined && got.get(id)?.hello !== undefined && welcomed.has(id));
    // Each client confirms the path the server's welcome simplified (CONFIRM_PATH): the last packet of the exchange.
    return everything && peers[0]!.api.get_stats().received.confirm_path === CLIENTS.length;
  };

  const run = async (): Promise<void> => {
    const listening = await server.listen();
    if (over) return;
    if (listening !== GodotError.OK) return fail(`the signaling server did not listen (${errorName(listening)})`);
    say('server', `signaling server on ${server.url}`);

    const host = makePeer('srv', '');
    exposeServer(host);
    frame = setInterval(() => {
      for (const { api } of peers) api.poll();
      if (complete()) done(0);
    }, FRAME_MS);
    const hosted = await host.lobbyPeer.join();
    if (over) return;
    if (hosted !== GodotError.OK) return fail(`the server did not create a lobby (${errorName(hosted)})`);
    say('srv', `created 3.x lobby "${host.lobbyPeer.lobby}" as id ${host.lobbyPeer.id}: ${STATUS_NAMES[host.lobbyPeer.multiplayer.get_connection_status()]}, is_network_server() ${host.api.is_network_server()}`);
    for (const name of CLIENTS) {
      const client = makePeer(name, host.lobbyPeer.lobby);
      exposeClient(client);
      const joined = await client.lobbyPeer.join();
      if (over) return;
      if (joined !== GodotError.OK) return fail(`${name} did not join ${host.lobbyPeer.lobby} (${errorName(joined)})`);
      say(name, `joined as id ${client.lobbyPeer.id}: initialize(${client.lobbyPeer.id}, true) → ${STATUS_NAMES[client.lobbyPeer.multiplayer.get_connection_status()]} until 1 connects`);
    }
  };

  function makePeer(name: string, lobby: string): Peer {
    const api = new MultiplayerAPI();
    const lobbyPeer = new MultiplayerLobbyPeer({ url: server.url, lobby, api, multiplayer: { id: `${name}-mp` }, peerOptions: { id: name } });
    const peer = { name, lobbyPeer, api };
    peers.push(peer);
    api.network_peer_connected.connect((id) => say(name, `network_peer_connected ${id}`));
    api.network_peer_disconnected.connect((id) => say(name, `network_peer_disconnected ${id}`));
    api.server_disconnected.connect(() => say(name, 'server_disconnected'));
    return peer;
  }

  function exposeServer({ api }: Peer): void {
    api.network_peer_packet.connect((id, packet) => {
      say('srv', `RAW from ${id}: "${text(packet)}"`);
      got.set(id, { ...got.get(id), raw: text(packet) });
    });
    const hello = (...args: Variant[]) => {
      const sender = api.get_rpc_sender_id();
      say('srv', `hello(${args.map((arg) => JSON.stringify(arg)).join(', ')}) from ${sender}`);
      got.set(sender, { ...got.get(sender), hello: String(args[0]) });
      const answer = api.rpc_id(sender, 'Main/Client', 'welcome', `welcome, ${sender}, from the server of ${api.get_network_connected_peers().length} peer${api.get_network_connected_peers().length === 1 ? '' : 's'}`);
      say('srv', `rpc_id(${sender}, 'Main/Client', 'welcome', …) → ${errorName(answer)}`);
    };
    const exposed = api.expose('Main/Server', { methods: { hello: { mode: 'remote', call: hello, argc: 1 } } });
    if (exposed !== GodotError.OK) say('srv', `expose('Main/Server') → ${errorName(exposed)}`);
  }

  function exposeClient({ name, lobbyPeer, api }: Peer): void {
    const welcome = (...args: Variant[]) => {
      say(name, `welcome(${JSON.stringify(args[0])}) from ${api.get_rpc_sender_id()}`);
      welcomed.set(lobbyPeer.id ?? 0, String(args[0]));
    };
    api.expose('Main/Client', { methods: { welcome: { mode: 'remote', call: welcome, argc: 1 } } });
    api.connected_to_server.connect(() => {
      const id = lobbyPeer.id;
      say(name, `connected_to_server (connection_succeeded): ${STATUS_NAMES[lobbyPeer.multiplayer.get_connection_status()]}`);
      const raw = api.send_bytes(new TextEncoder().encode(`raw bytes from ${id}`), 1);
      say(name, `send_bytes("raw bytes from ${id}", 1) → ${errorName(raw)}`);
      const called = api.rpc_id(1, 'Main/Server', 'hello', `hi from ${id}`);
      say(name, `rpc_id(1, 'Main/Server', 'hello', "hi from ${id}") → ${errorName(called)}`);
    });
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
    console.error(`\ngodot3 server demo: ${failure}`);
    return 1;
  }
  for (const line of summary) print(line);
  return 0;

  function missing(): string[] {
    const lines: string[] = [];
    for (const name of ['srv', ...CLIENTS]) {
      const lobbyPeer = peers.find((peer) => peer.name === name)?.lobbyPeer;
      if (lobbyPeer === undefined || lobbyPeer.id === null) lines.push(`${name} has not ${name === 'srv' ? 'created its lobby' : 'joined'}`);
      else if (lobbyPeer.multiplayer.get_connection_status() !== ConnectionStatus.CONNECTION_CONNECTED) lines.push(`${name} (${lobbyPeer.id}) is ${STATUS_NAMES[lobbyPeer.multiplayer.get_connection_status()]}`);
    }
    for (const id of expected().filter((id) => id !== 0)) {
      if (got.get(id)?.raw === undefined) lines.push(`the server has no RAW packet from ${id}`);
      if (got.get(id)?.hello === undefined) lines.push(`the server has no hello from ${id}`);
      if (!welcomed.has(id)) lines.push(`${id} has no welcome from the server`);
    }
    const confirmed = peers[0]?.api.get_stats().received.confirm_path ?? 0;
    if (lines.length === 0 && confirmed < CLIENTS.length) lines.push(`the server has ${confirmed} of ${CLIENTS.length} CONFIRM_PATHs for 'Main/Client'`);
    return lines;
  }

  function summarize(): string[] {
    const [host, ...clients] = peers;
    const lines = [`\nsummary: a Godot 3.x server in Node (srv 1) and ${clients.map(({ name, lobbyPeer }) => `${name} ${lobbyPeer.id}`).join(', ')} in lobby "${host!.lobbyPeer.lobby}"`];
    lines.push(`  the server's connected peers: ${host!.api.get_network_connected_peers().join(', ')}`);
    for (const { lobbyPeer } of clients) {
      const id = lobbyPeer.id!;
      lines.push(`    ${id} → 1: RAW "${got.get(id)!.raw}", rpc hello("${got.get(id)!.hello}"); 1 → ${id}: rpc welcome("${welcomed.get(id)}")`);
    }
    const stats = host!.api.get_stats();
    const counts = (by: Record<string, number>) => Object.entries(by).filter(([, n]) => n > 0).map(([command, n]) => `${n} ${command}`).join(', ') || 'nothing';
    const dropped = Object.values(stats.dropped).reduce((sum, n) => sum + n, 0);
    lines.push(`  the server's MultiplayerAPI received ${counts(stats.received)} (${stats.bytes_received} bytes), sent ${counts(stats.sent)}, dropped ${dropped}`);
    lines.push(`done (${stamp().trim()}).`);
    return lines;
  }
}
