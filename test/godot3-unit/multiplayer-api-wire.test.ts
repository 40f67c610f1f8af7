import { describe, expect, it } from 'vitest';
import { GodotError } from '../../src/godot/constants.js';
import { TransferMode } from '../../src/godot3/constants.js';
import { MultiplayerAPI } from '../../src/godot3/multiplayer-api.js';
import { Color, NodePath, PoolStringArray, Vector2, Vector3 } from '../../src/godot3/variant-types.js';
import { FakePeer, h } from './multiplayer-api-fakes.js';

const { TRANSFER_MODE_RELIABLE: RELIABLE, TRANSFER_MODE_UNRELIABLE_ORDERED: ORDERED, TRANSFER_MODE_UNRELIABLE: UNRELIABLE } = TransferMode;
const TARGET = '"Main/Target" 00';

/** The spec's `server` case: we are Godot's id 1, with peers 2 (and 3) connected; each remote is an API too, so it confirms paths. */
function server(peerIds = [2]) {
  const peer = new FakePeer(1);
  const api = new MultiplayerAPI();
  expect(api.set_network_peer(peer)).toBe(GodotError.OK);
  const remotes = peerIds.map((id) => {
    const remotePeer = new FakePeer(id);
    const remote = new MultiplayerAPI();
    remote.set_network_peer(remotePeer);
    remote.expose('Main/Target', { methods: { ping: { mode: 'remote', call: () => {} } }, properties: { value: { mode: 'remote', set: () => {} } } });
    peer.link(remotePeer);
    return { peer: remotePeer, api: remote };
  });
  return { peer, api, remotes };
}

