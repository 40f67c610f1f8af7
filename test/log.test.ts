/**
 * The library's logger (src/log.ts): what listeners, observers and audit callbacks throw, and
 * libdatachannel's own log once routed (src/adapters/stack-log.ts), on real connections.
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GodotError, WebRTCPeerConnection, observeRecords, setLogger, type ConnectionRecord, type LogEntry } from '../src/index.js';
import { routeStackLog, stackRecorder, type StackLogLevel } from '../src/adapters/stack-log.js';
import { onConnectionCreated } from '../src/records/connections.js';
import { startAudit } from '../src/audit/index.js';
import { connectedPair, peer, pollUntil } from './support/loopback.js';

afterEach(() => {
  setLogger(null);
  routeStackLog(null);
  vi.restoreAllMocks();
});

/** Entries logged while `body` runs, through a logger that keeps them. */
async function logged(body: () => Promise<void> | void): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  setLogger((entry) => entries.push(entry));
  await body();
  return entries;
}

/** An offerer whose session_description_created listeners run at its next poll(). */
async function offerWith(...listeners: Array<() => void>): Promise<WebRTCPeerConnection> {
  const pc = peer();
  pc.create_data_channel('chat');
  for (const listener of listeners) pc.session_description_created.connect(listener);
  expect(pc.create_offer()).toBe(GodotError.OK);
  let polled = 0;
  await pollUntil([pc], () => ++polled > 1);
  return pc;
}

describe('the logger', () => {
  it("gets a signal listener's error, source 'listener', and the listeners after it still run", async () => {
    const thrown = new Error('listener failure');
    const after = vi.fn();
    const entries = await logged(() =>
      offerWith(() => {
        throw thrown;
      }, after).then(() => undefined),
    );
    expect(entries).toEqual([{ level: 'error', source: 'listener', message: 'a listener of session_description_created threw', error: thrown }]);
    expect(after).toHaveBeenCalledOnce();
  });

  it("gets a record observer's, a connection observer's and an audit callback's errors, each by its source", async () => {
    const entries = await logged(async () => {
      const stopRecords = observeRecords(() => {
        throw new Error('record observer');
      });
      const stopConnections = onConnectionCreated(() => {
        throw new Error('connection observer');
      });
      const audit = startAudit({
        onRecord: () => {
          throw new Error('audit callback');
        },
      });
      try {
        const pc = peer();
        pc.create_data_channel('chat');
        expect(pc.create_offer()).toBe(GodotError.OK);
      } finally {
        stopRecords();
        stopConnections();
        await audit.stop();
      }
    });
    const bySource = (source: string) => entries.filter((entry) => entry.source === source);
    expect(bySource('observer').map((entry) => [entry.message, (entry.error as Error).message])).toContainEqual(['a record observer threw', 'record observer']);
    expect(bySource('observer').map((entry) => [entry.message, (entry.error as Error).message])).toContainEqual(['a connection observer threw', 'connection observer']);
    expect(bySource('audit').length).toBeGreaterThan(0);
    expect(bySource('audit').every((entry) => entry.message === 'an audit callback threw' && (entry.error as Error).message === 'audit callback')).toBe(true);
  });

  it('that throws breaks nothing: the listeners after the failing one run, and the connection goes on', async () => {
    setLogger(() => {
      throw new Error('the logger fails too');
    });
    const after = vi.fn();
    const pc = await offerWith(() => {
      throw new Error('listener failure');
    }, after);
    expect(after).toHaveBeenCalledOnce();
    expect(pc.get_signaling_state()).toBe(WebRTCPeerConnection.SIGNALING_STATE_STABLE);
    expect(pc.create_data_channel('late')).toBe(null);
  });

  it('set back to null prints to console.error again', async () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    setLogger(() => {});
    setLogger(null);
    const thrown = new Error('listener failure');
    await offerWith(() => {
      throw thrown;
    });
    expect(printed).toHaveBeenCalledWith('webrtc-statecharts: a listener of session_description_created threw', thrown);
  });
});

