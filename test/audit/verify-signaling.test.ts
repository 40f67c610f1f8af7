import { describe, expect, it } from 'vitest';
import { MachineHandle } from '../../src/api/machine-handle.js';
import { verifyTrail } from '../../src/audit/verify.js';
import { describeLobbyEvent, signalingLobbyMachine } from '../../src/machines/signaling-lobby.js';
import { signalingSessionMachine } from '../../src/machines/signaling-session.js';
import type { ConnectionRecord } from '../../src/records/record.js';
import { Recorder } from '../../src/records/recorder.js';

/** A host's session, a member's, and their lobby, driven as a server drives them, into one trail. */
function serviceTrail(): ConnectionRecord[] {
  const trail: ConnectionRecord[] = [];
  const keep = (record: ConnectionRecord) => void trail.push(record);
  const host = new MachineHandle('signalingSession', signalingSessionMachine, new Recorder('session-7', 64, keep), { input: { id: 7 } });
  const member = new MachineHandle('signalingSession', signalingSessionMachine, new Recorder('session-9', 64, keep), { input: { id: 9 } });
  expect(host.send({ type: 'create_lobby', name: 'ABC', mesh: true, protocol: 4, openLobbies: 0 })).toBe(true);
  const lobby = new MachineHandle('signalingLobby', signalingLobbyMachine, new Recorder('lobby-1', 64, keep), {
    input: { name: 'ABC', mesh: true, protocol: 4, host: 7 },
    describe: (event) => describeLobbyEvent(event, 7),
  });
  expect(member.send({ type: 'join_lobby', name: 'ABC', protocol: 4, lobbyExists: true })).toBe(true);
  expect(lobby.send({ type: 'join', id: 9, protocol: 4 })).toBe(true);
  expect(lobby.send({ type: 'join', id: 9, protocol: 4 })).toBe(false);
  expect(lobby.send({ type: 'seal', id: 7 })).toBe(true);
  expect(host.send({ type: 'lobby_sealed' })).toBe(true);
  expect(member.send({ type: 'lobby_sealed' })).toBe(true);
  expect(lobby.send({ type: 'seal_complete' })).toBe(true);
  expect(member.send({ type: 'seal_complete' })).toBe(true);
  expect(host.send({ type: 'bad_frame', close: 'invalidDestination' })).toBe(true);
  return trail;
}

describe('verifyTrail replays the signaling service', () => {
  it('verifies sessions and a lobby by replay, each its own life, and names their states', () => {
    const trail = serviceTrail();
    expect(trail.map((r) => r.kind === 'transition' && `${r.connection} ${r.event}`)).toContain('lobby-1 join(9)');
    expect(trail.map((r) => r.kind === 'transition' && r.event)).toContain('bad_frame(invalidDestination)');
    const result = verifyTrail(trail);
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    const states = Object.fromEntries(result.connections.map((life) => [life.connection, life.states]));
    expect(states).toEqual({
      'session-7': { signalingSession: 'closed' },
      'session-9': { signalingSession: 'closed' },
      'lobby-1': { signalingLobby: 'closed' },
    });
  });

  it('finds a forged lobby record: a second join of the same id', () => {
    const trail = serviceTrail();
    const join = trail.find((r) => r.kind === 'transition' && r.event === 'join(9)')!;
    const forged = trail.map((r) => ({ ...r }));
    const index = trail.indexOf(join);
    for (const r of forged.slice(index + 1)) if (r.connection === 'lobby-1') r.seq += 1;
    forged.splice(index + 1, 0, { ...join, seq: join.seq + 1 });
    const result = verifyTrail(forged);
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => p.message).join('\n')).toMatch(/signalingLobby does not take join\(9\) in open/);
  });

  it('says which record names a connection machine in a session’s life', () => {
    const trail = serviceTrail();
    const first = trail.find((r) => r.connection === 'session-9')!;
    const stray = { ...first, seq: 99, machine: 'connection', from: 'new', event: 'initialize', to: 'new' } as ConnectionRecord;
    const result = verifyTrail([...trail, stray]);
    expect(result.problems.map((p) => p.message).join('\n')).toMatch(/a connection record in the life of a signalingSession/);
  });
});
