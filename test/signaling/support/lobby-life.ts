/**
 * A scripted lobby life through a real server, with one socket dropped at a chosen step: a host
 * (H) and two members (A, B) connect, create, join, relay, seal, and the seal completes. The
 * script keeps its own model of the lobby (who joined, in what order, who sees whom), so each
 * step says what every live socket must receive, and the drop says who gets PEER_DISCONNECT and
 * who gets 4000 `Room host has disconnected`. Steps that need the dropped socket, or a lobby
 * that ended, are skipped, as a client would; a JOIN to a lobby that ended is `Lobby does not exists`.
 */
import { expect } from 'vitest';
import { SIGNALING_CLOSES } from '../../../src/machines/signaling-session.js';
import { encodeFrame, MessageType } from '../../../src/signaling/frames.js';
import { encodeTextFrame } from '../../../src/signaling/text-frames.js';
import { Probe, waitUntil, type CloseInfo } from './probe.js';
import { joinFrame, peerConnectFrame, peerDisconnectFrame, readFrame, relayFrame, sealFrame, type Protocol } from './lobbies.js';

export type Role = 'H' | 'A' | 'B';
export const ROLES: readonly Role[] = ['H', 'A', 'B'];

export const STEPS = ['H connects', 'H creates', 'A connects', 'A joins', 'B connects', 'B joins', 'A offers to H', 'H answers A', 'B sends a candidate', 'H seals', 'the seal completes'] as const;

interface Actor {
  role: Role;
  probe: Probe | null;
  /** Raw-id stand-in: the id on the wire (1 for the host), known once its ID frame arrived. */
  id: number | null;
  joined: boolean;
  dropped: boolean;
  /** Every frame it must have received, in order; a pattern for the lobby's name in a JOIN. */
  expected: Array<string | RegExp>;
  expectedClose: CloseInfo | null;
  /** Frames that may come after `expected`, or not: a drop that races the seal's end. */
  optionalTail: string[];
  /** Another close it may get instead: the host's drop racing the seal's end. */
  otherClose: CloseInfo | null;
}

export interface LifeShape {
  protocol: Protocol;
  mesh: boolean;
}

const NO_SUCH_LOBBY = 'NoSuchLobby00000';

export class LobbyLife {
  readonly actors: Record<Role, Actor>;
  private lobbyName: string | null = null;
  private lobbyOpen = false;
  private sealed = false;
  /** Joined members in join order, the host first (the lobby machine's `members`). */
  private members: Role[] = [];

  constructor(
    private readonly url: string,
    readonly shape: LifeShape,
    private readonly label: string,
    /** How many sessions the server lists, and how many are not this life's: a drop is done when the server has let go of it. */
    private readonly server: { sessions: () => number; others: number },
  ) {
    const actor = (role: Role): Actor => ({ role, probe: null, id: role === 'H' ? 1 : null, joined: false, dropped: false, expected: [], expectedClose: null, optionalTail: [], otherClose: null });
    this.actors = { H: actor('H'), A: actor('A'), B: actor('B') };
  }

  /** Runs the whole script, dropping `victim` (terminate: no close frame) right after step `dropAfter`. */
  async run(victim: Role, dropAfter: number, drop: 'terminate' | 'close' = 'terminate'): Promise<void> {
    for (let step = 0; step < STEPS.length; step++) {
      await this.step(step);
      await this.settle(`after step ${step} (${STEPS[step]})`);
      if (step === dropAfter) {
        this.drop(victim, drop);
        await this.settle(`after dropping ${victim}`);
        // The next step must not race the server's learning of the drop (another socket's JOIN could come first).
        await waitUntil(() => this.server.sessions() === this.server.others + this.liveCount(), `${this.label}: the server lets go of ${victim}`);
      }
    }
  }

