import { describe, expect, it } from 'vitest';
import { GodotError } from '../../src/godot/constants.js';
import { ConnectionStatus } from '../../src/godot4/constants.js';
import { SceneMultiplayer, type SceneMultiplayerOptions } from '../../src/godot4/scene-multiplayer.js';
import { SceneCounters } from '../../src/godot4/scene-stats.js';
import { bytesOf, FakeNet, type FakePeer, hex } from './scene-multiplayer-fake.js';

interface Node {
  peer: FakePeer;
  mp: SceneMultiplayer;
  signals: string[];
  raw: string[];
}

function node(net: FakeNet, id: number, options: SceneMultiplayerOptions = {}, kind?: 'server' | 'client' | 'mesh'): Node {
  const peer = net.peer(id, kind);
  const mp = new SceneMultiplayer(options);
  const signals: string[] = [];
  const raw: string[] = [];
  for (const name of ['peer_connected', 'peer_disconnected', 'peer_authenticating', 'peer_authentication_failed'] as const) mp[name].connect((p) => signals.push(`${name}(${p})`));
  for (const name of ['connected_to_server', 'connection_failed', 'server_disconnected'] as const) mp[name].connect(() => signals.push(name));
  mp.peer_packet.connect((from, bytes) => raw.push(`${from}:${hex(bytes)}:${mp.get_remote_sender_id()}`));
  expect(mp.set_multiplayer_peer(peer)).toBe(GodotError.OK);
  return { peer, mp, signals, raw };
}

const pollAll = (nodes: Node[], times = 4) => {
  for (let i = 0; i < times; i++) for (const n of nodes) n.mp.poll();
};

/** Server 1 and clients 2, 3 linked to it, everything admitted. */
function star(options: SceneMultiplayerOptions = {}) {
  const net = new FakeNet();
  const s = node(net, 1, options);
  const c2 = node(net, 2, options);
  const c3 = node(net, 3, options);
  net.link(1, 2);
  pollAll([s, c2, c3]);
  net.link(1, 3);
  pollAll([s, c2, c3]);
  return { net, s, c2, c3 };
}

describe('SceneMultiplayer admission and relay announcements (§2.1, §2.4)', () => {
  it('a server admits at once and announces peers both ways with ADD_PEER; clients admit relayed peers', () => {
    const { net, s, c2, c3 } = star();
    expect(s.mp.get_peers()).toEqual([2, 3]);
    expect(c2.mp.get_peers()).toEqual([1, 3]);
    expect(c3.mp.get_peers()).toEqual([1, 2]);
    expect(c2.signals).toEqual(['connected_to_server', 'peer_connected(1)', 'peer_connected(3)']);
    expect(c3.signals).toEqual(['connected_to_server', 'peer_connected(1)', 'peer_connected(2)']);
    // §2.4: on admitting 3, the server sends ADD_PEER(3) to 2 and ADD_PEER(2) to 3, reliable on channel 0.
    const sys = net.wire.filter((p) => p.from === 1).map((p) => `${p.to}:${hex(p.bytes)}:${p.mode}:${p.channel}`);
    expect(sys).toEqual(['2:070103000000:2:0', '3:070102000000:2:0']);
  });

  it('DEL_PEER to the others when a client leaves; clients drop the peer', () => {
    const { net, s, c2, c3 } = star();
    net.unlink(1, 3);
    pollAll([s, c2, c3]);
    expect(s.signals.at(-1)).toBe('peer_disconnected(3)');
    expect(c2.signals.at(-1)).toBe('peer_disconnected(3)');
    expect(c2.mp.get_peers()).toEqual([1]);
    expect(net.wire.filter((p) => p.from === 1).map((p) => hex(p.bytes)).at(-1)).toBe('070203000000');
    expect(c3.signals.at(-1)).toBe('server_disconnected');
    expect(c3.mp.get_peers()).toEqual([]);
  });

  it('ADD_PEER from a client, or with server_relay off, is dropped and counted', () => {
    const net = new FakeNet();
    const s = node(net, 1);
    const c2 = node(net, 2, { server_relay: false });
    net.link(1, 2);
    pollAll([s, c2]);
    s.peer.set_target_peer(2);
    s.peer.put_packet(bytesOf('070105000000'));
    c2.peer.set_target_peer(1);
    c2.peer.put_packet(bytesOf('070105000000'));
    pollAll([s, c2]);
    expect(c2.mp.get_peers()).toEqual([1]);
    expect(s.mp.get_peers()).toEqual([2]);
    expect(c2.mp.get_stats().dropped).toEqual({ relay_not_supported: 1 });
    expect(s.mp.get_stats().dropped).toEqual({ sys_not_from_server: 1 });
    expect(s.peer.drops).toHaveLength(1);
  });

  it('connection_failed when a client goes CONNECTING → DISCONNECTED; set_multiplayer_peer refuses a disconnected peer', () => {
    const net = new FakeNet();
    const c = node(net, 2);
    c.peer.fail();
    c.mp.poll();
    expect(c.signals).toEqual(['connection_failed']);
    const again = new SceneMultiplayer();
    expect(again.set_multiplayer_peer(c.peer)).toBe(GodotError.ERR_UNCONFIGURED);
    expect(c.peer.refusals.at(-1)).toContain('must be connecting or connected');
    expect(again.set_multiplayer_peer({} as never)).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(again.get_unique_id()).toBe(1);
  });
});

