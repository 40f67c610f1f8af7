import { describe, expect, it } from 'vitest';
import { GodotError, observeRecords, type ConnectionRecord, type TransitionRecord } from '../src/index.js';
import { connectedPair, peer } from './support/loopback.js';

describe('records', () => {
  it('every transition of every machine of a real session is recorded, numbered without gaps', async () => {
    const seen: ConnectionRecord[] = [];
    const stop = observeRecords((record) => seen.push(record));
    const { p1, p2, ch1 } = await connectedPair();
    p1.close();
    stop();
    const mine = seen.filter((record) => record.connection === p1.id);
    expect(mine.map((record) => record.seq)).toEqual(mine.map((_, index) => index + 1));
    expect(mine.every((record) => record.time > 0 && record.monotonic > 0)).toBe(true);
    const path = (machine: string) =>
      mine.filter((r): r is TransitionRecord => r.kind === 'transition' && r.machine === machine).map((r) => `${r.from}→${r.to}`);
    expect(path('connection')).toEqual(['new→new', 'new→connecting', 'connecting→connected', 'connected→closed']);
    expect(path('gathering').slice(0, 3)).toEqual(['new→new', 'new→gathering', 'gathering→complete']);
    expect(path('signaling')).toContain('stable→haveLocalOffer');
    expect(path('signaling').at(-1)).toBe('stable→closed');
    expect(path('dataChannel')).toEqual(['connecting→open', 'open→closed']);
    const channelRecord = mine.find((r) => r.kind === 'transition' && r.machine === 'dataChannel')!;
    expect(channelRecord.channel).toBe(`chat#${ch1.get_id()}`);
    const events = mine.filter((r): r is TransitionRecord => r.kind === 'transition').map((r) => r.event);
    expect(events).toContain('set_remote_description(answer)');
    expect(events).toContain('stack.connection_state(connected)');
    expect(p2.get_records().length).toBeGreaterThan(5);
  });

  it('a refusal is one record with the state of every machine, and the call_refused signal carries it', () => {
    const pc = peer();
    const signalled: ConnectionRecord[] = [];
    pc.call_refused.connect((record) => signalled.push(record));
    expect(pc.create_offer()).toBe(GodotError.ERR_UNAVAILABLE);
    const record = pc.get_records().at(-1)!;
    expect(signalled).toEqual([record]);
    expect(record).toMatchObject({
      kind: 'refusal',
      connection: pc.id,
      method: 'create_offer',
      machine: 'signaling',
      state: 'stable',
      states: { signaling: 'stable', connection: 'new', gathering: 'new' },
      code: GodotError.ERR_UNAVAILABLE,
      codeName: 'ERR_UNAVAILABLE',
    });
  });

  it('the ring keeps the newest records up to its capacity', () => {
    const pc = peer();
    for (let i = 0; i < 300; i++) pc.create_offer();
    const records = pc.get_records();
    expect(records).toHaveLength(256);
    expect(records.at(-1)!.seq - records[0]!.seq).toBe(255);
  });
});
