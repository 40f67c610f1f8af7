import { describe, expect, it } from 'vitest';
import { MachineHandle } from '../../src/api/machine-handle.js';
import { describeLobbyEvent, signalingLobbyMachine } from '../../src/machines/signaling-lobby.js';
import { signalingSessionMachine } from '../../src/machines/signaling-session.js';
import { SignalingModel } from '../../src/inspector/signaling-model.js';
import type { ConnectionRecord } from '../../src/records/record.js';
import { Recorder } from '../../src/records/recorder.js';
import { peer } from '../support/loopback.js';

/** A session and a lobby as a server drives them, every record into `into`. */
function actors(into: (record: ConnectionRecord) => void, lobbyName = 'lobby-1') {
  const session = (id: number) => new MachineHandle('signalingSession', signalingSessionMachine, new Recorder(`session-${id}`, 64, into), { input: { id } });
  const lobby = (host: number, mesh = true) =>
    new MachineHandle('signalingLobby', signalingLobbyMachine, new Recorder(lobbyName, 64, into), {
      input: { name: 'ABC', mesh, protocol: 4, host },
      describe: (event) => describeLobbyEvent(event, host),
    });
  return { session, lobby };
}

describe('the inspector model of the signaling service', () => {
  it('follows sessions and a lobby from their records: states, the diagram element of each last transition, members by wire id', () => {
    const model = new SignalingModel();
    const { session, lobby } = actors((record) => model.apply(record));
    const host = session(7);
    const member = session(9);
    // A session makes no record until it takes an event: the model meets it then (or in its server's view).
    expect(model.session('session-7')).toBeUndefined();

    host.send({ type: 'create_lobby', name: 'ABC', mesh: true, protocol: 4, openLobbies: 0 });
    const abc = lobby(7);
    member.send({ type: 'join_lobby', name: 'ABC', protocol: 4, lobbyExists: true });
    abc.send({ type: 'join', id: 9, protocol: 4 });
    expect(model.session('session-7')).toMatchObject({ state: 'inLobby', host: true, wire: 1, protocol: 4 });
    expect(model.session('session-7')!.last).toMatchObject({ from: 'connected', to: 'inLobby', event: 'create_lobby(4)', drawn: 'connected->inLobby' });
    expect(model.session('session-9')).toMatchObject({ state: 'inLobby', host: false, protocol: 4 });
    expect(model.lobby('lobby-1')).toMatchObject({ state: 'open', members: [1, 9], sealed: false });
    // A join that stays in open is drawn as the open state's own loop.
    expect(model.lobby('lobby-1')!.last!.drawn).toMatch(/^open\/join/);

    abc.send({ type: 'seal', id: 7 });
    host.send({ type: 'lobby_sealed' });
    expect(model.lobby('lobby-1')).toMatchObject({ state: 'sealed', sealed: true });
    expect(model.lobby('lobby-1')!.last).toMatchObject({ event: 'seal(1)', drawn: 'open->sealed' });
    abc.send({ type: 'leave', id: 7 });
    expect(model.lobby('lobby-1')).toMatchObject({ state: 'closed', members: [9] });
    expect(model.lobby('lobby-1')!.records.map((record) => record.seq)).toEqual([1, 2, 3]);
    // Nothing the records do not carry: no lobby name, no mesh flag.
    expect(model.lobby('lobby-1')).toMatchObject({ lobby: null, mesh: null });
  });

  it('takes the details a server’s views give, and links each lobby to its member sessions', () => {
    const model = new SignalingModel();
    const { session, lobby } = actors((record) => model.apply(record));
    const host = session(7);
    host.send({ type: 'create_lobby', name: 'ABC', mesh: false, protocol: 4, openLobbies: 0 });
    lobby(7, false);
    const stray = session(11);
    model.meetSession({ name: 'session-7', id: 7, state: 'inLobby', lobby: 'ABC', host: true, protocol: 4, relayed: { offer: 1, answer: 0, candidate: 3, bytes: 420 } });
    model.meetSession({ name: 'session-11', id: 11, state: 'connected', lobby: null, host: false, protocol: null, relayed: { offer: 0, answer: 0, candidate: 0, bytes: 0 } });
    model.meetLobby({ name: 'lobby-1', lobby: 'ABC', state: 'open', mesh: false, protocol: 4, members: [1], sealed: false });
    model.link();
    expect(model.session('session-7')).toMatchObject({ id: 7, wire: 1, lobby: 'ABC', relayed: { offer: 1, candidate: 3, bytes: 420 } });
    expect(model.lobby('lobby-1')).toMatchObject({ lobby: 'ABC', mesh: false, protocol: 4, members: [1], sessions: ['session-7'] });
    expect(stray.state).toBe('connected');
    // A view met before any record gives the state; a view's records are caught up, each once.
    const recorder = new Recorder('session-12', 64);
    const late = new MachineHandle('signalingSession', signalingSessionMachine, recorder, { input: { id: 12 } });
    late.send({ type: 'join_lobby', name: 'ABC', protocol: 4, lobbyExists: true });
    const fresh = new SignalingModel();
    const records = recorder.list();
    fresh.meetSession({ name: 'session-12', id: 12, state: 'inLobby', lobby: 'ABC', host: false, protocol: 4, relayed: { offer: 0, answer: 0, candidate: 0, bytes: 0 }, records: () => records });
    fresh.meetSession({ name: 'session-12', id: 12, state: 'inLobby', lobby: 'ABC', host: false, protocol: 4, relayed: { offer: 0, answer: 0, candidate: 0, bytes: 0 }, records: () => records });
    expect(fresh.session('session-12')!.records).toHaveLength(1);
    expect(fresh.session('session-12')).toMatchObject({ state: 'inLobby', wire: 12, last: { event: 'join_lobby(4)' } });
  });

  it('keeps a bounded number of closed sessions and lobbies and records each, and ignores connections’ records', () => {
    const model = new SignalingModel(3, 2);
    const forgotten: string[] = [];
    const { session, lobby } = actors((record) => void forgotten.push(...model.apply(record)));
    for (let id = 2; id < 7; id++) session(id).send({ type: 'socket_closed', code: 1000, reason: '' });
    expect(model.sessions().map((view) => view.name)).toEqual(['session-5', 'session-6']);
    expect(forgotten).toEqual(['session-2', 'session-3', 'session-4']);
    const busy = lobby(7);
    for (let id = 2; id < 7; id++) busy.send({ type: 'join', id, protocol: 4 });
    expect(model.lobby('lobby-1')!.records.map((record) => record.seq)).toEqual([3, 4, 5]);
    expect(model.lobby('lobby-1')!.members).toEqual([1, 2, 3, 4, 5, 6]);

    const pc = peer();
    pc.create_data_channel('chat');
    for (const record of pc.get_records()) expect(model.apply(record)).toEqual([]);
    expect(model.session(pc.id) ?? model.lobby(pc.id)).toBeUndefined();
    pc.close();
  });
});
