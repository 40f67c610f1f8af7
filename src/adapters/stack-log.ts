/**
 * libdatachannel's own log, routed to listeners, and the one use the adapter makes of it: a
 * record of each stream the stack resets.
 *
 * What limits it (node-datachannel 0.33.4, libdatachannel 0.24.5, read in their sources and
 * measured):
 *
 * - `initLogger(level, callback)` is process-wide and the last call wins: the router and a
 *   user's own logger cannot both have it.
 * - Its lines name no connection (plog's `function@line: message`), so a line can only be put
 *   down to the connections that could have written it.
 * - Once a callback is set the process no longer exits by itself: the callback is a thread-safe
 *   function that holds the event loop until node-datachannel's `cleanup()`. So nothing here is
 *   on by default, and once on, the callback is let go as soon as the process would otherwise
 *   exit: no native connection or channel of this library left, and nothing Node can see holding
 *   the event loop (`loopIsQuiet`, looked at four times a second on an unref'd timer). Then `cleanup()` (measured: a few ms once every connection has closed) lets
 *   the process end; the next connection made installs the callback again. `cleanup()` closes
 *   node-datachannel objects the library did not make, too: a process using node-datachannel
 *   directly, with nothing else holding its event loop, should not route the stack's log.
 * - Its level is process-wide too: the most verbose that a listener or the route asks for is
 *   installed, and the rest is filtered here. Going more verbose installs the callback again
 *   (node-datachannel replaces its thread-safe function).
 * - A few lines of a connection's construction are lost after the callback was let go: it is
 *   installed again once the native connection exists.
 *
 * When libdatachannel resets a remote's stream (`PeerConnection::forwardMessage`, Warning):
 * a DCEP open whose stream id has the parity of this end's DTLS role (RFC 8832 §6; werift under
 * a passive answer, see setup-order.ts), an open on a stream already in use (it closes its own
 * channel there too), or data on a stream with no channel (what the remote sends on a stream
 * it was reset). The remote's channel never arrives and nothing else tells.
 */
import nodeDataChannel from 'node-datachannel';
import { GodotError, errorName } from '../godot/constants.js';
import { log, type LogLevel } from '../log.js';
import { Recorder } from '../records/recorder.js';
import { nativeLifetimes } from './native-lifetimes.js';

export interface StackLogLine {
  level: string;
  message: string;
}

type Listener = (line: StackLogLine) => void;

/** libdatachannel's levels, most verbose first. */
export type StackLogLevel = 'Verbose' | 'Debug' | 'Info' | 'Warning' | 'Error' | 'Fatal';

const LEVELS: readonly StackLogLevel[] = ['Verbose', 'Debug', 'Info', 'Warning', 'Error', 'Fatal'];
const AS_LOG_LEVEL: Record<StackLogLevel, LogLevel> = { Verbose: 'debug', Debug: 'debug', Info: 'info', Warning: 'warn', Error: 'error', Fatal: 'error' };
/** What listeners get: Warning and above. */
const LISTENER_RANK = LEVELS.indexOf('Warning');
const IDLE_CHECK_MS = 250;

const listeners = new Set<Listener>();
/** The lowest rank routed to the logger, or null when the log is not routed. */
let routedRank: number | null = null;
/** The rank the native callback is installed at, or null when it is not. */
let installedRank: number | null = null;
let idleCheck: NodeJS.Timeout | null = null;
/** Inside node-datachannel's callback: installing from there would replace the callback running. */
let dispatching = false;

/**
 * Calls `listener` with every line libdatachannel logs at Warning or above, from the event loop
 * (never inside a native call). The first listener installs the native logger: see above.
 * Returns a function that removes the listener.
 */
export function onStackLog(listener: Listener): () => void {
  listeners.add(listener);
  install();
  return () => listeners.delete(listener);
}

