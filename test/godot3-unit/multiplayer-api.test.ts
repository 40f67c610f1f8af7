import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GodotError } from '../../src/godot/constants.js';
import { setLogger, type LogEntry } from '../../src/log.js';
import { ConnectionStatus, RPCMode } from '../../src/godot3/constants.js';
import { MultiplayerAPI } from '../../src/godot3/multiplayer-api.js';
import { GodotObject, type Variant } from '../../src/godot3/variant-types.js';
import { FakePeer, fullPath } from './multiplayer-api-fakes.js';

let logged: LogEntry[] = [];
beforeEach(() => {
  logged = [];
  setLogger((entry) => logged.push(entry));
});
afterEach(() => setLogger(null));

function pair(ownId = 1, remoteId = 2) {
  const peer = new FakePeer(ownId);
  const remote = new FakePeer(remoteId);
  const api = new MultiplayerAPI();
  expect(api.set_network_peer(peer)).toBe(GodotError.OK);
  peer.link(remote);
  return { api, peer, remote };
}

describe('the peer and its signals', () => {
  it('relays the peer’s signals as Godot’s MultiplayerAPI does, and keeps connected_peers in id order', () => {
    const peer = new FakePeer(2);
    const api = new MultiplayerAPI();
    const seen: string[] = [];
    api.network_peer_connected.connect((id) => seen.push(`connected ${id}`));
    api.network_peer_disconnected.connect((id) => seen.push(`disconnected ${id}`));
    api.connected_to_server.connect(() => seen.push('connected_to_server'));
    api.connection_failed.connect(() => seen.push('connection_failed'));
    api.server_disconnected.connect(() => seen.push('server_disconnected'));
    api.set_network_peer(peer);
    const five = new FakePeer(5);
    const one = new FakePeer(1);
    peer.link(five);
    peer.link(one);
    peer.connection_succeeded.emit();
    expect(api.get_network_connected_peers()).toEqual([1, 5]);
    peer.unlink(one);
    peer.server_disconnected.emit();
    peer.connection_failed.emit();
    expect(seen).toEqual(['connected 5', 'connected 1', 'connected_to_server', 'disconnected 1', 'server_disconnected', 'connection_failed']);
    expect(api.get_network_connected_peers()).toEqual([5]);
    expect(api.get_network_unique_id()).toBe(2);
    expect(api.is_network_server()).toBe(false);
  });

  it('a new peer replaces the old: its signals are no longer relayed, and connected peers and both caches are forgotten', () => {
    const { api, peer, remote } = pair();
    api.rpc_id(2, 'Main/Target', 'ping', 1);
    peer.inject(2, '02 05000000 "Main/X" 00');
    api.poll();
    expect(api.get_stats().path_cache.sent).toHaveLength(1);
    expect(api.get_stats().path_cache.received).toHaveLength(1);
    const next = new FakePeer(1);
    expect(api.set_network_peer(next)).toBe(GodotError.OK);
    expect(api.get_network_connected_peers()).toEqual([]);
    expect(api.get_stats().path_cache).toEqual({ sent: [], received: [] });
    const seen: number[] = [];
    api.network_peer_disconnected.connect((id) => seen.push(id));
    peer.unlink(remote);
    expect(seen).toEqual([]);
    expect(api.set_network_peer(null)).toBe(GodotError.OK);
    expect(api.has_network_peer()).toBe(false);
    expect(api.get_network_unique_id()).toBe(0);
    expect(api.poll()).toBe(GodotError.OK); // nothing to do, as Godot
  });

  it('still polls a peer that became disconnected, for the signals it emits from its poll, but reads no more of its packets', () => {
    const { api, peer } = pair(2, 1);
    const seen: string[] = [];
    api.network_peer_disconnected.connect((id) => seen.push(`disconnected ${id}`));
    api.server_disconnected.connect(() => seen.push('server_disconnected'));
    peer.status = ConnectionStatus.CONNECTION_DISCONNECTED; // the server left: the status changes at once, the signals wait for poll()
    peer.queued.push(() => peer.peer_disconnected.emit(1), () => peer.server_disconnected.emit());
    peer.inject(3, '04 01');
    const raw: number[] = [];
    api.network_peer_packet.connect((from) => raw.push(from));
    expect(api.poll()).toBe(GodotError.OK);
    expect(seen).toEqual(['disconnected 1', 'server_disconnected']);
    expect(api.get_network_connected_peers()).toEqual([]);
    expect(raw).toEqual([]);
  });

  it('refuses a disconnected peer, a thing that is not a peer, and an event API on a poll peer, changing nothing', () => {
    const api = new MultiplayerAPI();
    const off = new FakePeer(1);
    off.status = ConnectionStatus.CONNECTION_DISCONNECTED;
    expect(api.set_network_peer(off)).toBe(GodotError.ERR_UNCONFIGURED);
    expect(off.refusals[0]).toMatchObject({ method: 'set_network_peer', code: GodotError.ERR_UNCONFIGURED });
    expect(api.set_network_peer({ poll: () => 0 } as never)).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(api.get_network_peer()).toBe(null);
    const events = new MultiplayerAPI({ dispatch: 'events' });
    const pollPeer = new FakePeer(1);
    expect(events.set_network_peer(pollPeer)).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(pollPeer.refusals[0]!.reason).toContain("dispatch 'events'");
    expect(events.get_network_peer()).toBe(null);
  });
});

