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
 * after the deadline (demo/multiplayer-demo.ts runs it).
 */
import { GodotError, errorName } from '../src/godot/constants.js';
import { MultiplayerLobbyPeer } from '../src/godot3/lobby-peer.js';
import { MultiplayerAPI } from '../src/godot3/multiplayer-api.js';
import type { Variant } from '../src/godot3/variant-types.js';
import { CLIENTS, runMultiplayerDemo, statusName, type DemoContext, type DemoOutput, type MultiplayerDemoPart } from './multiplayer-demo.js';

export type { DemoOutput } from './multiplayer-demo.js';

interface Peer {
  name: string;
  lobbyPeer: MultiplayerLobbyPeer;
  api: MultiplayerAPI;
  poll(): void;
  status(): number;
}

export function runGodot3Server(output: DemoOutput): Promise<number> {
  return runMultiplayerDemo(output, godot3Part);
}

function godot3Part({ say, peers }: DemoContext<Peer>): MultiplayerDemoPart<Peer> {
  /** What the server got, by client id: the RAW payload and the hello's argument. */
  const got = new Map<number, { raw?: string; hello?: string }>();
  /** What each client got back from the server. */
  const welcomed = new Map<number, string>();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  const expected = () => peers.slice(1).map(({ lobbyPeer }) => lobbyPeer.id ?? 0);
  const complete = () => {
    const ids = expected();
    const everything = ids.length === CLIENTS.length && ids.every((id) => got.get(id)?.raw !== undefined && got.get(id)?.hello !== undefined && welcomed.has(id));
    // Each client confirms the path the server's welcome simplified (CONFIRM_PATH): the last packet of the exchange.
    return everything && peers[0]!.api.get_stats().received.confirm_path === CLIENTS.length;
  };

  function makePeer(url: string, name: string, lobby: string): Peer {
    const api = new MultiplayerAPI();
    const lobbyPeer = new MultiplayerLobbyPeer({ url, lobby, api, multiplayer: { id: `${name}-mp` }, peerOptions: { id: name } });
    const peer = { name, lobbyPeer, api, poll: () => api.poll(), status: () => lobbyPeer.multiplayer.get_connection_status() };
    api.network_peer_connected.connect((id) => say(name, `network_peer_connected ${id}`));
    api.network_peer_disconnected.connect((id) => say(name, `network_peer_disconnected ${id}`));
    api.server_disconnected.connect(() => say(name, 'server_disconnected'));
    if (lobby === '') exposeServer(peer);
    else exposeClient(peer);
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
      say(name, `connected_to_server (connection_succeeded): ${statusName(lobbyPeer.multiplayer.get_connection_status())}`);
      const raw = api.send_bytes(new TextEncoder().encode(`raw bytes from ${id}`), 1);
      say(name, `send_bytes("raw bytes from ${id}", 1) → ${errorName(raw)}`);
      const called = api.rpc_id(1, 'Main/Server', 'hello', `hi from ${id}`);
      say(name, `rpc_id(1, 'Main/Server', 'hello', "hi from ${id}") → ${errorName(called)}`);
    });
  }

  function missing(lines: readonly string[]): string[] {
    const more: string[] = [];
    for (const id of expected().filter((id) => id !== 0)) {
      if (got.get(id)?.raw === undefined) more.push(`the server has no RAW packet from ${id}`);
      if (got.get(id)?.hello === undefined) more.push(`the server has no hello from ${id}`);
      if (!welcomed.has(id)) more.push(`${id} has no welcome from the server`);
    }
    const confirmed = peers[0]?.api.get_stats().received.confirm_path ?? 0;
    if (lines.length + more.length === 0 && confirmed < CLIENTS.length) more.push(`the server has ${confirmed} of ${CLIENTS.length} CONFIRM_PATHs for 'Main/Client'`);
    return more;
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
    return lines;
  }

  return {
    title: `\nwebrtc-statecharts: a Godot 3.x multiplayer server in Node (id 1) and ${CLIENTS.length} Node clients in a 3.x lobby (WebRTCMultiplayer + MultiplayerAPI, loopback)\n`,
    label: 'godot3',
    hostName: 'srv',
    /** The machines the timeline shows: the connections' own, channels and signaling states, are in the mesh part's. */
    shown: new Set(['signalingSession', 'signalingLobby', 'connection', 'webrtcMultiplayer', 'multiplayerRemote']),
    machineWidth: 17,
    makePeer,
    hosted: ({ lobbyPeer, api }) => `created 3.x lobby "${lobbyPeer.lobby}" as id ${lobbyPeer.id}: ${statusName(lobbyPeer.multiplayer.get_connection_status())}, is_network_server() ${api.is_network_server()}`,
    joined: ({ lobbyPeer }) => `joined as id ${lobbyPeer.id}: initialize(${lobbyPeer.id}, true) → ${statusName(lobbyPeer.multiplayer.get_connection_status())} until 1 connects`,
    complete,
    missing,
    summarize,
  };
}