/**
 * Sends libdatachannel's own log lines at `level` and above to the library's logger
 * (`setLogger`), source 'stack', each at its level (Fatal and Error: 'error', Warning: 'warn',
 * Info: 'info', Debug and Verbose: 'debug'; the default logger prints only errors and
 * warnings). Null stops. The process still exits by itself: see above. A level that is not one
 * of libdatachannel's is refused with ERR_INVALID_PARAMETER and a record on `stackRecorder`.
 *
 * @example
 * ```ts
 * setLogger((entry) => myLogger[entry.level]({ source: entry.source }, entry.message));
 * routeStackLog('Info');
 * ```
 */
export function routeStackLog(level: StackLogLevel | null): GodotError {
  if (level !== null && !LEVELS.includes(level)) {
    const code = GodotError.ERR_INVALID_PARAMETER;
    stackRecorder.add({
      kind: 'refusal',
      method: 'routeStackLog',
      machine: 'arguments',
      state: routedRank === null ? 'not routed' : LEVELS[routedRank]!,
      states: {},
      code,
      codeName: errorName(code),
      reason: `routeStackLog takes one of ${LEVELS.join(', ')} or null, not ${typeof level === 'string' ? JSON.stringify(level) : typeof level}`,
    });
    return code;
  }
  routedRank = level === null ? null : LEVELS.indexOf(level);
  install();
  return GodotError.OK;
}

/** Runs inside node-datachannel's callback: a throw here would abort the process. @internal Exported for the tests of what listeners do with a line. */
export function dispatch(level: unknown, message: unknown): void {
  dispatching = true;
  try {
    const name = String(level) as StackLogLevel;
    const rank = LEVELS.indexOf(name);
    const text = String(message);
    if (routedRank !== null && rank >= routedRank) log(AS_LOG_LEVEL[name], 'stack', text);
    if (rank < LISTENER_RANK && rank !== -1) return;
    const line = { level: name, message: text };
    for (const listener of listeners) {
      try {
        listener(line);
      } catch (error) {
        log('error', 'listener', 'a stack log listener threw', error);
      }
    }
  } catch {
    // Nothing may leave a native callback.
  } finally {
    dispatching = false;
  }
}

/** The most verbose rank anyone asks for, or null. */
function wantedRank(): number | null {
  const ranks = [...(listeners.size > 0 ? [LISTENER_RANK] : []), ...(routedRank === null ? [] : [routedRank])];
  return ranks.length === 0 ? null : Math.min(...ranks);
}

/** Installs the native callback if it is wanted and missing, or less verbose than wanted. Never from inside a native callback. */
function install(): void {
  if (dispatching) {
    setImmediate(install);
    return;
  }
  const wanted = wantedRank();
  if (wanted === null || (installedRank !== null && installedRank <= wanted)) return;
  try {
    nodeDataChannel.initLogger(LEVELS[wanted]!, dispatch);
    installedRank = wanted;
  } catch (error) {
    log('error', 'library', "node-datachannel's logger could not be installed", error);
    return;
  }
  idleCheck ??= setInterval(releaseIfIdle, IDLE_CHECK_MS).unref();
}

/** Lets the native callback go once only it would keep the process alive (see above). */
function releaseIfIdle(): void {
  const { connections, channels } = nativeLifetimes.live;
  if (connections > 0 || channels > 0 || !loopIsQuiet()) return;
  if (idleCheck) clearInterval(idleCheck);
  idleCheck = null;
  installedRank = null;
  try {
    nodeDataChannel.cleanup();
  } catch (error) {
    log('warn', 'library', "node-datachannel's cleanup() failed while letting its logger go", error);
  }
}

interface HandleOwner {
  _isStdio?: boolean;
  _handle?: { reading?: boolean } | null;
}

/**
 * Nothing Node can see keeps the event loop alive. `getActiveResourcesInfo()` counts every ref'd
 * handle, also those that hold nothing: stdout and stderr (pipes and TTYs that only write; a
 * pending write is a request, counted on its own) and streams that do not read. Those are taken
 * off, found through `process._getActiveHandles()`, the same handles with their owners.
 */
function loopIsQuiet(): boolean {
  const resources = process.getActiveResourcesInfo().length;
  if (resources === 0) return true;
  const owners = (process as unknown as { _getActiveHandles?: () => HandleOwner[] })._getActiveHandles?.() ?? [];
  const holdingNothing = owners.filter((owner) => owner?._isStdio === true || owner?._handle?.reading === false).length;
  return resources === holdingNothing;
}