describe('send_bytes, rpc and rset refusals (recorded through the peer, or logged)', () => {
  it('without a peer: ERR_UNCONFIGURED, logged', () => {
    const api = new MultiplayerAPI();
    expect(api.send_bytes(Uint8Array.of(1))).toBe(GodotError.ERR_UNCONFIGURED);
    expect(api.rpc('Main/Target', 'ping')).toBe(GodotError.ERR_UNCONFIGURED);
    expect(api.rset('Main/Target', 'value', 1)).toBe(GodotError.ERR_UNCONFIGURED);
    expect(logged.map((entry) => entry.message)).toEqual([
      'MultiplayerAPI.send_bytes refused (ERR_UNCONFIGURED): Trying to send a raw packet while no network peer is active.',
      'MultiplayerAPI.rpc refused (ERR_UNCONFIGURED): Trying to call an RPC while no network peer is active.',
      'MultiplayerAPI.rset refused (ERR_UNCONFIGURED): Trying to RSET while no network peer is active.',
    ]);
  });

  it('while the peer is CONNECTING: ERR_UNCONFIGURED for send_bytes, rpc, rset; packets still are read', () => {
    const { api, peer } = pair(2, 1);
    peer.status = ConnectionStatus.CONNECTION_CONNECTING;
    expect(api.send_bytes(Uint8Array.of(1), 1)).toBe(GodotError.ERR_UNCONFIGURED);
    expect(api.rpc_id(1, 'Main/Target', 'ping')).toBe(GodotError.ERR_UNCONFIGURED);
    expect(api.rset_id(1, 'Main/Target', 'value', 1)).toBe(GodotError.ERR_UNCONFIGURED);
    expect(peer.refusals.map((refusal) => refusal.reason)).toEqual([
      'Trying to send a raw packet via a network peer which is not connected.',
      'Trying to call an RPC via a network peer which is not connected.',
      'Trying to send an RSET via a network peer which is not connected.',
    ]);
    expect(peer.takePuts()).toEqual([]);
    const got: number[] = [];
    api.network_peer_packet.connect((from) => got.push(from));
    peer.inject(3, '04 01');
    api.poll();
    expect(got).toEqual([3]);
  });

  it('send_bytes: an empty packet is ERR_INVALID_DATA (checked first, as Godot), bad arguments ERR_INVALID_PARAMETER, an unknown id the peer’s code', () => {
    const { api, peer } = pair();
    expect(api.send_bytes(new Uint8Array(0))).toBe(GodotError.ERR_INVALID_DATA);
    expect(new MultiplayerAPI().send_bytes(new Uint8Array(0))).toBe(GodotError.ERR_INVALID_DATA);
    expect(api.send_bytes([1, 2] as never)).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(api.send_bytes(Uint8Array.of(1), 1.5)).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(api.send_bytes(Uint8Array.of(1), 0, 3 as never)).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(api.send_bytes(Uint8Array.of(1), 9)).toBe(GodotError.ERR_INVALID_PARAMETER); // the peer's put_packet: Invalid target peer
    expect(peer.takePuts()).toEqual([]);
    expect(api.get_stats().sent.raw).toBe(0);
  });

  it('rpc_id to an id that is not a connected peer: "Attempt to remote call unexisting ID", nothing sent, no path id used', () => {
    const { api, peer } = pair();
    expect(api.rpc_id(9, 'Main/Target', 'ping', 1)).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(api.rpc_id(-9, 'Main/Target', 'ping', 1)).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(api.rset_unreliable_id(9, 'Main/Target', 'value', 1)).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(peer.refusals[0]).toEqual({ method: 'rpc_id', code: GodotError.ERR_INVALID_PARAMETER, reason: 'Attempt to remote call unexisting ID: 9.' });
    expect(peer.takePuts()).toEqual([]);
    expect(api.get_stats().path_cache.sent).toEqual([]);
  });

  it('arguments that are not Variants, bad paths, names and ids: ERR_INVALID_PARAMETER, nothing sent, no path id used', () => {
    const { api, peer } = pair();
    const bad: Array<() => GodotError> = [
      () => api.rpc('Main/Target', 'ping', (() => 1) as never),
      () => api.rpc('Main/Target', 'ping', undefined as never),
      () => api.rpc('Main/Target', 'ping', [1, Symbol('x')] as never),
      () => api.rset('Main/Target', 'value', undefined as never),
      () => api.rset('Main/Target', 'value', new Date() as never),
      () => api.rpc('Main/Target', 'ping', ...new Array<Variant>(256).fill(0)),
      () => api.rpc('', 'ping'),
      () => api.rpc('/root/Main/Target', 'ping'),
      () => api.rpc('Main\0Target', 'ping'),
      () => api.rpc(7 as never, 'ping'),
      () => api.rpc('Main/Target', ''),
      () => api.rpc('Main/Target', 'pi\0ng'),
      () => api.rpc('Main/Target', '\ud800'),
      () => api.rset('Main/Target', 3 as never, 1),
      () => api.rpc_id(1.5, 'Main/Target', 'ping'),
      () => api.rpc_id('2' as never, 'Main/Target', 'ping'),
      () => api.rpc_id(2 ** 31, 'Main/Target', 'ping'),
    ];
    for (const call of bad) expect(call()).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(peer.refusals).toHaveLength(bad.length);
    expect(peer.takePuts()).toEqual([]);
    expect(api.get_stats().path_cache.sent).toEqual([]);
    api.rpc_id(2, 'Main/Target', 'ping', 1);
    expect(api.get_stats().path_cache.sent[0]!.id).toBe(1);
  });
});

