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
 * missing after the deadline (demo/multiplayer-demo.ts runs it).
 */
import { errorName } from '../src/godot/constants.js';
import { MultiplayerLobbyPeer } from '../src/godot4/lobby-peer.js';
import { SceneMultiplayer } from '../src/godot4/scene-multiplayer.js';
import { CLIENTS, runMultiplayerDemo, statusName, type DemoContext, type DemoOutput, type MultiplayerDemoPart } from './multiplayer-demo.js';

export type { DemoOutput } from './multiplayer-demo.js';

interface Peer {
  name: string;
  lobbyPeer: MultiplayerLobbyPeer;
  multiplayer: SceneMultiplayer;
  /** The RAW packets it got, by sender id. */
  raw: Map<number, string>;
  poll(): void;
  status(): number;
}

export function runGodot4Server(output: DemoOutput): Promise<number> {
  return runMultiplayerDemo(output, godot4Part);
}

function godot4Part({ say, peers }: DemoContext<Peer>): MultiplayerDemoPart<Peer> {
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

  function makePeer(url: string, name: string, lobby: string): Peer {
    const multiplayer = new SceneMultiplayer();
    const lobbyPeer = new MultiplayerLobbyPeer({ url, lobby, mesh: false, multiplayer, peer: { id: `${name}-mp` }, peerOptions: { id: name } });
    const peer: Peer = { name, lobbyPeer, multiplayer, raw: new Map(), poll: () => multiplayer.poll(), status: () => lobbyPeer.peer.get_connection_status() };
    const hosting = lobby === '';
    multiplayer.peer_connected.connect((id) => {
      say(name, `peer_connected ${id}`);
      // A client meets the other client through the server's SYS ADD_PEER: its RAW to it goes by the server (SYS RELAY).
      if (!hosting && id !== 1) send(peer, id, `raw bytes from ${lobbyPeer.id} to ${id}, relayed`);
    });
    multiplayer.peer_disconnected.connect((id) => say(name, `peer_disconnected ${id}`));
    multiplayer.server_disconnected.connect(() => say(name, 'server_disconnected'));
    multiplayer.connected_to_server.connect(() => {
      say(name, `connected_to_server: ${statusName(lobbyPeer.peer.get_connection_status())}`);
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

  function missing(): string[] {
    const lines: string[] = [];
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
    return lines;
  }

  return {
    title: `\nwebrtc-statecharts: a Godot 4.x multiplayer server in Node (id 1) and ${CLIENTS.length} Node clients in a 4.x client/server lobby (WebRTCMultiplayerPeer + SceneMultiplayer, loopback)\n`,
    label: 'godot4',
    hostName: 'srv4',
    /** The machines the timeline shows: the connections' own, channels and signaling states, are in the mesh part's. */
    shown: new Set(['signalingSession', 'signalingLobby', 'connection', 'webrtcMultiplayerPeer', 'multiplayerRemote']),
    machineWidth: 21,
    makePeer,
    hosted: ({ lobbyPeer }) => `created 4.x client/server lobby "${lobbyPeer.lobby}" as id ${lobbyPeer.id}: create_server() → ${statusName(lobbyPeer.peer.get_connection_status())}, is_server() ${lobbyPeer.peer.is_server()}`,
    joined: ({ lobbyPeer }) => `joined as id ${lobbyPeer.id}: create_client(${lobbyPeer.id}) → ${statusName(lobbyPeer.peer.get_connection_status())} until 1 connects`,
    complete,
    missing,
    summarize,
  };
}
