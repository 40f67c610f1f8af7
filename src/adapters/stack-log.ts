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
 *   function that holds the event loop until `cleanup()`, which the adapter never calls. So
 *   nothing here is on by default: `recordStreamResets()` (or a first `onStackLog`) installs it.
 *
 * When libdatachannel resets a remote's stream (`PeerConnection::forwardMessage`, Warning):
 * a DCEP open whose stream id has the parity of this end's DTLS role (RFC 8832 §6; werift under
 * a passive answer, see setup-order.ts), an open on a stream already in use (it closes its own
 * channel there too), or data on a stream with no channel (what the remote sends on a stream
 * it was reset). The remote's channel never arrives and nothing else tells.
 */
import nodeDataChannel from 'node-datachannel';
import { GodotError, errorName } from '../godot/constants.js';
import { Recorder } from '../records/recorder.js';

export interface StackLogLine {
  level: string;
  message: string;
}

type Listener = (line: StackLogLine) => void;

const listeners = new Set<Listener>();
let installed = false;

/**
 * Calls `listener` with every line libdatachannel logs at Warning or above, from the event loop
 * (never inside a native call). The first listener installs the native logger, for good: see
 * above. Returns a function that removes the listener.
 */
export function onStackLog(listener: Listener): () => void {
  listeners.add(listener);
  if (!installed) {
    installed = true;
    nodeDataChannel.initLogger('Warning', dispatch);
  }
  return () => listeners.delete(listener);
}

/** Runs inside node-datachannel's callback: a throw here would abort the process. @internal Exported for the tests of what listeners do with a line. */
export function dispatch(level: unknown, message: unknown): void {
  try {
    const line = { level: String(level), message: String(message) };
    for (const listener of listeners) {
      try {
        listener(line);
      } catch (error) {
        console.error('webrtc-statecharts: a stack log listener threw', error);
      }
    }
  } catch {
    // Nothing may leave a native callback, not even a failed console.error.
  }
}

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
 * The connections whose SCTP association is up (libdatachannel says `connected` once it is):
 * the only ones a reset can come from. The adapter reports each connection's state here.
 */
const sctpUp = new Set<object>();

export function trackSctp(connection: object, state: string): void {
  if (state === 'connected') sctpUp.add(connection);
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
 * counted into the next. Installs the native logger (the process then exits only through
 * `process.exit` or node-datachannel's `cleanup()`). Returns a function that stops recording.
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
    const whose = owners === 1 ? 'the only connection with SCTP up' : `one of ${owners} connections with SCTP up (the stack's log does not say which)`;
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
