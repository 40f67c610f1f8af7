/**
 * Issue 12: the paths `xstate/graph` generates through the WebRTCMultiplayer's machine
 * (multiplayer-walk.ts), replayed on the real `WebRTCMultiplayer` class.
 *
 * - Every path of the transition cover that needs no network (initialize, add_peer of a fresh
 *   connection, set_refuse_new_connections, remove_peer, close) is replayed as it is.
 * - Of the paths with a `peer_connected`, a few that take every transition the others do not
 *   (and a removal of a connected peer in each state, a close() with one) are replayed with real loopback links: the
 *   connection add_peer was given is wired, at its `peer_connected` step, to a far
 *   WebRTCMultiplayer initialized as that id, and the step waits for the poll that counts it.
 *   A `peer_removed` step removes the peer in turn by remove_peer(), by closing its connection,
 *   by closing one of its channels (the last two at a poll, as Godot 3 removes it), or, for a
 *   connected one, by the far end's close().
 *
 * After every step: the class's machine is in the path's state with the path's context, every
 * getter agrees with it (status, peers, connected, refusing, unique id), the step recorded the
 * multiplayer transition the path names and no refusal; each multiplayer's trail verifies. The
 * remote machine's nine transitions must all have been taken on the class.
 */
import '../support/loopback.js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { verifyTrail } from '../../src/audit/verify.js';
import { GodotError } from '../../src/godot/constants.js';
import { ConnectionStatus } from '../../src/godot3/constants.js';
import { WebRTCMultiplayer } from '../../src/godot3/webrtc-multiplayer.js';
import type { WebRTCMultiplayerContext, WebRTCMultiplayerEvent } from '../../src/machines/webrtc-multiplayer.js';
import { WebRTCPeerConnection } from '../../src/index.js';
import { peer, wire } from '../support/loopback.js';
import { countsConnected, pollMultiplayers } from './multiplayer-link.js';
import { MULTIPLAYER_WALK, REMOTE_EVENTS, transitionCover, transitionKey, type WalkPath, type WalkStep } from './multiplayer-walk.js';
import { describeRemoteEvent } from '../../src/machines/multiplayer-remote.js';

const STATUS: Record<string, ConnectionStatus> = {
  disconnected: ConnectionStatus.CONNECTION_DISCONNECTED,
  connecting: ConnectionStatus.CONNECTION_CONNECTING,
  connected: ConnectionStatus.CONNECTION_CONNECTED,
};

const made: WebRTCMultiplayer[] = [];
afterEach(() => {
  for (const mp of made.splice(0)) mp.close();
});
function multiplayer(): WebRTCMultiplayer {
  const mp = new WebRTCMultiplayer();
  made.push(mp);
  return mp;
}

/** The remote transitions taken on the class, by every replay of this file. */
const remoteTaken = new Set<string>();
let removals = 0;

/** How a peer_removed step removes its peer: in turn, among what its link allows. */
type Removal = 'remove_peer' | 'close_connection' | 'close_channel' | 'far_close';

async function replay(path: WalkPath<WebRTCMultiplayerEvent>): Promise<void> {
  const mp = multiplayer();
  const connections = new Map<number, WebRTCPeerConnection>();
  const fars = new Map<number, WebRTCMultiplayer>();
  for (const step of path.steps) {
    const seq = mp.get_records().at(-1)?.seq ?? 0;
    await act(mp, step, connections, fars);
    const where = `${path.description}, at ${step.label}`;
    const context = step.after.context as WebRTCMultiplayerContext;
    expect(mp.machine.state, where).toBe(step.to);
    expect(mp.machine.snapshot.context, where).toEqual(context);
    expect(mp.get_connection_status(), where).toBe(STATUS[step.to]);
    expect(Object.keys(mp.get_peers()).map(Number), where).toEqual(context.peers);
    for (const id of context.peers) expect(mp.get_peer(id)!.connected, where).toBe(context.connected.includes(id));
    expect(mp.is_refusing_new_connections(), where).toBe(context.refusing);
    expect(mp.get_stats().unique_id, where).toBe(context.uniqueId);
    const fresh = mp.get_records().filter((record) => record.seq > seq);
    expect(fresh.filter((record) => record.kind !== 'transition'), where).toEqual([]);
    const own = fresh.flatMap((record) => (record.kind === 'transition' && record.machine === 'webrtcMultiplayer' ? [`${record.from} -${record.event}-> ${record.to}`] : []));
    expect(own, where).toEqual([`${step.from} -${step.label}-> ${step.to}`]);
    for (const record of fresh) if (record.kind === 'transition' && record.machine === 'multiplayerRemote') remoteTaken.add(`${record.from} -${record.event}-> ${record.to}`);
  }
  const verification = verifyTrail(mp.get_records());
  expect(verification.problems, path.description).toEqual([]);
}

