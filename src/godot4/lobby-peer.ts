/**
 * A Node peer in a Godot 4.x webrtc_signaling lobby, in multiplayer mode: what the 4.x demo's
 * `client/multiplayer_client.gd` does (§3.5 of the reference), over a SignalingClient speaking
 * protocol 4 and a WebRTCMultiplayerPeer (the lobby handling both versions share is
 * src/multiplayer/lobby-peer.ts).
 *
 * - ID → `rtc_mp.create_mesh(id)` in a mesh lobby; else `create_server()` for the host (1), else
 *   `create_client(id)`; then the optional SceneMultiplayer takes the peer (`multiplayer_peer = rtc_mp`).
 * - PEER_CONNECT → `rtc_mp.add_peer(pc, id)` before any offer; the higher id offers, the host never
 *   does (the 4.x rule, which SignalingClient applies). A client of a client/server lobby meets the
 *   host only (SignalingClient ignores the other members, whose add_peer Godot refuses).
 * - PEER_DISCONNECT → `remove_peer(id)` if the map has it.
 * - The socket closing before a SEAL → the demo's `stop()`: `multiplayer.multiplayer_peer = null`,
 *   `rtc_mp.close()` (no signals, as in Godot 4); after a SEAL the mesh outlives the socket.
 *
 * Nothing here throws: every failure is a Godot Error returned or, inside a listener, logged.
 */
import { describe } from '../api/arguments.js';
import { GodotError, errorName } from '../godot/constants.js';
import { log } from '../log.js';
import { LobbyPeer, checkLobbyPeerOptions, dispatchAsHolder, type LobbyCall, type LobbyPeerOptions } from '../multiplayer/lobby-peer.js';
import { WebRTCMultiplayerPeer, type WebRTCMultiplayerPeerOptions } from './webrtc-multiplayer-peer.js';

/** What the lobby peer needs of a SceneMultiplayer: to take the peer once it is created, and to let it go at stop(). */
export interface MultiplayerPeerHolder {
  set_multiplayer_peer(peer: WebRTCMultiplayerPeer | null): GodotError;
}

export interface MultiplayerLobbyPeerOptions extends LobbyPeerOptions {
  /** When creating: a mesh lobby (true, the demo's default) or a client/server one. The server's ID says which a joined lobby is. */
  mesh?: boolean;
  /** create_*'s channels_config: one transfer mode per extra channel (default none, as the demo). */
  channelsConfig?: readonly number[];
  /** The WebRTCMultiplayerPeer's own options; its dispatch defaults to the multiplayer's when that is 'events'. */
  peer?: WebRTCMultiplayerPeerOptions;
  /** A SceneMultiplayer that takes the peer once it is created. */
  multiplayer?: MultiplayerPeerHolder;
}

/** The network mode ID gave: what create_* was called. */
export type LobbyNetworkMode = 'mesh' | 'server' | 'client';

const OPTION_KEYS = { own: ['peer', 'WebRTCMultiplayerPeer'], holder: ['multiplayer', 'SceneMultiplayer', 'set_multiplayer_peer'] } as const;

function channelsConfigProblem({ channelsConfig }: Record<string, unknown>): string | null {
  if (channelsConfig !== undefined && !Array.isArray(channelsConfig)) return `options.channelsConfig must be an array of transfer modes, not ${describe(channelsConfig)}`;
  return null;
}

let nextLobbyPeerNumber = 1;

export class MultiplayerLobbyPeer extends LobbyPeer {
  /** The demo's `rtc_mp`. */
  readonly peer: WebRTCMultiplayerPeer;
  readonly multiplayer: MultiplayerPeerHolder | null;
  /** What ID made this peer; null before it. */
  mode: LobbyNetworkMode | null = null;
  private readonly channelsConfig: readonly number[];
  private attached = false;

  constructor(options: MultiplayerLobbyPeerOptions) {
    const checked = checkLobbyPeerOptions(options, 'MultiplayerLobbyPeer (4.x)', OPTION_KEYS, channelsConfigProblem);
    const { given } = checked;
    const peer = new WebRTCMultiplayerPeer(dispatchAsHolder(given.peer, given.multiplayer));
    super(options, checked, { name: `lobby-peer4-${nextLobbyPeerNumber++}`, protocol: 4, mesh: given.mesh, rtcMultiplayer: peer, closedPeer: 'the peer' });
    this.peer = peer;
    this.channelsConfig = given.channelsConfig ?? [];
    this.multiplayer = given.multiplayer ?? null;
  }

  /** The demo's `connected(id, use_mesh)`: create_mesh / create_server / create_client. */
  protected create(id: number): LobbyCall {
    const mode: LobbyNetworkMode = this.signaling.mesh ? 'mesh' : id === 1 ? 'server' : 'client';
    this.mode = mode;
    const code = mode === 'mesh' ? this.peer.create_mesh(id, this.channelsConfig) : mode === 'server' ? this.peer.create_server(this.channelsConfig) : this.peer.create_client(id, this.channelsConfig);
    return { method: `create_${mode}`, code, failed: `create_${mode}(${mode === 'server' ? '' : id}) refused` };
  }

  /** `multiplayer.multiplayer_peer = rtc_mp`. */
  protected attach(): LobbyCall | null {
    if (this.multiplayer === null) return null;
    const code = this.multiplayer.set_multiplayer_peer(this.peer);
    this.attached = code === GodotError.OK;
    return { method: 'set_multiplayer_peer', code, failed: 'the SceneMultiplayer refused the peer' };
  }

  /** `multiplayer.multiplayer_peer = null`, if it took the peer. */
  protected override detach(): void {
    if (!this.attached) return;
    this.attached = false;
    const detached = this.multiplayer!.set_multiplayer_peer(null);
    if (detached !== GodotError.OK) log('warn', 'library', `${this.name}: set_multiplayer_peer(null) refused (${errorName(detached)})`);
  }
}
