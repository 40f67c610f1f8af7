/**
 * One load generator process (`node --import tsx bench/signaling/load-child.ts`, with an IPC
 * channel): plain `ws` clients speaking the demo's 4.x JSON protocol to one signaling server, in
 * lobbies of a host and members, driven by the bench's commands (see LoadCommand). Its own process
 * so that the clients never share the server's event loop, and several of them so that the
 * generator is not the bottleneck.
 *
 * Flood: every member keeps `window` CANDIDATE frames in flight to its host, the host echoes each
 * to its sender, and each echo received lets the member send the next. Paced: members send
 * probes at a fixed total rate, round robin, each carrying its send time; the host echoes it and
 * the member takes the round trip member → host → member.
 */
import WebSocket from 'ws';
import { candidateFrame, candidateTag, echoFrame, isCandidateBuffer, joinFrame, relayedCandidateSender, ID_TYPE, JOIN_TYPE } from './wire.js';

export type LoadCommand =
  | { cmd: 'setup'; url: string; lobbies: number; members: number; concurrency: number; timeoutMs: number }
  | { cmd: 'flood'; window: number }
  | { cmd: 'mark' }
  | { cmd: 'idle'; timeoutMs: number }
  | { cmd: 'paced'; rate: number; warmupMs: number; durationMs: number }
  | { cmd: 'close'; timeoutMs: number };

export interface Mark {
  cmd: 'mark';
  received: number;
  sent: number;
  cpuUs: number;
  unexpectedCloses: number;
}

interface Client {
  ws: WebSocket;
  host: boolean;
  /** The id the server gave (1 for the host). */
  id: number;
  inFlight: number;
}

type Mode = 'idle' | 'flood' | 'paced';

const clients: Client[] = [];
const members: Client[] = [];
let mode: Mode = 'idle';
let window = 0;
let received = 0;
let sent = 0;
let closing = false;
let unexpectedCloses = 0;
const problems: string[] = [];
let samples: number[] = [];
let sampling = false;

const nowUs = () => Math.round(performance.now() * 1000);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const reply = (message: object) => process.send?.(message);

function problem(text: string) {
  if (problems.length < 20) problems.push(text);
}

function send(client: Client, frame: string) {
  client.ws.send(frame);
  sent++;
}

function onCandidate(client: Client, data: Buffer) {
  received++;
  if (client.host) {
    const text = data.toString();
    const sender = relayedCandidateSender(text);
    if (sender < 0) return problem(`host got a frame it cannot read: ${text.slice(0, 60)}`);
    send(client, echoFrame(text, sender));
    return;
  }
  if (mode === 'flood') {
    client.inFlight--;
    if (client.inFlight < window) {
      client.inFlight++;
      send(client, candidateFrame(1, 0));
    }
    return;
  }
  client.inFlight--;
  if (mode === 'paced' && sampling) {
    const tag = candidateTag(data.toString());
    if (Number.isFinite(tag)) samples.push((nowUs() - tag) / 1000);
  }
}

/** Opens one client and sends JOIN; resolves with the lobby name once the server's JOIN came, or null. */
function join(url: string, lobby: string, host: boolean, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const client: Client = { ws, host, id: -1, inFlight: 0 };
    let joined = false;
    const timer = setTimeout(() => {
      if (joined) return;
      problem(`join timed out after ${timeoutMs} ms`);
      ws.terminate();
      resolve(null);
    }, timeoutMs);
    ws.on('open', () => ws.send(joinFrame(lobby)));
    ws.on('error', (error) => problem(`socket error: ${error.message}`));
    ws.on('close', (code, reason) => {
      if (!closing) {
        unexpectedCloses++;
        problem(`closed by the server: ${code} ${reason.toString()}`);
      }
      if (!joined) {
        clearTimeout(timer);
        resolve(null);
      }
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary && isCandidateBuffer(data)) return onCandidate(client, data);
      let frame: { type: number; id: number; data: string };
      try {
        frame = JSON.parse(data.toString()) as typeof frame;
      } catch {
        return problem(`unreadable frame: ${data.toString().slice(0, 60)}`);
      }
      if (frame.type === ID_TYPE) client.id = frame.id;
      else if (frame.type === JOIN_TYPE && !joined) {
        joined = true;
        clearTimeout(timer);
        clients.push(client);
        if (!host) members.push(client);
        resolve(frame.data);
      }
    });
  });
}

