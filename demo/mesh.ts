/**
 * The whole path of Godot's webrtc_signaling demo, in one process, with no setup: the signaling
 * server on a free port, a host that creates a mesh lobby and members that join it by name,
 * a WebRTC connection between every pair (each with a negotiated "chat" channel, id 1), and a
 * message from every peer to every other. Then the host seals the lobby: the server closes the
 * sockets ("Seal complete"), the mesh outlives them, and the demo closes it. Prints a timeline
 * of every state change of every machine (sessions, the lobby, the connections and channels)
 * and a summary. Then a second part (demo/godot3-server.ts): a Godot 3.x multiplayer server in
 * Node (id 1, WebRTCMultiplayer + MultiplayerAPI) whose two Node clients send it RAW packets and
 * call an RPC on it, which it answers with an RPC back. Then a third (demo/godot4-server.ts): a
 * Godot 4.x server in Node (id 1, WebRTCMultiplayerPeer + SceneMultiplayer, a client/server lobby)
 * whose two Node clients exchange RAW packets with it and, relayed by it, with each other. Exits 0;
 * 1 with what is missing if a part is not done within 20 s (--inspect runs the mesh part only).
 *
 *   npm start                        the demo
 *   npm start -- --audit FILE        also appends every record to FILE (JSON Lines);
 *                                    `npx webrtc-statecharts audit FILE` verifies it
 *   npm start -- --inspect           waits for the inspector page to open, runs the demo while
 *                                    you watch, keeps the mesh connected until Ctrl-C
 *   --members N  members besides the host (default 2)   --protocol 3  Godot 3.x's text frames
 *   --port N     the inspector's port (default: a free one)
 */
import { parseArgs } from 'node:util';
import { WebRTCPeerConnection, createNodeDataChannelExtension, observeRecords, type ConnectionRecord, type WebRTCDataChannel } from '../src/index.js';
import { GodotError, errorName } from '../src/godot/constants.js';
import { startAudit } from '../src/audit/index.js';
import { startInspector } from '../src/inspector/index.js';
import { SignalingServer, type SignalingSessionView } from '../src/signaling/server.js';
import { SignalingClient } from '../src/signaling/client.js';
import { runGodot3Server } from './godot3-server.js';
import { runGodot4Server } from './godot4-server.js';

const { values: flags } = parseArgs({
  options: {
    audit: { type: 'string' },
    inspect: { type: 'boolean', default: false },
    members: { type: 'string', default: '2' },
    protocol: { type: 'string', default: '4' },
    port: { type: 'string', default: '0' },
    help: { type: 'boolean', default: false },
  },
});
const memberCount = Number(flags.members);
const protocol = Number(flags.protocol);
if (flags.help || !Number.isInteger(memberCount) || memberCount < 1 || memberCount > 8 || (protocol !== 3 && protocol !== 4)) {
  console.log('usage: npm start -- [--audit FILE] [--inspect] [--members N (1 to 8)] [--protocol 3|4] [--port N]');
  process.exit(flags.help ? 0 : 2);
}
const DEADLINE_MS = 20_000;
const SEAL_CLOSE_MS = 300;

// Every peer lives in this process: gather candidates on loopback only.
WebRTCPeerConnection.set_default_extension(createNodeDataChannelExtension({ bindAddress: '127.0.0.1' }));

const started = performance.now();
const stamp = (monotonic = performance.now()) => `+${(monotonic - started).toFixed(1).padStart(7)} ms`;
const print = (line: string) => console.log(line);
const say = (who: string, what: string) => print(`${stamp()}  ${who.padEnd(18)} ${what}`);

// The trail starts before the server, so that it holds every record of every session, lobby and connection.
const audit = flags.audit === undefined ? null : startAudit({ file: flags.audit });
const counts = { session: 0, lobby: 0, connection: 0 };
const countRecords = observeRecords(({ connection }) => {
  counts[connection.startsWith('session-') ? 'session' : connection.startsWith('lobby-') ? 'lobby' : 'connection']++;
});
const showRecords = observeRecords(printRecord);

function printRecord(record: ConnectionRecord): void {
  if (record.kind === 'transition') {
    if (record.from === record.to) return; // relays and the like: the summary counts them
    const machine = record.channel ? `channel ${record.channel}` : record.machine;
    print(`${stamp(record.monotonic)}  ${record.connection.padEnd(18)} ${machine.padEnd(16)} ${record.from} → ${record.to}   (${record.event})`);
  } else {
    print(`${stamp(record.monotonic)}  ${record.connection.padEnd(18)} ${record.kind}: ${record.reason}`);
  }
}