  /** Every live socket got exactly its frames, and its close if it was closed. */
  verify(): void {
    for (const actor of Object.values(this.actors)) {
      if (actor.probe === null || actor.dropped) continue;
      const received = actor.probe.texts;
      const context = `${this.label}: ${actor.role}`;
      const counted = `${context} frame count: ${JSON.stringify(received)} vs ${actor.expected.map(String).join(' | ')} (then perhaps ${JSON.stringify(actor.optionalTail)})`;
      expect(received.length, counted).toBeGreaterThanOrEqual(actor.expected.length);
      expect(received.length, counted).toBeLessThanOrEqual(actor.expected.length + actor.optionalTail.length);
      actor.expected.forEach((frame, i) => {
        if (typeof frame === 'string') expect(received[i], `${context} frame ${i}`).toBe(frame);
        else expect(received[i], `${context} frame ${i}`).toMatch(frame);
      });
      expect(received.slice(actor.expected.length), `${context}: the frames after`).toEqual(actor.optionalTail.slice(0, received.length - actor.expected.length));
      const closes = actor.otherClose === null ? [actor.expectedClose] : [actor.expectedClose, actor.otherClose];
      expect(closes, `${context} close ${JSON.stringify(actor.probe.closeInfo)}`).toContainEqual(actor.probe.closeInfo);
    }
  }

  /** Ends the sockets still open (terminate), after the checks. */
  endAll(): void {
    for (const actor of Object.values(this.actors)) actor.probe?.terminate();
  }

  private liveCount(): number {
    return ROLES.filter((role) => this.live(role) !== null).length;
  }

  private live(role: Role): Actor | null {
    const actor = this.actors[role];
    return actor.probe !== null && !actor.dropped && actor.expectedClose === null ? actor : null;
  }

  private joinedLive(role: Role): Actor | null {
    const actor = this.live(role);
    return actor !== null && actor.joined && this.lobbyOpen ? actor : null;
  }

  private async step(step: number): Promise<void> {
    const { protocol, mesh } = this.shape;
    switch (STEPS[step]) {
      case 'H connects':
        return this.connect('H');
      case 'A connects':
        return this.connect('A');
      case 'B connects':
        return this.connect('B');
      case 'H creates': {
        const host = this.live('H');
        if (host === null) return;
        host.probe!.send(joinFrame(protocol, '', mesh));
        host.expected.push(protocol === 4 ? encodeFrame({ type: MessageType.ID, id: 1, data: mesh ? 'true' : '' }) : encodeTextFrame({ command: 'I', id: 1 }));
        host.expected.push(protocol === 4 ? /^\{"type":0,"id":0,"data":"[A-Za-z0-9]{16}"\}$/ : /^J: [A-Za-z0-9]{16}\n$/);
        await host.probe!.waitFrames(2);
        this.lobbyName = readFrame(host.probe!.texts[1]!, protocol)!.data;
        this.lobbyOpen = true;
        host.joined = true;
        this.members = ['H'];
        return;
      }
      case 'A joins':
        return this.join('A');
      case 'B joins':
        return this.join('B');
      case 'A offers to H':
        return this.relay('A', 'H', MessageType.OFFER, `v=0\r\no=- ${this.label} offer\r\n`);
      case 'H answers A':
        return this.relay('H', 'A', MessageType.ANSWER, `v=0\r\no=- ${this.label} answer\r\n`);
      case 'B sends a candidate':
        return this.relay('B', mesh ? 'A' : 'H', MessageType.CANDIDATE, `\n0\n0\ncandidate:1 1 UDP 2122317823 127.0.0.1 5000 typ host ${this.label}`);
      case 'H seals': {
        const host = this.joinedLive('H');
        if (host === null) return;
        host.probe!.send(sealFrame(protocol));
        for (const role of this.members) this.actors[role].expected.push(sealFrame(protocol));
        this.sealed = true;
        return;
      }
      case 'the seal completes': {
        if (!this.lobbyOpen || !this.sealed) return;
        for (const role of this.members) this.actors[role].expectedClose = { ...SIGNALING_CLOSES.sealComplete };
        this.lobbyOpen = false;
        this.members = [];
        return;
      }
    }
  }