describe('local calls (Godot 3 rpcp/rsetp): *sync, master on the master, calls to our own id', () => {
  function local() {
    const { api, peer } = pair(1, 2);
    const calls: Array<[string, Variant[], number]> = [];
    const method = (name: string, mode: string | RPCMode) => ({ mode: mode as never, call: (...args: Variant[]) => calls.push([name, args, api.get_rpc_sender_id()]) });
    api.expose('Main/Target', {
      methods: {
        r: method('r', 'remote'),
        rs: method('rs', 'remotesync'),
        m: method('m', 'master'),
        ms: method('ms', RPCMode.RPC_MODE_MASTERSYNC),
        p: method('p', 'puppet'),
        ps: method('ps', 'puppetsync'),
        d: method('d', 'disabled'),
        two: { mode: 'remotesync', call: (...args: Variant[]) => calls.push(['two', args, api.get_rpc_sender_id()]), argc: 2 },
      },
      properties: { v: { mode: 'remotesync', set: (value) => calls.push(['set v', [value], api.get_rpc_sender_id()]) } },
    });
    return { api, peer, calls, sent: () => peer.takePuts().filter((put) => !put.hex.startsWith('02')).length };
  }

  it('remotesync and puppetsync: sent and called locally (sender = our id); remote and disabled: only sent', () => {
    const { api, calls, sent } = local();
    for (const name of ['r', 'rs', 'ps', 'd']) expect(api.rpc('Main/Target', name, 1)).toBe(GodotError.OK);
    expect(calls).toEqual([
      ['rs', [1], 1],
      ['ps', [1], 1],
    ]);
    expect(sent()).toBe(4);
    expect(api.get_rpc_sender_id()).toBe(0);
  });

  it('master and mastersync on the master (us, id 1): only the local call; puppet on the master: only sent', () => {
    const { api, calls, sent } = local();
    expect(api.rpc('Main/Target', 'm', 1)).toBe(GodotError.OK);
    expect(api.rpc('Main/Target', 'ms', 2)).toBe(GodotError.OK);
    expect(api.rpc('Main/Target', 'p', 3)).toBe(GodotError.OK);
    expect(calls).toEqual([
      ['m', [1], 1],
      ['ms', [2], 1],
    ]);
    expect(sent()).toBe(1);
    api.set_network_master('Main/Target', 2);
    expect(api.rpc('Main/Target', 'p', 4)).toBe(GodotError.OK); // now a puppet here: local too
    expect(api.rpc('Main/Target', 'm', 5)).toBe(GodotError.OK); // not the master: only sent
    expect(calls.slice(2)).toEqual([['p', [4], 1]]);
    expect(sent()).toBe(2);
  });

  it('rpc_id(our id): a *sync method runs locally only; a remote one is refused (ERR_UNAUTHORIZED); rpc_id(-other) reaches us too', () => {
    const { api, peer, calls, sent } = local();
    expect(api.rpc_id(1, 'Main/Target', 'rs', 1)).toBe(GodotError.OK);
    expect(api.rpc_id(1, 'Main/Target', 'r', 1)).toBe(GodotError.ERR_UNAUTHORIZED);
    expect(api.rpc_id(1, 'Main/Unexposed', 'r', 1)).toBe(GodotError.ERR_UNAUTHORIZED);
    expect(peer.refusals.map((refusal) => refusal.reason)).toEqual(["RPC 'r' on yourself is not allowed by selected mode.", "RPC 'r' on yourself is not allowed by selected mode."]);
    expect(sent()).toBe(0);
    expect(api.rpc_id(-2, 'Main/Target', 'rs', 2)).toBe(GodotError.OK);
    expect(calls).toEqual([
      ['rs', [1], 1],
      ['rs', [2], 1],
    ]);
  });

  it('rset with remotesync sets locally too; rset_id(our id) on a remote property is refused', () => {
    const { api, calls, sent } = local();
    expect(api.rset('Main/Target', 'v', 7)).toBe(GodotError.OK);
    expect(api.rset_id(1, 'Main/Target', 'v', 8)).toBe(GodotError.OK);
    expect(api.rset_id(1, 'Main/Target', 'w', 8)).toBe(GodotError.ERR_UNAUTHORIZED);
    expect(calls).toEqual([
      ['set v', [7], 1],
      ['set v', [8], 1],
    ]);
    expect(sent()).toBe(1);
  });

  it('a local call with another argument count than a declared argc is refused before anything is sent', () => {
    const { api, calls, sent } = local();
    expect(api.rpc('Main/Target', 'two', 1)).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(api.rpc('Main/Target', 'two', 1, 2)).toBe(GodotError.OK);
    expect(calls).toEqual([['two', [1, 2], 1]]);
    expect(sent()).toBe(1);
  });

  it('a local method that throws is caught and logged; the call returns OK (the send happened)', () => {
    const { api } = pair();
    api.expose('Main/T', { methods: { f: { mode: 'remotesync', call: () => { throw new Error('local boom'); } } } });
    expect(api.rpc('Main/T', 'f')).toBe(GodotError.OK);
    expect(api.get_stats().handler_errors).toBe(1);
    expect(logged.some((entry) => entry.level === 'error' && entry.message.includes('Main/T::f'))).toBe(true);
  });
});

