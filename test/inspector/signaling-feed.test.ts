import { afterEach, describe, expect, it } from 'vitest';
import { SignalingFeed, type SignalingServerSource } from '../../src/inspector/signaling-feed.js';
import type { LobbySource, SessionSource } from '../../src/inspector/signaling-model.js';
import { setLogger, type LogEntry } from '../../src/log.js';

afterEach(() => setLogger(null));

const session = (id: number, offers = 0): SessionSource => ({
  name: `session-${id}`, id, state: 'inLobby', lobby: 'ABC', host: id === 7, protocol: 4, relayed: { offer: offers, answer: 0, candidate: 0, bytes: 10 * offers },
});
const lobby: LobbySource = { name: 'lobby-1', lobby: 'ABC', state: 'open', mesh: true, protocol: 4, members: [1, 9], sealed: false };

describe('the signaling feed of the inspector', () => {
  it('marks changed only what a refresh moved, and a server that throws is logged and skipped', () => {
    let offers = 0;
    const logged: LogEntry[] = [];
    setLogger((entry) => logged.push(entry));
    const broken: SignalingServerSource = { sessions: () => { throw new Error('torn'); }, lobbies: () => [] };
    const feed = new SignalingFeed(() => [broken, { sessions: () => [session(7, offers), session(9)], lobbies: () => [lobby] }]);
    feed.refresh();
    const first = feed.take();
    expect(first.sessions.map((view) => view.name)).toEqual(['session-7', 'session-9']);
    expect(first.lobbies[0]).toMatchObject({ lobby: 'ABC', members: [1, 9], sessions: ['session-7', 'session-9'] });
    expect(logged.map((entry) => entry.message)).toContain("reading a signaling server's views threw");
    feed.refresh();
    expect(feed.take()).toEqual({ sessions: [], lobbies: [], removed: [] });
    offers = 2;
    feed.refresh();
    const moved = feed.take();
    expect(moved.sessions.map((view) => [view.name, view.relayed.offer])).toEqual([['session-7', 2]]);
    expect(moved.lobbies).toEqual([]);
  });

  it('refreshSoon reads the views at most once per interval, the deferred read then calls back', async () => {
    let reads = 0;
    const feed = new SignalingFeed(() => [{ sessions: () => (reads++, [session(7)]), lobbies: () => [] }], 50, 20, 200);
    let called = 0;
    feed.refreshSoon(() => called++);
    expect(reads).toBe(1);
    feed.refreshSoon(() => called++);
    feed.refreshSoon(() => called++);
    expect(reads).toBe(1);
    const deadline = Date.now() + 5000;
    while (called === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect({ reads, called }).toEqual({ reads: 2, called: 1 });
    feed.refreshSoon(() => called++);
    feed.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect({ reads, called }).toEqual({ reads: 2, called: 1 });
  });
});
