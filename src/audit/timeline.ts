import { SIGNALING_CLOSES, type SignalingCloseName } from '../machines/signaling-session.js';
import type { RemovalCause } from '../machines/multiplayer-remote.js';
import type { MultiplayerEnd } from '../machines/webrtc-multiplayer.js';
import type { ConnectionRecord } from '../records/record.js';
import type { MultiplayerSummary } from './verify-multiplayer.js';
import type { ConnectionLife, Verification } from './verify.js';

/**
 * A readable timeline of a verified trail, one block per connection (and per run of it):
 * a header with its records, duration and final states, then one line per record with its
 * time since the connection's first record, the machine, and what happened. Lines the
 * verification found wrong are followed by a `✗` line that says why.
 *
 * @example
 * ```ts
 * console.log(formatTimeline(verifyTrail(readFileSync('trail.jsonl', 'utf8'))));
 * ```
 */
export function formatTimeline(verification: Pick<Verification, 'connections'>): string {
  return verification.connections.map(formatConnection).join('\n');
}

function formatConnection(life: ConnectionLife): string {
  const first = life.entries[0]?.record;
  const last = life.entries.at(-1)?.record;
  if (!first || !last) return `${life.name}: no records\n`;
  const lines: string[] = [];
  const span = (last.monotonic - first.monotonic).toFixed(1);
  const seqs = `#${first.seq}–#${last.seq}`;
  lines.push(`${life.name}: ${life.entries.length} records (${seqs}) over ${span} ms, from ${new Date(first.time).toISOString()}`);
  const states = Object.entries(life.states).map(([machine, state]) => `${machine} ${state}`).join(' · ');
  lines.push(`  final: ${states}`);
  if (life.closed !== null) lines.push(`  closed: ${closedBy(life.closed)}, from ${life.closed.from}`);
  const ended = serviceEnd(life);
  if (ended !== null) lines.push(`  closed: ${ended}`);
  if (life.multiplayer !== undefined) lines.push(...multiplayerEnds(life.multiplayer));
  const problemsByLine = new Map<number, string[]>();
  for (const problem of life.problems) problemsByLine.set(problem.line, [...(problemsByLine.get(problem.line) ?? []), problem.message]);
  const seqWidth = Math.max(...life.entries.map(({ record }) => String(record.seq).length)) + 1;
  for (const { line, record } of life.entries) {
    const when = `+${(record.monotonic - first.monotonic).toFixed(1)} ms`.padStart(11);
    lines.push(`  ${`#${record.seq}`.padEnd(seqWidth)} ${when}  ${who(record).padEnd(14)} ${what(record)}`);
    for (const message of problemsByLine.get(line) ?? []) lines.push(`  ✗ line ${line}: ${message}`);
  }
  return `${lines.join('\n')}\n`;
}

function closedBy(cause: NonNullable<ConnectionLife['closed']>): string {
  switch (cause.by) {
    case 'local':
      return 'by the app (close())';
    case 'remote':
      return 'by the remote end (the stack reported closed)';
    case 'limit':
      return `for a limit: the remote went past ${cause.limit}`;
    case 'timeout':
      return cause.timeout === 'setup' ? 'failed by the setup timeout: not connected in time' : 'failed by the keepalive: the remote end fell silent';
  }
}

/** The signaling service's and the multiplayers' machines by shorter names, so that their lines keep the columns (Godot 4's WebRTCMultiplayerPeer is `multiplayer4`). */
const SHORT_NAMES: Record<string, string> = {
  signalingSession: 'session',
  signalingLobby: 'lobby',
  webrtcMultiplayer: 'multiplayer',
  webrtcMultiplayerPeer: 'multiplayer4',
  multiplayerRemote: 'remote',
};

const MULTIPLAYER_ENDS: Record<MultiplayerEnd['by'], string> = {
  close: 'by the app (close())',
  server_disconnected: 'its server (peer 1) left: server_disconnected',
  connection_failed: 'its link to the server (peer 1) ended before it connected: connection_failed',
};

const REMOVALS: Record<RemovalCause, string> = {
  remove_peer: 'by the app (remove_peer())',
  close: 'by the multiplayer’s close()',
  connection: 'at a poll: its connection had ended',
  channel: 'at a poll: one of its channels had closed',
};

/** A WebRTCMultiplayer's or WebRTCMultiplayerPeer's "why it ended" lines: its own last end, then each removed remote peer's. */
function multiplayerEnds(summary: MultiplayerSummary): string[] {
  const lines: string[] = [];
  if (summary.ended !== null) lines.push(`  ended: ${MULTIPLAYER_ENDS[summary.ended.by]}, from ${summary.ended.from}`);
  for (const remote of summary.remotes) {
    if (remote.removed === null) continue;
    const again = remote.run === 1 ? '' : ` (added again, ${remote.run})`;
    lines.push(`  ${remote.channel}${again} removed: ${REMOVALS[remote.removed.by]}, from ${remote.removed.from}`);
  }
  return lines;
}

function who(record: ConnectionRecord): string {
  if (record.channel !== undefined) return record.channel;
  if (record.kind === 'stack_error') return limitOf(record) === null ? 'stack' : 'limit';
  return SHORT_NAMES[record.machine] ?? record.machine;
}

/** The close each server event that ends a session stands for (`bad_frame` names its own). */
const SERVER_CLOSES: Record<string, string> = {
  no_lobby_timeout: 'noLobby',
  host_left: 'hostLeft',
  seal_complete: 'sealComplete',
  ping_missed: 'pingMissed',
  frame_too_large: 'frameTooLarge',
  server_shutdown: 'serverShutdown',
};

/**
 * Why a signaling session or lobby ended, read from the transition that closed it: the event
 * names the close (`bad_frame(invalidDestination)`, `socket_closed(1000)`, `leave(1)`). Null for
 * a connection's life, or one that did not close.
 */
function serviceEnd(life: ConnectionLife): string | null {
  const last = [...life.entries].reverse().find(({ record }) => record.kind === 'transition' && record.to === 'closed')?.record;
  if (last === undefined || last.kind !== 'transition') return null;
  const close = (name: SignalingCloseName) => `${SIGNALING_CLOSES[name].code} ${SIGNALING_CLOSES[name].reason}`;
  const by = (text: string) => `${text}, from ${last.from}`;
  if (last.machine === 'signalingLobby') return by(last.event === 'seal_complete' ? 'the seal completed' : 'its host left');
  if (last.machine !== 'signalingSession') return null;
  const [, type, argument] = /^([a-z_]+)(?:\((.*)\))?$/.exec(last.event) ?? [];
  if (type === 'socket_closed') return by(`by the client (${argument ?? 'no code'})`);
  const name = type === 'bad_frame' ? argument : SERVER_CLOSES[type ?? ''];
  if (name !== undefined && Object.hasOwn(SIGNALING_CLOSES, name)) return by(`by the server: ${close(name as SignalingCloseName)}`);
  return by(`on ${last.event}`);
}

/** The limit a stack_error record is about (`limit.maxQueuedPackets`: the library acted on it, not the stack), or null. */
function limitOf(record: Extract<ConnectionRecord, { kind: 'stack_error' }>): string | null {
  return record.method.startsWith('limit.') ? record.method.slice('limit.'.length) : null;
}

function what(record: ConnectionRecord): string {
  switch (record.kind) {
    case 'transition':
      return `${`${record.from} → ${record.to}`.padEnd(30)} ${record.event}`;
    case 'refusal':
      return `refused ${record.method}: ${record.codeName} (${record.code}) in ${record.state}: ${record.reason}`;
    case 'stack_anomaly':
      return `stack anomaly: ${record.event} in ${record.state}: ${record.reason}`;
    case 'stack_error': {
      const limit = limitOf(record);
      if (limit !== null) return `the remote went past ${limit}: ${record.codeName} (${record.code}): ${record.reason}`;
      return `stack error in ${record.method}: ${record.codeName} (${record.code}): ${record.reason}`;
    }
  }
}
