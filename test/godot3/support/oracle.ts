/**
 * One run of Godot 3.2's Variant codec as an oracle (test/godot3/oracle-project/oracle.gd): values
 * go in through a binary file (Godot 3.2's stdin read blocks), the engine runs once over it and
 * writes one line per value to a file. The engine is found as support/godot.ts finds it (never a
 * skip: a missing engine throws); no WebRTC plugin is needed.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findGodot } from './godot.js';

const PROJECT = fileURLToPath(new URL('../oracle-project', import.meta.url));
const KEPT_CHARS = 200_000;

export interface OracleInput {
  bytes: Uint8Array;
  /** bytes2var/var2bytes with objects allowed (full form). */
  allowObjects?: boolean;
}

/** One value as Godot saw it: `typeof`, its `var2bytes` and its `var2str`. */
export interface OracleLine {
  index: number;
  type: number;
  bytes: Uint8Array;
  text: string;
  /** Echoed values only: false when Godot's decode_variant refused the bytes (the value is then null). */
  decoded?: boolean;
}

export interface OracleRun {
  /** The inputs, in order, through bytes2var → var2bytes. */
  echoed: OracleLine[];
  /** Values Godot generated (seeded). */
  generated: OracleLine[];
  /** What the engine printed to stdout and stderr, for failure messages and its ERROR lines. */
  stdout: string;
  stderr: string;
  ms: number;
}

function inputFile(inputs: readonly OracleInput[]): Buffer {
  const parts: Buffer[] = [];
  const u32 = (value: number) => {
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32LE(value);
    return buffer;
  };
  parts.push(u32(inputs.length));
  for (const { bytes, allowObjects } of inputs) parts.push(u32(allowObjects ? 1 : 0), u32(bytes.length), Buffer.from(bytes));
  return Buffer.concat(parts);
}

function parse(output: string, echoedCount: number, generatedCount: number): { echoed: OracleLine[]; generated: OracleLine[] } {
  const lines = output.split('\n').filter(Boolean);
  const last = lines.pop();
  if (last !== `DONE ${echoedCount} ${generatedCount}`) throw new Error(`the oracle's output ends with ${JSON.stringify(last)}, not DONE ${echoedCount} ${generatedCount}`);
  const echoed: OracleLine[] = [];
  const generated: OracleLine[] = [];
  for (const line of lines) {
    const [kind, index, type, bytes, text, decoded, ...extra] = line.split(' ');
    const fields = kind === 'E' ? (decoded === '0' || decoded === '1') && extra.length === 0 : kind === 'G' && decoded === undefined;
    if (!fields || text === undefined) throw new Error(`unreadable oracle line: ${line.slice(0, 200)}`);
    const parsed: OracleLine = { index: Number(index), type: Number(type), bytes: new Uint8Array(Buffer.from(bytes!, 'hex')), text: Buffer.from(text, 'hex').toString('utf8') };
    if (kind === 'E') parsed.decoded = decoded === '1';
    (kind === 'E' ? echoed : generated).push(parsed);
  }
  if (echoed.length !== echoedCount || generated.length !== generatedCount) throw new Error(`the oracle wrote ${echoed.length}/${generated.length} lines, expected ${echoedCount}/${generatedCount}`);
  echoed.forEach((line, i) => {
    if (line.index !== i) throw new Error(`echo line ${i} has index ${line.index}`);
  });
  return { echoed, generated };
}

/** Runs the engine once (killed after `timeoutMs`); rejects, with what it printed, unless it wrote every line. */
export async function runOracle(inputs: readonly OracleInput[], { seed, count, timeoutMs = 20_000 }: { seed: number; count: number; timeoutMs?: number }): Promise<OracleRun> {
  const binary = findGodot();
  const dir = mkdtempSync(join(tmpdir(), 'godot3-oracle-'));
  try {
    const project = join(dir, 'project');
    cpSync(PROJECT, project, { recursive: true });
    const inPath = join(dir, 'in.bin');
    const outPath = join(dir, 'out.txt');
    writeFileSync(inPath, inputFile(inputs));
    const args = ['--path', project, '-s', 'res://oracle.gd', '--', `--in=${inPath}`, `--out=${outPath}`, `--seed=${seed}`, `--count=${count}`];
    const env = { ...process.env, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config'), XDG_CACHE_HOME: join(dir, 'cache') };
    const started = Date.now();
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout = (stdout + chunk).slice(-KEPT_CHARS)));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-KEPT_CHARS)));
    const exit = await new Promise<string>((resolveExit) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolveExit(`killed after ${timeoutMs} ms`);
      }, timeoutMs);
      child.on('error', (error) => {
        clearTimeout(timer);
        resolveExit(`spawn error: ${error.message}`);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolveExit(`exit ${code ?? signal}`);
      });
    });
    const ms = Date.now() - started;
    const said = `$ ${binary} ${args.join(' ')}\n(${exit}, ${ms} ms)\nstdout:\n${stdout}\nstderr:\n${stderr}`;
    let output: string;
    try {
      output = readFileSync(outPath, 'utf8');
    } catch {
      throw new Error(`the oracle wrote no output file\n${said}`);
    }
    try {
      return { ...parse(output, inputs.length, count), stdout, stderr, ms };
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${said}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
