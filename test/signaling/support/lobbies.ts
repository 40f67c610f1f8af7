/**
 * Lobbies made through a real server with raw probes, as the demo clients make them: the host's
 * JOIN (empty name), then each member's JOIN by name. Each member reads its ID, the
 * PEER_CONNECTs, and the JOIN that ends a join (server.js sends it last).
 */
import { encodeFrame, MessageType } from '../../../src/signaling/frames.js';
import { decodeServerTextFrame, encodeTextFrame, toJsonMessage } from '../../../src/signaling/text-frames.js';
import { Probe } from './probe.js';

export type Protocol = 3 | 4;

export interface Member {
  probe: Probe;
  /** The id on the wire: 1 for the host. */
  id: number;
  /** The ids this member was told of by PEER_CONNECT while joining. */
  peers: number[];
}

export interface JoinedLobby {
  name: string;
  protocol: Protocol;
  mesh: boolean;
  host: Member;
  members: Member[];
}

/** One frame read as {type, id, data}, in either protocol (3.x: I/N/D/J/S and the relays). */
export function readFrame(text: string, protocol: Protocol): { type: number; id: number; data: string } | null {
  if (protocol === 4) {
    try {
      const json = JSON.parse(text) as { type: number; id: number; data: string };
      return typeof json === 'object' && json !== null ? json : null;
    } catch {
      return null;
    }
  }
  const decoded = decodeServerTextFrame(text);
  if (!decoded.ok) return null;
  return toJsonMessage(decoded.message);
}

/** The JOIN frame a client sends: `''` creates (4.x: id 0 for a mesh, 1 for client/server). */
export function joinFrame(protocol: Protocol, lobby: string, mesh = true): string {
  return protocol === 4 ? encodeFrame({ type: MessageType.JOIN, id: mesh ? 0 : 1, data: lobby }) : encodeTextFrame({ command: 'J', lobby });
}

/** A relay as a client sends it (to `dest`, 1 the host), or as the server relays it (from `dest`). */
export function relayFrame(protocol: Protocol, type: 4 | 5 | 6, dest: number, data: string): string {
  if (protocol === 4) return encodeFrame({ type, id: dest, data });
  const command = ({ 4: 'O', 5: 'A', 6: 'C' } as const)[type];
  return encodeTextFrame({ command, id: dest, payload: data });
}

export function sealFrame(protocol: Protocol): string {
  return protocol === 4 ? encodeFrame({ type: MessageType.SEAL, id: 0 }) : encodeTextFrame({ command: 'S' });
}

export function peerDisconnectFrame(protocol: Protocol, id: number): string {
  return protocol === 4 ? encodeFrame({ type: MessageType.PEER_DISCONNECT, id }) : encodeTextFrame({ command: 'D', id });
}

export function peerConnectFrame(protocol: Protocol, id: number): string {
  return protocol === 4 ? encodeFrame({ type: MessageType.PEER_CONNECT, id }) : encodeTextFrame({ command: 'N', id });
}

/** Sends a JOIN on an open probe and reads up to the JOIN that ends it. */
export async function joinWith(probe: Probe, protocol: Protocol, lobby: string, mesh = true, timeoutMs = 10_000): Promise<{ name: string; member: Member; mesh: boolean }> {
  const from = probe.frames.length;
  probe.send(joinFrame(protocol, lobby, mesh));
  const at = await probe.waitFrame((text) => readFrame(text, protocol)?.type === MessageType.JOIN, from, timeoutMs);
  const frames = probe.frames.slice(from, at + 1).map((frame) => readFrame(frame.text, protocol));
  const idFrame = frames.find((frame) => frame?.type === MessageType.ID);
  if (!idFrame) throw new Error(`${probe.label}: no ID before JOIN: ${probe.describe()}`);
  const peers = frames.filter((frame) => frame?.type === MessageType.PEER_CONNECT).map((frame) => frame!.id);
  probe.takeNew();
  return { name: frames.at(-1)!.data, member: { probe, id: idFrame.id, peers }, mesh: idFrame.data === 'true' };
}

/** A lobby with a host and `count` members, all joined, every PEER_CONNECT of the joins read. */
export async function makeLobby(url: string, protocol: Protocol, count: number, options: { mesh?: boolean; label?: string } = {}): Promise<JoinedLobby> {
  const label = options.label ?? `lobby${protocol}`;
  const hostProbe = await Probe.connect(url, `${label}-host`);
  const created = await joinWith(hostProbe, protocol, '', options.mesh ?? true);
  const lobby: JoinedLobby = { name: created.name, protocol, mesh: created.mesh, host: created.member, members: [] };
  for (let i = 0; i < count; i++) {
    const probe = await Probe.connect(url, `${label}-m${i}`);
    const joined = await joinWith(probe, protocol, lobby.name);
    // Everyone already in the lobby who sees the joiner gets its PEER_CONNECT.
    const seers = lobby.mesh ? [lobby.host, ...lobby.members] : [lobby.host];
    for (const seer of seers) await seer.probe.waitFrame((text) => text === peerConnectFrame(protocol, joined.member.id), 0);
    for (const seer of seers) seer.probe.takeNew();
    lobby.members.push(joined.member);
  }
  return lobby;
}

export function everyone(lobby: JoinedLobby): Member[] {
  return [lobby.host, ...lobby.members];
}