describe('expose, unexpose, set_network_master', () => {
  it('validates the node whole and refuses duplicates; a refused expose exposes nothing', () => {
    const { api, peer } = pair();
    const call = () => {};
    const refused: unknown[] = [
      ['', {}],
      ['/root/Main', {}],
      ['Main', null],
      ['Main', { methods: [] }],
      ['Main', { methods: { ok: { mode: 'remote', call }, bad: { mode: 'sometimes', call } } }],
      ['Main', { methods: { f: { mode: 7, call } } }],
      ['Main', { methods: { f: { mode: 'remote', call: 'nope' } } }],
      ['Main', { methods: { f: { mode: 'remote', call, argc: 256 } } }],
      ['Main', { methods: { '': { mode: 'remote', call } } }],
      ['Main', { properties: { p: { mode: 'remote' } } }],
      ['Main', { master: -1 }],
      ['Main', { master: 1.5 }],
    ];
    for (const [path, node] of refused as Array<[string, never]>) expect(api.expose(path, node), JSON.stringify(node)).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(peer.refusals).toHaveLength(refused.length);
    expect(api.expose('Main', { methods: { ok: { mode: 'remote', call } } })).toBe(GodotError.OK);
    expect(api.expose('Main', {})).toBe(GodotError.ERR_ALREADY_EXISTS);
    expect(api.get_network_master('Main')).toBe(1);
    expect(api.set_network_master('Main', 3)).toBe(GodotError.OK);
    expect(api.get_network_master('Main')).toBe(3);
    expect(api.set_network_master('Nope', 3)).toBe(GodotError.ERR_DOES_NOT_EXIST);
    expect(api.set_network_master('Main', -3)).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(api.unexpose('Main')).toBe(GodotError.OK);
    expect(api.unexpose('Main')).toBe(GodotError.ERR_DOES_NOT_EXIST);
  });

  it('the node’s tables are copied: changing the object afterwards changes nothing', () => {
    const { api, peer } = pair();
    const calls: string[] = [];
    const methods: Record<string, { mode: 'remote'; call: () => void }> = { a: { mode: 'remote', call: () => calls.push('a') } };
    api.expose('N', { methods });
    methods.b = { mode: 'remote', call: () => calls.push('b') };
    peer.inject(2, fullPath('00', '"a" 00 00', 'N'));
    peer.inject(2, fullPath('00', '"b" 00 00', 'N'));
    api.poll();
    expect(calls).toEqual(['a']);
    expect(api.get_stats().dropped.unknown_method).toBe(1);
  });
});

