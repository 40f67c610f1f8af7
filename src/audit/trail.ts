import type { ConnectionRecord } from '../records/record.js';

/** A record and the line of the trail it was read from (1-based). */
export interface TrailEntry {
  line: number;
  record: ConnectionRecord;
}

/** Something wrong with a trail, named by its line. */
export interface TrailProblem {
  line: number;
  connection?: string;
  seq?: number;
  message: string;
}

export interface ParsedTrail {
  entries: TrailEntry[];
  problems: TrailProblem[];
}

const MACHINES = ['signaling', 'connection', 'gathering', 'dataChannel', 'signalingSession', 'signalingLobby', 'webrtcMultiplayer', 'multiplayerRemote', 'webrtcMultiplayerPeer'];

/**
 * Reads a JSON Lines trail: one record per line. A line that is not JSON, not a record, or cut
 * short (the last line without its newline that does not parse) is a problem named by its line;
 * blank lines are problems too (a writer never leaves one).
 */
export function parseTrail(text: string): ParsedTrail {
  const entries: TrailEntry[] = [];
  const problems: TrailProblem[] = [];
  const lines = text.split('\n');
  const endsWithNewline = text.endsWith('\n');
  if (endsWithNewline || text === '') lines.pop();
  lines.forEach((raw, index) => {
    const line = index + 1;
    const last = index === lines.length - 1;
    const content = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (content.trim() === '') {
      problems.push({ line, message: 'a blank line' });
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch {
      problems.push({
        line,
        message: last && !endsWithNewline ? 'the last line is cut short (no newline, not JSON): the writer stopped mid-line' : 'not a JSON object',
      });
      return;
    }
    const wrong = checkShape(value);
    if (wrong !== null) {
      const partial = value as { connection?: unknown; seq?: unknown };
      problems.push({
        line,
        ...(typeof partial.connection === 'string' ? { connection: partial.connection } : {}),
        ...(typeof partial.seq === 'number' ? { seq: partial.seq } : {}),
        message: `not a record: ${wrong}`,
      });
      return;
    }
    entries.push({ line, record: value as ConnectionRecord });
  });
  return { entries, problems };
}

/** Null if `value` has the fields its kind of record must have, else what is wrong. */
function checkShape(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const r = value as Record<string, unknown>;
  if (!Number.isInteger(r.seq) || (r.seq as number) < 1) return '"seq" must be a positive integer';
  if (typeof r.time !== 'number' || !Number.isFinite(r.time)) return '"time" must be a number';
  if (typeof r.monotonic !== 'number' || !Number.isFinite(r.monotonic)) return '"monotonic" must be a number';
  if (typeof r.connection !== 'string' || r.connection === '') return '"connection" must be a non-empty string';
  if (r.channel !== undefined && typeof r.channel !== 'string') return '"channel" must be a string';
  const strings = (...keys: string[]) => keys.find((key) => typeof r[key] !== 'string');
  switch (r.kind) {
    case 'transition': {
      const missing = strings('machine', 'from', 'event', 'to');
      if (missing) return `a transition needs "${missing}"`;
      if (!MACHINES.includes(r.machine as string)) return `unknown machine ${JSON.stringify(r.machine)}`;
      return null;
    }
    case 'refusal': {
      const missing = strings('method', 'machine', 'state', 'codeName', 'reason');
      if (missing) return `a refusal needs "${missing}"`;
      if (!Number.isInteger(r.code)) return 'a refusal needs a numeric "code"';
      if (r.states === null || typeof r.states !== 'object') return 'a refusal needs "states"';
      if (r.machine !== 'arguments' && !MACHINES.includes(r.machine as string)) return `unknown machine ${JSON.stringify(r.machine)}`;
      return null;
    }
    case 'stack_anomaly': {
      const missing = strings('machine', 'state', 'event', 'reason');
      if (missing) return `a stack anomaly needs "${missing}"`;
      if (!MACHINES.includes(r.machine as string)) return `unknown machine ${JSON.stringify(r.machine)}`;
      return null;
    }
    case 'stack_error': {
      const missing = strings('method', 'codeName', 'reason');
      if (missing) return `a stack error needs "${missing}"`;
      if (!Number.isInteger(r.code)) return 'a stack error needs a numeric "code"';
      return null;
    }
    default:
      return `unknown kind ${JSON.stringify(r.kind)}`;
  }
}
