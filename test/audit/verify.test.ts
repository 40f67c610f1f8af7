import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventFromRecord, formatTimeline, startAudit, verifyTrail } from '../../src/audit/index.js';
import type { ConnectionRecord, TransitionRecord } from '../../src/index.js';
import { connectedPair, pollUntil } from '../support/loopback.js';
import { scratchDir } from './support.js';

const dir = scratchDir();
let trail = '';
let ids: { p1: string; p2: string };

/** The trail's lines, a change made to them, and the text again. */
function edit(change: (lines: string[]) => void): string {
  const lines = trail.trimEnd().split('\n');
  change(lines);
  return `${lines.join('\n')}\n`;
}
const parse = (line: string) => JSON.parse(line) as ConnectionRecord;
/** The 0-based index of the first line whose record matches. */
function find(lines: string[], match: (record: ConnectionRecord) => boolean): number {
  const index = lines.findIndex((line) => match(parse(line)));
  if (index < 0) throw new Error('no such line');
  return index;
}
const isTransition = (record: ConnectionRecord, connection: string, event: string): record is TransitionRecord =>
  record.kind === 'transition' && record.connection === connection && record.event === event;

beforeAll(async () => {
  const file = join(dir, 'session.jsonl');
  const audit = startAudit({ file });
  const { p1, p2, ch1 } = await connectedPair();
  ch1.put_packet(new Uint8Array([1, 2, 3]));
  await pollUntil([p1, p2], () => p2.get_data_channels()[0]!.get_available_packet_count() > 0);
  p2.get_data_channels()[0]!.get_packet();
  p1.create_offer(); // refused: a refusal record
  p1.close();
  p2.close();
  p1.close(); // refused too
  audit.stop();
  trail = readFileSync(file, 'utf8');
  ids = { p1: p1.id, p2: p2.id };
});