describe('object decoding and refusing new connections', () => {
  it('an OBJECT in full form is dropped as malformed unless object decoding is allowed (Godot’s allow_object_decoding)', () => {
    const sender = pair(2, 1);
    const { api, peer } = pair(1, 2);
    const got: Variant[] = [];
    api.expose('N', { methods: { f: { mode: 'remote', call: (value) => got.push(value) } } });
    sender.api.rpc_id(1, 'N', 'f', new GodotObject('Node', { name: 'x' }));
    const packet = sender.peer.takePuts().find((put) => put.hex.startsWith('00'))!;
    peer.inject(2, Uint8Array.from(Buffer.from(packet.hex, 'hex')));
    api.poll();
    expect(api.get_stats().dropped.malformed).toBe(1);
    expect(api.is_object_decoding_allowed()).toBe(false);
    expect(api.set_allow_object_decoding('yes' as never)).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(api.set_allow_object_decoding(true)).toBe(GodotError.OK);
    peer.inject(2, Uint8Array.from(Buffer.from(packet.hex, 'hex')));
    api.poll();
    expect(got).toHaveLength(1);
    expect((got[0] as GodotObject).className).toBe('Node');
  });

  it('set_refuse_new_network_connections goes to the peer; without one it is refused', () => {
    const { api, peer } = pair();
    expect(api.set_refuse_new_network_connections(true)).toBe(GodotError.OK);
    expect(peer.is_refusing_new_connections()).toBe(true);
    expect(api.is_refusing_new_network_connections()).toBe(true);
    expect(api.set_refuse_new_network_connections(1 as never)).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(new MultiplayerAPI().set_refuse_new_network_connections(true)).toBe(GodotError.ERR_UNCONFIGURED);
    expect(new MultiplayerAPI().is_refusing_new_network_connections()).toBe(false);
  });
});

describe("dispatch: 'events'", () => {
  it('reads packets when the peer emits packets_available, with no poll', async () => {
    const peer = new FakePeer(1, 'events');
    const api = new MultiplayerAPI({ dispatch: 'events' });
    expect(api.set_network_peer(peer)).toBe(GodotError.OK);
    const got: string[] = [];
    const arrived = new Promise<void>((resolve) => {
      api.network_peer_packet.connect((from, packet) => {
        got.push(`${from}:${packet[0]}`);
        if (got.length === 3) resolve();
      });
    });
    peer.inject(2, '04 01');
    peer.inject(3, '04 02');
    peer.inject(2, '04 03');
    await Promise.race([arrived, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${got.join(',')}`)), 2000))]);
    expect(got).toEqual(['2:1', '3:2', '2:3']);
    expect(peer.polls).toBe(0);
  });

  it('a packet that arrives while a handler runs is read in a later task, not in the same read', async () => {
    const peer = new FakePeer(1, 'events');
    const api = new MultiplayerAPI({ dispatch: 'events' });
    api.set_network_peer(peer);
    const got: number[] = [];
    let readInline = true;
    api.network_peer_packet.connect((_from, packet) => {
      got.push(packet[0]!);
      if (packet[0] === 1) {
        peer.inject(2, '04 02');
        readInline = got.length > 1;
      }
    });
    peer.inject(2, '04 01');
    for (let i = 0; i < 50 && got.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(got).toEqual([1, 2]);
    expect(readInline).toBe(false);
  });
});
