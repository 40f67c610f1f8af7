import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrail, startAudit, verifyTrail } from '../../src/audit/index.js';
import type { ConnectionRecord } from '../../src/index.js';
import { connectedPair } from '../support/loopback.js';
import { scratchDir } from './support.js';

const dir = scratchDir();
const stackClosed = (records: ConnectionRecord[]) => records.filter((record) => record.kind === 'transition' && record.event === 'stack.closed').map((record) => record.connection);

describe('stopping an audit', () => {
  it('right after close() it keeps the stack.closed records that arrive a moment later, in the file and the callback', async () => {
    const file = join(dir, 'stop.jsonl');
    const called: ConnectionRecord[] = [];
    const audit = startAudit({ file, onRecord: (record) => called.push(record) });
    const { p1, p2 } = await connectedPair();
    p1.close();
    p2.close();
    // Nothing of the stack's report is there yet: it comes a tick later.
    expect(stackClosed(called)).toEqual([]);
    const started = Date.now();
    await audit.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(audit.sink!.closed).toBe(true);
    expect(stackClosed(called).sort()).toEqual([p1.id, p2.id].sort());
    const text = readFileSync(file, 'utf8');
    expect(stackClosed(parseTrail(text).entries.map((entry) => entry.record)).sort()).toEqual([p1.id, p2.id].sort());
    expect(verifyTrail(text).ok).toBe(true);
    // Stopped means stopped: a second stop is the same promise, and later records stay out.
    const count = called.length;
    await audit.stop();
    const { p1: q1 } = await connectedPair();
    q1.close();
    expect(called.length).toBe(count);
  });

  it('with nothing awaiting the stack it stops at once, and a report that never comes costs at most settleMs', async () => {
    const idle = startAudit({});
    let resolved = false;
    void idle.stop().then(() => (resolved = true));
    await Promise.resolve();
    expect(resolved).toBe(true);

    const called: ConnectionRecord[] = [];
    const audit = startAudit({ onRecord: (record) => called.push(record), settleMs: 50, connections: (connection) => connection === 'none' });
    expect(await audit.stop()).toBeUndefined();
    expect(called).toEqual([]);
  });
});
