import '../support/loopback.js';
import { describe, expect, it } from 'vitest';
import { MachineHandle } from '../../src/api/machine-handle.js';
import { formatTimeline, parseTrail, verifyTrail } from '../../src/audit/index.js';
import { GodotError, errorName } from '../../src/godot/constants.js';
import { describeRemoteEvent, multiplayerRemoteMachine, type MultiplayerRemoteEvent } from '../../src/machines/multiplayer-remote.js';
import { describeMultiplayerEvent, webrtcMultiplayerMachine, type WebRTCMultiplayerEvent } from '../../src/machines/webrtc-multiplayer.js';
import type { ConnectionRecord, RefusalRecord, TransitionRecord } from '../../src/records/record.js';
import { Recorder, observeRecords } from '../../src/records/recorder.js';
import { WebRTCMultiplayer } from '../../src/godot3/webrtc-multiplayer.js';
import { peer } from '../support/loopback.js';
import { countsConnected, linkMultiplayers, pollMultiplayers } from '../model/multiplayer-link.js';

/**
 * A WebRTCMultiplayer's records, made as the class makes them: its machine and one remote machine
 * per peer, each through a MachineHandle on one recorder (`mp-1`), refusals in the contract's shape.
 */
class MultiplayerRig {
  readonly trail: ConnectionRecord[] = [];
  readonly recorder = new Recorder('mp-1', 1024, (record) => void this.trail.push(record));
  readonly machine = new MachineHandle('webrtcMultiplayer', webrtcMultiplayerMachine, this.recorder, { describe: describeMultiplayerEvent });
  readonly remotes = new Map<number, MachineHandle<typeof multiplayerRemoteMachine>>();

  send(event: WebRTCMultiplayerEvent): void {
    expect(this.machine.send(event), `webrtcMultiplayer takes ${describeMultiplayerEvent(event)}`).toBe(true);
  }

  add(id: number): void {
    this.send({ type: 'add_peer', id });
    this.remotes.set(id, new MachineHandle('multiplayerRemote', multiplayerRemoteMachine, this.recorder, { input: { id }, channel: () => `peer ${id}`, describe: describeRemoteEvent }));
  }

  remote(id: number, event: MultiplayerRemoteEvent): void {
    expect(this.remotes.get(id)!.send(event), `peer ${id} takes ${describeRemoteEvent(event)}`).toBe(true);
  }

  connect(id: number): void {
    this.remote(id, { type: 'channels_open' });
    this.send({ type: 'peer_connected', id });
  }

  /** As a poll, remove_peer() or close() removes it: the remote first, then the map. */
  remove(id: number, event: MultiplayerRemoteEvent): void {
    this.remote(id, event);
    if (event.type !== 'close') this.send({ type: 'peer_removed', id });
    this.remotes.delete(id);
  }

  close(): void {
    for (const id of [...this.remotes.keys()]) this.remove(id, { type: 'close' });
    this.send({ type: 'close' });
  }

  refuse(method: string, machine: RefusalRecord['machine'], reason: string, code: GodotError = GodotError.ERR_INVALID_PARAMETER): void {
    const state = this.machine.state;
    this.recorder.add({ kind: 'refusal', method, machine, state, states: { webrtcMultiplayer: state }, code, codeName: errorName(code), reason });
  }
}

/** A mesh peer (1) with peers 2 and 3; 3's channel closes, 3 is added again; 2 is removed; close. */
function meshTrail(): ConnectionRecord[] {
  const rig = new MultiplayerRig();
  rig.refuse('add_peer', 'webrtcMultiplayer', 'add_peer before initialize()', GodotError.ERR_UNCONFIGURED);
  rig.send({ type: 'initialize', id: 1, serverCompatibility: false });
  rig.add(2);
  rig.add(3);
  rig.connect(2);
  rig.refuse('add_peer', 'webrtcMultiplayer', 'a peer with id 2 is already in the peer map');
  rig.refuse('put_packet', 'arguments', 'put_packet takes a PoolByteArray');
  rig.recorder.add({ kind: 'stack_error', method: 'multiplayer.packet', code: GodotError.ERR_INVALID_DATA, codeName: 'ERR_INVALID_DATA', reason: 'a packet from 2 on an unknown channel: dropped' });
  rig.connect(3);
  rig.remove(3, { type: 'link_ended', cause: 'channel' });
  rig.add(3);
  rig.connect(3);
  rig.remove(2, { type: 'remove_peer' });
  rig.close();
  return rig.trail;
}