describe('SceneMultiplayer authentication (§2.1, §2.4)', () => {
  function authPair(serverAuth: (mp: SceneMultiplayer, id: number, data: Uint8Array) => void, clientAuth: (mp: SceneMultiplayer, id: number, data: Uint8Array) => void, timeout = 3) {
    const net = new FakeNet();
    let sm: SceneMultiplayer | null = null;
    let cm: SceneMultiplayer | null = null;
    const s = node(net, 1, { auth_callback: (id, data) => serverAuth(sm!, id, data), auth_timeout: timeout });
    const c = node(net, 2, { auth_callback: (id, data) => clientAuth(cm!, id, data), auth_timeout: timeout });
    sm = s.mp;
    cm = c.mp;
    net.link(1, 2);
    return { net, s, c };
  }

  it('peers stay pending until both complete_auth; only AUTH passes meanwhile; 07 00 is the 2-byte completion', () => {
    const { net, s, c } = authPair(
      (mp, id, data) => {
        if (hex(data) === hex(bytesOf('c0ffee'))) mp.complete_auth(id);
      },
      () => {},
    );
    pollAll([s, c], 1);
    expect(s.signals).toEqual(['peer_authenticating(2)']);
    expect(c.signals).toEqual(['peer_authenticating(1)']);
    expect(s.mp.get_authenticating_peers()).toEqual([2]);
    expect(s.mp.send_bytes(bytesOf('01'), 2)).toBe(GodotError.ERR_BUG); // not admitted
    c.peer.set_target_peer(1);
    c.peer.put_packet(bytesOf('0301')); // RAW before auth: dropped
    expect(c.mp.send_auth(1, bytesOf('c0ffee'))).toBe(GodotError.OK);
    expect(c.mp.send_auth(1, new Uint8Array(0))).toBe(GodotError.ERR_INVALID_PARAMETER);
    pollAll([s, c], 1);
    expect(s.mp.get_stats().dropped).toEqual({ not_authenticated: 1 });
    expect(s.mp.get_peers()).toEqual([]); // its side is complete, the client's is not
    expect(s.mp.complete_auth(2)).toBe(15); // ERR_FILE_CANT_WRITE: already completed here
    expect(s.mp.send_auth(2, bytesOf('01'))).toBe(15);
    expect(c.mp.send_auth(1, bytesOf('01'))).toBe(15); // the server's 07 00 arrived
    expect(c.mp.complete_auth(1)).toBe(GodotError.OK); // both sides done: admitted at once
    expect(c.mp.get_peers()).toEqual([1]);
    expect(c.mp.complete_auth(1)).toBe(GodotError.ERR_INVALID_PARAMETER); // no longer pending
    pollAll([s, c], 2);
    expect(s.signals).toEqual(['peer_authenticating(2)', 'peer_connected(2)']);
    expect(c.signals).toEqual(['peer_authenticating(1)', 'connected_to_server', 'peer_connected(1)']);
    const auth = net.wire.filter((p) => (p.bytes[0] ?? 0) === 7).map((p) => `${p.from}>${p.to}:${hex(p.bytes)}:${p.mode}:${p.channel}`);
    expect(auth).toEqual(['2>1:0700c0ffee:2:0', '1>2:0700:2:0', '2>1:0700:2:0']);
    expect(s.mp.send_bytes(bytesOf('ab'), 2)).toBe(GodotError.OK);
    pollAll([s, c], 1);
    expect(c.raw).toEqual(['1:ab:1']);
  });

  it('a refused peer: disconnect_peer gives peer_authentication_failed', () => {
    const { s, c } = authPair(
      (mp, id) => mp.disconnect_peer(id),
      () => {},
    );
    pollAll([s, c], 1);
    c.mp.send_auth(1, bytesOf('00'));
    pollAll([s, c], 3);
    expect(s.signals).toEqual(['peer_authenticating(2)', 'peer_authentication_failed(2)']);
    expect(c.signals).toEqual(['peer_authenticating(1)', 'peer_authentication_failed(1)', 'server_disconnected']);
    expect(s.mp.get_authenticating_peers()).toEqual([]);
  });

  it('auth_timeout drops pending peers with peer_authentication_failed', async () => {
    const { s, c } = authPair(() => {}, () => {}, 0.03);
    pollAll([s, c], 1);
    expect(s.mp.get_auth_timeout()).toBe(0.03);
    await new Promise((resolve) => setTimeout(resolve, 45));
    pollAll([s, c], 2);
    expect(s.signals).toEqual(['peer_authenticating(2)', 'peer_authentication_failed(2)']);
    expect(c.signals.at(-1)).toBe('server_disconnected');
  });

  it('without an auth_callback a late 07 00 is ignored and longer AUTH data is dropped', () => {
    const { s, c2 } = star();
    c2.peer.set_target_peer(1);
    c2.peer.put_packet(bytesOf('0700'));
    c2.peer.put_packet(bytesOf('070001'));
    pollAll([s, c2], 1);
    expect(s.mp.get_stats().dropped).toEqual({ unexpected_auth: 1 });
  });
});

