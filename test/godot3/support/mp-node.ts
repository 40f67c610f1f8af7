/**
 * A Node game peer for the real-Godot multiplayer tests: a MultiplayerLobbyPeer (a 3.x lobby member
 * as the demo's multiplayer_client.gd) whose WebRTCMultiplayer a MultiplayerAPI drives through a
 * byte tap (tap-peer.ts), polled every few ms as a game loop would. It exposes the scene of the
 * spec's §5 (`Main/Target` and `Main/Other`, the methods and property of target.gd, with the same
 * keywords) and keeps what ran, what arrived and which signals came, in order.
 */
import { GodotError } from '../../../src/godot/constants.js';
import { TransferMode } from '../../../src/godot3/constants.js';
import { MultiplayerAPI } from '../../../src/godot3/multiplayer-api.js';
import { MultiplayerLobbyPeer } from '../../../src/godot3/lobby-peer.js';
import type { Variant } from '../../../src/godot3/variant-types.js';
import type { WebRTCMultiplayer } from '../../../src/godot3/webrtc-multiplayer.js';
import { TapPeer } from './tap-peer.js';

export interface NodeCall {
  node: string;
  method: string;
  args: Variant[];
  sender: number;
}

export interface NodeSet {
  node: string;
  property: string;
  value: Variant;
  sender: number;
}

export const WIRE_PATHS = ['Main/Target', 'Main/Other'] as const;
const POLL_MS = 4;
const encoder = new TextEncoder();

export class MpNode {
  readonly lobbyPeer: MultiplayerLobbyPeer;
  readonly api = new MultiplayerAPI();
  /** Set once the lobby peer hands the multiplayer to the API (at ID). */
  tap: TapPeer | null = null;
  readonly calls: NodeCall[] = [];
  readonly sets: NodeSet[] = [];
  /** `mp <signal> [id]` (WebRTCMultiplayer's) and `api <signal> [id]` (MultiplayerAPI's), as emitted. */
  readonly signals: string[] = [];
  /** network_peer_packet: sender and payload. */
  readonly packets: { from: number; hex: string }[] = [];
  /** Makes every wait give up at once when it returns a reason (the scene's: an engine showed the plugin's known fault). */
  abortWhen: () => string | null = () => null;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(url: string, lobby: string, serverCompatibility = true) {
    this.lobbyPeer = new MultiplayerLobbyPeer({
      url,
      lobby,
      serverCompatibility,
      api: { set_network_peer: (peer) => this.api.set_network_peer(peer === null ? null : (this.tap = new TapPeer(peer))) },
    });
    const mp = this.lobbyPeer.multiplayer;
    mp.peer_connected.connect((id) => this.signals.push(`mp peer_connected ${id}`));
    mp.peer_disconnected.connect((id) => this.signals.push(`mp peer_disconnected ${id}`));
    mp.connection_succeeded.connect(() => this.signals.push('mp connection_succeeded'));
    mp.connection_failed.connect(() => this.signals.push('mp connection_failed'));
    mp.server_disconnected.connect(() => this.signals.push('mp server_disconnected'));
    this.api.network_peer_connected.connect((id) => this.signals.push(`api network_peer_connected ${id}`));
    this.api.network_peer_disconnected.connect((id) => this.signals.push(`api network_peer_disconnected ${id}`));
    this.api.connected_to_server.connect(() => this.signals.push('api connected_to_server'));
    this.api.connection_failed.connect(() => this.signals.push('api connection_failed'));
    this.api.server_disconnected.connect(() => this.signals.push('api server_disconnected'));
    this.api.network_peer_packet.connect((from, packet) => this.packets.push({ from, hex: Buffer.from(packet).toString('hex') }));
    for (const path of WIRE_PATHS) this.exposeTarget(path);
    this.timer = setInterval(() => this.api.poll(), POLL_MS);
  }