async function act(mp: WebRTCMultiplayer, step: WalkStep<WebRTCMultiplayerEvent>, connections: Map<number, WebRTCPeerConnection>, fars: Map<number, WebRTCMultiplayer>): Promise<void> {
  const { event } = step;
  switch (event.type) {
    case 'initialize':
      return void expect(mp.initialize(event.id, event.serverCompatibility)).toBe(GodotError.OK);
    case 'set_refuse_new_connections':
      return void expect(mp.set_refuse_new_connections(event.enable)).toBe(GodotError.OK);
    case 'add_peer': {
      const pc = peer();
      expect(mp.add_peer(pc, event.id)).toBe(GodotError.OK);
      connections.set(event.id, pc);
      return;
    }
    case 'peer_connected': {
      // Only now is its connection wired to a far end, so that no other peer connects at the same poll.
      const far = multiplayer();
      const farPc = peer();
      expect(far.initialize(event.id)).toBe(GodotError.OK);
      expect(far.add_peer(farPc, mp.get_stats().unique_id)).toBe(GodotError.OK);
      wire(connections.get(event.id)!, farPc);
      connections.get(event.id)!.create_offer();
      fars.set(event.id, far);
      return pollMultiplayers([mp, far], () => countsConnected(mp, event.id));
    }
    case 'peer_removed': {
      const connected = countsConnected(mp, event.id);
      const ways: Removal[] = connected ? ['far_close', 'close_channel', 'close_connection', 'remove_peer'] : ['close_connection', 'remove_peer'];
      const way = ways[removals++ % ways.length]!;
      if (way === 'remove_peer') return void expect(mp.remove_peer(event.id)).toBe(GodotError.OK);
      if (way === 'close_connection') connections.get(event.id)!.close();
      if (way === 'close_channel') mp.get_peer(event.id)!.channels[removals % 3]!.close();
      if (way === 'far_close') fars.get(event.id)!.close();
      // Removed at a poll, as Godot 3's poll removes a peer whose link ended.
      return pollMultiplayers([mp], () => !mp.has_peer(event.id));
    }
    case 'close':
      return mp.close();
  }
}

const cover = transitionCover(MULTIPLAYER_WALK);
const needsNetwork = (path: WalkPath<WebRTCMultiplayerEvent>) => path.steps.some((step) => step.event.type === 'peer_connected');
const offline = cover.filter((path) => !needsNetwork(path));

/** What a networked path must add: transitions the offline paths do not take, removing a connected peer in each state, close() with one. */
function stepKey(step: WalkStep<WebRTCMultiplayerEvent>, before: WebRTCMultiplayerContext): string {
  if (step.event.type === 'peer_removed' && before.connected.includes(step.event.id)) return `${step.from} --peer_removed(connected)--> ${step.to}`;
  if (step.event.type === 'close' && before.connected.length > 0) return `${step.from} --close(a peer connected)--> ${step.to}`;
  return transitionKey(step.from, step.event.type, step.to);
}
function keysOf(path: WalkPath<WebRTCMultiplayerEvent>): string[] {
  let before: WebRTCMultiplayerContext = { uniqueId: 0, serverCompatibility: false, refusing: false, peers: [], connected: [], ended: null };
  return path.steps.map((step) => {
    const key = stepKey(step, before);
    before = step.after.context as WebRTCMultiplayerContext;
    return key;
  });
}
const covered = new Set(offline.flatMap(keysOf));
const networked: Array<WalkPath<WebRTCMultiplayerEvent>> = [];
for (const path of cover.filter(needsNetwork).sort((a, b) => a.steps.length - b.steps.length)) {
  const adds = keysOf(path).filter((key) => !covered.has(key));
  if (adds.length === 0) continue;
  networked.push(path);
  for (const key of adds) covered.add(key);
}

