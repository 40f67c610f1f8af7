/**
 * A real Godot 3 engine in a child process: Debian's headless `godot3-server` running a test
 * project (by default `test/godot3/project/`, the 3.x webrtc_signaling demo's client logic;
 * `MP_PROJECT`, `test/godot3/mp-project/`, the same client on Godot's high-level multiplayer) with
 * the official WebRTC plugin linked in as `res://webrtc/`. The project prints one
 * `EVENT <name> <args...>` line per event; this end keeps them (and every other line of stdout
 * and stderr) and waits for them.
 *
 * Nothing here skips: a missing engine or plugin is an error that says where it was looked for.
 * Every engine started through {@link useGodot} is killed after its test, and its output is printed
 * when the test failed.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { accessSync, constants, cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, onTestFailed } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const PROJECT = fileURLToPath(new URL('../project', import.meta.url));
/** The Godot 3 high-level multiplayer peer (get_tree().network_peer = a WebRTCMultiplayer): see its main.gd. */
export const MP_PROJECT = fileURLToPath(new URL('../mp-project', import.meta.url));
const PLUGIN_LIBRARY = 'lib/libwebrtc_native.linux.template_release.x86_64.so';
/** The longest an engine may live, whatever the test does: the client quits by itself after it. */
const MAX_SECONDS = 90;
const KEPT_LINES = 2000;

export interface GodotEvent {
  name: string;
  args: string[];
  /** Everything after the event's name: a received text keeps its spaces. */
  rest: string;
  /** Ms since the engine was started. */
  at: number;
}

/**
 * What the plugin's libdatachannel 0.24.5 prints when it fails a connection it offered by its early
 * DTLS fingerprint check (README, Setup order; libdatachannel PR #1612): the DTLS error, then the
 * candidates after the answer find the ICE transport gone. Rare, on a busy CPU.
 */
const KNOWN_FAULT = /Got a remote candidate without ICE transport|DTLS recv: MbedTLS error: SSL - An unexpected message was received/;

export interface GodotExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `GODOT3_BIN`, else `godot3-server` on the PATH, else /usr/bin/godot3-server; throws with where it looked. */
export function findGodot(): string {
  const given = process.env.GODOT3_BIN;
  if (given) {
    if (executable(given)) return given;
    throw new Error(`GODOT3_BIN is ${given}, which is not an executable file`);
  }
  const candidates = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'godot3-server')), '/usr/bin/godot3-server'];
  const found = candidates.find(executable);
  if (found) return found;
  throw new Error('godot3-server was not found (looked on the PATH and at /usr/bin/godot3-server): `apt-get install godot3-server`, or set GODOT3_BIN; scripts/test-godot3.sh installs it when it can');
}

/** `GODOT3_WEBRTC_DIR`, else `../shared/godot3/webrtc` from the project root; throws unless it holds the plugin. */
export function findPlugin(): string {
  const dir = resolve(process.env.GODOT3_WEBRTC_DIR ?? join(ROOT, '..', 'shared', 'godot3', 'webrtc'));
  const missing = ['webrtc.tres', 'webrtc.gdnlib', PLUGIN_LIBRARY].filter((file) => !existsSync(join(dir, file)));
  if (missing.length === 0) return dir;
  throw new Error(
    `the Godot 3 WebRTC plugin (godotengine/webrtc-native, GDNative) is not at ${dir}: ${missing.join(', ')} missing. ` +
      'Set GODOT3_WEBRTC_DIR to its webrtc/ folder (../shared/godot3/README.md says how it is built)',
  );
}

export interface GodotStart {
  url: string;
  /** The lobby to join; '' creates one. */
  lobby: string;
  maxSeconds?: number;
  /** The project folder to run (copied first); default `test/godot3/project/`. */
  project?: string;
  /** More user arguments, after `--url=`, `--lobby=` and `--max-seconds=`. */
  args?: readonly string[];
}

export class GodotProcess {
  readonly events: GodotEvent[] = [];
  readonly output: string[] = [];
  /** What it wrote to stderr, line by line (the engine's `ERROR: ...` and `At: ...` lines), the last 2000. */
  readonly stderr: string[] = [];
  readonly exited: Promise<GodotExit>;
  /** The first stderr line that shows libdatachannel's known setup fault ({@link KNOWN_FAULT}), if any. */
  knownFault: string | null = null;
  private exit: GodotExit | null = null;
  private readonly started = Date.now();
  private readonly waiters = new Set<() => void>();

