/**
 * What the multiplayer bench's processes share: the payloads' layout, the clock, and the IPC
 * messages between the parent, the server process and the client processes.
 *
 * State (server → every client, channel 3): `stateBytes` bytes, [0] u32 tick, [4] f64 send time (ms
 * since the epoch), zeros after. Input (client → server, channel 3): `inputBytes` bytes, [0] u32
 * client id, [4] u32 sequence, [8] f64 send time, zeros after. Under `api` (Godot 3's
 * MultiplayerAPI.send_bytes) and `scene4` (Godot 4's SceneMultiplayer.send_bytes) both travel as
 * Godot's RAW packet: the header byte (`rawHeader`: 4 in Godot 3, 3 in Godot 4) before the same bytes.
 */

/** Milliseconds since the epoch with sub-ms resolution; the same clock in every process of this host. */
export const clock = () => performance.timeOrigin + performance.now();

/** What the server process runs. */
export type ServerKind = 'ours' | 'raw' | 'api' | 'channels' | 'ours4' | 'scene4';

export interface TurnPlan {
  kind: ServerKind;
  /** Channel 3's maxPacketLifeTime (ms) on both ends; null: channel 3 fully reliable (raw only; ours always sets one). */
  lifetime: number | null;
  clients: number;
  hz: number;
  stateBytes: number;
  /** States broadcast per tick (1; more to load the link). */
  burst: number;
  inputBytes: number;
  /** Godot's RAW header byte in front of every packet (4: Godot 3's MultiplayerAPI; 3: Godot 4's SceneMultiplayer), or null. */
  rawHeader: number | null;
}

export interface RunWindow {
  /** The first tick (epoch ms). */
  start: number;
  /** What is counted: packets whose send time is in [t0, t1); the server's CPU over the ticks scheduled in it. */
  t0: number;
  t1: number;
  /** Everyone stops sending here; the server keeps reading until `end`. */
  stop: number;
  end: number;
}

export type Signal =
  | { type: 'offer' | 'answer'; sdp: string }
  | { type: 'candidate'; mid: string; candidate: string };

export interface ServerReport {
  kind: ServerKind;
  connected: number;
  windowTicks: number;
  cpuUs: number;
  cpuUserUs: number;
  cpuSystemUs: number;
  /** The window's CPU split by thread (Linux): the main thread, and the rest (the stack's threads, libuv, V8). */
  threads: { mainUs: number; othersUs: number; threads: number; byName: Record<string, number> } | null;
  /** Main-thread event loop utilization over the window (0..1). */
  elu: number;
  /** JS time inside the tick function, per tick (µs). */
  tickUs: { median: number; p99: number };
  /** How late ticks started after their slot (ms). */
  lagMs: { median: number; p99: number; max: number };
  /** Ticks that started more than two periods late (the first 20): which window tick, how late, how long the tick before took. */
  lagSpikes: Array<{ tick: number; lagMs: number; previousTickUs: number }>;
  statesSent: number;
  inputsReceived: number;
  /** Client → server one-way latency (ms), inputs sent in the window. */
  inputLatency: number[];
  /** Inputs the server could not read as one (wrong size). */
  malformed: number;
  /** From the library's own counters, for a cross-check (ours/api): packets sent / received on channel 3 over the whole run. */
  libraryCounts: Record<string, number> | null;
  profile: string | null;
  /** What went wrong on the server's side (ticks that could not keep up). */
  problems: string[];
}

export interface ClientReport {
  clients: number;
  connected: number;
  inputsSent: number;
  statesReceived: number;
  /** Server → client one-way latency (ms), states sent in the window. */
  stateLatency: number[];
  /** The fewest states any one client got in the window. */
  minPerClient: number;
  malformed: number;
  cpuUs: number;
}

/** Parent → server. */
export type ToServer =
  | { cmd: 'connect'; plan: TurnPlan; ids: number[]; timeoutMs: number; profile: string | null }
  | { cmd: 'signal'; from: number; signal: Signal }
  | { cmd: 'run'; window: RunWindow }
  | { cmd: 'report' }
  | { cmd: 'stop' };

/** Server → parent. */
export type FromServer =
  | { cmd: 'ready' }
  | { cmd: 'signal'; to: number; signal: Signal }
  | { cmd: 'connected'; connected: number; ms: number; problems: string[] }
  | { cmd: 'report'; report: ServerReport }
  | { cmd: 'error'; message: string };

/** Parent → a client process. */
export type ToClients =
  | { cmd: 'prepare'; plan: TurnPlan; ids: number[] }
  | { cmd: 'signal'; to: number; signal: Signal }
  | { cmd: 'run'; window: RunWindow }
  | { cmd: 'report' }
  | { cmd: 'stop' };

/** A client process → parent. */
export type FromClients =
  | { cmd: 'ready' }
  | { cmd: 'prepared' }
  | { cmd: 'signal'; from: number; signal: Signal }
  | { cmd: 'report'; report: ClientReport }
  | { cmd: 'error'; message: string };

export function writeState(buffer: Uint8Array, offset: number, tick: number, sentAt: number): void {
  const view = new DataView(buffer.buffer, buffer.byteOffset + offset, 12);
  view.setUint32(0, tick, true);
  view.setFloat64(4, sentAt, true);
}

export function writeInput(buffer: Uint8Array, offset: number, client: number, seq: number, sentAt: number): void {
  const view = new DataView(buffer.buffer, buffer.byteOffset + offset, 16);
  view.setUint32(0, client, true);
  view.setUint32(4, seq, true);
  view.setFloat64(8, sentAt, true);
}

/** The send time of a state or input (`at` = 4 or 8), or NaN if the packet is not `size` bytes. */
export function sentAtOf(bytes: Uint8Array, size: number, at: 4 | 8): number {
  if (bytes.byteLength !== size) return NaN;
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getFloat64(at, true);
}

/** Every loop here is bounded: a sample list stops growing at `cap`. */
export class Samples {
  private readonly values: Float64Array;
  length = 0;
  constructor(cap: number) {
    this.values = new Float64Array(cap);
  }
  push(x: number): void {
    if (this.length < this.values.length) this.values[this.length++] = x;
  }
  /** Rounded to µs, so that the IPC message stays small. */
  list(): number[] {
    return Array.from(this.values.subarray(0, this.length), (x) => Math.round(x * 1000) / 1000);
  }
}