// A connection made after the callback was let go brings it back.
nativeLifetimes.onConnectionOpened(install);

/** Why libdatachannel reset a remote's stream. */
export type ResetCause = 'parity' | 'in-use' | 'unexpected';

const RESETS: ReadonlyArray<readonly [ResetCause, RegExp]> = [
  ['parity', /Got open message violating the odd\/even rule on stream (\d+)$/],
  ['in-use', /Got open message on already used stream (\d+)$/],
  ['unexpected', /Got unexpected message on stream (\d+)$/],
];

const CAUSES: Record<ResetCause, string> = {
  parity: "the remote's DCEP open has the stream-id parity of this end's DTLS role (RFC 8832 §6)",
  'in-use': 'the remote opened a stream already in use (this end closes its own channel there too)',
  unexpected: 'the remote sent data on a stream with no channel (one reset before, or never opened)',
};

/** The stream reset a libdatachannel log message reports, if it reports one. */
export function parseStreamReset(message: string): { cause: ResetCause; stream: number } | null {
  for (const [cause, pattern] of RESETS) {
    const match = pattern.exec(message);
    if (match) return { cause, stream: Number(match[1]) };
  }
  return null;
}

/**
 * The connections whose SCTP association may be up: the only ones a reset can come from. The
 * adapter reports each connection's state here. A connecting one counts too: libdatachannel says
 * `connected` once SCTP is up, but its log line and its state callback reach JavaScript through
 * separate queues, and the reset's line can come first (seen in CI).
 */
const sctpUp = new Set<object>();

export function trackSctp(connection: object, state: string): void {
  if (state === 'connecting' || state === 'connected') sctpUp.add(connection);
  else sctpUp.delete(connection);
}

/** The process-wide records of the stack's log: connection `(stack)`, seen through `observeRecords`. */
export const stackRecorder = new Recorder('(stack)');

/** At most one record a second: a remote can make libdatachannel log a reset per SCTP packet. */
const RECORD_INTERVAL_MS = 1000;

let stopResets: (() => void) | null = null;

/**
 * From now on every stream libdatachannel resets is recorded on `stackRecorder` (a
 * `stack_error`, method `stack.stream_reset`, ERR_INVALID_DATA), saying how many connections
 * could own it, since the log does not say which. Resets within a second of a record are
 * counted into the next. Installs the native logger (see above: the process still exits by
 * itself). Returns a function that stops recording.
 */
export function recordStreamResets(): () => void {
  if (stopResets) return stopResets;
  let last = -Infinity;
  let pending: { cause: ResetCause; stream: number; owners: number; count: number } | null = null;
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    timer = null;
    if (!pending) return;
    const { cause, stream, owners, count } = pending;
    pending = null;
    last = performance.now();
    const more = count > 1 ? ` (and ${count - 1} more resets since the last record)` : '';
    const whose = owners === 1 ? 'the only connection with SCTP up' : `one of ${owners} connections with SCTP up or coming up (the stack's log does not say which)`;
    stackRecorder.add({
      kind: 'stack_error',
      method: 'stack.stream_reset',
      code: GodotError.ERR_INVALID_DATA,
      codeName: errorName(GodotError.ERR_INVALID_DATA),
      reason: `libdatachannel reset stream ${stream} of ${whose}: ${CAUSES[cause]}${more}`,
    });
  };
  const stop = onStackLog(({ message }) => {
    const reset = parseStreamReset(message);
    if (!reset) return;
    pending = { ...reset, owners: sctpUp.size, count: (pending?.count ?? 0) + 1 };
    const wait = last + RECORD_INTERVAL_MS - performance.now();
    if (wait <= 0) flush();
    else timer ??= setTimeout(flush, wait).unref();
  });
  stopResets = () => {
    stop();
    if (timer) clearTimeout(timer);
    timer = null;
    pending = null;
    stopResets = null;
  };
  return stopResets;
}