  get mp(): WebRTCMultiplayer {
    return this.lobbyPeer.multiplayer;
  }

  get id(): number {
    return this.lobbyPeer.id ?? 0;
  }

  get lobby(): string {
    return this.lobbyPeer.lobby;
  }

  async join(): Promise<void> {
    const code = await this.lobbyPeer.join();
    if (code !== GodotError.OK) throw new Error(`join() gave ${code}; socket closed with ${JSON.stringify(this.lobbyPeer.signaling.closeInfo)}`);
  }

  /** Sends Godot a command (mp-project/main.gd `_command`) as a RAW packet on the reliable channel. */
  command(to: number, command: Record<string, unknown>): void {
    const code = this.api.send_bytes(encoder.encode(JSON.stringify(command)), to, TransferMode.TRANSFER_MODE_RELIABLE);
    if (code !== GodotError.OK) throw new Error(`send_bytes of ${JSON.stringify(command)} to ${to} gave ${code}`);
  }

  /** Calls made here on `method` (of `node`, default Main/Target). */
  callsOf(method: string, node = 'Main/Target'): NodeCall[] {
    return this.calls.filter((call) => call.method === method && call.node === node);
  }

  /** Waits (polling every few ms, at most `timeoutMs`) until `done()`; the error says what was awaited and what came. */
  async until(done: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const abort = this.abortWhen();
      if (abort !== null) throw new Error(`node ${this.id}: gave up waiting for ${what}: ${abort}`);
      if (Date.now() > deadline) throw new Error(`node ${this.id}: no ${what} within ${timeoutMs} ms; ${this.describe()}`);
      await new Promise((wait) => setTimeout(wait, 10));
    }
  }

  /** For a failure's message: signals, calls, each link's states, the API's stats. */
  describe(): string {
    const links = Object.entries(this.mp.get_peers()).map(([id, peer]) => `${id}: ${JSON.stringify({ connected: peer.connected, connection: peer.connection.get_machine_states(), channels: peer.channels.map((channel) => channel.get_ready_state()) })}`);
    const calls = this.calls.map((call) => `${call.node}.${call.method} from ${call.sender}`).join(', ');
    const records = this.mp.get_records().slice(-12).map((record) => JSON.stringify(record));
    return `signals ${JSON.stringify(this.signals)}; calls ${calls}; status ${this.mp.get_connection_status()}; links ${links.join('; ')}; stats ${JSON.stringify(this.api.get_stats())}; last records:\n${records.join('\n')}`;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.lobbyPeer.close();
    this.api.set_network_peer(null);
  }

  /** target.gd's methods and property with target.gd's keywords; `echo` answers as target.gd's does. */
  private exposeTarget(path: string): void {
    const method = (name: string, mode: 'remote' | 'puppet' | 'master' | 'disabled', argc: number) => ({
      mode,
      argc,
      call: (...args: Variant[]) => {
        this.calls.push({ node: path, method: name, args, sender: this.api.get_rpc_sender_id() });
      },
    });
    const property = (name: string) => ({
      mode: 'remote' as const,
      set: (value: Variant) => {
        this.sets.push({ node: path, property: name, value, sender: this.api.get_rpc_sender_id() });
      },
    });
    const code = this.api.expose(path, {
      methods: {
        ping: method('ping', 'remote', 1),
        hello: method('hello', 'remote', 6),
        types: method('types', 'remote', 10),
        noargs: method('noargs', 'remote', 0),
        from_master: method('from_master', 'puppet', 1),
        to_master: method('to_master', 'master', 1),
        secret: method('secret', 'disabled', 0),
        echo: method('echo', 'remote', 1),
        echoed: method('echoed', 'remote', 1),
        take_object: method('take_object', 'remote', 1),
      },
      properties: { value: property('value'), echoed_value: property('echoed_value') },
    });
    if (code !== GodotError.OK) throw new Error(`expose(${path}) gave ${code}`);
  }
}
