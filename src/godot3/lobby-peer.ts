/**
 * A Node peer in a Godot 3.x webrtc_signaling lobby, in multiplayer mode: what the 3.x demo's
 * `client/multiplayer_client.gd` does, over a SignalingClient speaking protocol 3 and a
 * WebRTCMultiplayer (the lobby handling both versions share is src/multiplayer/lobby-peer.ts).
 *
 * - ID → `rtc_mp.initialize(id, true)` (server compatibility, as the demo), then the optional
 *   MultiplayerAPI takes the peer (`set_network_peer`, which Godot 3 refuses while disconnected).
 * - PEER_CONNECT → `rtc_mp.add_peer(pc, id)` before any offer; the lower id offers (the 3.x rule,
 *   which SignalingClient applies), so the host (1) offers to every member.
 * - PEER_DISCONNECT → `remove_peer(id)` if the map has it.
 * - The socket closing before a SEAL → the demo's `stop()`: `rtc_mp.close()` (no signals, as in
 *   Godot 3); after a SEAL the mesh outlives the socket.
 *
 * Nothing here throws: every failure is a Godot Error returned or, inside a listener, logged.
 */
import { describe } from '../api/arguments.js';
import type { GodotError } from '../godot/constants.js';
import { LobbyPeer, checkLobbyPeerOptions, dispatchAsHolder, type LobbyCall, type LobbyPeerOptions } from '../multiplayer/lobby-peer.js';
import { WebRTCMultiplayer } from './webrtc-multiplayer.js';
import type { NetworkedMultiplayerPeer } from './networked-peer.js';

/** What the lobby peer needs of a MultiplayerAPI: to take the multiplayer peer once it is initialized. */
export interface NetworkPeerHolder {
  set_network_peer(peer: NetworkedMultiplayerPeer | null): GodotError;
}

export interface MultiplayerLobbyPeerOptions extends LobbyPeerOptions {
  /** `initialize(id, serverCompatibility)`: true by default, as the demo (members are clients of 1 until it connects). */
  serverCompatibility?: boolean;
  /** The WebRTCMultiplayer's own options (record name, dispatch, inspector); its dispatch defaults to the api's when that is 'events'. */
  multiplayer?: ConstructorParameters<typeof WebRTCMultiplayer>[0];
  /** A MultiplayerAPI that takes the multiplayer peer once it is initialized. */
  api?: NetworkPeerHolder;
}

const OPTION_KEYS = { own: ['multiplayer', 'WebRTCMultiplayer'], holder: ['api', 'MultiplayerAPI', 'set_network_peer'] } as const;

function serverCompatibilityProblem({ serverCompatibility }: Record<string, unknown>): string | null {
  if (serverCompatibility !== undefined && typeof serverCompatibility !== 'boolean') return `options.serverCompatibility must be a boolean, not ${describe(serverCompatibility)}`;
  return null;
}

let nextLobbyPeerNumber = 1;

export class MultiplayerLobbyPeer extends LobbyPeer {
  readonly multiplayer: WebRTCMultiplayer;
  readonly serverCompatibility: boolean;
  readonly api: NetworkPeerHolder | null;

  constructor(options: MultiplayerLobbyPeerOptions) {
    const checked = checkLobbyPeerOptions(options, 'MultiplayerLobbyPeer', OPTION_KEYS, serverCompatibilityProblem);
    const { given } = checked;
    const multiplayer = new WebRTCMultiplayer(dispatchAsHolder(given.multiplayer, given.api));
    super(options, checked, { name: `lobby-peer-${nextLobbyPeerNumber++}`, protocol: 3, mesh: true, rtcMultiplayer: multiplayer, closedPeer: 'the multiplayer peer' });
    this.multiplayer = multiplayer;
    this.serverCompatibility = given.serverCompatibility ?? true;
    this.api = given.api ?? null;
  }

  /** The demo's `connected(id)`: `rtc_mp.initialize(id, true)`. */
  protected create(id: number): LobbyCall {
    const code = this.multiplayer.initialize(id, this.serverCompatibility);
    return { method: 'initialize', code, failed: `multiplayer.initialize(${id}, ${this.serverCompatibility}) refused` };
  }

  protected attach(): LobbyCall | null {
    if (this.api === null) return null;
    return { method: 'set_network_peer', code: this.api.set_network_peer(this.multiplayer), failed: 'the MultiplayerAPI refused the multiplayer peer' };
  }
}