/** A `server_compatibility` client (2): connecting until its server (1) is connected; then the server leaves. */
function clientTrail(): ConnectionRecord[] {
  const rig = new MultiplayerRig();
  rig.send({ type: 'initialize', id: 2, serverCompatibility: true });
  rig.add(1);
  expect(rig.machine.state).toBe('connecting');
  rig.connect(1);
  expect(rig.machine.state).toBe('connected');
  rig.remove(1, { type: 'link_ended', cause: 'connection' });
  expect(rig.machine.state).toBe('disconnected');
  return rig.trail;
}

const messages = (trail: ConnectionRecord[]) => verifyTrail(trail).problems.map((problem) => problem.message);

/** The trail with `record` inserted after index `after` (at its time), every later record numbered one on. */
function inserted(trail: ConnectionRecord[], after: number, record: ConnectionRecord): ConnectionRecord[] {
  const copy = trail.map((r, index) => (index > after ? { ...r, seq: r.seq + 1 } : { ...r }));
  const { seq, time, monotonic } = trail[after]!;
  copy.splice(after + 1, 0, { ...record, seq: seq + 1, time, monotonic } as ConnectionRecord);
  return copy;
}

const transitionAt = (trail: ConnectionRecord[], match: (r: TransitionRecord) => boolean, nth = 0): number => {
  const indexes = trail.flatMap((r, index) => (r.kind === 'transition' && match(r) ? [index] : []));
  if (indexes[nth] === undefined) throw new Error('no such record');
  return indexes[nth]!;
};