describe('MultiplayerAPI puts the bytes Godot 3.2.3 puts (spec §5)', () => {
  it('§5.2 send_bytes: 04 + the payload on the channel of each mode; 0 broadcasts, -2 excludes', () => {
    const { peer, api } = server([2, 3]);
    for (const mode of [RELIABLE, ORDERED, UNRELIABLE]) expect(api.send_bytes(Uint8Array.of(1, 2, 3, 250), 2, mode)).toBe(GodotError.OK);
    expect(api.send_bytes(Uint8Array.of(7))).toBe(GodotError.OK);
    expect(api.send_bytes(Uint8Array.of(8), -2)).toBe(GodotError.OK);
    expect(peer.takePuts()).toEqual([
      { target: 2, mode: RELIABLE, hex: h('04 010203fa') },
      { target: 2, mode: ORDERED, hex: h('04 010203fa') },
      { target: 2, mode: UNRELIABLE, hex: h('04 010203fa') },
      { target: 0, mode: RELIABLE, hex: h('04 07') },
      { target: -2, mode: RELIABLE, hex: h('04 08') },
    ]);
    expect(api.get_stats().sent.raw).toBe(5);
  });

  it('§5.3 first calls to an unconfirmed path: SIMPLIFY_PATH once, then the full-path forms', () => {
    const { peer, api } = server();
    expect(api.rpc_id(2, 'Main/Target', 'ping', 1.5)).toBe(GodotError.OK);
    expect(api.rpc_id(2, 'Main/Target', 'hello', 'text', 42, true, new Vector2(1, 2), [1, 'a'], { k: 2 })).toBe(GodotError.OK);
    expect(api.rset_id(2, 'Main/Target', 'value', 7)).toBe(GodotError.OK);
    expect(peer.takePuts()).toEqual([
      { target: 2, mode: RELIABLE, hex: h(`02 01000000 ${TARGET}`) },
      { target: 2, mode: RELIABLE, hex: h(`00 13000080 70696e6700 01 03000000 0000c03f ${TARGET}`) },
      {
        target: 2,
        mode: RELIABLE,
        hex: h(
          `00 6c000080 68656c6c6f00 06 04000000 04000000 74657874 02000000 2a000000 01000000 01000000 05000000 0000803f 00000040
           13000000 02000000 02000000 01000000 04000000 01000000 61000000 12000000 01000000 04000000 01000000 6b000000 02000000 02000000 ${TARGET}`,
        ),
      },
      { target: 2, mode: RELIABLE, hex: h(`01 13000080 76616c756500 02000000 07000000 ${TARGET}`) },
    ]);
    const stats = api.get_stats();
    expect(stats.sent).toMatchObject({ simplify_path: 1, remote_call: 2, remote_set: 1 });
    expect(stats.sent_by_target).toEqual({ cached: 0, path: 3 });
    expect(stats.path_cache.sent).toEqual([{ path: 'Main/Target', id: 1, confirmed: [], unconfirmed: [2] }]);
  });

  it('§5.4 after CONFIRM_PATH: the cached id, ch1 for rpc/rset and ch3 for the unreliable ones; a second node gets id 2', () => {
    const { peer, api, remotes } = server();
    api.rpc_id(2, 'Main/Target', 'ping', 1.5);
    remotes[0]!.api.poll(); // stores id 1, answers 03 "Main/Target\0"
    expect(remotes[0]!.peer.takePuts()).toEqual([{ target: 1, mode: RELIABLE, hex: h(`03 ${TARGET}`) }]);
    api.poll(); // reads the confirmation
    expect(api.get_stats().path_cache.sent).toEqual([{ path: 'Main/Target', id: 1, confirmed: [2], unconfirmed: [] }]);
    peer.takePuts();

    expect(api.rpc_id(2, 'Main/Target', 'ping', 2.5)).toBe(GodotError.OK);
    expect(api.rset_id(2, 'Main/Target', 'value', 8)).toBe(GodotError.OK);
    expect(api.rpc_id(2, 'Main/Target', 'noargs')).toBe(GodotError.OK);
    expect(api.rpc_unreliable_id(2, 'Main/Target', 'ping', 3.5)).toBe(GodotError.OK);
    expect(api.rset_unreliable_id(2, 'Main/Target', 'value', 9)).toBe(GodotError.OK);
    expect(api.rpc_id(2, 'Main/Other', 'ping', 6.5)).toBe(GodotError.OK);
    expect(peer.takePuts()).toEqual([
      { target: 2, mode: RELIABLE, hex: h('00 01000000 70696e6700 01 03000000 00002040') },
      { target: 2, mode: RELIABLE, hex: h('01 01000000 76616c756500 02000000 08000000') },
      { target: 2, mode: RELIABLE, hex: h('00 01000000 6e6f6172677300 00') },
      { target: 2, mode: UNRELIABLE, hex: h('00 01000000 70696e6700 01 03000000 00006040') },
      { target: 2, mode: UNRELIABLE, hex: h('01 01000000 76616c756500 02000000 09000000') },
      { target: 2, mode: RELIABLE, hex: h('02 02000000 "Main/Other" 00') },
      { target: 2, mode: RELIABLE, hex: h('00 13000080 70696e6700 01 03000000 0000d040 "Main/Other" 00') },
    ]);
    expect(api.get_stats().sent_by_target).toEqual({ cached: 5, path: 2 });
  });

  it('§5.5 every type of the capture, byte for byte, in the cached form', () => {
    const { peer, api, remotes } = server();
    api.rpc_id(2, 'Main/Target', 'ping', 1.5);
    remotes[0]!.api.poll();
    api.poll();
    peer.takePuts();
    const args = [0.1, 2 ** 40, -2, null, NodePath.parse('a/b:c'), new Color(1, 0, 0.5, 1), Uint8Array.of(9, 8, 7), new Vector3(1, 2, 3), 'héllo', new PoolStringArray(['x', 'yz'])];
    expect(api.rpc_id(2, 'Main/Target', 'types', ...args)).toBe(GodotError.OK);
    expect(peer.takePuts()).toEqual([
      {
        target: 2,
        mode: RELIABLE,
        hex: h(`00 01000000 747970657300 0a
          03000100 9a9999999999b93f  02000100 0000000000010000  02000000 feffffff  00000000
          0f000000 02000080 01000000 00000000 01000000 61000000 01000000 62000000 01000000 63000000
          0e000000 0000803f 00000000 0000003f 0000803f  14000000 03000000 09080700
          07000000 0000803f 00000040 00004040  04000000 06000000 68c3a96c6c6f 0000
          17000000 02000000 02000000 78000000 03000000 797a0000`),
      },
    ]);
  });

  it('§5.6 a broadcast splits per peer while one has not confirmed (same id 1 for both); then one put to -2 (the fast path)', () => {
    const { peer, api, remotes } = server([2, 3]);
    api.rpc_id(2, 'Main/Target', 'ping', 1.5);
    remotes[0]!.api.poll();
    api.poll();
    peer.takePuts();

    expect(api.rpc('Main/Target', 'ping', 4.5)).toBe(GodotError.OK);
    expect(peer.takePuts()).toEqual([
      { target: 3, mode: RELIABLE, hex: h(`02 01000000 ${TARGET}`) },
      { target: 2, mode: RELIABLE, hex: h('00 01000000 70696e6700 01 03000000 00009040') },
      { target: 3, mode: RELIABLE, hex: h(`00 13000080 70696e6700 01 03000000 00009040 ${TARGET}`) },
    ]);
    remotes[1]!.api.poll();
    api.poll();
    expect(api.get_stats().path_cache.sent).toEqual([{ path: 'Main/Target', id: 1, confirmed: [2, 3], unconfirmed: [] }]);

    expect(api.rpc_id(-2, 'Main/Target', 'ping', 5.5)).toBe(GodotError.OK);
    expect(api.rpc('Main/Target', 'ping', 5.5)).toBe(GodotError.OK);
    expect(peer.takePuts()).toEqual([
      { target: -2, mode: RELIABLE, hex: h('00 01000000 70696e6700 01 03000000 0000b040') },
      { target: 0, mode: RELIABLE, hex: h('00 01000000 70696e6700 01 03000000 0000b040') },
    ]);
  });

  it('SIMPLIFY_PATH goes once per (path, peer): an unconfirmed peer keeps getting full paths, not a second SIMPLIFY', () => {
    const { peer, api } = server();
    api.rpc_id(2, 'Main/Target', 'ping', 1.5);
    api.rpc_id(2, 'Main/Target', 'ping', 1.5);
    expect(peer.takePuts().map((put) => put.hex.slice(0, 2))).toEqual(['02', '00', '00']);
  });

  it('a peer that disconnects is forgotten by the path cache: after it comes back it is announced again', () => {
    const { peer, api, remotes } = server();
    api.rpc_id(2, 'Main/Target', 'ping', 1.5);
    remotes[0]!.api.poll();
    api.poll();
    peer.unlink(remotes[0]!.peer);
    expect(api.get_stats().path_cache.sent).toEqual([{ path: 'Main/Target', id: 1, confirmed: [], unconfirmed: [] }]);
    expect(api.get_network_connected_peers()).toEqual([]);
    peer.link(remotes[0]!.peer);
    peer.takePuts();
    api.rpc_id(2, 'Main/Target', 'ping', 1.5);
    expect(peer.takePuts().map((put) => put.hex.slice(0, 10))).toEqual([h('02 01000000'), h('00 13000080')]);
  });
});
