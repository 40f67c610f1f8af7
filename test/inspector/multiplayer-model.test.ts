import { afterEach, describe, expect, it } from 'vitest';
import { MachineHandle } from '../../src/api/machine-handle.js';
import { GodotError, errorName } from '../../src/godot/constants.js';
import { MultiplayerModel } from '../../src/inspector/multiplayer-model.js';
import { InspectorModel } from '../../src/inspector/model.js';
import { describeRemoteEvent, multiplayerRemoteMachine, type MultiplayerRemoteEvent } from '../../src/machines/multiplayer-remote.js';
import { describeMultiplayerEvent, webrtcMultiplayerMachine, type WebRTCMultiplayerEvent } from '../../src/machines/webrtc-multiplayer.js';
import type { ConnectionRecord } from '../../src/records/record.js';
import { Recorder } from '../../src/records/recorder.js';
import { WebRTCMultiplayerPeer } from '../../src/godot4/webrtc-multiplayer-peer.js';
import { liveMultiplayers } from '../../src/records/multiplayers.js';

/** A WebRTCMultiplayer's machines as the class drives them (a remote's event first, then the multiplayer's), every record into `into`. */
function multiplayer(name: string, into: (record: ConnectionRecord) => void) {
  const recorder = new Recorder(name, 256, into);
  const machine = new MachineHandle('webrtcMultiplayer', webrtcMultiplayerMachine, recorder, { describe: describeMultiplayerEvent });
  const remotes = new Map<number, MachineHandle<typeof multiplayerRemoteMachine>>();
  const send = (event: WebRTCMultiplayerEvent) => expect(machine.send(event)).toBe(true);
  const remote = (id: number, event: MultiplayerRemoteEvent) => expect(remotes.get(id)!.send(event)).toBe(true);
  return {
    recorder,
    send,
    add(id: number) {
      send({ type: 'add_peer', id });
      remotes.set(id, new MachineHandle('multiplayerRemote', multiplayerRemoteMachine, recorder, { input: { id }, channel: () => `peer ${id}`, describe: describeRemoteEvent }));
    },
    connect(id: number) {
      remote(id, { type: 'channels_open' });
      send({ type: 'peer_connected', id });
    },
    remove(id: number, event: MultiplayerRemoteEvent) {
      remote(id, event);
      send({ type: 'peer_removed', id });
    },
    close() {
      for (const [id, handle] of remotes) if (handle.state !== 'removed') remote(id, { type: 'close' });
      send({ type: 'close' });
    },
    refuse(method: string) {
      const state = machine.state;
      const code = GodotError.ERR_ALREADY_EXISTS;
      recorder.add({ kind: 'refusal', method, machine: 'webrtcMultiplayer', state, states: { webrtcMultiplayer: state }, code, codeName: errorName(code), reason: 'already in the peer map' });
    },
  };
}