describe('SceneMultiplayer RAW and RELAY (§2.4, §2.5)', () => {
  it('a client wraps what is not for 1 in RELAY to 1, mode and channel kept; the server forwards with the source', () => {
    const { net, s, c2, c3 } = star();
    const before = net.wire.length;
    expect(c2.mp.send_bytes(bytesOf('aabb'), 3, 1, 2)).toBe(GodotError.OK);
    pollAll([s, c2, c3], 1);
    const sent = net.wire.slice(before).map((p) => `${p.from}>${p.to}:${hex(p.bytes)}:${p.mode}:${p.channel}`);
    expect(sent).toEqual(['2>1:070303000000' + '03aabb:1:2', '1>3:070302000000' + '03aabb:1:2']);
    expect(c3.raw).toEqual(['2:aabb:2']);
    expect(s.raw).toEqual([]);
    expect(s.mp.get_stats().relayed).toBe(1);
  });

  it('a broadcast from a client is one RELAY 0: the server forwards to the others and processes it itself', () => {
    const { net, s, c2, c3 } = star();
    const before = net.wire.length;
    expect(c2.mp.send_bytes(bytesOf('01'))).toBe(GodotError.OK);
    pollAll([s, c2, c3], 1);
    expect(net.wire.slice(before).map((p) => `${p.from}>${p.to}:${hex(p.bytes)}`)).toEqual(['2>1:07030000000003' + '01', '1>3:07030200000003' + '01']);
    expect(s.raw).toEqual(['2:01:2']);
    expect(c3.raw).toEqual(['2:01:2']);
    expect(c2.raw).toEqual([]);
  });

  it('exclusions: -1 is not processed by the server, -3 is not sent to 3; to 1 goes direct', () => {
    const { net, s, c2, c3 } = star();
    c2.mp.send_bytes(bytesOf('11'), -1);
    c2.mp.send_bytes(bytesOf('33'), -3);
    c2.mp.send_bytes(bytesOf('44'), 1);
    pollAll([s, c2, c3], 1);
    expect(s.raw).toEqual(['2:33:2', '2:44:2']);
    expect(c3.raw).toEqual(['2:11:2']);
    expect(net.wire.filter((p) => p.from === 2).at(-1)!.bytes[0]).toBe(3); // the last, to 1: plain RAW
  });

  it('a client drops a RELAY from the server whose source it was never told of with ADD_PEER (Godot would emit peer_packet for it)', () => {
    const { s, c2, c3 } = star();
    expect(c2.mp.get_peers()).toEqual([1, 3]);
    s.peer.set_target_peer(2);
    s.peer.put_packet(bytesOf('070309000000' + '03ee'));
    s.peer.put_packet(bytesOf('070303000000' + '03ff'));
    pollAll([s, c2, c3], 1);
    expect(c2.raw).toEqual(['3:ff:3']);
    expect(c2.mp.get_stats().dropped).toEqual({ relay_unknown_peer: 1 });
    expect(c2.peer.drops).toEqual([expect.stringContaining('as 9, a peer it never announced with ADD_PEER')]);
  });

  it('a server broadcast is one put per admitted peer; RELAY to an unknown peer or from a non-server is dropped', () => {
    const { net, s, c2, c3 } = star();
    const before = net.wire.length;
    s.mp.send_bytes(bytesOf('77'), 0);
    pollAll([s, c2, c3], 1);
    expect(net.wire.slice(before).map((p) => `${p.to}:${hex(p.bytes)}`)).toEqual(['2:0377', '3:0377']);
    c2.peer.set_target_peer(1);
    c2.peer.put_packet(bytesOf('070309000000' + '0301'));
    pollAll([s, c2, c3], 1);
    expect(s.mp.get_stats().dropped).toEqual({ relay_unknown_peer: 1 });
    const mesh = new FakeNet();
    const a = node(mesh, 2, {}, 'mesh');
    const b = node(mesh, 3, {}, 'mesh');
    mesh.link(2, 3);
    pollAll([a, b], 1);
    expect(a.mp.send_bytes(bytesOf('55'), 3)).toBe(GodotError.OK);
    a.peer.set_target_peer(3);
    a.peer.put_packet(bytesOf('070302000000' + '0301'));
    pollAll([a, b], 1);
    expect(mesh.wire[0]!.bytes[0]).toBe(3); // a mesh never relays
    expect(b.raw).toEqual(['2:55:2']);
    expect(b.mp.get_stats().dropped).toEqual({ relay_not_supported: 1 });
  });

  it('send_bytes refusals: empty, bad arguments, not connected', () => {
    const net = new FakeNet();
    const c = node(net, 2);
    expect(c.mp.send_bytes(new Uint8Array(0))).toBe(GodotError.ERR_INVALID_DATA);
    expect(c.mp.send_bytes('x' as never)).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(c.mp.send_bytes(bytesOf('01'), 0, 7 as never)).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(c.mp.send_bytes(bytesOf('01'))).toBe(GodotError.ERR_UNCONFIGURED); // still connecting
    expect(c.peer.refusals).toHaveLength(4);
    expect(net.wire).toEqual([]);
    expect(c.peer.get_connection_status()).toBe(ConnectionStatus.CONNECTION_CONNECTING);
  });
});