async function setupLobby(url: string, size: number, timeoutMs: number): Promise<number> {
  const name = await join(url, '', true, timeoutMs);
  if (name === null) return 0;
  const joined = await Promise.all(Array.from({ length: size }, () => join(url, name, false, timeoutMs)));
  return 1 + joined.filter((n) => n !== null).length;
}

async function setup(command: Extract<LoadCommand, { cmd: 'setup' }>) {
  const started = performance.now();
  closing = false;
  let next = 0;
  let joined = 0;
  const worker = async () => {
    while (next < command.lobbies) {
      next++;
      const count = await setupLobby(command.url, command.members, command.timeoutMs);
      joined += count;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, command.concurrency) }, worker));
  reply({ cmd: 'setup', joined, wanted: command.lobbies * (1 + command.members), ms: performance.now() - started, problems: problems.splice(0) });
}

function flood(w: number) {
  mode = 'flood';
  window = w;
  for (const member of members) {
    while (member.inFlight < window) {
      member.inFlight++;
      send(member, candidateFrame(1, 0));
    }
  }
  reply({ cmd: 'flood' });
}

async function settle(timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  const inFlight = () => members.reduce((sum, m) => sum + m.inFlight, 0);
  while (inFlight() > 0 && performance.now() < deadline) await sleep(10);
  return inFlight();
}

async function idle(timeoutMs: number) {
  mode = 'idle';
  window = 0;
  const left = await settle(timeoutMs);
  for (const member of members) member.inFlight = 0;
  reply({ cmd: 'idle', left, problems: problems.splice(0) });
}

async function paced(rate: number, warmupMs: number, durationMs: number) {
  mode = 'paced';
  samples = [];
  sampling = false;
  const start = performance.now();
  let probes = 0;
  let cursor = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - start;
      if (elapsed >= warmupMs + durationMs) {
        clearInterval(timer);
        return resolve();
      }
      sampling = elapsed >= warmupMs;
      const due = Math.floor((elapsed * rate) / 1000) - probes;
      for (let i = 0; i < due && members.length > 0; i++) {
        const member = members[cursor++ % members.length]!;
        member.inFlight++;
        probes++;
        send(member, candidateFrame(1, nowUs()));
      }
    }, 1);
  });
  // The last probes' echoes still count: sampling stays on until they are in (bounded).
  const left = await settle(2000);
  sampling = false;
  mode = 'idle';
  for (const member of members) member.inFlight = 0;
  reply({ cmd: 'paced', samples, probes, lost: left, problems: problems.splice(0) });
}

async function closeAll(timeoutMs: number) {
  closing = true;
  mode = 'idle';
  const closed = clients.map(
    (client) =>
      new Promise<void>((resolve) => {
        if (client.ws.readyState === WebSocket.CLOSED) return resolve();
        client.ws.once('close', () => resolve());
        client.ws.close(1000);
      }),
  );
  const done = await Promise.race([Promise.all(closed).then(() => true), sleep(timeoutMs).then(() => false)]);
  if (!done) for (const client of clients) client.ws.terminate();
  const count = clients.length;
  clients.length = 0;
  members.length = 0;
  reply({ cmd: 'close', closed: count, clean: done, unexpectedCloses, problems: problems.splice(0) });
  unexpectedCloses = 0;
}

process.on('message', (command: LoadCommand) => {
  switch (command.cmd) {
    case 'setup':
      return void setup(command);
    case 'flood':
      return flood(command.window);
    case 'mark': {
      const cpu = process.cpuUsage();
      const mark: Mark = { cmd: 'mark', received, sent, cpuUs: cpu.user + cpu.system, unexpectedCloses };
      return void reply(mark);
    }
    case 'idle':
      return void idle(command.timeoutMs);
    case 'paced':
      return void paced(command.rate, command.warmupMs, command.durationMs);
    case 'close':
      return void closeAll(command.timeoutMs);
  }
});
process.on('disconnect', () => process.exit(0));
reply({ cmd: 'ready' });
