/**
 * What `npm start`'s Godot 3.x and 4.x parts (demo/godot3-server.ts, demo/godot4-server.ts) share:
 * a signaling server on a free port, a Node server that creates a lobby with a lobby peer, CLIENTS
 * that join it in turn, every multiplayer polled each 16 ms frame (as a SceneTree polls its
 * multiplayer), a timeline of the shown machines, and the end: 0 with the part's summary once it
 * is complete, 1 with what is missing after the deadline, 0 at once when interrupted. The part
 * says how its peers are made, what they print and when it is complete.
 */
import { observeRecords, type ConnectionRecord } from '../src/index.js';
import { GodotError, errorName } from '../src/godot/constants.js';
import { SignalingServer } from '../src/signaling/server.js';
import { ConnectionStatus } from '../src/godot3/constants.js';

export interface DemoOutput {
  print(line: string): void;
  stamp(monotonic?: number): string;
  /** Resolves when the user interrupted (Ctrl-C): the part stops and resolves 0. */
  interrupted: Promise<void>;
  /** How long the part may take before it gives up with what is missing (default 20 s). */
  deadlineMs?: number;
}

const DEADLINE_MS = 20_000;
const FRAME_MS = 16;
export const CLIENTS = ['c1', 'c2'] as const;
const STATUS_NAMES = ['CONNECTION_DISCONNECTED', 'CONNECTION_CONNECTING', 'CONNECTION_CONNECTED'];

/** A status as the demo prints it: `CONNECTION_CONNECTED`. */
export const statusName = (status: number): string | undefined => STATUS_NAMES[status];

/** A peer of a part: its lobby peer, and what a SceneTree frame does with its multiplayer. */
export interface DemoPeer {
  name: string;
  lobbyPeer: { readonly id: number | null; readonly lobby: string; join(): Promise<GodotError>; close(): void };
  /** The multiplayer's poll(), each frame. */
  poll(): void;
  /** The multiplayer peer's get_connection_status(). */
  status(): number;
}

/** What a part's own code is given. */
export interface DemoContext<P extends DemoPeer> {
  say(who: string, what: string): void;
  /** The peers made so far, the server first. */
  readonly peers: readonly P[];
}

export interface MultiplayerDemoPart<P extends DemoPeer> {
  /** The line the part starts with. */
  title: string;
  /** The name the demo's failure line gives the part: `godot3` (`godot3 server demo: …`). */
  label: string;
  /** The server peer's name (the clients are CLIENTS). */
  hostName: string;
  /** The machines the timeline shows, and the width of their column. */
  shown: ReadonlySet<string>;
  machineWidth: number;
  /** Makes a peer of the lobby at `url` (the server's when `lobby` is ''), its signals connected. */
  makePeer(url: string, name: string, lobby: string): P;
  /** What the server says once its lobby is created. */
  hosted(host: P): string;
  /** What a client says once it joined. */
  joined(client: P): string;
  complete(): boolean;
  /** What is missing past the deadline besides a peer not joined or not connected (`lines`, said first). */
  missing(lines: readonly string[]): string[];
  /** The summary lines, before the `done` line. */
  summarize(): string[];
}

export async function runMultiplayerDemo<P extends DemoPeer>(
  { print, stamp, interrupted, deadlineMs = DEADLINE_MS }: DemoOutput,
  makePart: (context: DemoContext<P>) => MultiplayerDemoPart<P>,
): Promise<number> {
  const say = (who: string, what: string) => print(`${stamp()}  ${who.padEnd(18)} ${what}`);
  const peers: P[] = [];
  const part = makePart({ say, peers });
  const stopShowing = observeRecords((record: ConnectionRecord) => {
    if (!('machine' in record) || !part.shown.has(record.machine)) return;
    if (record.kind === 'transition') {
      if (record.from === record.to) return;
      const machine = record.channel ? `${record.machine === 'multiplayerRemote' ? 'remote' : 'channel'} ${record.channel}` : record.machine;
      print(`${stamp(record.monotonic)}  ${record.connection.padEnd(18)} ${machine.padEnd(part.machineWidth)} ${record.from} → ${record.to}   (${record.event})`);
    } else {
      print(`${stamp(record.monotonic)}  ${record.connection.padEnd(18)} ${record.kind}: ${record.reason}`);
    }
  });

  print(part.title);
  const server = new SignalingServer({ port: 0 });
  let frame: NodeJS.Timeout | undefined;
  /** Set once the part is over (done, gave up, interrupted): run() stops making peers. */
  let over = false;
  let settle: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => (settle = resolve));
  const done = (code: number) => {
    over = true;
    settle(code);
  };
  const giveUp = setTimeout(() => done(1), deadlineMs);
  void interrupted.then(() => done(0));

  const makePeer = (name: string, lobby: string): P => {
    const peer = part.makePeer(server.url, name, lobby);
    peers.push(peer);
    return peer;
  };

  const run = async (): Promise<void> => {
    const listening = await server.listen();
    if (over) return;
    if (listening !== GodotError.OK) return fail(`the signaling server did not listen (${errorName(listening)})`);
    say('server', `signaling server on ${server.url}`);

    const host = makePeer(part.hostName, '');
    frame = setInterval(() => {
      for (const peer of peers) peer.poll();
      if (part.complete()) done(0);
    }, FRAME_MS);
    const hosted = await host.lobbyPeer.join();
    if (over) return;
    if (hosted !== GodotError.OK) return fail(`the server did not create a lobby (${errorName(hosted)})`);
    say(part.hostName, part.hosted(host));
    for (const name of CLIENTS) {
      const client = makePeer(name, host.lobbyPeer.lobby);
      const joined = await client.lobbyPeer.join();
      if (over) return;
      if (joined !== GodotError.OK) return fail(`${name} did not join ${host.lobbyPeer.lobby} (${errorName(joined)})`);
      say(name, part.joined(client));
    }
  };

  let failure: string | null = null;
  function fail(why: string): void {
    failure = why;
    done(1);
  }

  void run();
  const code = await finished;
  clearTimeout(giveUp);
  clearInterval(frame);
  if (code !== 0 && failure === null) failure = `not done within ${deadlineMs / 1000} s:\n${missing().map((line) => `  ${line}`).join('\n')}`;
  const summary = code === 0 && part.complete() ? [...part.summarize(), `done (${stamp().trim()}).`] : [];
  for (const { lobbyPeer } of peers) lobbyPeer.close();
  await server.close();
  // The connections report closed a moment after close(): the timeline ends with them.
  await new Promise((resolve) => setTimeout(resolve, 100));
  stopShowing();
  if (failure !== null) {
    console.error(`\n${part.label} server demo: ${failure}`);
    return 1;
  }
  for (const line of summary) print(line);
  return 0;

  function missing(): string[] {
    const lines: string[] = [];
    for (const name of [part.hostName, ...CLIENTS]) {
      const peer = peers.find((candidate) => candidate.name === name);
      if (peer === undefined || peer.lobbyPeer.id === null) lines.push(`${name} has not ${name === part.hostName ? 'created its lobby' : 'joined'}`);
      else if (peer.status() !== ConnectionStatus.CONNECTION_CONNECTED) lines.push(`${name} (${peer.lobbyPeer.id}) is ${statusName(peer.status())}`);
    }
    return [...lines, ...part.missing(lines)];
  }
}
