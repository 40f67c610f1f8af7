/**
 * One process of game clients (`node --import tsx bench/multiplayer/client-child.ts`, with an IPC
 * channel): plain node-datachannel PeerConnections that answer the server's offers, with the same
 * three negotiated channels as Godot 3's WebRTCMultiplayer and Godot 4's WebRTCMultiplayerPeer (ids 1..3), each sending an input on
 * channel 3 every tick and counting the states it gets. The clients are the same whichever server
 * runs, and live outside the server's process, so that the server's CPU is its own.
 */
import nodeDataChannel from 'node-datachannel';
import type { DataChannel, PeerConnection } from 'node-datachannel';
import { clock, Samples, sentAtOf, writeInput, type ClientReport, type FromClients, type RunWindow, type Signal, type ToClients, type TurnPlan } from './protocol.js';

const send = (message: FromClients) => process.send?.(message);

interface Client {
  id: number;
  pc: PeerConnection;
  channels: DataChannel[];
  input: Uint8Array;
  seq: number;
  received: number;
  hasRemote: boolean;
  held: Array<[string, string]>;
}

let plan: TurnPlan | null = null;
let clients: Client[] = [];
const byId = new Map<number, Client>();
let window: RunWindow | null = null;
let timer: NodeJS.Timeout | undefined;
let inputsSent = 0;
let statesReceived = 0;
let malformed = 0;
let latency = new Samples(1);
let cpuAtRun = process.cpuUsage();

/** The three channels as add_peer makes them: 1 reliable ordered, 2 ordered and 3 unordered with the turn's lifetime. */
function channelsFor(pc: PeerConnection, lifetime: number | null): DataChannel[] {
  const timed = lifetime === null ? {} : { maxPacketLifeTime: lifetime };
  return [
    pc.createDataChannel('reliable', { negotiated: true, id: 1 }),
    pc.createDataChannel('ordered', { negotiated: true, id: 2, ...timed }),
    pc.createDataChannel('unreliable', { negotiated: true, id: 3, unordered: true, ...timed }),
  ];
}

function makeClient(id: number, turn: TurnPlan): Client {
  const pc = new nodeDataChannel.PeerConnection(`client-${id}`, { iceServers: [], disableAutoNegotiation: true, bindAddress: '127.0.0.1' });
  const client: Client = { id, pc, channels: [], input: new Uint8Array(turn.inputBytes + (turn.rawHeader === null ? 0 : 1)), seq: 0, received: 0, hasRemote: false, held: [] };
  if (turn.rawHeader !== null) client.input[0] = turn.rawHeader;
  pc.onStateChange(() => {});
  pc.onLocalDescription((sdp, type) => send({ cmd: 'signal', from: id, signal: { type: type as 'answer', sdp } }));
  pc.onLocalCandidate((candidate, mid) => send({ cmd: 'signal', from: id, signal: { type: 'candidate', mid, candidate } }));
  client.channels = channelsFor(pc, turn.lifetime);
  const offset = turn.rawHeader === null ? 0 : 1;
  client.channels[2]!.onMessage((message) => {
    if (typeof message === 'string') return void malformed++;
    const bytes = message instanceof ArrayBuffer ? new Uint8Array(message) : new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
    const at = clock();
    if (offset === 1 && bytes[0] !== turn.rawHeader) return void malformed++;
    const sentAt = sentAtOf(bytes.subarray(offset), turn.stateBytes, 4);
    if (Number.isNaN(sentAt)) return void malformed++;
    if (window !== null && sentAt >= window.t0 && sentAt < window.t1) {
      statesReceived++;
      client.received++;
      latency.push(at - sentAt);
    }
  });
  return client;
}

/** Native calls never run inside a native callback: a signal from the parent is applied a turn later. */
function apply(client: Client, signal: Signal): void {
  setImmediate(() => {
    try {
      if (signal.type === 'offer') {
        client.pc.setRemoteDescription(signal.sdp, 'offer');
        client.hasRemote = true;
        for (const [candidate, mid] of client.held.splice(0)) client.pc.addRemoteCandidate(candidate, mid);
        client.pc.setLocalDescription('answer');
      } else if (signal.type === 'candidate') {
        if (client.hasRemote) client.pc.addRemoteCandidate(signal.candidate, signal.mid);
        else client.held.push([signal.candidate, signal.mid]);
      }
    } catch (error) {
      send({ cmd: 'error', message: `client ${client.id}: ${String(error)}` });
    }
  });
}

/** Every client sends one input per tick on channel 3, from `start` to `stop`, ticks at fixed slots (drift-corrected). */
function run(w: RunWindow, turn: TurnPlan): void {
  window = w;
  latency = new Samples(Math.ceil(((w.t1 - w.t0) / 1000) * turn.hz * turn.burst * clients.length) + 1000);
  cpuAtRun = process.cpuUsage();
  const period = 1000 / turn.hz;
  const offset = turn.rawHeader === null ? 0 : 1;
  let slot = 0;
  const step = () => {
    const now = clock();
    if (now >= w.stop) return;
    for (const client of clients) {
      const channel = client.channels[2]!;
      if (!channel.isOpen()) continue;
      const sentAt = clock();
      writeInput(client.input, offset, client.id, client.seq++, sentAt);
      try {
        channel.sendMessageBinary(client.input);
        if (sentAt >= w.t0 && sentAt < w.t1) inputsSent++;
      } catch {
        /* a channel that closed meanwhile: not sent, not counted */
      }
    }
    slot++;
    timer = setTimeout(step, Math.max(0, w.start + slot * period - clock()));
  };
  timer = setTimeout(step, Math.max(0, w.start - clock()));
}

function report(): ClientReport {
  const cpu = process.cpuUsage(cpuAtRun);
  return {
    clients: clients.length,
    connected: clients.filter((c) => c.channels.every((ch) => ch.isOpen())).length,
    inputsSent,
    statesReceived,
    stateLatency: latency.list(),
    minPerClient: clients.length ? Math.min(...clients.map((c) => c.received)) : 0,
    malformed,
    cpuUs: cpu.user + cpu.system,
  };
}

process.on('message', (message: ToClients) => {
  switch (message.cmd) {
    case 'prepare':
      plan = message.plan;
      clients = message.ids.map((id) => makeClient(id, message.plan));
      for (const client of clients) byId.set(client.id, client);
      send({ cmd: 'prepared' });
      break;
    case 'signal': {
      const client = byId.get(message.to);
      if (client) apply(client, message.signal);
      break;
    }
    case 'run':
      if (plan) run(message.window, plan);
      break;
    case 'report':
      send({ cmd: 'report', report: report() });
      break;
    case 'stop':
      clearTimeout(timer);
      for (const client of clients) {
        try {
          client.pc.close();
        } catch {
          /* closing is best effort at exit */
        }
      }
      setTimeout(() => process.exit(0), 100);
      break;
  }
});
process.on('disconnect', () => process.exit(0));
send({ cmd: 'ready' });
