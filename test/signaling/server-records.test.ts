import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startAudit } from '../../src/audit/audit.js';
import { runCli } from '../../src/audit/cli.js';
import { verifyTrail } from '../../src/audit/verify.js';
import { observeRecords } from '../../src/records/recorder.js';
import type { ConnectionRecord } from '../../src/records/record.js';
import { connect, host4, join4, json, startServer } from './server-support.js';

const OPTIONS = { timeout: 60_000 };
const SECRET_SDP = 'v=0\r\na=ice-ufrag:Zq9x\r\na=ice-pwd:SuperSecretIcePassword1234\r\na=fingerprint:sha-256 AB:CD\r\n';

let stop: (() => void) | null = null;
afterEach(() => {
  stop?.();
  stop = null;
});

function collect(): ConnectionRecord[] {
  const records: ConnectionRecord[] = [];
  stop = observeRecords((record) => {
    if (record.connection.startsWith('session-') || record.connection.startsWith('lobby-')) records.push(record);
  });
  return records;
}

async function settle(until: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !until(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('the signaling server records its actors', () => {
  it('a whole run (joins, relays, a refusal, a seal, the seal completing) verifies by replay', OPTIONS, async () => {
    const records = collect();
    const server = await startServer({ sealCloseTimeoutMs: 300 });
    const { client: host, lobby } = await host4(server);
    const { client: b, id: bId } = await join4(server, lobby, 1, 'b');
    const { client: c } = await join4(server, lobby, 2, 'c');
    const { client: d, id: dId } = await join4(server, lobby, 3, 'd');
    for (let i = 0; i < 20; i++) b.json(6, 1, `\n0\n${i}\ncandidate:${i}`);
    b.json(4, 1, SECRET_SDP);
    host.json(5, bId, SECRET_SDP);
    await host.until(() => host.frames.some((f) => f.includes('ice-pwd')), 'the offer');
    c.json(7, 0); // not the host: refused
    await c.closed();
    d.socket.close();
    await d.closed();
    await host.until(() => host.frames.includes(json(3, dId)), "d's PEER_DISCONNECT");
    const late = await connect(server, 'late');
    late.json(4, 1, 'x'); // not in a lobby
    await late.closed();
    host.json(7, 0);
    await host.closed();
    await b.closed();
    await settle(() => server.sessions().length === 0);

    const verification = verifyTrail(records);
    expect(verification.problems).toEqual([]);
    expect(verification.ok).toBe(true);
    const lobbyLife = verification.connections.find((life) => life.connection.startsWith('lobby-'))!;
    expect(lobbyLife.states).toEqual({ signalingLobby: 'closed' });
    const sessionStates = verification.connections.filter((life) => life.connection.startsWith('session-')).map((life) => life.states.signalingSession);
    expect(sessionStates).toEqual(['closed', 'closed', 'closed', 'closed', 'closed']);

    const events = records.filter((r) => r.kind === 'transition').map((r) => (r as { event: string }).event);
    expect(events).toContain('create_lobby(4)');
    expect(events).toContain(`join(${bId})`);
    expect(events).toContain('seal(1)');
    expect(events).toContain('seal_complete');
    // Relays are counted, never recorded one by one.
    expect(events.some((e) => e.startsWith('relay'))).toBe(false);
    const refusals = records.filter((r) => r.kind === 'refusal');
    expect(refusals.map((r) => [r.method, r.machine, r.reason.split(':')[0], r.codeName])).toEqual([
      ['SEAL', 'signalingSession', '4000 Only host can seal the lobby', 'ERR_UNAUTHORIZED'],
      ['OFFER', 'signalingSession', '4000 Invalid message when not in a lobby', 'ERR_UNAUTHORIZED'],
    ]);
    const text = JSON.stringify(records);
    expect(text).not.toContain('SuperSecretIcePassword1234');
    expect(text).not.toContain('ice-ufrag');
    expect(text).not.toContain('candidate:');
    expect(text).not.toContain(lobby);
  });

  it('a refusal by the lobby goes into the lobby trail, and the sender session ends with bad_frame', OPTIONS, async () => {
    const records = collect();
    const server = await startServer();
    const { lobby } = await host4(server);
    const { client: b } = await join4(server, lobby, 1, 'b');
    b.json(4, 424242, 'x');
    await b.closed();
    await settle(() => server.sessions().length === 1);
    const refusal = records.find((r) => r.kind === 'refusal')!;
    expect(refusal).toMatchObject({ method: 'OFFER', machine: 'signalingLobby', state: 'open', codeName: 'ERR_INVALID_PARAMETER' });
    expect(refusal.connection).toMatch(/^lobby-\d+$/);
    expect(records.some((r) => r.kind === 'transition' && r.event === 'bad_frame(invalidDestination)')).toBe(true);
    expect(verifyTrail(records).ok).toBe(true);
  });

  it('views list sessions and lobbies with their records; the server close ends them all in the trail', OPTIONS, async () => {
    const records = collect();
    const server = await startServer();
    const { lobby } = await host4(server);
    await join4(server, lobby, 1, 'b');
    const [view] = server.lobbies();
    expect(view).toMatchObject({ lobby, state: 'open', mesh: true, protocol: 4, sealed: false });
    expect(view!.name).toMatch(/^lobby-\d+$/);
    expect(view!.records().map((r) => r.kind)).toEqual(['transition']);
    const sessions = server.sessions();
    expect(sessions.map((s) => s.lobby)).toEqual([lobby, lobby]);
    expect(sessions[0]!.records()[0]).toMatchObject({ kind: 'transition', event: 'create_lobby(4)', from: 'connected', to: 'inLobby' });
    await server.close();
    const verification = verifyTrail(records);
    expect(verification.ok).toBe(true);
    expect(records.filter((r) => r.kind === 'transition').map((r) => (r as { event: string }).event)).toEqual([
      'create_lobby(4)',
      'join_lobby(4)',
      expect.stringMatching(/^join\(\d+\)$/),
      'shutdown',
      'server_shutdown',
      'server_shutdown',
    ]);
  });

  it('a startAudit JSONL file of a 3.x and a 4.x lobby passes `webrtc-statecharts audit FILE`', OPTIONS, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'signaling-audit-'));
    const file = join(dir, 'trail.jsonl');
    try {
      const audit = startAudit({ file, connections: (name) => name.startsWith('session-') || name.startsWith('lobby-') });
      const server = await startServer({ sealCloseTimeoutMs: 200 });
      const { client: host, lobby } = await host4(server, false);
      const { client: b } = await join4(server, lobby, 1, 'b');
      const text = await connect(server, 'text');
      text.send('J: \n');
      const [, joined] = await text.received(2);
      const member = await connect(server, 'member3');
      member.send(`J: ${joined!.slice(3, -1)}\n`);
      await member.received(3);
      member.send('S: \n'); // not the host
      await member.closed();
      text.send('S: \n');
      await text.closed();
      b.socket.close();
      await host.received(4);
      await server.close();
      await audit.stop();
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      expect(lines.length).toBeGreaterThan(8);
      const out: string[] = [];
      const status = runCli(['audit', file, '--quiet'], { out: (t) => out.push(t), err: (t) => out.push(t) });
      expect(status, out.join('')).toBe(0);
      expect(verifyTrail(readFileSync(file, 'utf8')).ok).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