const inspector = await startInspector({ port: Number(flags.port) });
print(`inspector: ${inspector.url}`);
print(flags.inspect ? 'open it in a browser: the demo starts when the page is open; Ctrl-C stops it\n' : '(up while the demo runs; `npm start -- --inspect` keeps it open)\n');

const server = new SignalingServer({ port: 0, sealCloseTimeoutMs: SEAL_CLOSE_MS });
const clients: Array<{ name: string; client: SignalingClient }> = [];
/** Who got what: `<receiver id> <sender id>` → the message. */
const received = new Map<string, string>();
const relayed = { offer: 0, answer: 0, candidate: 0, bytes: 0 };
server.on('session_closed', (view: SignalingSessionView) => {
  for (const key of ['offer', 'answer', 'candidate', 'bytes'] as const) relayed[key] += view.relayed[key];
});

let finished = false;
/** Closes whatever is open, the trail and the inspector; the process then exits by itself. */
async function finish(code: number): Promise<void> {
  if (finished) return;
  finished = true;
  clearTimeout(giveUp);
  process.exitCode = code;
  for (const { client } of clients) {
    client.close();
    for (const pc of client.peers.values()) if (pc.get_connection_state() !== WebRTCPeerConnection.STATE_CLOSED) pc.close();
  }
  // Each client drops a connection once it reports closed (a task later): the timeline ends after the last.
  await until(() => clients.every(({ client }) => client.peers.size === 0), 2000);
  await server.close();
  // The stack reports its channels closed a moment after close(): stop() waits for those records.
  await audit?.stop();
  showRecords();
  countRecords();
  await inspector.close();
  if (code === 0) printSummary();
  if (flags.audit !== undefined) print(`audit: ${counts.session + counts.lobby + counts.connection} records appended to ${flags.audit}; verify them with: npx webrtc-statecharts audit ${flags.audit}`);
}

let giveUp: NodeJS.Timeout | undefined;
let interrupted: () => void = () => {};
let wasInterrupted = false;
const interruption = new Promise<void>((resolve) => (interrupted = resolve));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    wasInterrupted = true;
    interrupted();
    print(`\n${signal}: closing the mesh, the sockets and the server`);
    void finish(0);
  });
}

if (flags.inspect) await Promise.race([inspector.whenViewed(), interruption]);
if (!finished) {
  giveUp = setTimeout(() => {
    console.error(`\nnot done within ${DEADLINE_MS / 1000} s:\n${missing().map((line) => `  ${line}`).join('\n') || '  (nothing is missing: the closing hung)'}`);
    void finish(1);
  }, DEADLINE_MS);
  await run();
}
// The mesh part passed: the Godot 3.x multiplayer part, with its own server, lobby and deadline.
if (!flags.inspect && !wasInterrupted && process.exitCode === 0) process.exitCode = await runGodot3Server({ print, stamp, interrupted: interruption });
// Then the Godot 4.x part: a SceneMultiplayer server and its clients, RAW packets direct and relayed.
if (!flags.inspect && !wasInterrupted && process.exitCode === 0) process.exitCode = await runGodot4Server({ print, stamp, interrupted: interruption });

async function run(): Promise<void> {
  print(`webrtc-statecharts: the Godot webrtc_signaling demo, a host and ${memberCount} member${memberCount === 1 ? '' : 's'} in a mesh lobby (${protocol}.x protocol, loopback)\n`);
  const listening = await server.listen();
  if (listening !== GodotError.OK) return fail(`the signaling server did not listen (${errorName(listening)})`);
  say('server', `signaling server on ${server.url}`);

  const host = join('host', '');
  if ((await host.join()) !== GodotError.OK) return fail(`the host did not create a lobby (${closeOf(host)})`);
  for (let n = 1; n <= memberCount; n++) {
    const member = join(`m${n}`, host.lobby);
    if ((await member.join()) !== GodotError.OK) return fail(`m${n} did not join ${host.lobby} (${closeOf(member)})`);
  }
  const expected = clients.length * (clients.length - 1);
  await until(() => received.size === expected);
  if (finished) return;
  say('demo', `all ${expected} messages arrived: every pair is connected`);
  if (flags.inspect) {
    clearTimeout(giveUp);
    print('\nthe mesh stays connected and the inspector up until Ctrl-C.');
    return;
  }

  // As in Godot's demo: the host seals, the server closes every socket (1000 "Seal complete"), the mesh stays.
  say('host', `seal() → ${errorName(host.seal())} (the server closes the sockets ${SEAL_CLOSE_MS} ms later; server.js waits 10 s)`);
  await until(() => clients.every(({ client }) => client.closeInfo !== null && client.closeInfo !== undefined));
  if (finished) return;
  const connected = clients.flatMap(({ client }) => [...client.peers.values()]).filter((pc) => pc.get_connection_state() === WebRTCPeerConnection.STATE_CONNECTED);
  say('demo', `every socket closed; ${connected.length} of ${expected} WebRTC connections outlive the signaling (connected)`);
  await finish(0);
}

