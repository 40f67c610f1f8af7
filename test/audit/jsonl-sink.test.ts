import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonlSink, parseTrail } from '../../src/audit/index.js';
import type { ConnectionRecord } from '../../src/index.js';
import { scratchDir } from './support.js';

const dir = scratchDir();

const record = (seq: number, reason = 'r'): ConnectionRecord => ({
  kind: 'stack_error', seq, time: 1_700_000_000_000 + seq, monotonic: seq, connection: 'pc-x', method: 'm', code: 1, codeName: 'FAILED', reason,
});

describe('the JSON Lines sink', () => {
  it('writes one whole line per record and appends to what is there', () => {
    const file = join(dir, 'append.jsonl');
    const first = new JsonlSink(file);
    first.write(record(1));
    first.write(record(2, 'a reason with\nnewlines and "quotes"'));
    first.close();
    const second = new JsonlSink(file);
    expect(second.repairedBytes).toBe(0);
    second.write(record(3));
    second.close();
    const text = readFileSync(file, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(4);
    const { entries, problems } = parseTrail(text);
    expect(problems).toEqual([]);
    expect(entries.map((entry) => entry.record.seq)).toEqual([1, 2, 3]);
    expect(entries[1]!.record).toEqual(record(2, 'a reason with\nnewlines and "quotes"'));
  });

  it('cuts a torn last line (a writer that died mid-line) before it appends', () => {
    const file = join(dir, 'torn.jsonl');
    const whole = `${JSON.stringify(record(1))}\n${JSON.stringify(record(2))}\n`;
    writeFileSync(file, `${whole}{"kind":"stack_error","seq":3,"ti`);
    const sink = new JsonlSink(file);
    expect(sink.repairedBytes).toBe('{"kind":"stack_error","seq":3,"ti'.length);
    sink.write(record(3));
    sink.close();
    const { entries, problems } = parseTrail(readFileSync(file, 'utf8'));
    expect(problems).toEqual([]);
    expect(entries.map((entry) => entry.record.seq)).toEqual([1, 2, 3]);
  });

  it('a file that is one torn line is emptied', () => {
    const file = join(dir, 'only-torn.jsonl');
    writeFileSync(file, '{"kind":"tra');
    const sink = new JsonlSink(file);
    expect(sink.repairedBytes).toBe(12);
    sink.close();
    expect(readFileSync(file, 'utf8')).toBe('');
  });

  it('a writer killed with SIGKILL in the middle of writing leaves only whole lines (its guard cuts a torn one)', async () => {
    for (let round = 0; round < 3; round++) {
      const file = join(dir, `crash-${round}.jsonl`);
      // One process (node with tsx's loader), not the tsx command, which runs the script in a child.
      const child = spawn(process.execPath, ['--import', 'tsx', new URL('./fixtures/crash-writer.ts', import.meta.url).pathname, file], { stdio: 'ignore' });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      // Kill it once it has written a few MB, at no particular moment.
      await new Promise<void>((resolve, reject) => {
        const started = Date.now();
        const check = setInterval(() => {
          let size = 0;
          try {
            size = statSync(file).size;
          } catch {}
          if (size > 2_000_000 + round * 1_234_567) {
            clearInterval(check);
            resolve();
          } else if (Date.now() - started > 15_000) {
            clearInterval(check);
            reject(new Error('the writer wrote too little'));
          }
        }, 3);
      });
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      // The guard process cuts a line the kill tore, within moments of the writer's death.
      let text = readFileSync(file, 'utf8');
      const deadline = Date.now() + 5000;
      while (!text.endsWith('\n') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        text = readFileSync(file, 'utf8');
      }
      expect(text.endsWith('\n')).toBe(true);
      const { entries, problems } = parseTrail(text);
      expect(problems).toEqual([]);
      expect(entries.length).toBeGreaterThan(100);
      expect(entries.map((entry) => entry.record.seq)).toEqual(entries.map((_, index) => index + 1));
      const reopened = new JsonlSink(file);
      expect(reopened.repairedBytes).toBe(0);
      reopened.close();
    }
  }, 60_000);
});

describe('the guard', () => {
  it('cuts a torn tail when the writing process dies, and only then', async () => {
    const file = join(dir, 'guarded.jsonl');
    const child = spawn(process.execPath, ['--import', 'tsx', new URL('./fixtures/torn-writer.ts', import.meta.url).pathname, file], { stdio: 'ignore' });
    await new Promise((resolve) => child.on('exit', resolve));
    const deadline = Date.now() + 5000;
    while (!readFileSync(file, 'utf8').endsWith('\n') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(parseTrail(readFileSync(file, 'utf8'))).toEqual({ entries: [{ line: 1, record: record(1) }, { line: 2, record: record(2) }], problems: [] });
  });
});