describe('verifyTrail replays a WebRTCMultiplayer and its remote peers', () => {
  it('verifies a mesh peer’s life by replay: its machine, each remote by its channel, an id added again as a new remote', () => {
    const trail = meshTrail();
    expect(trail.filter((r) => r.kind === 'transition' && r.machine === 'multiplayerRemote').map((r) => r.channel)).toEqual(['peer 2', 'peer 3', 'peer 3', 'peer 3', 'peer 2', 'peer 3']);
    const result = verifyTrail(trail);
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.connections).toHaveLength(1);
    const [life] = result.connections;
    expect(life!.name).toBe('mp-1');
    expect(life!.entries).toHaveLength(trail.length);
    expect(life!.states).toEqual({ webrtcMultiplayer: 'disconnected', 'peer 2': 'removed', 'peer 3': 'removed' });
    expect(life!.multiplayer).toEqual({
      uniqueId: 0,
      ended: { by: 'close', from: 'connected' },
      remotes: [
        { channel: 'peer 2', id: 2, run: 1, state: 'removed', removed: { by: 'remove_peer', from: 'connected' } },
        { channel: 'peer 3', id: 3, run: 1, state: 'removed', removed: { by: 'channel', from: 'connected' } },
        { channel: 'peer 3', id: 3, run: 2, state: 'removed', removed: { by: 'close', from: 'connected' } },
      ],
    });
  });

  it('reads the same trail from JSON Lines (the new machines are known to the parser)', () => {
    const text = meshTrail().map((record) => JSON.stringify(record)).join('\n') + '\n';
    expect(parseTrail(text).problems).toEqual([]);
    expect(verifyTrail(text).ok).toBe(true);
  });

  it('a forged line is one problem: peer_connected of an id not in the map', () => {
    const trail = meshTrail();
    const index = transitionAt(trail, (r) => r.event === 'peer_connected(2)');
    const forged = trail.map((r, i) => (i === index ? { ...r, event: 'peer_connected(7)' } : r));
    expect(messages(forged)).toEqual(['webrtcMultiplayer does not take peer_connected(7) in connected: not a legal transition']);
    // And one with a `to` the machine does not go to, named by its line (the replay then carries on from what it says).
    const wrongTo = trail.map((r, i) => (i === index ? { ...r, to: 'disconnected' } : r));
    expect(verifyTrail(wrongTo).problems[0]).toMatchObject({
      line: index + 1,
      connection: 'mp-1',
      message: 'webrtcMultiplayer goes from connected on peer_connected(2) to connected, not to disconnected: not a legal transition',
    });
  });

  it('replays add_peer’s guards with the peer map the earlier events built: a second add_peer(2) is no legal transition', () => {
    const trail = meshTrail();
    const index = transitionAt(trail, (r) => r.event === 'add_peer(3)');
    const second = trail[transitionAt(trail, (r) => r.event === 'add_peer(2)')]!;
    expect(messages(inserted(trail, index, second))).toEqual(['webrtcMultiplayer does not take add_peer(2) in connected: not a legal transition']);
  });

  it('an id added again is a new remote only after its removal: a second remote life while the first is connected is a problem', () => {
    const trail = meshTrail();
    // peer 3's second life begins (added → connected) right after its first one connected.
    const firstConnected = transitionAt(trail, (r) => r.channel === 'peer 3' && r.event === 'channels_open');
    const secondBegins = trail[transitionAt(trail, (r) => r.channel === 'peer 3' && r.event === 'channels_open', 1)]!;
    expect(messages(inserted(trail, firstConnected, secondBegins))).toEqual(['peer 3 was in connected, but the record says it went from added']);
  });

  it('a remote peer with no add_peer before it is a problem', () => {
    const trail = meshTrail();
    const index = transitionAt(trail, (r) => r.channel === 'peer 2' && r.event === 'channels_open');
    const stray = { ...trail[index]!, channel: 'peer 9' } as ConnectionRecord;
    expect(messages(inserted(trail, index, stray))).toEqual([
      "peer 9: a remote peer's record with no add_peer(9) before it (a remote is in the peer map only once add_peer took it)",
    ]);
  });

  it('a refusal in the wrong state is a problem (a refused call changes nothing)', () => {
    const trail = meshTrail();
    const index = trail.findIndex((r) => r.kind === 'refusal' && r.reason.startsWith('a peer with id 2'));
    const forged = trail.map((r, i) => (i === index && r.kind === 'refusal' ? { ...r, state: 'connecting', states: { webrtcMultiplayer: 'connecting' } } : r));
    expect(messages(forged)).toEqual(['refused add_peer: webrtcMultiplayer was in connected, but the refusal says connecting (a refused call changes nothing)']);
    // The first refusal (before initialize) says disconnected, and so it was.
    const first = trail.find((r) => r.kind === 'refusal')!;
    expect(first.kind === 'refusal' && first.states).toEqual({ webrtcMultiplayer: 'disconnected' });
  });

  it('keeps stack errors without replaying them, and says which record belongs to another kind of life', () => {
    const trail = meshTrail();
    expect(verifyTrail(trail).connections[0]!.entries.filter(({ record }) => record.kind === 'stack_error')).toHaveLength(1);
    const stray = { ...trail.at(-1)!, seq: trail.length + 1, machine: 'connection', from: 'new', event: 'close', to: 'closed' } as ConnectionRecord;
    expect(messages([...trail, stray])).toEqual(['a connection record in the life of a WebRTCMultiplayer']);
    const channelless = trail.map((r) => (r.kind === 'transition' && r.machine === 'multiplayerRemote' && r.seq === trail.find((x) => x.kind === 'transition' && x.machine === 'multiplayerRemote')!.seq ? { ...r, channel: 'two' } : r));
    expect(messages(channelless).at(0)).toBe('a multiplayerRemote record with the channel "two": it must be "peer <id>"');
  });

  it('a server_compatibility client: connecting until peer 1 is connected, then disconnected by its server’s departure; the timeline says why', () => {
    const trail = clientTrail();
    const result = verifyTrail(trail);
    expect(result.problems).toEqual([]);
    expect(result.connections[0]!.multiplayer?.ended).toEqual({ by: 'server_disconnected', from: 'connected' });
    const timeline = formatTimeline(result);
    expect(timeline).toContain('final: webrtcMultiplayer disconnected · peer 1 removed');
    expect(timeline).toContain('ended: its server (peer 1) left: server_disconnected, from connected');
    expect(timeline).toContain('peer 1 removed: at a poll: its connection had ended, from connected');
    expect(timeline).toMatch(/multiplayer\s+connecting → connected\s+peer_connected\(1\)/);
    expect(timeline).toMatch(/peer 1\s+added → connected\s+channels_open/);
  });

  it('the timeline names each remote life’s removal, an id added again included', () => {
    const timeline = formatTimeline(verifyTrail(meshTrail()));
    expect(timeline).toContain('ended: by the app (close()), from connected');
    expect(timeline).toContain('peer 2 removed: by the app (remove_peer()), from connected');
    expect(timeline).toContain('peer 3 removed: at a poll: one of its channels had closed, from connected');
    expect(timeline).toContain('peer 3 (added again, 2) removed: by the multiplayer’s close(), from connected');
  });

  it('an argument refusal that names the multiplayer’s state begins a multiplayer’s life', () => {
    const rig = new MultiplayerRig();
    rig.refuse('initialize', 'arguments', 'the peer id must be a whole number from 1 to 2147483647, not 0');
    rig.send({ type: 'initialize', id: 1, serverCompatibility: false });
    const result = verifyTrail(rig.trail);
    expect(result.problems).toEqual([]);
    expect(result.connections[0]!.states).toEqual({ webrtcMultiplayer: 'connected' });
  });

  it('a multiplayer’s record about a peer must follow its remote’s: peer_connected before channels_open is a problem', () => {
    const trail = meshTrail();
    const open = transitionAt(trail, (r) => r.channel === 'peer 2' && r.event === 'channels_open');
    const connected = transitionAt(trail, (r) => r.event === 'peer_connected(2)');
    expect(connected).toBe(open + 1);
    const swapped = trail.map((r) => ({ ...r }));
    const at = (i: number) => ({ seq: trail[i]!.seq, time: trail[i]!.time, monotonic: trail[i]!.monotonic });
    [swapped[open], swapped[connected]] = [{ ...trail[connected]!, ...at(open) }, { ...trail[open]!, ...at(connected) }];
    expect(messages(swapped)).toEqual(['peer_connected(2): peer 2 is added, not connected (its own record comes first)']);
  });
});

