import { expect } from 'vitest';
import { GodotError, observeRecords, type ConnectionRecord } from '../../src/index.js';
import { verifyTrail } from '../../src/audit/verify.js';
import { SignalingServer } from '../../src/signaling/server.js';
import { MultiplayerLobbyPeer } from '../../src/godot4/lobby-peer.js';
import { SceneMultiplayer, type SceneMultiplayerOptions } from '../../src/godot4/scene-multiplayer.js';
// Imported for its loopback stack: the Node peers gather on 127.0.0.1 only.
import '../support/loopback.js';

/** A Node member of a 4.x client/server lobby (the server, id 1, or a client): what a Godot game with SceneMultiplayer is. */
export interface NodeScene {
  readonly name: string;
  readonly lobbyPeer: MultiplayerLobbyPeer;
  readonly multiplayer: SceneMultiplayer;
  /** Its SceneMultiplayer's signals in order: `peer_connected(5)`, `connected_to_server`, … */
  readonly signals: string[];
  /** peer_packet: sender and payload (hex). */
  readonly raw: { from: number; hex: string }[];
}

export const hex = (bytes: Uint8Array | number[]) => Buffer.from(bytes).toString('hex');
export const text = (value: string) => new TextEncoder().encode(value);

let lobbies = 0;

/**
 * Our SignalingServer and a Node Godot 4 server in a client/server lobby it created
 * (MultiplayerLobbyPeer mesh: false + SceneMultiplayer), everyone polled each 10 ms frame as a
 * SceneTree polls its multiplayer. Every record of the server's peer and connections is kept, to
 * verify at the end.
 */
export class Godot4Lobby {
  readonly members: NodeScene[] = [];
  /** The records of this lobby's Node server (its WebRTCMultiplayerPeer and connections), in order. */
  readonly serverRecords: ConnectionRecord[] = [];
  private readonly prefix = `g4srv${++lobbies}`;
  private readonly stopRecording: () => void;
  private frame: NodeJS.Timeout | undefined;

  private constructor(
    readonly signaling: SignalingServer,
    serverOptions: SceneMultiplayerOptions,
  ) {
    this.stopRecording = observeRecords((record) => {
      if (record.connection.startsWith(`${this.prefix}-`)) this.serverRecords.push(record);
    });
    this.member(this.prefix, '', serverOptions);
  }

  /** The signaling server listening on 127.0.0.1 and the Node server's lobby created (it is id 1). */
  static async open(serverOptions: SceneMultiplayerOptions = {}): Promise<Godot4Lobby> {
    const signaling = new SignalingServer({ port: 0 });
    expect(await signaling.listen()).toBe(GodotError.OK);
    const lobby = new Godot4Lobby(signaling, serverOptions);
    lobby.frame = setInterval(() => {
      for (const { multiplayer } of lobby.members) multiplayer.poll();
    }, 10);
    expect(await lobby.server.lobbyPeer.join()).toBe(GodotError.OK);
    expect(lobby.server.lobbyPeer.id).toBe(1);
    expect(lobby.server.lobbyPeer.mode).toBe('server');
    return lobby;
  }

  get server(): NodeScene {
    return this.members[0]!;
  }

  get url(): string {
    return this.signaling.url;
  }

  get name(): string {
    return this.server.lobbyPeer.lobby;
  }

  /** A Node client joined as the 4.x demo's multiplayer_client.gd joins. */
  async nodeClient(name: string, options: SceneMultiplayerOptions = {}): Promise<NodeScene> {
    const client = this.member(name, this.name, options);
    expect(await client.lobbyPeer.join()).toBe(GodotError.OK);
    expect(client.lobbyPeer.mode).toBe('client');
    return client;
  }

  /** The server's connections and peer replay through their machines. */
  verifyServerRecords(): void {
    expect(this.serverRecords.length).toBeGreaterThan(0);
    const verification = verifyTrail(this.serverRecords);
    expect(verification.problems).toEqual([]);
    expect(verification.ok).toBe(true);
  }

  async close(): Promise<void> {
    clearInterval(this.frame);
    for (const { lobbyPeer } of this.members) lobbyPeer.close();
    await this.signaling.close();
    // The connections report closed a moment after close(): their records end the trail.
    await new Promise((resolve) => setTimeout(resolve, 100));
    this.stopRecording();
  }

  private member(name: string, lobby: string, options: SceneMultiplayerOptions): NodeScene {
    const multiplayer = new SceneMultiplayer(options);
    const lobbyPeer = new MultiplayerLobbyPeer({ url: this.signaling.url, lobby, mesh: false, multiplayer, peer: { id: `${name}-mp` }, peerOptions: { id: name } });
    const scene: NodeScene = { name, lobbyPeer, multiplayer, signals: [], raw: [] };
    for (const signal of ['peer_connected', 'peer_disconnected', 'peer_authenticating', 'peer_authentication_failed'] as const) multiplayer[signal].connect((id) => scene.signals.push(`${signal}(${id})`));
    for (const signal of ['connected_to_server', 'connection_failed', 'server_disconnected'] as const) multiplayer[signal].connect(() => scene.signals.push(signal));
    multiplayer.peer_packet.connect((from, bytes) => scene.raw.push({ from, hex: hex(bytes) }));
    this.members.push(scene);
    return scene;
  }
}

/** Waits (every 20 ms, at most `timeoutMs`) until `done` holds; the error says what and shows `show()`. */
export async function until(what: string, done: () => boolean | Promise<boolean>, show: () => unknown = () => '', timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return;
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeoutMs} ms: ${JSON.stringify(await show())}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const sorted = (ids: readonly number[]) => [...ids].sort((a, b) => a - b);
