/** What the signaling server shows of its sessions and lobbies: copies, made when asked. */
import type { ConnectionRecord } from '../records/record.js';
import type { SignalingProtocol } from '../machines/signaling-session.js';
import { lobbyWireId } from '../machines/signaling-lobby.js';
import type { Lobby } from './lobby.js';
import type { RelayCounts, Session } from './session.js';

export interface SignalingSessionView {
  name: string;
  id: number;
  state: string;
  /** The lobby's wire name, while it is in one. */
  lobby: string | null;
  host: boolean;
  protocol: SignalingProtocol | null;
  relayed: RelayCounts;
  records(): ConnectionRecord[];
}

export interface SignalingLobbyView {
  name: string;
  lobby: string;
  state: string;
  mesh: boolean;
  protocol: SignalingProtocol;
  /** Wire ids, the host (1) first, in the order they joined. */
  members: number[];
  sealed: boolean;
  records(): ConnectionRecord[];
}

export function sessionView(session: Session): SignalingSessionView {
  const lobby = session.lobby;
  return {
    name: session.name,
    id: session.id,
    state: session.state,
    lobby: lobby?.wireName ?? null,
    host: session.host,
    protocol: session.protocol,
    relayed: { ...session.relayed },
    records: () => session.recorder.list(),
  };
}

export function lobbyView(lobby: Lobby): SignalingLobbyView {
  const context = lobby.context;
  return {
    name: lobby.name,
    lobby: lobby.wireName,
    state: lobby.state,
    mesh: context.mesh,
    protocol: context.protocol,
    members: [...lobby.members.keys()].map((id) => lobbyWireId(context, id)),
    sealed: context.sealed,
    records: () => lobby.recorder.list(),
  };
}