describe('the inspector model of Godot 3 WebRTCMultiplayers', () => {
  it('follows a multiplayer from its records: state, unique id, mode, each remote peer’s state, the diagram element of each last transition', () => {
    const model = new MultiplayerModel();
    const mp = multiplayer('mp-1', (record) => model.apply(record));
    expect(model.get('mp-1')).toBeUndefined();
    mp.send({ type: 'initialize', id: 1, serverCompatibility: true });
    expect(model.get('mp-1')).toMatchObject({ state: 'connected', uniqueId: 1, mode: 'server', refusing: false, remotes: [] });
    expect(model.get('mp-1')!.last).toMatchObject({ from: 'disconnected', to: 'connected', event: 'initialize(1,server_compatibility)', drawn: 'disconnected->connected' });
    mp.add(3);
    mp.add(2);
    mp.connect(2);
    mp.refuse('add_peer');
    const view = model.get('mp-1')!;
    expect(view.remotes.map(({ id, channel, state }) => ({ id, channel, state }))).toEqual([
      { id: 2, channel: 'peer 2', state: 'connected' },
      { id: 3, channel: 'peer 3', state: 'added' },
    ]);
    expect(view.remotes[0]!.last).toMatchObject({ event: 'channels_open', drawn: 'added->connected' });
    expect(view.last).toMatchObject({ event: 'peer_connected(2)', drawn: 'connected/peer_connected' });
    expect(view.records.map((record) => record.kind)).toEqual(['transition', 'transition', 'transition', 'transition', 'transition', 'refusal']);

    // A removed peer stays listed as removed; its id added again is a fresh remote.
    mp.remove(3, { type: 'link_ended', cause: 'channel' });
    expect(model.get('mp-1')!.remotes.find((remote) => remote.id === 3)).toMatchObject({ state: 'removed', last: { event: 'link_ended(channel)', drawn: 'added->removed' } });
    mp.add(3);
    expect(model.get('mp-1')!.remotes.find((remote) => remote.id === 3)).toEqual({ id: 3, channel: 'peer 3', state: 'added', last: null });
    mp.send({ type: 'set_refuse_new_connections', enable: true });
    expect(model.get('mp-1')!.refusing).toBe(true);
    mp.close();
    expect(model.get('mp-1')).toMatchObject({ state: 'disconnected', uniqueId: 0, mode: 'server' });
    expect(model.get('mp-1')!.remotes.map((remote) => remote.state)).toEqual(['removed', 'removed']);
  });

  it('names each mode: mesh, server, client (connecting until its server is connected)', () => {
    const model = new MultiplayerModel();
    multiplayer('mp-mesh', (record) => model.apply(record)).send({ type: 'initialize', id: 5, serverCompatibility: false });
    const client = multiplayer('mp-client', (record) => model.apply(record));
    client.send({ type: 'initialize', id: 5, serverCompatibility: true });
    expect(model.get('mp-mesh')).toMatchObject({ mode: 'mesh', state: 'connected', uniqueId: 5 });
    expect(model.get('mp-client')).toMatchObject({ mode: 'client', state: 'connecting', uniqueId: 5 });
    client.add(1);
    client.connect(1);
    expect(model.get('mp-client')!.state).toBe('connected');
    client.remove(1, { type: 'link_ended', cause: 'connection' });
    // The server left: disconnected, but it keeps its id until close().
    expect(model.get('mp-client')).toMatchObject({ state: 'disconnected', uniqueId: 5, last: { event: 'peer_removed(1)', drawn: 'connected->disconnected' } });
  });

  it('owns the multiplayers’ records, and only theirs: the connections’ model never sees mp-1', () => {
    const model = new MultiplayerModel();
    const connections = new InspectorModel();
    const route = (record: ConnectionRecord) => (model.owns(record) ? model.apply(record) : connections.apply(record));
    const mp = multiplayer('mp-1', route);
    mp.refuse('initialize');
    mp.send({ type: 'initialize', id: 1, serverCompatibility: false });
    // A stack error names no machine: it is a multiplayer's when its name is one the model has.
    mp.recorder.add({ kind: 'stack_error', method: 'multiplayer.packet', code: GodotError.ERR_INVALID_DATA, codeName: 'ERR_INVALID_DATA', reason: 'dropped' });
    expect(model.get('mp-1')!.records.map((record) => record.kind)).toEqual(['refusal', 'transition', 'stack_error']);
    expect(connections.list()).toEqual([]);
    const stray: ConnectionRecord = { seq: 1, time: 0, monotonic: 0, connection: 'pc-9', kind: 'stack_error', method: 'x', code: GodotError.FAILED, codeName: 'FAILED', reason: '' };
    expect(model.owns(stray)).toBe(false);
  });

  it('keeps the newest records and forgets the oldest closed multiplayers beyond keepClosed', () => {
    const model = new MultiplayerModel(4, 2);
    const forgotten: string[] = [];
    for (const name of ['mp-a', 'mp-b', 'mp-c', 'mp-d']) {
      const mp = multiplayer(name, (record) => forgotten.push(...model.apply(record)));
      mp.send({ type: 'initialize', id: 1, serverCompatibility: false });
      mp.add(2);
      mp.connect(2);
      mp.close();
    }
    expect(forgotten).toEqual(['mp-a', 'mp-b']);
    expect(model.list().map((view) => view.name)).toEqual(['mp-c', 'mp-d']);
    expect(model.get('mp-d')!.records.map((record) => record.seq)).toEqual([3, 4, 5, 6]);
  });

  it('starts afresh when another multiplayer takes the same name (its seq starts at 1 again)', () => {
    const model = new MultiplayerModel();
    multiplayer('mp-1', (record) => model.apply(record)).send({ type: 'initialize', id: 4, serverCompatibility: false });
    const again = multiplayer('mp-1', (record) => model.apply(record));
    again.send({ type: 'initialize', id: 7, serverCompatibility: true });
    expect(model.get('mp-1')).toMatchObject({ uniqueId: 7, mode: 'client', records: [expect.objectContaining({ seq: 1 })] });
  });
});