  private async connect(role: Role): Promise<void> {
    if (this.actors[role].dropped) return;
    this.actors[role].probe = await Probe.connect(this.url, `${this.label}-${role}`);
  }

  private async join(role: Role): Promise<void> {
    const joiner = this.live(role);
    if (joiner === null) return;
    const { protocol, mesh } = this.shape;
    joiner.probe!.send(joinFrame(protocol, this.lobbyOpen ? this.lobbyName! : (this.lobbyName ?? NO_SUCH_LOBBY)));
    if (!this.lobbyOpen) {
      joiner.expectedClose = { ...SIGNALING_CLOSES.lobbyMissing };
      return;
    }
    await joiner.probe!.waitFrames(1);
    const idFrame = readFrame(joiner.probe!.texts[0]!, protocol);
    expect(idFrame?.type, `${this.label}: ${role}'s first frame`).toBe(MessageType.ID);
    joiner.id = idFrame!.id;
    joiner.expected.push(joiner.probe!.texts[0]!);
    // server.js's order: for each member the joiner sees, PEER_CONNECT to it, and its PEER_CONNECT to the joiner; then JOIN.
    const seen = mesh ? this.members : ['H' as Role];
    for (const member of seen) {
      this.actors[member].expected.push(peerConnectFrame(protocol, joiner.id));
      joiner.expected.push(peerConnectFrame(protocol, this.actors[member].id!));
    }
    joiner.expected.push(protocol === 4 ? encodeFrame({ type: MessageType.JOIN, id: 0, data: this.lobbyName! }) : encodeTextFrame({ command: 'J', lobby: this.lobbyName! }));
    joiner.joined = true;
    this.members.push(role);
  }

  private relay(from: Role, to: Role, type: 4 | 5 | 6, data: string): void {
    const sender = this.joinedLive(from);
    const target = this.joinedLive(to);
    if (sender === null || target === null) return;
    sender.probe!.send(relayFrame(this.shape.protocol, type, to === 'H' ? 1 : target.id!, data));
    target.expected.push(relayFrame(this.shape.protocol, type, sender.id!, data));
  }

  private drop(role: Role, how: 'terminate' | 'close'): void {
    const victim = this.actors[role];
    if (victim.probe === null || victim.expectedClose !== null) {
      victim.dropped = true;
      return;
    }
    if (how === 'terminate') victim.probe.terminate();
    else victim.probe.close(1000, 'leaving');
    victim.dropped = true;
    if (!victim.joined || !this.lobbyOpen) return;
    this.members = this.members.filter((member) => member !== role);
    // Sealed, the seal's timer may end the lobby before the server learns of the drop.
    const racesSeal = this.sealed;
    if (role === 'H') {
      for (const member of this.members) {
        this.actors[member].expectedClose = { ...SIGNALING_CLOSES.hostLeft };
        if (racesSeal) this.actors[member].otherClose = { ...SIGNALING_CLOSES.sealComplete };
      }
      this.members = [];
      this.lobbyOpen = false;
      return;
    }
    // Those who saw it: everyone in a mesh; in a client/server lobby, the host only.
    const seers = this.shape.mesh ? this.members : this.members.filter((member) => member === 'H');
    for (const member of seers) (racesSeal ? this.actors[member].optionalTail : this.actors[member].expected).push(peerDisconnectFrame(this.shape.protocol, victim.id!));
  }

  /** Waits until every live socket has its expected frames and closes. */
  private async settle(when: string): Promise<void> {
    for (const actor of Object.values(this.actors)) {
      if (actor.probe === null || actor.dropped) continue;
      const probe = actor.probe;
      await probe.waitFor(
        () => probe.frames.length >= actor.expected.length && (actor.expectedClose === null || probe.closeInfo !== null),
        `${actor.expected.length} frames${actor.expectedClose ? ` and ${JSON.stringify(actor.expectedClose)}` : ''} ${when}`,
        10_000,
      );
    }
  }
}