/** A client named `name` that joins `lobby` (or creates one), with a "chat" channel to each peer that sends one hello and reads one. */
function join(name: string, lobby: string): SignalingClient {
  const client = new SignalingClient({ url: server.url, lobby, mesh: true, protocol: protocol as 3 | 4, peerOptions: { id: name } });
  clients.push({ name, client });
  client.on('joined', (joined: string, id: number, mesh: boolean) => say(name, `joined lobby "${joined}" as id ${id}${mesh ? ' (mesh)' : ''}`));
  client.on('peer_added', (id: number, pc: WebRTCPeerConnection) => {
    const chat = pc.create_data_channel('chat', { id: 1, negotiated: true });
    say(name, `peer_added ${id}: ${pc.id}, a negotiated "chat" channel`);
    if (chat) void greet(name, client, id, chat);
  });
  client.on('peer_connected', (id: number) => say(name, `peer_connected ${id}`));
  client.on('peer_disconnected', (id: number) => say(name, `peer_disconnected ${id}`));
  client.on('sealed', () => say(name, 'sealed'));
  client.on('closed', ({ code, reason }: { code: number; reason: string }) => say(name, `socket closed ${code} ${JSON.stringify(reason)}`));
  return client;
}

async function greet(name: string, client: SignalingClient, peer: number, chat: WebRTCDataChannel): Promise<void> {
  if ((await chat.opened({ timeout: DEADLINE_MS })) !== GodotError.OK) return;
  const hello = `hello from ${client.id}`;
  chat.put_packet(new TextEncoder().encode(hello));
  const packet = await chat.receive({ timeout: DEADLINE_MS });
  if (packet === null) return;
  const text = new TextDecoder().decode(packet);
  received.set(`${client.id} ${peer}`, text);
  say(name, `${client.id} got "${text}" from ${peer} on chat#1`);
}

/** Resolves once `done()` holds (checked every 10 ms); while running, also once the demo finished (gave up); when closing, after `limitMs`. */
function until(done: () => boolean, limitMs?: number): Promise<void> {
  const limit = limitMs === undefined ? Infinity : performance.now() + limitMs;
  return new Promise((resolve) => {
    const check = setInterval(() => {
      if (!done() && (limitMs === undefined ? !finished : performance.now() < limit)) return;
      clearInterval(check);
      resolve();
    }, 10);
  });
}

function closeOf(client: SignalingClient): string {
  return client.closeInfo ? `socket closed ${client.closeInfo.code} ${JSON.stringify(client.closeInfo.reason)}` : 'no close';
}

function fail(why: string): Promise<void> {
  console.error(`demo: ${why}`);
  return finish(1);
}

/** What the demo still waits for: peers that did not join, pairs whose message did not arrive. */
function missing(): string[] {
  const lines: string[] = [];
  for (const { name, client } of clients) if (client.id === 0 || client.id === null || client.id === undefined) lines.push(`${name} has not joined`);
  const ids = clients.map(({ client }) => client.id);
  for (const to of ids) for (const from of ids) if (to !== from && !received.has(`${to} ${from}`)) lines.push(`${to} has no message from ${from}`);
  if (lines.length === 0 && clients.some(({ client }) => !client.closeInfo)) lines.push('a socket is still open after the seal');
  return lines;
}

function printSummary(): void {
  const names = clients.map(({ name, client }) => `${name} ${client.id}`).join(', ');
  const pairs = (clients.length * (clients.length - 1)) / 2;
  print(`\nsummary: ${clients.length} peers (${names}) in one mesh lobby, ${protocol}.x protocol`);
  print(`  ${pairs} WebRTC pairs connected; ${received.size} messages, each peer's to every other:`);
  for (const [key, text] of [...received].sort()) {
    const [to, from] = key.split(' ');
    print(`    ${from} → ${to}: "${text}"`);
  }
  print(`  signaling relayed ${relayed.offer} offers, ${relayed.answer} answers, ${relayed.candidate} candidates (${relayed.bytes} bytes)`);
  print(`  records: ${counts.session} of sessions, ${counts.lobby} of the lobby, ${counts.connection} of connections and channels`);
  print(`done (${stamp().trim()}).`);
}