  private constructor(
    private readonly child: ChildProcessByStdio<null, Readable, Readable>,
    private readonly dir: string,
    readonly command: string,
  ) {
    this.readLines(child.stdout, 'out');
    this.readLines(child.stderr, 'err');
    this.exited = new Promise((resolveExit) => {
      child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        this.keep(`exit ${JSON.stringify(this.exit)}`);
        this.wake();
        resolveExit(this.exit);
      });
    });
    child.on('error', (error) => {
      this.keep(`spawn error: ${error.message}`);
      this.exit ??= { code: null, signal: null };
      this.wake();
    });
  }

  /** Copies the project to a temporary directory, links the plugin into it and starts the engine on it. */
  static start({ url, lobby, maxSeconds = MAX_SECONDS, project: source = PROJECT, args: extra = [] }: GodotStart): GodotProcess {
    const binary = findGodot();
    const plugin = findPlugin();
    const dir = mkdtempSync(join(tmpdir(), 'godot3-client-'));
    const project = join(dir, 'project');
    // dereference: mp-project shares project's signaling_client.gd through a relative link, which would not resolve in the copy.
    cpSync(source, project, { recursive: true, dereference: true });
    symlinkSync(plugin, join(project, 'webrtc'), 'dir');
    const args = ['--path', project, '--', `--url=${url}`, `--lobby=${lobby}`, `--max-seconds=${Math.min(maxSeconds, MAX_SECONDS)}`, ...extra];
    // Its user data (logs, app_userdata) goes to the temporary directory too.
    const env = { ...process.env, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config'), XDG_CACHE_HOME: join(dir, 'cache') };
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    return new GodotProcess(child, dir, `${binary} ${args.join(' ')}`);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * The first event `name` (whose args satisfy `match`), waiting at most `timeoutMs`. Rejects, with
   * the end of the output, if time runs out, if the engine exits, or at once if an event named in
   * `abortOn` came first (the client's `EVENT error ...` by default: a refused call in GDScript),
   * or once the plugin shows its known setup fault ({@link knownFault}).
   */
  waitFor(name: string, match: (event: GodotEvent) => boolean = () => true, timeoutMs = 30_000, abortOn: readonly string[] = ['error']): Promise<GodotEvent> {
    const find = () => this.events.find((event) => event.name === name && match(event));
    const fail = (why: string) => new Error(`${why}\n${this.describe(40)}`);
    return new Promise((resolveEvent, reject) => {
      const check = () => {
        const found = find();
        if (found) return done(() => resolveEvent(found));
        if (this.knownFault) return done(() => reject(fail(`Godot's libdatachannel failed a setup (${this.knownFault}) while the test waited for EVENT ${name}`)));
        const aborted = this.events.find((event) => abortOn.includes(event.name));
        if (aborted) return done(() => reject(fail(`Godot said "${aborted.name} ${aborted.rest}" while the test waited for EVENT ${name}`)));
        if (this.exit) return done(() => reject(fail(`Godot exited (${JSON.stringify(this.exit)}) before EVENT ${name}`)));
      };
      const timer = setTimeout(() => done(() => reject(fail(`no EVENT ${name} from Godot within ${timeoutMs} ms`))), timeoutMs);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        settle();
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Kills the engine if it still runs (SIGKILL), waits for it (at most 5 s) and removes its directory. */
  async stop(): Promise<void> {
    if (this.exit === null && this.child.exitCode === null) this.child.kill('SIGKILL');
    await Promise.race([this.exited, new Promise((wait) => setTimeout(wait, 5000).unref())]);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The command and what the engine printed (the last `lines` lines, else all kept), each line with its time and stream. */
  describe(lines = KEPT_LINES): string {
    const shown = this.output.slice(-lines);
    const cut = this.output.length > shown.length ? `(${this.output.length - shown.length} earlier lines)\n` : '';
    return `$ ${this.command}\n${cut}${shown.join('\n')}`;
  }

  private readLines(stream: Readable, label: 'out' | 'err'): void {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.line(line, label);
    });
    stream.on('end', () => partial && this.line(partial, label));
  }

  private line(line: string, label: 'out' | 'err'): void {
    this.keep(`${label} ${line}`);
    if (label === 'err') {
      this.stderr.push(line);
      if (this.stderr.length > KEPT_LINES) this.stderr.splice(0, this.stderr.length - KEPT_LINES);
    }
    if (label === 'err' && this.knownFault === null && KNOWN_FAULT.test(line)) {
      this.knownFault = line.trim();
      this.wake();
    }
    const event = /^EVENT (\S+) ?(.*)$/.exec(line);
    if (label === 'out' && event) {
      const rest = event[2] ?? '';
      this.events.push({ name: event[1]!, args: rest.split(' ').filter(Boolean), rest, at: Date.now() - this.started });
      this.wake();
    }
  }

  private keep(text: string): void {
    this.output.push(`[${String(Date.now() - this.started).padStart(6)} ms] ${text}`);
    if (this.output.length > KEPT_LINES) this.output.splice(0, this.output.length - KEPT_LINES);
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** Starts engines that are killed after each test; a failed test prints what each one said. */
export function useGodot(): { start(options: GodotStart): GodotProcess } {
  const running: GodotProcess[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((godot) => godot.stop()));
  });
  return {
    start(options) {
      const godot = GodotProcess.start(options);
      running.push(godot);
      onTestFailed(() => console.error(`Godot (pid ${godot.pid}) said:\n${godot.describe()}`));
      return godot;
    },
  };
}