describe('SceneMultiplayer path cache and the commands it does not model (§2.6–§2.8)', () => {
  const simplify = (id: number, path: string) => {
    const md5 = Buffer.from('0123456789abcdef0123456789abcdef', 'ascii').toString('hex');
    const idLe = Buffer.alloc(4);
    idLe.writeUInt32LE(id);
    return bytesOf('01' + md5 + '00' + idLe.toString('hex') + Buffer.from(path + '\0').toString('hex'));
  };

  it('SIMPLIFY_PATH is answered with CONFIRM_PATH [02 01 id u32]; a duplicate id is dropped without a reply', () => {
    const { net, s, c2, c3 } = star();
    c2.peer.set_target_peer(1);
    c2.peer.put_packet(simplify(5, 'Main/Player'));
    c2.peer.put_packet(simplify(5, 'Main/Player'));
    pollAll([s, c2, c3], 1);
    const replies = net.wire.filter((p) => p.from === 1 && p.bytes[0] === 2).map((p) => `${p.to}:${hex(p.bytes)}:${p.mode}:${p.channel}`);
    expect(replies).toEqual(['2:020105000000:2:0']);
    expect(s.mp.get_stats().dropped).toEqual({ path_duplicate: 1 });
    expect(s.mp.get_stats().received_paths).toEqual({ 2: 1 });
  });

  it('a relayed SIMPLIFY_PATH is answered through the relay', () => {
    const { net, s, c2, c3 } = star();
    c2.peer.set_target_peer(1);
    c2.peer.put_packet(bytesOf('070303000000' + hex(simplify(1, '.'))));
    pollAll([s, c2, c3], 2);
    expect(net.wire.filter((p) => p.from === 3).map((p) => `${p.to}:${hex(p.bytes)}`)).toEqual(['1:070302000000020101000000']);
    expect(c2.mp.get_stats().dropped).toEqual({}); // the CONFIRM_PATH for an unknown id is ignored, as Godot
  });

  it('REMOTE_CALL, SPAWN, DESPAWN, SYNC, malformed and SYS-in-RELAY are dropped and counted, never thrown', () => {
    const { s, c2, c3 } = star();
    c2.peer.set_target_peer(1);
    for (const packet of ['00010001', '200f000080000103000000' + '0000803f2e00', '04', '0501000000', '06', '16', '03', '07', 'ff', '070900000000', '070300000000' + '070100000000']) c2.peer.put_packet(bytesOf(packet));
    expect(() => pollAll([s, c2, c3], 1)).not.toThrow();
    expect(s.mp.get_stats().dropped).toEqual({ remote_call: 2, spawn: 1, despawn: 1, sync: 2, malformed: 3, unknown_command: 2 });
    expect(s.mp.get_stats().received).toBe(11);
    expect(s.peer.drops.length).toBe(6); // one record per reason and peer
  });

  it('drops are recorded once per reason and peer until clear() forgets the peers; the counts stay', () => {
    const counters = new SceneCounters();
    expect([counters.drop(2, 'spawn'), counters.drop(2, 'spawn'), counters.drop(3, 'spawn')]).toEqual([true, false, true]);
    counters.forgetPeer(2);
    expect([counters.drop(2, 'spawn'), counters.drop(3, 'spawn')]).toEqual([true, false]);
    counters.forgetPeers();
    expect([counters.drop(2, 'spawn'), counters.drop(3, 'spawn')]).toEqual([true, true]);
    expect(counters.droppedCounts()).toEqual({ spawn: 7 });
    const { s, c2 } = star();
    c2.peer.set_target_peer(1);
    c2.peer.put_packet(bytesOf('04'));
    pollAll([s, c2], 1);
    s.mp.clear();
    expect(s.mp.get_stats().dropped).toEqual({ spawn: 1 });
  });

  it('a throwing peer_packet listener or auth_callback is counted, not propagated', () => {
    const { s, c2 } = star();
    s.mp.peer_packet.connect(() => {
      throw new Error('listener');
    });
    c2.mp.send_bytes(bytesOf('01'), 1);
    expect(() => pollAll([s, c2], 1)).not.toThrow();
    expect(s.mp.get_stats().handler_errors).toBe(1);
  });
});