describe('verifying a trail', () => {
  it('a trail written by a real session verifies clean', () => {
    const result = verifyTrail(trail);
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.connections.map((life) => life.name)).toEqual([ids.p1, ids.p2]);
    expect(result.connections[0]!.states).toMatchObject({ signaling: 'closed', connection: 'closed', gathering: 'complete', 'chat#1': 'closed' });
    const kinds = new Set(result.connections.flatMap((life) => life.entries.map((entry) => entry.record.kind)));
    expect(kinds).toEqual(new Set(['transition', 'refusal']));
  });

  it('a removed line is a gap, named by the line after it', () => {
    const text = edit((lines) => lines.splice(find(lines, (r) => isTransition(r, ids.p1, 'stack.connection_state(connected)')), 1));
    const lines = text.split('\n');
    const result = verifyTrail(text);
    expect(result.ok).toBe(false);
    const gap = result.problems.find((problem) => problem.message.startsWith('gap'))!;
    expect(gap.connection).toBe(ids.p1);
    const next = parse(lines[gap.line - 1]!);
    expect(next.connection).toBe(ids.p1);
    expect(gap.message).toBe(`gap in the sequence: record #${next.seq - 1} is missing before #${next.seq}`);
    // And the replay sees that the connection machine never reached connected.
    expect(result.problems.some((problem) => problem.message.includes('connection was in connecting'))).toBe(true);
  });

  it('a forged transition is not a legal one, and its line is named', () => {
    let forged = 0;
    const text = edit((lines) => {
      forged = find(lines, (r) => isTransition(r, ids.p1, 'stack.connection_state(connected)'));
      lines[forged] = lines[forged]!.replace('"to":"connected"', '"to":"failed"');
    });
    const result = verifyTrail(text);
    expect(result.ok).toBe(false);
    expect(result.problems[0]).toMatchObject({
      line: forged + 1,
      connection: ids.p1,
      message: 'connection goes from connecting on stack.connection_state(connected) to connected, not to failed: not a legal transition',
    });
  });

  it('a transition the machine has no arrow for is caught', () => {
    let forged = 0;
    const text = edit((lines) => {
      forged = find(lines, (r) => isTransition(r, ids.p1, 'stack.connection_state(connected)'));
      const record = parse(lines[forged]!) as TransitionRecord;
      lines[forged] = JSON.stringify({ ...record, from: 'connecting', event: 'stack.connection_state(new)', to: 'new' });
    });
    const result = verifyTrail(text);
    expect(result.problems[0]).toMatchObject({ line: forged + 1, message: 'connection does not take stack.connection_state(new) in connecting: not a legal transition' });
  });

  it("replays the signaling machine's guards with the context the earlier events built", () => {
    // Without its create_data_channel, the connection's create_offer is refused by the machine's guard.
    const text = edit((lines) => {
      const removed = find(lines, (r) => isTransition(r, ids.p1, 'create_data_channel'));
      lines.splice(removed, 1);
      for (let i = removed; i < lines.length; i++) {
        const record = parse(lines[i]!);
        if (record.connection === ids.p1) lines[i] = JSON.stringify({ ...record, seq: record.seq - 1 });
      }
    });
    const result = verifyTrail(text);
    const line = find(text.split('\n'), (r) => isTransition(r, ids.p1, 'create_offer')) + 1;
    expect(result.problems[0]).toMatchObject({ line, message: 'signaling does not take create_offer in stable: not a legal transition' });
  });

  it('lines out of order are caught', () => {
    let second = 0;
    const text = edit((lines) => {
      const first = find(lines, (r) => r.connection === ids.p1 && r.seq === 5);
      second = find(lines, (r) => r.connection === ids.p1 && r.seq === 6);
      [lines[first], lines[second]] = [lines[second]!, lines[first]!];
    });
    const result = verifyTrail(text);
    expect(result.ok).toBe(false);
    expect(result.problems.some((problem) => problem.message === 'out of order: #5 comes after #6')).toBe(true);
  });

  it('time that goes back is caught', () => {
    let changed = 0;
    const text = edit((lines) => {
      changed = find(lines, (r) => r.connection === ids.p1 && r.seq === 8);
      const record = parse(lines[changed]!);
      lines[changed] = JSON.stringify({ ...record, monotonic: record.monotonic - 1000 });
    });
    const result = verifyTrail(text);
    expect(result.problems).toEqual([expect.objectContaining({ line: changed + 1, message: expect.stringMatching(/^out of order: its monotonic time is [\d.]+ ms before the previous record's$/) })]);
  });

  it('a refusal that claims a different state is caught (a refused call changes nothing)', () => {
    let forged = 0;
    const text = edit((lines) => {
      forged = find(lines, (r) => r.kind === 'refusal' && r.method === 'create_offer');
      lines[forged] = lines[forged]!.replace('"connection":"connected"', '"connection":"failed"');
    });
    expect(verifyTrail(text).problems).toEqual([
      expect.objectContaining({ line: forged + 1, message: 'refused create_offer: connection was in connected, but the refusal says failed (a refused call changes nothing)' }),
    ]);
  });

  it('a line that is not a record, or cut short, is named', () => {
    const text = edit((lines) => {
      lines.splice(3, 0, 'not json');
      lines.push('{"kind":"transition","seq":');
    });
    const result = verifyTrail(text.trimEnd());
    expect(result.problems).toEqual(
      expect.arrayContaining([
        { line: 4, message: 'not a JSON object' },
        { line: text.trimEnd().split('\n').length, message: 'the last line is cut short (no newline, not JSON): the writer stopped mid-line' },
      ]),
    );
  });

  it('two runs appended to one file verify as two runs of each connection', () => {
    const result = verifyTrail(trail + trail.replace(/"time":(\d+)/g, (_, time) => `"time":${Number(time) + 60_000}`));
    expect(result.problems).toEqual([]);
    expect(result.connections.map((life) => life.name)).toEqual([ids.p1, ids.p2, `${ids.p1} (run 2)`, `${ids.p2} (run 2)`]);
    // A duplicated first line is not a new run.
    const duplicated = edit((lines) => lines.splice(1, 0, lines[0]!));
    expect(verifyTrail(duplicated).problems[0]).toMatchObject({ line: 2, message: 'out of order: #1 comes after #1' });
  });

  it("follows an in-band channel from label#-1 to the id the stack gave it", () => {
    const base = { time: 1, monotonic: 1, connection: 'pc-z' };
    const records: ConnectionRecord[] = [
      { ...base, seq: 1, kind: 'transition', machine: 'dataChannel', channel: 'x#-1', from: 'connecting', event: 'close', to: 'closing' },
      { ...base, seq: 2, kind: 'transition', machine: 'dataChannel', channel: 'x#3', from: 'closing', event: 'stack.closed', to: 'closed' },
      // The same label and id again, later: a new channel.
      { ...base, seq: 3, kind: 'transition', machine: 'dataChannel', channel: 'x#3', from: 'connecting', event: 'stack.open', to: 'open' },
    ];
    expect(verifyTrail(records).problems).toEqual([]);
  });

  it('the timeline shows each connection, its final states, every record, and the problems', () => {
    const result = verifyTrail(trail);
    const timeline = formatTimeline(result);
    expect(timeline).toContain(`${ids.p1}: `);
    expect(timeline).toContain('final: signaling closed · connection closed · gathering complete · chat#1 closed');
    expect(timeline).toMatch(/connection\s+connecting → connected\s+stack\.connection_state\(connected\)/);
    expect(timeline).toMatch(/refused create_offer: ERR_UNAVAILABLE \(2\) in stable/);
    const forged = formatTimeline(verifyTrail(trail.replace('"to":"connected"', '"to":"failed"')));
    expect(forged).toMatch(/✗ line \d+: connection goes from connecting/);
  });
});

describe('who closed, replayed', () => {
  it("a trail's closes are replayed as the events that made them: the app's, the stack's, a limit's", () => {
    const base = { time: 1, monotonic: 1 };
    const records = [
      { ...base, seq: 1, connection: 'app', kind: 'transition', machine: 'connection', from: 'new', event: 'close', to: 'closed' },
      { ...base, seq: 1, connection: 'remote', kind: 'transition', machine: 'connection', from: 'new', event: 'stack.connection_state(connecting)', to: 'connecting' },
      { ...base, seq: 2, connection: 'remote', kind: 'transition', machine: 'connection', from: 'connecting', event: 'stack.connection_state(failed)', to: 'failed' },
      { ...base, seq: 3, connection: 'remote', kind: 'transition', machine: 'connection', from: 'failed', event: 'stack.connection_state(closed)', to: 'closed' },
      { ...base, seq: 4, connection: 'remote', kind: 'transition', machine: 'signaling', from: 'stable', event: 'stack.connection_state(closed)', to: 'closed' },
      { ...base, seq: 1, connection: 'limit', kind: 'transition', machine: 'connection', from: 'new', event: 'limit_exceeded(maxChannels)', to: 'closed' },
      { ...base, seq: 2, connection: 'limit', kind: 'transition', machine: 'signaling', from: 'stable', event: 'limit_exceeded(maxChannels)', to: 'closed' },
    ] as ConnectionRecord[];
    const result = verifyTrail(records);
    expect(result.problems).toEqual([]);
    expect(result.connections.map((life) => life.closed)).toEqual([
      { by: 'local', limit: null, timeout: null, from: 'new' },
      { by: 'remote', limit: null, timeout: null, from: 'failed' },
      { by: 'limit', limit: 'maxChannels', timeout: null, from: 'new' },
    ]);
    // The signaling machine takes the stack's report of closed only: not another state.
    const forged = verifyTrail([...records.slice(1, 3), { ...records[4]!, seq: 3, event: 'stack.connection_state(failed)' }] as ConnectionRecord[]);
    expect(forged.problems.map((problem) => problem.message)).toEqual(['signaling does not take stack.connection_state(failed) in stable: not a legal transition']);
  });
});

describe('events from records', () => {
  it('rebuilds the event a record names', () => {
    expect(eventFromRecord('set_remote_description(offer)')).toEqual({ type: 'set_remote_description', sdpType: 'offer' });
    expect(eventFromRecord('stack.connection_state(connected)')).toEqual({ type: 'stack.connection_state', state: 'connected' });
    expect(eventFromRecord('stack.gathering_state(complete)')).toEqual({ type: 'stack.gathering_state', state: 'complete' });
    expect(eventFromRecord('close')).toEqual({ type: 'close' });
    expect(eventFromRecord('limit_exceeded(maxQueuedPackets)')).toEqual({ type: 'limit_exceeded', limit: 'maxQueuedPackets' });
    expect(eventFromRecord('limit_exceeded')).toMatch(/needs the limit's name/);
    expect(eventFromRecord('stack.error')).toEqual({ type: 'stack.error', message: '' });
    expect(eventFromRecord('set_local_description(sideways)')).toMatch(/needs one of offer, answer, pranswer, rollback/);
    expect(eventFromRecord('close(now)')).toMatch(/takes no argument/);
    expect(eventFromRecord('')).toMatch(/does not name an event/);
  });
});
