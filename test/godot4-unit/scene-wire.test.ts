/**
 * SceneMultiplayer's wire (Godot 4.3+) against /work/shared/reference/godot-multiplayer.md §2.2–§2.8:
 * each golden vector names the section its bytes come from (no Godot 4 engine runs here). Then
 * Godot's receive checks, the relay helpers, and hostile input (random bytes, truncations).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CMD_MASK,
  CONFIRM_PATH_SIZE,
  NetworkCommand,
  SIMPLIFY_PATH_MIN_SIZE,
  SYS_CMD_SIZE,
  SysCommand,
  TransferMode,
} from '../../src/godot4/constants.js';
import {
  compareGodotStrings,
  decodeScenePacket,
  encodeAuth,
  encodeAuthComplete,
  encodeConfirmPath,
  encodeRaw,
  encodeRemoteCall,
  encodeSimplifyPath,
  encodeSys,
  forwardRelay,
  rpcConfigOrder,
  rpcMethodsMd5,
  unwrapRelay,
  wrapRelay,
  type EncodeResult,
  type ScenePacket,
} from '../../src/godot4/scene-wire.js';
import { hexBytes as hex, toHex } from '../support/multiplayer-bytes.js';

const bytesOf = (result: EncodeResult): string => {
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  return toHex(result.value);
};
const decoded = (bytes: Uint8Array): ScenePacket => {
  const result = decodeScenePacket(bytes);
  if (!result.ok) throw new Error(`dropped (${result.drop}): ${result.reason}`);
  return result.packet;
};
const dropOf = (bytes: Uint8Array, relayed = false): string => {
  const result = decodeScenePacket(bytes, { relayed });
  return result.ok ? `ok ${result.packet.command}` : result.drop;
};

// `echo -n ping | md5sum`: the checksum of a node whose only RPC method is `ping` (§2.7).
const PING_MD5 = 'df911f0151f9ef021d410b4be5060972';
const PING_MD5_HEX = Buffer.from(PING_MD5, 'latin1').toString('hex');
// The worked example's argument (§2.6): FLOAT header 03 00 00 00, then f32 1.5 (0x3fc00000) LE.
const FLOAT_1_5 = '03000000 0000c03f';

describe('§2.2 the first byte: low 3 bits command, flags from bit 4', () => {
  it('has Godot 4 command values and the mask 7 (the source comment says 0b00001111)', () => {
    expect(NetworkCommand).toEqual({ REMOTE_CALL: 0, SIMPLIFY_PATH: 1, CONFIRM_PATH: 2, RAW: 3, SPAWN: 4, DESPAWN: 5, SYNC: 6, SYS: 7 });
    expect(CMD_MASK).toBe(7);
    expect(TransferMode.TRANSFER_MODE_RELIABLE).toBe(2); // MultiplayerPeer's enums are Godot 3's (§1.1)
  });

  it('reads the command from the low 3 bits only: flag bits on RAW and SYS are ignored, as Godot masks them', () => {
    expect(decoded(hex('83 aa'))).toEqual({ command: 'raw', flags: 8, payload: hex('aa') });
    expect(decoded(hex('f7 00 01'))).toMatchObject({ command: 'sys', sys: 'auth', flags: 15 });
    expect(decoded(hex('0b aa'))).toMatchObject({ command: 'raw', flags: 0 }); // bit 3 is unused
  });

  it('knows every one of the 8 commands: none is "unknown" at the header', () => {
    const kinds = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07].map((first) => {
      const result = decodeScenePacket(Uint8Array.of(first, ...new Array<number>(40).fill(0)));
      return result.ok ? result.packet.command : result.drop;
    });
    // CONFIRM_PATH of 41 bytes is malformed (exactly 6), the rest decode.
    expect(kinds).toEqual(['remote_call', 'simplify_path', 'malformed', 'raw', 'spawn', 'despawn', 'sync', 'sys']);
  });

  it('drops an empty packet', () => {
    expect(dropOf(new Uint8Array(0))).toBe('malformed');
  });
});

describe('§2.5 RAW (cmd 3)', () => {
  it('is 03 then the bytes', () => {
    expect(bytesOf(encodeRaw(hex('010203')))).toBe('03010203');
    expect(decoded(hex('03 010203'))).toEqual({ command: 'raw', flags: 0, payload: hex('010203') });
  });

  it('refuses an empty payload as send_bytes does, and drops a lone 03 (receive needs len >= 2)', () => {
    expect(encodeRaw(new Uint8Array(0)).ok).toBe(false);
    expect(dropOf(hex('03'))).toBe('malformed');
  });
});

describe('§2.4 SYS (cmd 7)', () => {
  it('has AUTH 0, ADD_PEER 1, DEL_PEER 2, RELAY 3 and SYS_CMD_SIZE 6', () => {
    expect(SysCommand).toEqual({ AUTH: 0, ADD_PEER: 1, DEL_PEER: 2, RELAY: 3 });
    expect(SYS_CMD_SIZE).toBe(6);
  });

  it('AUTH: 07 00 data (no peer field), and the completion is exactly 07 00', () => {
    expect(bytesOf(encodeAuth(hex('cafe')))).toBe('0700cafe');
    expect(bytesOf(encodeSys(SysCommand.AUTH, 9, hex('cafe')))).toBe('0700cafe'); // the peer is not on the wire
    expect(toHex(encodeAuthComplete())).toBe('0700');
    expect(bytesOf(encodeSys(SysCommand.AUTH, 0))).toBe('0700');
    expect(encodeAuth(new Uint8Array(0)).ok).toBe(false); // send_auth refuses empty data
    expect(decoded(hex('0700'))).toEqual({ command: 'sys', sys: 'auth', flags: 0, data: new Uint8Array(0) });
    expect(decoded(hex('0700 cafe'))).toEqual({ command: 'sys', sys: 'auth', flags: 0, data: hex('cafe') });
  });

  it('ADD_PEER / DEL_PEER: 07 01|02 then the id as i32 LE, 6 bytes', () => {
    expect(bytesOf(encodeSys(SysCommand.ADD_PEER, 5))).toBe('070105000000');
    expect(bytesOf(encodeSys(SysCommand.DEL_PEER, 0x12345678))).toBe('070278563412');
    expect(bytesOf(encodeSys(SysCommand.ADD_PEER, 2147483647))).toBe('0701ffffff7f'); // the largest generated id (§1.1)
    expect(decoded(hex('070105000000'))).toEqual({ command: 'sys', sys: 'add_peer', flags: 0, peer: 5 });
    expect(decoded(hex('070278563412'))).toEqual({ command: 'sys', sys: 'del_peer', flags: 0, peer: 0x12345678 });
    expect(encodeSys(SysCommand.ADD_PEER, 5, hex('00')).ok).toBe(false);
    expect(encodeSys(SysCommand.ADD_PEER, 2 ** 31).ok).toBe(false);
  });

  it('RELAY: 07 03, the peer as i32 LE (0 all, -n all but n), then the inner packet', () => {
    expect(bytesOf(wrapRelay(0, hex('03aa')))).toBe('07030000000003aa'); // send_bytes(…, 0) from a client
    expect(bytesOf(wrapRelay(-3, hex('03aa')))).toBe('0703fdffffff03aa');
    expect(bytesOf(encodeSys(SysCommand.RELAY, 7, hex('03aa')))).toBe('07030700000003aa');
    expect(decoded(hex('0703 fdffffff 03aa'))).toEqual({ command: 'sys', sys: 'relay', flags: 0, peer: -3, inner: hex('03aa') });
    expect(wrapRelay(7, new Uint8Array(0)).ok).toBe(false);
  });

  it('drops what _process_sys drops: under 6 bytes (but AUTH), a RELAY under 7, an unknown SYS command', () => {
    expect(dropOf(hex('07'))).toBe('malformed');
    expect(dropOf(hex('0701050000'))).toBe('malformed');
    expect(dropOf(hex('070307000000'))).toBe('malformed');
    expect(dropOf(hex('070405000000'))).toBe('unknown_command');
    expect(encodeSys(4 as SysCommand, 1).ok).toBe(false);
  });

  it('a SYS inside a RELAY is "Invalid network command" (the inner packet goes to _process_packet)', () => {
    expect(dropOf(hex('070105000000'), true)).toBe('unknown_command');
    expect(dropOf(hex('03aa'), true)).toBe('ok raw');
  });
});

describe('§2.4 relay helpers: the server rewrites the target id to the source id', () => {
  it('client 5 → 7 arrives as 07 03 07 …; the server sends 07 03 05 … to 7, the packet it got untouched', () => {
    const fromClient = hex('0703 07000000 03aa');
    expect(unwrapRelay(fromClient)).toEqual({ ok: true, peer: 7, inner: hex('03aa') });
    expect(bytesOf(forwardRelay(fromClient, 5))).toBe('07030500000003aa');
    expect(toHex(fromClient)).toBe('07030700000003aa');
    // The receiving client reads the source from the same field.
    expect(unwrapRelay(hex('0703 05000000 03aa'))).toEqual({ ok: true, peer: 5, inner: hex('03aa') });
  });

  it('refuses to unwrap or forward what is not a RELAY', () => {
    expect(unwrapRelay(hex('03aa')).ok).toBe(false);
    expect(unwrapRelay(hex('070307000000')).ok).toBe(false);
    expect(forwardRelay(hex('070105000000'), 5).ok).toBe(false);
  });
});

describe('§2.7 SIMPLIFY_PATH (1) and CONFIRM_PATH (2)', () => {
  it('the checksum is md5_text of the RPC names in config order: node-level sorted, then the script\'s sorted', () => {
    expect(rpcMethodsMd5(['ping'])).toBe(PING_MD5);
    expect(rpcConfigOrder(['pong', 'ping'], ['z_node', 'a_node'])).toEqual(['a_node', 'z_node', 'ping', 'pong']);
    expect(rpcMethodsMd5([])).toBe('d41d8cd98f00b204e9800998ecf8427e'); // md5 of "": a node with no RPCs
  });

  it('sorts as Godot\'s String <, by code point (not by UTF-16 unit)', () => {
    expect(compareGodotStrings('\uffff', '\u{1f600}')).toBeLessThan(0);
    expect(['\u{1f600}', '\uffff'].sort()).toEqual(['\u{1f600}', '\uffff']); // JS's default order differs
    expect(rpcConfigOrder(['\u{1f600}', '\uffff'])).toEqual(['\uffff', '\u{1f600}']);
  });

  it('SIMPLIFY_PATH: 01 · md5 hex + NUL · u32 cache id · path + NUL (the ping node, id 1, path ".")', () => {
    const golden = `01 ${PING_MD5_HEX} 00 01000000 2e00`;
    expect(bytesOf(encodeSimplifyPath(1, '.', PING_MD5))).toBe(toHex(hex(golden)));
    expect(hex(golden).length).toBe(SIMPLIFY_PATH_MIN_SIZE + 2);
    expect(decoded(hex(golden))).toEqual({ command: 'simplify_path', flags: 0, md5: PING_MD5, id: 1, path: '.' });
    expect(bytesOf(encodeSimplifyPath(0x01020304, 'Main/Ui', PING_MD5))).toBe(toHex(hex(`01 ${PING_MD5_HEX} 00 04030201 ${Buffer.from('Main/Ui').toString('hex')} 00`)));
  });

  it('SIMPLIFY_PATH: under 38 bytes is dropped; the md5 is taken as it is (a wrong one only fails the comparison)', () => {
    expect(dropOf(hex(`01 ${PING_MD5_HEX} 00 010000`))).toBe('malformed');
    const odd = hex(`01 ${'5a'.repeat(32)} 00 02000000 6100`);
    expect(decoded(odd)).toMatchObject({ command: 'simplify_path', md5: 'Z'.repeat(32), id: 2, path: 'a' });
    expect(encodeSimplifyPath(1, '.', 'DF911F0151F9EF021D410B4BE5060972').ok).toBe(false);
    expect(encodeSimplifyPath(1, 'a\0b', PING_MD5).ok).toBe(false);
  });

  it('CONFIRM_PATH: 02 · u8 valid · u32 cache id, exactly 6 bytes', () => {
    expect(bytesOf(encodeConfirmPath(1, true))).toBe('020101000000');
    expect(bytesOf(encodeConfirmPath(0x01020304, false))).toBe('020004030201');
    expect(CONFIRM_PATH_SIZE).toBe(6);
    expect(decoded(hex('020101000000'))).toEqual({ command: 'confirm_path', flags: 0, valid: true, id: 1 });
    expect(decoded(hex('020004030201'))).toEqual({ command: 'confirm_path', flags: 0, valid: false, id: 0x01020304 });
    expect(dropOf(hex('0201010000'))).toBe('malformed');
    expect(dropOf(hex('02010100000000'))).toBe('malformed');
  });
});

describe('§2.6 REMOTE_CALL (cmd 0): the worked `ping` example and the header forms', () => {
  const float = { byteOnly: false as const, argc: 1, data: hex(FLOAT_1_5) };

  it('first send, uncached: 20 | 0F 00 00 80 | 00 | 01 | 03 00 00 00 <f32> | 2E 00', () => {
    const golden = `20 0f000080 00 01 ${FLOAT_1_5} 2e00`;
    expect(bytesOf(encodeRemoteCall({ kind: 'path', path: '.' }, 0, float))).toBe(toHex(hex(golden)));
    expect(decoded(hex(golden))).toEqual({
      command: 'remote_call',
      flags: 2,
      nodeIdBytes: 4,
      nameIdBytes: 1,
      nodeId: 0x8000000f,
      target: { kind: 'path', offset: 15, path: '.' },
      nameId: 0,
      byteOnly: false,
      argc: 1,
      args: hex(FLOAT_1_5),
    });
  });

  it('after confirmation: 00 | 01 | 00 | 01 | 03 00 00 00 <f32> (8-bit cache id 1)', () => {
    const golden = `00 01 00 01 ${FLOAT_1_5}`;
    expect(bytesOf(encodeRemoteCall({ kind: 'cached', id: 1 }, 0, float))).toBe(toHex(hex(golden)));
    expect(decoded(hex(golden))).toMatchObject({ nodeIdBytes: 1, target: { kind: 'cached', id: 1 }, nameId: 0, argc: 1, args: hex(FLOAT_1_5) });
  });

  it('a value that is not an exact float32: byte 2 of the Variant header is 0x01 and the payload is f64', () => {
    const f64 = '03000100 9a9999999999b93f'; // 0.1
    const golden = `20 13000080 00 01 ${f64} 2e00`;
    expect(bytesOf(encodeRemoteCall({ kind: 'path', path: '.' }, 0, { byteOnly: false, argc: 1, data: hex(f64) }))).toBe(toHex(hex(golden)));
    expect(decoded(hex(golden))).toMatchObject({ target: { kind: 'path', offset: 19, path: '.' }, args: hex(f64) });
  });

  it('the node id takes the smallest width that fits; a name id over 255 (node-level | 0x8000) is 16-bit', () => {
    expect(bytesOf(encodeRemoteCall({ kind: 'cached', id: 300 }, 0, float))).toBe(toHex(hex(`10 2c01 00 01 ${FLOAT_1_5}`)));
    expect(bytesOf(encodeRemoteCall({ kind: 'cached', id: 70000 }, 0, float))).toBe(toHex(hex(`20 70110100 00 01 ${FLOAT_1_5}`)));
    expect(bytesOf(encodeRemoteCall({ kind: 'cached', id: 1 }, 0x8000, float))).toBe(toHex(hex(`40 01 0080 01 ${FLOAT_1_5}`)));
    expect(decoded(hex(`40 01 0080 01 ${FLOAT_1_5}`))).toMatchObject({ nameIdBytes: 2, nameId: 0x8000 });
  });

  it('only the 32-bit form carries the path flag: a 16-bit id of 0x8000 is a cache id', () => {
    expect(decoded(hex(`10 0080 00 01 ${FLOAT_1_5}`))).toMatchObject({ nodeIdBytes: 2, nodeId: 0x8000, target: { kind: 'cached', id: 0x8000 } });
    expect(decoded(hex(`20 05000000 00 01 ${FLOAT_1_5}`))).toMatchObject({ nodeIdBytes: 4, target: { kind: 'cached', id: 5 } });
  });

  it('no arguments, or one PackedByteArray: the byte-only flag (bit 7) and no argc', () => {
    const none = { byteOnly: true as const, data: new Uint8Array(0) };
    expect(bytesOf(encodeRemoteCall({ kind: 'cached', id: 1 }, 2, none))).toBe('800102');
    expect(decoded(hex('800102'))).toMatchObject({ byteOnly: true, argc: null, args: new Uint8Array(0) });
    expect(bytesOf(encodeRemoteCall({ kind: 'path', path: 'Main' }, 0, { byteOnly: true, data: hex('beef') }))).toBe(toHex(hex('a008000080 00 beef 4d61696e00')));
    expect(decoded(hex('a008000080 00 beef 4d61696e00'))).toMatchObject({ byteOnly: true, target: { kind: 'path', offset: 8, path: 'Main' }, args: hex('beef') });
  });

  it('drops what process_rpc drops: node id compression 3, a short header, a path offset past the end or inside the header', () => {
    expect(dropOf(hex('30 00000000 00'))).toBe('malformed');
    expect(dropOf(hex('20 0f0000'))).toBe('malformed');
    expect(dropOf(hex('00 01'))).toBe('malformed');
    expect(dropOf(hex('20 ff000080 00 01'))).toBe('malformed');
    expect(dropOf(hex('20 02000080 00 01 2e00'))).toBe('malformed');
    expect(dropOf(hex('00 01 00'))).toBe('malformed'); // no argc byte
  });

  it('refuses what _send_rpc would not send', () => {
    expect(encodeRemoteCall({ kind: 'cached', id: 1 }, 0x10000, float).ok).toBe(false);
    expect(encodeRemoteCall({ kind: 'cached', id: 2 ** 31 }, 0, float).ok).toBe(false);
    expect(encodeRemoteCall({ kind: 'cached', id: 1 }, 0, { byteOnly: false, argc: 256, data: new Uint8Array(0) }).ok).toBe(false);
    expect(encodeRemoteCall({ kind: 'path', path: 'a\0' }, 0, float).ok).toBe(false);
  });
});

describe('§2.8 replication commands are identified, not decoded', () => {
  it('SPAWN 04, DESPAWN 05 · net_id u32, SYNC 06 (0x16 = delta)', () => {
    expect(decoded(hex('04 00 01000000 02000000'))).toEqual({ command: 'spawn', flags: 0, body: hex('00 01000000 02000000') });
    expect(decoded(hex('05 2a000000'))).toEqual({ command: 'despawn', flags: 0, body: hex('2a000000') });
    expect(decoded(hex('06 1000 01000000'))).toEqual({ command: 'sync', flags: 0, delta: false, body: hex('1000 01000000') });
    expect(decoded(hex('16 1000'))).toEqual({ command: 'sync', flags: 1, delta: true, body: hex('1000') });
  });
});

describe('hostile input never throws', () => {
  const GOLDEN = [
    `20 0f000080 00 01 ${FLOAT_1_5} 2e00`,
    `00 01 00 01 ${FLOAT_1_5}`,
    `01 ${PING_MD5_HEX} 00 01000000 2e00`,
    '020101000000',
    '03010203',
    '0700cafe',
    '070105000000',
    '07030700000003aa',
    '16 1000 01000000',
  ].map(hex);

  const checkShape = (bytes: Uint8Array, relayed: boolean): void => {
    const result = decodeScenePacket(bytes, { relayed });
    if (!result.ok) {
      expect(['malformed', 'unknown_command']).toContain(result.drop);
      expect(typeof result.reason).toBe('string');
      return;
    }
    const packet = result.packet;
    expect(packet.command).toBe(
      ['remote_call', 'simplify_path', 'confirm_path', 'raw', 'spawn', 'despawn', 'sync', 'sys'][bytes[0]! & CMD_MASK],
    );
    // Every view stays inside the packet's bytes.
    for (const part of [(packet as { payload?: Uint8Array }).payload, (packet as { args?: Uint8Array }).args, (packet as { inner?: Uint8Array }).inner]) {
      if (part === undefined) continue;
      expect(part.buffer).toBe(bytes.buffer);
      expect(part.byteOffset + part.length).toBeLessThanOrEqual(bytes.byteOffset + bytes.length);
    }
  };

  it('random bytes of every command decode or drop, with views inside the packet', () => {
    const first = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x00, 0x10, 0x20, 0x40, 0x80, 0xa0, 0x01, 0x02, 0x03, 0x07));
    const packets = fc.oneof(
      fc.uint8Array({ maxLength: 80 }),
      fc.tuple(first, fc.constantFrom(0, 1, 2, 3, 4, 255), fc.uint8Array({ maxLength: 60 })).map(([a, b, rest]) => Uint8Array.of(a, b, ...rest)),
    );
    fc.assert(
      fc.property(packets, fc.boolean(), (bytes, relayed) => {
        checkShape(bytes, relayed);
      }),
      { numRuns: 3000 },
    );
  });

  it('every truncation and every single-byte change of each golden packet decodes or drops', () => {
    let dropped = 0;
    for (const packet of GOLDEN) {
      for (let length = 0; length < packet.length; length++) {
        const cut = packet.slice(0, length);
        checkShape(cut, false);
        if (!decodeScenePacket(cut).ok) dropped++;
      }
    }
    expect(dropped).toBeGreaterThan(20); // the size checks bite: this is not a decoder that takes anything
    fc.assert(
      fc.property(fc.constantFrom(...GOLDEN), fc.nat(), fc.integer({ min: 0, max: 255 }), (packet, at, byte) => {
        const changed = packet.slice();
        changed[at % changed.length] = byte;
        checkShape(changed, false);
        checkShape(changed.subarray(1), false); // a view at an offset into a larger buffer
      }),
      { numRuns: 2000 },
    );
  });

  it('encoders never throw on arbitrary arguments', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.anything(), (a, b, c) => {
        const results = [
          encodeRaw(a as Uint8Array),
          encodeSys(a as SysCommand, b as number, c as Uint8Array),
          encodeAuth(a as Uint8Array),
          encodeSimplifyPath(a as number, b as string, c as string),
          encodeConfirmPath(a as number, b as boolean),
          encodeRemoteCall(a as never, b as number, c as never),
          wrapRelay(a as number, b as Uint8Array),
          forwardRelay(a as Uint8Array, b as number),
        ];
        for (const result of results) expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });

  it('what the encoders build decodes back to the same fields', () => {
    const name = fc.string({ maxLength: 16 }).filter((s) => !s.includes('\0'));
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 2 ** 31 - 1 }).map((id) => ({ kind: 'cached' as const, id })), name.map((path) => ({ kind: 'path' as const, path }))),
        fc.integer({ min: 0, max: 0xffff }),
        fc.oneof(
          fc.uint8Array({ maxLength: 20 }).map((data) => ({ byteOnly: true as const, data })),
          fc.tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 20 })).map(([argc, data]) => ({ byteOnly: false as const, argc, data })),
        ),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.uint8Array({ minLength: 1, maxLength: 20 }),
        (target, nameId, args, peer, inner) => {
          const call = encodeRemoteCall(target, nameId, args);
          expect(call.ok).toBe(true);
          const back = call.ok ? decoded(call.value) : null;
          expect(back).toMatchObject({ command: 'remote_call', nameId, byteOnly: args.byteOnly, args: args.data });
          if (back?.command === 'remote_call') {
            expect(back.target.kind).toBe(target.kind);
            if (target.kind === 'cached') expect(back.target).toEqual(target);
            else expect(back.target).toMatchObject({ path: target.path });
          }
          const relay = wrapRelay(peer, inner);
          expect(relay.ok && unwrapRelay(relay.value)).toEqual({ ok: true, peer, inner });
        },
      ),
      { numRuns: 500 },
    );
  });
});
