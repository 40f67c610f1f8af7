/**
 * The Godot 3 high-level multiplayer peer of test/godot3/mp-project in a child process: its roles,
 * its `EVENT <name> <json>` lines read as data, its engine errors, and engines that live for a
 * whole test file (one engine set per file keeps the suite short; each engine quits by itself
 * after its deadline, and every one still running is killed after the file).
 */
import { afterAll, beforeEach } from 'vitest';
import { GodotProcess, MP_PROJECT, type GodotEvent } from './godot.js';

export type EventData = Record<string, unknown>;

export interface MpGodotOptions {
  url: string;
  /** `server` creates the lobby (id 1); `client` joins `lobby`. */
  role: 'server' | 'client';
  lobby?: string;
  /** initialize(id, false) instead of the demo's initialize(id, true). */
  mesh?: boolean;
  maxSeconds?: number;
}

/** An event's JSON. */
export function data(event: GodotEvent): EventData {
  try {
    return JSON.parse(event.rest) as EventData;
  } catch {
    return { unparsed: event.rest };
  }
}

/** Every event `name` so far whose data satisfies `match`. */
export function eventsOf(godot: GodotProcess, name: string, match: (data: EventData) => boolean = () => true): EventData[] {
  return godot.events.filter((event) => event.name === name).map(data).filter(match);
}

/** The first event `name` whose data satisfies `match`, waiting at most `timeoutMs` (rejects on an `EVENT error`, an exit, the known fault). */
export async function waitData(godot: GodotProcess, name: string, match: (data: EventData) => boolean = () => true, timeoutMs = 20_000): Promise<EventData> {
  return data(await godot.waitFor(name, (event) => match(data(event)), timeoutMs));
}

/** Waits (at most `timeoutMs`) until `count` events `name` match; returns them all. */
export async function waitCount(godot: GodotProcess, name: string, count: number, match: (data: EventData) => boolean = () => true, timeoutMs = 20_000): Promise<EventData[]> {
  await godot.waitFor(name, (event) => match(data(event)) && eventsOf(godot, name, match).length >= count, timeoutMs);
  return eventsOf(godot, name, match);
}

/** Godot's id and lobby once it joined. */
export async function joined(godot: GodotProcess): Promise<{ id: number; lobby: string }> {
  const event = await waitData(godot, 'joined', () => true, 30_000);
  return { id: Number(event.id), lobby: String(event.lobby) };
}

/** The var2str texts and typeof lists of values.gd that Godot printed at start. */
export async function godotValues(godot: GodotProcess): Promise<{ hello: string; types: string; every: string; everyTypes: number[] }> {
  const values = await waitData(godot, 'values');
  return { hello: String(values.hello), types: String(values.types), every: String(values.every), everyTypes: values.every_types as number[] };
}

/** Godot's own refusals of an RPC or RSET (stderr): `RPC 'to_master' is not allowed on node /root/Main/Target from: 1. Mode is 2, master is 1.` */
export function refusals(godot: GodotProcess, member: string): string[] {
  return godot.stderr.filter((line) => line.includes(`'${member}' is not allowed`)).map((line) => line.replace(/^ERROR: \w+: /, ''));
}

/** Waits (at most `timeoutMs`) until Godot's stderr has a line with `text`: stderr is another pipe, its lines may come after stdout's. */
export async function waitStderr(godot: GodotProcess, text: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!godot.stderr.some((line) => line.includes(text))) {
    if (Date.now() > deadline) throw new Error(`Godot's stderr had no line with ${JSON.stringify(text)} within ${timeoutMs} ms\n${godot.describe(60)}`);
    await new Promise((wait) => setTimeout(wait, 20));
  }
}

/**
 * Engines for one test file: started with `start`, killed after the file (or by `stopAll`, before a
 * setup is tried again); when a test fails, every running engine's output is printed.
 */
export function useFileGodots(): { start(options: MpGodotOptions): GodotProcess; running: GodotProcess[]; stopAll(): Promise<void> } {
  const running: GodotProcess[] = [];
  const stopAll = async () => {
    await Promise.all(running.splice(0).map((godot) => godot.stop()));
  };
  beforeEach((context) => {
    context.onTestFailed(() => {
      for (const godot of running) console.error(`Godot (pid ${godot.pid}) said:\n${godot.describe()}`);
    });
  });
  afterAll(stopAll);
  return {
    running,
    stopAll,
    start({ url, role, lobby = '', mesh = false, maxSeconds = 90 }) {
      const args = [`--role=${role}`, ...(mesh ? ['--mesh'] : [])];
      const godot = GodotProcess.start({ url, lobby, maxSeconds, project: MP_PROJECT, args });
      running.push(godot);
      return godot;
    },
  };
}
