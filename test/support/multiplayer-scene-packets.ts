/**
 * Packets a remote may send a SceneMultiplayer, for property tests: random bytes, and well-formed
 * ones of every kind built with the codec (src/godot4/scene-wire.ts), RELAY wrapping one of them.
 */
import fc from 'fast-check';
import { SysCommand } from '../../src/godot4/constants.js';
import { encodeAuth, encodeAuthComplete, encodeConfirmPath, encodeRaw, encodeRemoteCall, encodeSimplifyPath, encodeSys, rpcMethodsMd5, wrapRelay, type EncodeResult } from '../../src/godot4/scene-wire.js';

const PING_MD5 = rpcMethodsMd5(['ping']);

function valueOf(result: EncodeResult): Uint8Array {
  if (!result.ok) throw new Error(`the codec refused a packet the test built: ${result.reason}`);
  return result.value;
}

const someBytes = (minLength: number, maxLength = 24) => fc.uint8Array({ minLength, maxLength });
const peerId = fc.oneof(fc.integer({ min: -2, max: 7 }), fc.constantFrom(2 ** 31 - 1, -(2 ** 31)));
const cacheId = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constant(2 ** 32 - 1));

/** A well-formed RAW packet (a peer_packet once its sender is admitted). */
export const rawPacket: fc.Arbitrary<Uint8Array> = someBytes(1).map((payload) => valueOf(encodeRaw(payload)));

/** Every command but SYS and RELAY: what a RELAY may carry. */
const inner: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: rawPacket },
  { weight: 2, arbitrary: fc.tuple(cacheId, fc.constantFrom('Main', 'Main/Target', '.', 'é')).map(([id, path]) => valueOf(encodeSimplifyPath(id, path, PING_MD5))) },
  { weight: 1, arbitrary: fc.tuple(cacheId, fc.boolean()).map(([id, valid]) => valueOf(encodeConfirmPath(id, valid))) },
  { weight: 1, arbitrary: someBytes(0, 8).map((data) => valueOf(encodeRemoteCall({ kind: 'cached', id: 1 }, 0, { byteOnly: true, data }))) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(4, 5, 6, 0x16), someBytes(0, 16)).map(([command, body]) => Uint8Array.of(command, ...body)) },
  { weight: 1, arbitrary: someBytes(1, 12) },
);

/** One inbound packet: random bytes (sometimes with a chosen first byte) or a well-formed packet of any kind. */
export const inboundPacket: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: someBytes(0, 16) },
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 0, max: 255 }), someBytes(0, 12)).map(([first, rest]) => Uint8Array.of(first, ...rest)) },
  { weight: 4, arbitrary: fc.constant(0).map(() => encodeAuthComplete()) },
  { weight: 3, arbitrary: someBytes(1, 8).map((data) => valueOf(encodeAuth(data))) },
  { weight: 2, arbitrary: peerId.map((peer) => valueOf(encodeSys(SysCommand.ADD_PEER, peer))) },
  { weight: 1, arbitrary: peerId.map((peer) => valueOf(encodeSys(SysCommand.DEL_PEER, peer))) },
  { weight: 3, arbitrary: fc.tuple(peerId, inner).map(([peer, packet]) => valueOf(wrapRelay(peer, packet))) },
  { weight: 6, arbitrary: inner },
);
