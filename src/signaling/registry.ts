/**
 * Drawing a server's peer ids and lobby names, with crypto (server.js draws names with
 * Math.random and ids that may be 0, 1 or 2^31, and never checks either for uniqueness).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { MAX_PEER_ID } from './frames.js';

/** How many draws before giving up: with 4096 sessions among 2^31 ids one draw in half a million collides. */
const DRAWS = 16;

/** An id in 2..2^31−1 that `taken` does not have, or null after {@link DRAWS} tries. */
export function drawPeerId(taken: { has(id: number): boolean }): number | null {
  for (let i = 0; i < DRAWS; i++) {
    const id = randomInt(2, MAX_PEER_ID + 1);
    if (!taken.has(id)) return id;
  }
  return null;
}

const ALFNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** The largest multiple of 62 a byte holds: bytes from here on would favour the first letters. */
const UNBIASED = 256 - (256 % ALFNUM.length);
export const LOBBY_NAME_LENGTH = 16;

function drawName(): string {
  let name = '';
  while (name.length < LOBBY_NAME_LENGTH) {
    for (const byte of randomBytes(LOBBY_NAME_LENGTH * 2)) {
      if (byte < UNBIASED && name.length < LOBBY_NAME_LENGTH) name += ALFNUM[byte % ALFNUM.length];
    }
  }
  return name;
}

/** 16 ALFNUM characters (as server.js's names) that `taken` does not have, or null after {@link DRAWS} tries. */
export function drawLobbyName(taken: { has(name: string): boolean }): string | null {
  for (let i = 0; i < DRAWS; i++) {
    const name = drawName();
    if (!taken.has(name)) return name;
  }
  return null;
}
