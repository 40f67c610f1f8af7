/**
 * The MultiplayerPeer under a SceneMultiplayer in a property test, and the remotes around it:
 * either fakes (test/godot4-unit/scene-multiplayer-fake.ts: links and packets at the next poll,
 * any bytes from any id) or a real WebRTCMultiplayerPeer linked over loopback to far
 * WebRTCMultiplayerPeers that put the test's bytes.
 */
import { GodotError } from '../../src/godot/constants.js';
import { ConnectionStatus, TransferMode } from '../../src/godot4/constants.js';
import type { MultiplayerPeer4 } from '../../src/godot4/multiplayer-peer.js';
import { WebRTCMultiplayerPeer } from '../../src/godot4/webrtc-multiplayer-peer.js';
import { verifyTrail } from '../../src/audit/verify.js';
import { WebRTCPeerConnection } from '../../src/index.js';
import { FakeNet, type FakePeer } from '../godot4-unit/scene-multiplayer-fake.js';
import { peer as loopbackPeer, wire } from './loopback.js';

export type SceneKind = 'server' | 'client' | 'mesh';

export interface Refusal {
  method: string;
  code: number;
}

export interface SceneHarness {
  readonly kind: SceneKind;
  readonly selfId: number;
  /** A real WebRTCMultiplayerPeer over loopback (packets take a moment), not a fake. */
  readonly real: boolean;
  readonly peer: MultiplayerPeer4;
  /** Ids this peer may link to. */
  readonly remotes: readonly number[];
  /** Ids inbound packets may come from: the remotes, and with fakes a stranger. */
  readonly senders: readonly number[];
  link(remote: number): void;
  unlink(remote: number): void;
  /** A packet from `from`, in `mode` (it arrives by a later poll). */
  inject(from: number, bytes: Uint8Array, mode: TransferMode): void;
  /** A new peer whose status is DISCONNECTED (set_multiplayer_peer refuses it). */
  disconnectedPeer(): MultiplayerPeer4;
  /** The refusals recorded on each peer of the run (the peer first, then each disconnected one), in order. */
  refusals(): Refusal[][];
  /** Lets the far ends' reports in, and reads what they were sent (bounded memory). */
  pollFars(): void;
  /** A client's link to its server fails before it opened (fakes only; a no-op otherwise). */
  fail(): void;
  closePeer(): void;
  /** Problems the records' replay finds (none to check with fakes). */
  verify(): string[];
  end(): void;
}

const REMOTES: Record<SceneKind, number[]> = { server: [2, 3, 4], client: [1], mesh: [2, 3] };
const selfIdOf = (kind: SceneKind) => (kind === 'server' ? 1 : 5);

export function fakeHarness(kind: SceneKind): SceneHarness {
  const net = new FakeNet();
  const selfId = selfIdOf(kind);
  const self = net.peer(selfId, kind);
  const remotes = REMOTES[kind];
  const fars = remotes.map((id) => net.peer(id, kind === 'mesh' ? 'mesh' : id === 1 ? 'server' : 'client'));
  const others: FakePeer[] = [];
  const parse = (text: string): Refusal => ({ method: text.split(' ')[0]!, code: Number(text.split(' ')[1]!.replace(':', '')) });
  return {
    kind,
    selfId,
    real: false,
    peer: self,
    remotes,
    senders: [...remotes, 9],
    link: (remote) => {
      if (!self.has_peer(remote)) net.link(selfId, remote);
    },
    unlink: (remote) => net.unlink(selfId, remote),
    inject: (from, bytes, mode) => self.deliver({ from, to: selfId, channel: 0, mode, bytes: bytes.slice() }),
    disconnectedPeer: () => {
      const other = new FakeNet().peer(7, 'client');
      other.close();
      others.push(other);
      return other;
    },
    refusals: () => [self, ...others].map((peer) => peer.refusals.map(parse)),
    pollFars: () => {
      for (const far of fars) {
        far.poll();
        while (far.get_available_packet_count() > 0) far.get_packet();
      }
    },
    fail: () => self.fail(),
    closePeer: () => self.close(),
    verify: () => [],
    end: () => undefined,
  };
}

/** A server (1) with far clients 2 and 3, or a client (5) of a far server 1, over loopback. */
export function realHarness(kind: 'server' | 'client'): SceneHarness {
  const selfId = selfIdOf(kind);
  const mp = new WebRTCMultiplayerPeer({ recordCapacity: 8192 });
  if ((kind === 'server' ? mp.create_server() : mp.create_client(selfId)) !== GodotError.OK) throw new Error(`create_${kind} refused`);
  const remotes = kind === 'server' ? [2, 3] : [1];
  const fars = new Map<number, WebRTCMultiplayerPeer>();
  const closedFars: WebRTCMultiplayerPeer[] = [];
  const others: WebRTCMultiplayerPeer[] = [];
  const made: WebRTCPeerConnection[] = [];
  const pc = () => {
    const connection = loopbackPeer();
    made.push(connection);
    return connection;
  };
  const refusalsOf = (peer: WebRTCMultiplayerPeer): Refusal[] => peer.get_records().flatMap((record) => (record.kind === 'refusal' ? [{ method: record.method, code: record.code }] : []));
  return {
    kind,
    selfId,
    real: true,
    peer: mp,
    remotes,
    senders: remotes,
    link: (remote) => {
      if (fars.has(remote) || mp.has_peer(remote) || mp.get_connection_status() === ConnectionStatus.CONNECTION_DISCONNECTED) return;
      const far = new WebRTCMultiplayerPeer();
      if ((remote === 1 ? far.create_server() : far.create_client(remote)) !== GodotError.OK) throw new Error('the far peer refused its create_*');
      const ours = pc();
      const theirs = pc();
      wire(ours, theirs);
      if (mp.add_peer(ours, remote) !== GodotError.OK || far.add_peer(theirs, selfId) !== GodotError.OK) {
        far.close();
        return;
      }
      fars.set(remote, far);
      (selfId < remote ? ours : theirs).create_offer();
    },
    unlink: (remote) => {
      const far = fars.get(remote);
      if (far === undefined) return;
      far.close();
      fars.delete(remote);
      closedFars.push(far);
    },
    inject: (from, bytes, mode) => {
      const far = fars.get(from);
      if (far === undefined) return;
      far.set_target_peer(selfId);
      far.set_transfer_mode(mode);
      far.put_packet(bytes);
    },
    disconnectedPeer: () => {
      const other = new WebRTCMultiplayerPeer();
      others.push(other);
      return other;
    },
    refusals: () => [mp, ...others].map(refusalsOf),
    pollFars: () => {
      for (const far of fars.values()) {
        far.poll();
        for (let read = 0; read < 1000 && far.get_available_packet_count() > 0; read++) far.get_packet();
      }
    },
    fail: () => undefined,
    closePeer: () => mp.close(),
    verify: () => verifyTrail(mp.get_records()).problems.map((problem) => JSON.stringify(problem)),
    end: () => {
      mp.close();
      for (const far of [...fars.values(), ...closedFars]) far.close();
      for (const connection of made) if (connection.get_connection_state() !== WebRTCPeerConnection.STATE_CLOSED) connection.close();
    },
  };
}
