/**
 * One lobby of the signaling server: its actor (a MachineHandle of the pure lobby machine,
 * recorded as `lobby-<n>`), its members' sessions by raw id, its seal timer, and the frames it
 * broadcasts: the join order (ID, then PEER_CONNECTs interleaved as server.js sends them, then
 * JOIN), PEER_DISCONNECT, SEAL, and the closes that end it.
 */
import { MachineHandle, type Inspector } from '../api/machine-handle.js';
import { Recorder } from '../records/recorder.js';
import {
  describeLobbyEvent,
  lobbyWireId,
  peersSeenBy,
  signalingLobbyMachine,
  type SignalingLobbyContext,
} from '../machines/signaling-lobby.js';
import type { SignalingProtocol } from '../machines/signaling-session.js';
import type { Session } from './session.js';

/** Process-wide, so that two servers' lobbies never share a trail name. */
let lobbyCount = 0;

export interface LobbyOptions {
  recordCapacity: number;
  inspect?: Inspector;
}

export type LobbyEndCause = 'host_left' | 'seal_complete' | 'shutdown';

export class Lobby {
  readonly n = ++lobbyCount;
  readonly recorder: Recorder;
  readonly handle: MachineHandle<typeof signalingLobbyMachine>;
  /** Every member's session by raw id, the host first, in the order they joined (the machine's `members`). */
  readonly members = new Map<number, Session>();
  private sealTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly wireName: string,
    host: Session,
    mesh: boolean,
    protocol: SignalingProtocol,
    options: LobbyOptions,
    /** Called once, when the lobby has ended (its members already closed or told). */
    private readonly onEnd: (lobby: Lobby, cause: LobbyEndCause) => void,
  ) {
    this.recorder = new Recorder(`lobby-${this.n}`, options.recordCapacity);
    this.handle = new MachineHandle('signalingLobby', signalingLobbyMachine, this.recorder, {
      input: { name: wireName, mesh, protocol, host: host.id },
      describe: (event) => describeLobbyEvent(event, host.id),
      ...(options.inspect ? { inspect: options.inspect } : {}),
    });
    this.members.set(host.id, host);
    host.lobby = this;
  }

  get name(): string {
    return this.recorder.connection;
  }

  get context(): SignalingLobbyContext {
    return this.handle.snapshot.context;
  }

  get state(): string {
    return this.handle.state;
  }

  /** The host's first frames: its ID (1) and the lobby's name. */
  welcomeHost(host: Session): void {
    const wire = host.wire!;
    host.write(wire.id(1, this.context.mesh));
    host.write(wire.join(this.wireName));
  }

  /**
   * Admits a session the machines accepted: ID to the joiner, then for each member it can see (in
   * the order they joined) PEER_CONNECT to that member and PEER_CONNECT of that member to the
   * joiner, then JOIN. A client of a client/server lobby sees only the host.
   */
  admit(joiner: Session): void {
    this.handle.send({ type: 'join', id: joiner.id, protocol: joiner.protocol! });
    this.members.set(joiner.id, joiner);
    joiner.lobby = this;
    const context = this.context;
    const wire = joiner.wire!;
    joiner.write(wire.id(joiner.id, context.mesh));
    for (const id of peersSeenBy(context, joiner.id)) {
      const member = this.members.get(id);
      if (member === undefined) continue;
      member.write(member.wire!.peerConnect(joiner.id));
      joiner.write(wire.peerConnect(lobbyWireId(context, id)));
    }
    joiner.write(wire.join(this.wireName));
  }

  /** The host sealed it: SEAL to every member, the host included, and the seal timer armed. */
  seal(by: Session, sealCloseTimeoutMs: number): void {
    const wasSealed = this.context.sealed;
    this.handle.send({ type: 'seal', id: by.id });
    if (wasSealed) return;
    for (const member of this.members.values()) {
      member.send({ type: 'lobby_sealed' });
      member.write(member.wire!.seal());
    }
    this.sealTimer = setTimeout(() => this.sealComplete(), sealCloseTimeoutMs);
  }

  /**
   * A member's session has ended. The host leaving ends the lobby and closes every member 4000
   * `Room host has disconnected`; anyone else leaving is a PEER_DISCONNECT to those who saw it.
   */
  leave(session: Session): void {
    if (!this.members.has(session.id)) return;
    const context = this.context;
    const seers = peersSeenBy(context, session.id);
    const wireId = lobbyWireId(context, session.id);
    this.handle.send({ type: 'leave', id: session.id });
    this.members.delete(session.id);
    session.lobby = null;
    if (session.id === context.host) return this.end('host_left');
    for (const id of seers) {
      const member = this.members.get(id);
      if (member !== undefined) member.write(member.wire!.peerDisconnect(wireId));
    }
  }

  /** The server is shutting down; its sessions are closed by the server. */
  shutdown(): void {
    this.handle.send({ type: 'shutdown' });
    this.end('shutdown');
  }

  private sealComplete(): void {
    this.sealTimer = null;
    this.handle.send({ type: 'seal_complete' });
    this.end('seal_complete');
  }

  private end(cause: LobbyEndCause): void {
    if (this.sealTimer !== null) clearTimeout(this.sealTimer);
    this.sealTimer = null;
    const members = [...this.members.values()];
    this.members.clear();
    for (const member of members) {
      member.lobby = null;
      if (cause === 'shutdown') continue;
      member.clearTimers();
      if (cause === 'host_left') {
        member.send({ type: 'host_left' });
        member.closeSocket('hostLeft');
      } else {
        member.send({ type: 'seal_complete' });
        member.closeSocket('sealComplete');
      }
    }
    this.onEnd(this, cause);
  }
}