describe('the inspector model of Godot 4 WebRTCMultiplayerPeers, from a real peer’s records', () => {
  const made: WebRTCMultiplayerPeer[] = [];
  afterEach(() => {
    for (const mp of made.splice(0)) mp.close();
  });
  const fed = () => {
    const mp = new WebRTCMultiplayerPeer();
    made.push(mp);
    return mp;
  };
  const applyAll = (model: MultiplayerModel, mp: WebRTCMultiplayerPeer) => {
    for (const record of mp.get_records()) model.apply(record);
    return model.get(mp.id)!;
  };

  it('create_server/client/mesh set mode and id; close() is mode null, id 0', () => {
    const model = new MultiplayerModel();
    const server = fed();
    const client = fed();
    const mesh = fed();
    expect(server.create_server()).toBe(GodotError.OK);
    expect(client.create_client(5)).toBe(GodotError.OK);
    expect(mesh.create_mesh(7)).toBe(GodotError.OK);
    expect(applyAll(model, server)).toMatchObject({ machine: 'webrtcMultiplayerPeer', mode: 'server', uniqueId: 1, state: 'connected' });
    expect(applyAll(model, client)).toMatchObject({ machine: 'webrtcMultiplayerPeer', mode: 'client', uniqueId: 5, state: 'connecting' });
    expect(applyAll(model, mesh)).toMatchObject({ machine: 'webrtcMultiplayerPeer', mode: 'mesh', uniqueId: 7 });
    server.close();
    expect(applyAll(model, server)).toMatchObject({ mode: null, uniqueId: 0, state: 'disconnected' });
  });

  it('counts refusals by method and drops by reason (the hook SceneMultiplayer records drops with)', () => {
    const model = new MultiplayerModel();
    const mp = fed();
    expect(mp.create_mesh(3)).toBe(GodotError.OK);
    expect(mp.create_server()).not.toBe(GodotError.OK);
    expect(mp.create_server()).not.toBe(GodotError.OK);
    mp.refuseFor('send_auth', GodotError.ERR_UNCONFIGURED, 'not connected');
    mp.recordDropped(2, 'remote_call: not modelled');
    mp.recordDropped(4, 'remote_call: not modelled');
    mp.recordDropped(2, 'malformed: short');
    const refusal = mp.get_records().find((record) => record.kind === 'refusal')!;
    expect(refusal.kind === 'refusal' && refusal.states?.webrtcMultiplayerPeer).toBe('connected');
    const view = applyAll(model, mp);
    expect(view.refusals).toEqual({ create_server: 2, send_auth: 1 });
    expect(view.drops).toEqual({ remote_call: 2, malformed: 1 });
  });

  it('meet() takes a live multiplayer from liveMultiplayers(): mode, id, state, records', () => {
    const model = new MultiplayerModel();
    const mp = fed();
    expect(mp.create_client(9)).toBe(GodotError.OK);
    const live = liveMultiplayers().find((one) => one.name === mp.id)!;
    expect(live.machine).toBe('webrtcMultiplayerPeer');
    model.meet(live);
    expect(model.get(mp.id)).toMatchObject({ machine: 'webrtcMultiplayerPeer', mode: 'client', uniqueId: 9, state: 'connecting' });
    expect(model.get(mp.id)!.records.length).toBe(mp.get_records().length);
  });
});