describe('a real run: two WebRTCMultiplayers over loopback, their records observed as they are made', () => {
  it('verifies clean (a peer removed and its id added again included), and one tampered record is a problem', async () => {
    const trail: ConnectionRecord[] = [];
    const stop = observeRecords((record) => void trail.push(record));
    const server = new WebRTCMultiplayer();
    const client = new WebRTCMultiplayer();
    try {
      expect(server.initialize(1)).toBe(GodotError.OK);
      expect(client.initialize(2, true)).toBe(GodotError.OK);
      linkMultiplayers(server, 1, client, 2);
      await pollMultiplayers([server, client], () => countsConnected(server, 2) && client.get_connection_status() === WebRTCMultiplayer.CONNECTION_CONNECTED);
      expect(server.add_peer(peer(), 2)).toBe(GodotError.ERR_ALREADY_EXISTS);
      expect(client.initialize(3)).toBe(GodotError.ERR_ALREADY_IN_USE);
      expect(client.put_packet(new Uint8Array([1, 2, 3]))).toBe(GodotError.OK);
      await pollMultiplayers([server, client], () => server.get_available_packet_count() > 0);
      expect([...server.get_packet()]).toEqual([1, 2, 3]);
      // The server drops the client; the client loses its server; both start again with the same ids.
      expect(server.remove_peer(2)).toBe(GodotError.OK);
      await pollMultiplayers([server, client], () => client.get_connection_status() === WebRTCMultiplayer.CONNECTION_DISCONNECTED);
      client.close();
      expect(client.initialize(2, true)).toBe(GodotError.OK);
      linkMultiplayers(server, 1, client, 2);
      await pollMultiplayers([server, client], () => countsConnected(server, 2) && client.get_connection_status() === WebRTCMultiplayer.CONNECTION_CONNECTED);
      server.close();
      client.close();
    } finally {
      stop();
      server.close();
      client.close();
    }
    const result = verifyTrail(trail);
    expect(result.problems).toEqual([]);
    const lives = new Map(result.connections.map((life) => [life.connection, life]));
    const serverLife = lives.get(server.id)!;
    expect(serverLife.multiplayer!.remotes.map((remote) => [remote.channel, remote.run, remote.removed?.by])).toEqual([
      ['peer 2', 1, 'remove_peer'],
      ['peer 2', 2, 'close'],
    ]);
    expect(lives.get(client.id)!.multiplayer!.remotes.map((remote) => remote.run)).toEqual([1, 2]);
    // The multiplayers' connections keep their own lives, beside them.
    expect(result.connections.filter((life) => life.states.connection !== undefined).length).toBeGreaterThanOrEqual(4);
    expect(result.connections.filter((life) => life.multiplayer !== undefined).map((life) => life.connection)).toEqual([server.id, client.id]);
    expect(trail.filter((r) => r.connection === server.id && r.kind === 'refusal').map((r) => r.kind === 'refusal' && r.method)).toEqual(['add_peer']);

    // One tampered record: the server's second peer_connected(2) names a peer it never added.
    const index = transitionAt(trail, (r) => r.connection === server.id && r.event === 'peer_connected(2)', 1);
    const tampered = trail.map((r, i) => (i === index ? { ...r, event: 'peer_connected(4)' } : r));
    const problems = verifyTrail(tampered).problems;
    expect(problems.map((problem) => [problem.connection, problem.message])).toEqual([[server.id, 'webrtcMultiplayer does not take peer_connected(4) in connected: not a legal transition']]);
  }, 30_000);
});
