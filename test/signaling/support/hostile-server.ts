/**
 * The server every hostile-input file attacks, with its bystanders (a 4.x mesh and a 3.x lobby
 * that must come through untouched), the guards that fail a test on a crash or a bad trail, and
 * the per-test cleanup of hostile sockets.
 */
import { afterEach, beforeEach, expect } from 'vitest';
import { GodotError } from '../../../src/godot/constants.js';
import { SignalingServer, type SignalingServerOptions } from '../../../src/signaling/server.js';
import { Bystanders } from './bystanders.js';
import { probeCount, terminateProbes, terminateProbesSince, waitUntil } from './probe.js';

/** Something a file installs before its server starts and uninstalls after it stops (CrashWatch, ServiceTrail). */
export interface Guard {
  install(): unknown;
  uninstall(): void;
}

export async function startHostileServer(options: SignalingServerOptions, guards: readonly Guard[]): Promise<{ server: SignalingServer; bystanders: Bystanders }> {
  for (const guard of guards) guard.install();
  const server = new SignalingServer(options);
  expect(await server.listen()).toBe(GodotError.OK);
  return { server, bystanders: await Bystanders.join(server.url) };
}

export async function stopHostileServer(server: SignalingServer | undefined, guards: readonly Guard[]): Promise<void> {
  await terminateProbes();
  await server?.close();
  for (const guard of [...guards].reverse()) guard.uninstall();
}

/** A test that failed leaves no socket of its own behind to fail the next one. */
export function terminateEachTestsProbes(): void {
  let mark = 0;
  beforeEach(() => {
    mark = probeCount();
  });
  afterEach(async () => {
    await terminateProbesSince(mark);
  });
}

/** Back to the bystanders alone: their sessions and their two lobbies. */
export async function settledToBystanders(server: SignalingServer, bystanders: Bystanders, what: string, timeoutMs = 10_000): Promise<void> {
  await waitUntil(
    () => server.sessions().length === bystanders.socketCount && server.lobbies().length === 2,
    () => `the server back to its bystanders after ${what}: ${server.sessions().length} sessions, ${server.lobbies().length} lobbies`,
    timeoutMs,
  );
}