describe("libdatachannel's own log, routed", () => {
  it("arrives at the logger, source 'stack', each line at its level and none below the level asked for", async () => {
    const debug = await logged(async () => {
      expect(routeStackLog('Debug')).toBe(GodotError.OK);
      const { p1, p2 } = await connectedPair();
      p1.close();
      p2.close();
    });
    const stack = debug.filter((entry) => entry.source === 'stack');
    expect(stack.length).toBeGreaterThan(10);
    expect(stack.some((entry) => entry.level === 'debug')).toBe(true);
    expect(stack.some((entry) => entry.level === 'info')).toBe(true);
    // plog's `function@line: message`
    expect(stack.every((entry) => /^\S+@\d+: /.test(entry.message))).toBe(true);

    const warnings = await logged(async () => {
      routeStackLog('Warning');
      const { p1, p2 } = await connectedPair();
      p1.close();
      p2.close();
    });
    expect(warnings.filter((entry) => entry.source === 'stack' && (entry.level === 'debug' || entry.level === 'info'))).toEqual([]);

    const none = await logged(async () => {
      routeStackLog(null);
      const { p1, p2 } = await connectedPair();
      p1.close();
      p2.close();
    });
    expect(none.filter((entry) => entry.source === 'stack')).toEqual([]);
  });

  it('refuses a level libdatachannel does not have, with ERR_INVALID_PARAMETER and a record', () => {
    const records: ConnectionRecord[] = [];
    const stop = observeRecords((record) => record.connection === stackRecorder.connection && records.push(record));
    try {
      expect(routeStackLog('Loud' as StackLogLevel)).toBe(GodotError.ERR_INVALID_PARAMETER);
      expect(routeStackLog(7 as unknown as StackLogLevel)).toBe(GodotError.ERR_INVALID_PARAMETER);
    } finally {
      stop();
    }
    expect(records).toMatchObject([
      { kind: 'refusal', method: 'routeStackLog', machine: 'arguments', codeName: 'ERR_INVALID_PARAMETER', reason: expect.stringContaining('not "Loud"') },
      { kind: 'refusal', method: 'routeStackLog', reason: expect.stringContaining('not number') },
    ]);
  });
});

/**
 * A process that routes the stack's log (and records stream resets, the other user of it), runs
 * a pair, closes it, and ends without process.exit. Once the process is idle the native logger
 * is let go: 'beforeExit' comes, and the pair run from there proves the next connection installs
 * it again. It prints what it saw.
 */
const CHILD = `
import { WebRTCPeerConnection, WebRTCDataChannel, createNodeDataChannelExtension, setLogger } from '${new URL('../src/index.ts', import.meta.url).pathname}';
import { routeStackLog, recordStreamResets } from '${new URL('../src/adapters/stack-log.ts', import.meta.url).pathname}';

WebRTCPeerConnection.set_default_extension(createNodeDataChannelExtension({ bindAddress: '127.0.0.1' }));
const mode = process.argv.at(-1);
const lines = [];
setLogger((entry) => { if (entry.source === 'stack') lines.push(entry.level); });
if (mode === 'route') routeStackLog('Debug');
recordStreamResets();

function runPair(done) {
  const p1 = new WebRTCPeerConnection();
  const p2 = new WebRTCPeerConnection();
  const ch1 = p1.create_data_channel('chat', { negotiated: true, id: 1 });
  const ch2 = p2.create_data_channel('chat', { negotiated: true, id: 1 });
  for (const [self, other] of [[p1, p2], [p2, p1]]) {
    self.session_description_created.connect((type, sdp) => self.set_local_description(type, sdp));
    self.session_description_created.connect((type, sdp) => other.set_remote_description(type, sdp));
    self.ice_candidate_created.connect((m, i, n) => other.add_ice_candidate(m, i, n));
  }
  p1.create_offer();
  const timer = setInterval(() => {
    p1.poll();
    p2.poll();
    if (ch1.get_ready_state() !== WebRTCDataChannel.STATE_OPEN || ch2.get_ready_state() !== WebRTCDataChannel.STATE_OPEN) return;
    clearInterval(timer);
    p1.close();
    p2.close();
    done();
  }, 5);
}

const seen = [];
let exits = 0;
process.on('beforeExit', () => {
  seen.push(lines.length);
  if (++exits === 1) runPair(() => {});
  else console.log(JSON.stringify({ seen, exits }));
});
runPair(() => {});
`;

function runChild(mode: 'route' | 'resets'): Promise<{ hung: boolean; status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD, mode], { timeout: 20_000, killSignal: 'SIGKILL' });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (status, signal) => resolve({ hung: signal !== null, status, output }));
  });
}

describe('a process with the native logger installed', () => {
  it('routing the stack log at Debug, exits by itself, and the log comes back for a connection made after it was let go', async () => {
    const run = await runChild('route');
    expect(run.hung, `killed after 20 s: the process hung\n${run.output}`).toBe(false);
    expect(run.status, run.output).toBe(0);
    const { seen, exits } = JSON.parse(run.output.trim().split('\n').at(-1)!) as { seen: number[]; exits: number };
    expect(exits).toBe(2);
    // Lines of the first pair, then more of the second.
    expect(seen[0]).toBeGreaterThan(10);
    expect(seen[1]! - seen[0]!).toBeGreaterThan(10);
  }, 30_000);

  it('with only recordStreamResets (a Warning listener), exits by itself', async () => {
    const run = await runChild('resets');
    expect(run.hung, `killed after 20 s: the process hung\n${run.output}`).toBe(false);
    expect(run.status, run.output).toBe(0);
    expect(JSON.parse(run.output.trim().split('\n').at(-1)!)).toEqual({ seen: [0, 0], exits: 2 });
  }, 30_000);
});