describe('the WebRTCMultiplayer machine’s generated paths, replayed on the real class', () => {
  it(`every path that needs no network (${offline.length} of the ${cover.length} of the transition cover)`, async () => {
    for (const path of offline) {
      await replay(path);
      for (const mp of made.splice(0)) mp.close();
    }
  }, 60_000);

  describe('paths with a peer that connects, over loopback', () => {
    it('the chosen paths take every transition and each removal the offline ones do not', () => {
      expect(networked.length).toBeGreaterThan(2);
      expect(networked.length).toBeLessThan(16);
      expect([...covered].filter((key) => key.includes('peer_removed(connected)')).sort()).toEqual([
        'connected --peer_removed(connected)--> connected',
        'connected --peer_removed(connected)--> disconnected',
        'connecting --peer_removed(connected)--> connecting',
        'disconnected --peer_removed(connected)--> disconnected',
      ]);
    });
    for (const path of networked) it(path.description, () => replay(path), 30_000);
  });
});

describe('the remote machine’s transitions the paths cannot reach by themselves', () => {
  it('added -link_ended(channel)-> removed: a channel closed after the connection connected, before the poll that would count the peer', async () => {
    const mp = multiplayer();
    const far = multiplayer();
    expect(mp.initialize(1)).toBe(GodotError.OK);
    expect(far.initialize(2)).toBe(GodotError.OK);
    const [ours, theirs] = [peer(), peer()];
    expect(mp.add_peer(ours, 2)).toBe(GodotError.OK);
    expect(far.add_peer(theirs, 1)).toBe(GodotError.OK);
    wire(ours, theirs);
    ours.create_offer();
    // The connections are polled directly: mp's poll (which would count the peer) waits.
    const channels = mp.get_peer(2)!.channels;
    const deadline = Date.now() + 8000;
    while (!(ours.get_connection_state() === WebRTCPeerConnection.STATE_CONNECTED && theirs.get_connection_state() === WebRTCPeerConnection.STATE_CONNECTED)) {
      if (Date.now() > deadline) throw new Error('the pair did not connect');
      ours.poll();
      far.poll();
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    channels[1]!.close();
    mp.poll();
    expect(mp.has_peer(2)).toBe(false);
    const remote = mp.get_records().filter((record) => record.kind === 'transition' && record.machine === 'multiplayerRemote');
    expect(remote.map((record) => record.kind === 'transition' && `${record.from} -${record.event}-> ${record.to}`)).toEqual(['added -link_ended(channel)-> removed']);
    remoteTaken.add('added -link_ended(channel)-> removed');
    expect(verifyTrail(mp.get_records()).problems).toEqual([]);
  }, 30_000);
});

afterAll(() => {
  const all = ['added', 'connected'].flatMap((from) => [
    ...(from === 'added' ? ['added -channels_open-> connected'] : []),
    ...REMOTE_EVENTS.filter((event) => event.type !== 'channels_open').map((event) => `${from} -${describeRemoteEvent(event)}-> removed`),
  ]);
  console.log(`multiplayer paths replayed on the class: ${offline.length} offline, ${networked.length} over loopback; remote transitions taken: ${remoteTaken.size} of ${all.length}`);
  expect(all.filter((key) => !remoteTaken.has(key))).toEqual([]);
});
