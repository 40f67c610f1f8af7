/**
 * What the server writes to one client, in the protocol that client speaks: 4.x JSON frames
 * (keys type, id, data, as server.js's `ProtoMessage` writes them) or 3.x text frames. Templates,
 * not JSON.stringify of an object: the relay path runs once per OFFER, ANSWER and CANDIDATE, and
 * the output is the same byte for byte (a test compares it with `encodeFrame`).
 */
import { MessageType, type RelayType } from './frames.js';
import { RELAY_LETTERS } from './text-frames.js';
import type { SignalingProtocol } from '../machines/signaling-session.js';

export type { RelayType } from './frames.js';

export interface ServerWire {
  id(id: number, mesh: boolean): string;
  peerConnect(id: number): string;
  peerDisconnect(id: number): string;
  join(lobby: string): string;
  seal(): string;
  relay(type: RelayType, from: number, data: string): string;
}

const JSON_SEAL = `{"type":${MessageType.SEAL},"id":0,"data":""}`;

export const JSON_WIRE: ServerWire = {
  id: (id, mesh) => `{"type":${MessageType.ID},"id":${id},"data":"${mesh ? 'true' : ''}"}`,
  peerConnect: (id) => `{"type":${MessageType.PEER_CONNECT},"id":${id},"data":""}`,
  peerDisconnect: (id) => `{"type":${MessageType.PEER_DISCONNECT},"id":${id},"data":""}`,
  join: (lobby) => `{"type":${MessageType.JOIN},"id":0,"data":${JSON.stringify(lobby)}}`,
  seal: () => JSON_SEAL,
  relay: (type, from, data) => `{"type":${type},"id":${from},"data":${JSON.stringify(data)}}`,
};

/** Every 3.x lobby is a mesh, so `I:` carries no mesh flag. */
export const TEXT_WIRE: ServerWire = {
  id: (id) => `I: ${id}\n`,
  peerConnect: (id) => `N: ${id}\n`,
  peerDisconnect: (id) => `D: ${id}\n`,
  join: (lobby) => `J: ${lobby}\n`,
  seal: () => 'S: \n',
  relay: (type, from, data) => `${RELAY_LETTERS[type]}: ${from}\n${data}`,
};

export function wireOf(protocol: SignalingProtocol): ServerWire {
  return protocol === 3 ? TEXT_WIRE : JSON_WIRE;
}
