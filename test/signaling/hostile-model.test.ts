/**
 * The oracle of the hostile-input properties (support/hostile-model.ts), checked by hand against
 * server.js's rules before it judges a server: one case per rule it encodes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { framesMatch, hostileOutcome, type HostileOutcome } from './support/hostile-model.js';
import { hostileSequence, relayOfSize, showFrames } from './support/hostile-arbitraries.js';
import { check } from './support.js';

const LIMIT = 4096;
const CREATE4 = '{"type":0,"id":0,"data":""}';
const ID4 = '{"type":1,"id":1,"data":"true"}';

function outcome(...frames: Array<string | Uint8Array>): HostileOutcome {
  return hostileOutcome(
    frames.map((frame) => (typeof frame === 'string' ? { text: frame } : { binary: frame })),
    { maxFrameBytes: LIMIT },
  );
}

const closedAt = (close: string, at: number) => ({ open: false, close, at });

describe('the hostile-input oracle', () => {
  it('a 4.x create gets ID then JOIN and stays open; a client/server create gets ID with data ""', () => {
    expect(outcome(CREATE4)).toEqual({ frames: [{ exact: ID4 }, { lobbyJoin: 4 }], end: { open: true, protocol: 4 } });
    expect(outcome('{"type":0,"id":1,"data":""}').frames[0]).toEqual({ exact: '{"type":1,"id":1,"data":""}' });
    expect(framesMatch([ID4, '{"type":0,"id":0,"data":"Qx7LmN2pR4sT8vWz"}'], outcome(CREATE4).frames)).toBe(true);
    expect(framesMatch([ID4, '{"type":0,"id":0,"data":"short"}'], outcome(CREATE4).frames)).toBe(false);
  });

  it('a relay to 1 comes back to the lone host, floored; any other destination closes', () => {
    expect(outcome(CREATE4, '{"type":4.5,"id":1.9,"data":"x"}').frames.at(-1)).toEqual({ exact: '{"type":4,"id":1,"data":"x"}' });
    expect(outcome(CREATE4, '{"type":6,"id":1,"data":7}').frames.at(-1)).toEqual({ exact: '{"type":6,"id":1,"data":""}' });
    expect(outcome(CREATE4, '{"type":4,"id":5,"data":""}').end).toEqual(closedAt('invalidDestination', 1));
    expect(outcome('J: \n', 'O: 1abc\nx').frames).toEqual([{ exact: 'I: 1\n' }, { lobbyJoin: 3 }, { exact: 'O: 1\nx' }]);
  });

  it('out of a lobby, everything but a create closes: format first, then not in a lobby', () => {
    expect(outcome('hello').end).toEqual(closedAt('invalidFormat', 0));
    expect(outcome('O: 1\nx').end).toEqual(closedAt('notInLobby', 0));
    expect(outcome('{"type":4,"id":1,"data":"x"}').end).toEqual(closedAt('notInLobby', 0));
    expect(outcome('{"type":8,"id":0}').end).toEqual(closedAt('notInLobby', 0));
    expect(outcome('{"type":-1,"id":0}').end).toEqual(closedAt('invalidFormat', 0));
    expect(outcome('{"type":0,"id":0,"data":"nobody"}').end).toEqual(closedAt('lobbyMissing', 0));
    expect(outcome(new Uint8Array([0x7b])).end).toEqual(closedAt('binaryFrame', 0));
    expect(outcome(relayOfSize(LIMIT + 1, 4)).end).toEqual(closedAt('frameTooLarge', 0));
    expect(outcome().end).toEqual(closedAt('noLobby', -1));
  });

  it('in a lobby: a second JOIN, an unknown command, the other protocol, a bad 3.x command', () => {
    expect(outcome(CREATE4, CREATE4).end).toEqual(closedAt('alreadyInLobby', 1));
    expect(outcome(CREATE4, '{"type":0,"id":0,"data":"nobody"}').end).toEqual(closedAt('alreadyInLobby', 1));
    expect(outcome(CREATE4, '{"type":2,"id":1}').end).toEqual(closedAt('invalidCommand', 1));
    expect(outcome(CREATE4, 'J: \n').end).toEqual(closedAt('invalidFormat', 1));
    expect(outcome('J: \n', CREATE4).end).toEqual(closedAt('invalidFormat', 1));
    expect(outcome('J: \n', 'X: 1\nx').end).toEqual(closedAt('invalidCommand', 1));
    expect(outcome('J: \n', 'X: 5\nx').end).toEqual(closedAt('invalidDestination', 1));
    expect(outcome('J: \n', 'X: abc\nx').end).toEqual(closedAt('invalidDestination', 1));
    expect(outcome(relayOfSize(LIMIT, 4)).end).toEqual(closedAt('notInLobby', 0));
    expect(outcome(CREATE4, relayOfSize(LIMIT, 4)).end).toEqual({ open: true, protocol: 4 });
    expect(outcome(CREATE4, relayOfSize(LIMIT, 4, true)).end).toEqual({ open: true, protocol: 4 });
    expect(outcome(CREATE4, relayOfSize(LIMIT + 1, 4, true)).end).toEqual(closedAt('frameTooLarge', 1));
  });

  it('a seal sends SEAL once and ends with Seal complete; relays still come back', () => {
    const sealed = outcome(CREATE4, '{"type":7,"id":0}', '{"type":7,"id":0}', '{"type":5,"id":1,"data":"a"}');
    expect(sealed.frames.slice(2)).toEqual([{ exact: '{"type":7,"id":0,"data":""}' }, { exact: '{"type":5,"id":1,"data":"a"}' }]);
    expect(sealed.end).toEqual(closedAt('sealComplete', -1));
    expect(outcome('S: \n').end).toEqual(closedAt('notInLobby', 0));
  });

  it('the sequences reach every rule: open lobbies, seals, and each close, at the first frame and later', () => {
    const ends = new Map<string, number>();
    for (const frames of fc.sample(hostileSequence(LIMIT), { numRuns: 1000, seed: 1 })) {
      const { end } = hostileOutcome(frames, { maxFrameBytes: LIMIT });
      const key = end.open ? 'open' : `${end.close}${end.at > 0 ? ' later' : ''}`;
      ends.set(key, (ends.get(key) ?? 0) + 1);
    }
    console.log('oracle ends of 1000 sampled sequences:', JSON.stringify(Object.fromEntries([...ends].sort((a, b) => b[1] - a[1]))));
    for (const key of ['open', 'sealComplete', 'invalidFormat', 'invalidFormat later', 'notInLobby', 'lobbyMissing', 'alreadyInLobby later', 'invalidCommand later', 'invalidDestination later', 'binaryFrame', 'frameTooLarge', 'frameTooLarge later']) {
      expect(ends.get(key) ?? 0, key).toBeGreaterThanOrEqual(5);
    }
  });

  it('never throws, and always ends open in a lobby or with a known close', () => {
    check(
      'oracle total',
      fc.property(hostileSequence(LIMIT), (frames) => {
        const result = hostileOutcome(frames, { maxFrameBytes: LIMIT });
        if (result.end.open) expect(result.frames.length, showFrames(frames)).toBeGreaterThanOrEqual(2);
        else expect(result.end.at).toBeLessThan(frames.length);
      }),
      200,
    );
  });
});
