import { describe, expect, it } from 'vitest';
import { MachineHandle } from '../../src/api/machine-handle.js';
import { formatTimeline } from '../../src/audit/timeline.js';
import { verifyTrail } from '../../src/audit/verify.js';
import { describeLobbyEvent, signalingLobbyMachine } from '../../src/machines/signaling-lobby.js';
import { signalingSessionMachine } from '../../src/machines/signaling-session.js';
import type { ConnectionRecord } from '../../src/records/record.js';
import { Recorder } from '../../src/records/recorder.js';

describe('the audit timeline reads the signaling service', () => {
  it('names sessions and lobbies shortly and says why each closed', () => {
    const trail: ConnectionRecord[] = [];
    const keep = (record: ConnectionRecord) => void trail.push(record);
    const session = (id: number) => new MachineHandle('signalingSession', signalingSessionMachine, new Recorder(`session-${id}`, 64, keep), { input: { id } });
    const host = session(7);
    const member = session(9);
    const idle = session(11);
    const leaver = session(13);
    host.send({ type: 'create_lobby', name: 'ABC', mesh: true, protocol: 4, openLobbies: 0 });
    const lobby = new MachineHandle('signalingLobby', signalingLobbyMachine, new Recorder('lobby-1', 64, keep), {
      input: { name: 'ABC', mesh: true, protocol: 4, host: 7 },
      describe: (event) => describeLobbyEvent(event, 7),
    });
    member.send({ type: 'join_lobby', name: 'ABC', protocol: 4, lobbyExists: true });
    lobby.send({ type: 'join', id: 9, protocol: 4 });
    lobby.send({ type: 'seal', id: 7 });
    host.send({ type: 'lobby_sealed' });
    member.send({ type: 'lobby_sealed' });
    lobby.send({ type: 'seal_complete' });
    member.send({ type: 'seal_complete' });
    host.send({ type: 'bad_frame', close: 'invalidDestination' });
    idle.send({ type: 'no_lobby_timeout' });
    leaver.send({ type: 'socket_closed', code: 1001, reason: 'going away' });

    const verification = verifyTrail(trail);
    expect(verification.ok).toBe(true);
    const text = formatTimeline(verification);
    const block = (name: string) => text.split('\n\n').find((b) => b.startsWith(`${name}:`)) ?? '';
    expect(block('session-7')).toContain('  closed: by the server: 4000 Invalid destination, from sealed');
    expect(block('session-9')).toContain('  closed: by the server: 1000 Seal complete, from sealed');
    expect(block('session-11')).toContain('  closed: by the server: 4000 Have not joined lobby yet, from connected');
    expect(block('session-13')).toContain('  closed: by the client (1001), from connected');
    expect(block('lobby-1')).toContain('  closed: the seal completed, from sealed');
    expect(block('lobby-1')).toMatch(/ lobby {10}open → sealed +seal\(1\)/);
    expect(block('session-7')).toMatch(/ session {8}connected → inLobby +create_lobby\(4\)/);
  });
});
