/**
 * Disconnects at every step (issue 11 point 6): a scripted lobby life (create, join, join, relay,
 * relay, relay, seal, seal complete) through a real server, with the host or a member dropped
 * without a close frame (`terminate()`) right after each step in turn, in a 4.x mesh, a 4.x
 * client/server lobby and a 3.x lobby. The others must get exactly their frames, the right
 * PEER_DISCONNECT (mesh: everyone; client/server: the host) or 4000 `Room host has
 * disconnected`; the server must return to its bystanders, who notice nothing; and the records
 * of each life must replay (verifyTrail ok).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settledToBystanders, startHostileServer, stopHostileServer } from './support/hostile-server.js';
import { SignalingServer } from '../../src/signaling/server.js';
import { verifyTrail } from '../../src/audit/verify.js';
import { Bystanders } from './support/bystanders.js';
import { CrashWatch, ServiceTrail } from './support/guards.js';
import { LobbyLife, ROLES, STEPS, type LifeShape, type Role } from './support/lobby-life.js';

const OPTIONS = { port: 0, noLobbyTimeoutMs: 2000, sealCloseTimeoutMs: 40, pingIntervalMs: 60_000 };

const crash = new CrashWatch();
const trail = new ServiceTrail();
let server: SignalingServer;
let bystanders: Bystanders;
/** The trail names (session-<id>, lobby-<n>) the server opened since the last take. */
let opened = new Set<string>();

beforeAll(async () => {
  ({ server, bystanders } = await startHostileServer(OPTIONS, [crash, trail]));
  server.on('session_opened', (view) => opened.add(view.name));
  server.on('lobby_opened', (view) => opened.add(view.name));
}, 60_000);

afterAll(async () => {
  await stopHostileServer(server, [crash, trail]);
}, 60_000);

async function life(shape: LifeShape, victim: Role, dropAfter: number, drop: 'terminate' | 'close'): Promise<void> {
  const label = `${shape.protocol}.x ${shape.mesh ? 'mesh' : 'client/server'}, ${victim} ${drop}d after "${STEPS[dropAfter]}"`;
  opened = new Set();
  const script = new LobbyLife(server.url, shape, label, { sessions: () => server.sessions().length, others: bystanders.socketCount });
  try {
    await script.run(victim, dropAfter, drop);
    script.verify();
  } finally {
    script.endAll();
  }
  await settledToBystanders(server, bystanders, label);
  await bystanders.check();
  const names = opened;
  const records = trail.records.filter((record) => names.has(record.connection));
  const created = !(victim === 'H' && dropAfter === 0);
  expect(records.some((record) => record.connection.startsWith('lobby-')), `${label}: the lobby's records`).toBe(created);
  const verification = verifyTrail(records);
  expect(verification.problems.slice(0, 3), label).toEqual([]);
  expect(crash.take(), label).toEqual([]);
  expect(trail.errorLogs().map((entry) => entry.message), label).toEqual([]);
}

const SHAPES: Array<[string, LifeShape]> = [
  ['4.x mesh', { protocol: 4, mesh: true }],
  ['4.x client/server', { protocol: 4, mesh: false }],
  ['3.x', { protocol: 3, mesh: true }],
];

describe.each(SHAPES)('a %s lobby, one socket dropped after each step', (_, shape) => {
  it.each(ROLES)('%s dropped (terminate) after every step in turn', { timeout: 120_000 }, async (victim) => {
    for (let step = 0; step < STEPS.length; step++) await life(shape, victim, step, 'terminate');
  });
});

describe('a 4.x mesh lobby, one socket leaving with a close frame after each step', () => {
  it.each(ROLES)('%s closes (1000) after every step in turn', { timeout: 120_000 }, async (victim) => {
    for (let step = 0; step < STEPS.length; step++) await life({ protocol: 4, mesh: true }, victim, step, 'close');
  });
});

describe('the whole trail', () => {
  it('replays as one: every session and lobby of every life', () => {
    const verification = verifyTrail(trail.records);
    expect(verification.problems.slice(0, 3)).toEqual([]);
    expect(verification.ok).toBe(true);
    expect(verification.connections.filter((life) => life.connection.startsWith('lobby-')).length).toBeGreaterThan(100);
  });
});
