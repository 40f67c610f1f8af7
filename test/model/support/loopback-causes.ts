import type { ModelMachineName } from '../../../src/testing/index.js';

/**
 * Which transitions of the machines a loopback pair can cause on a real connection, and for the
 * others, why not. Measured on libdatachannel 0.24.5 (node-datachannel 0.33.4) with both peers
 * in one process on 127.0.0.1; `test/model/paths.test.ts` replays every path made only of
 * causable transitions over loopback and fails if the real stack does not produce them, and
 * replays the others through the scripted stack. The README's model-testing section lists the
 * same reasons.
 *
 * How the far end causes each stack report (L is the connection under test):
 * - connection `connecting`: L creates an offer (libdatachannel starts ICE as soon as a local
 *   description exists); `connected`: a far end answers it and candidates flow; `failed`: the
 *   far end's answer carries a wrong DTLS fingerprint (ICE succeeds, DTLS verification fails);
 *   `disconnected` then `closed`: the far end closes; `closed` after `failed`: libdatachannel
 *   closes a failed connection by itself.
 * - gathering `gathering` then `complete`: L creates an offer.
 * - channel `open`: the pair connects; `closed`: the far end closes its channel, L's close
 *   completes, L's connection fails (negotiated channel), or L closes (the stack confirms).
 * - into closed by the stack's report or a limit, for the signaling machine, and by a limit for
 *   the connection machine: a connected pair whose far end closes or sends packets L does not
 *   read (`support/close-causes.ts`).
 * - `timed_out(setup)` (signaling into closed, connection into failed): L's own setup timer
 *   (`LOOPBACK_SETUP_TIMEOUT_MS` in replay.ts) runs out after its first offer, while the gate holds
 *   the stack's reports of connecting so nothing connects.
 */
const NO_REMOTE = "the stack holds only L's own offer (a remote pranswer is held by the machine): with no remote ICE credentials nothing connects, the stack has no reason to close by itself, and no packet can arrive";
const NOT_CONNECTED = 'maxQueuedPackets counts packets received on an open channel: only a connected connection receives any';
const SETUP_OVER =
  'the setup timer stops once the connection is connected (a disconnected one was): it then times out only by its keepalive, timed_out(keepalive), which the machines take alike';

export const NOT_CAUSABLE_OVER_LOOPBACK: Record<ModelMachineName, Record<string, string>> = {
  signaling: {
    'haveLocalOffer --stack.connection_state(closed)--> closed': NO_REMOTE,
    'haveLocalOffer --limit_exceeded(maxQueuedPackets)--> closed': NO_REMOTE,
    'haveRemotePranswer --stack.connection_state(closed)--> closed': NO_REMOTE,
    'haveRemotePranswer --limit_exceeded(maxQueuedPackets)--> closed': NO_REMOTE,
  },
  connection: {
    'new --stack.connection_state(connected)--> connected':
      'libdatachannel reports connecting as soon as a local description exists, before any check can succeed',
    'new --stack.connection_state(failed)--> failed': 'libdatachannel reports connecting before it can fail',
    'new --stack.connection_state(closed)--> closed':
      'libdatachannel closes a connection by itself only after it failed or was disconnected; a new one has neither',
    'connecting --stack.connection_state(disconnected)--> disconnected':
      'disconnected is the loss of an established ICE pair; a connecting one can only time out (failed, after libjuice\'s ICE timeout, 39.5 s measured, or the library\'s setup timeout)',
    'connecting --stack.connection_state(closed)--> closed': 'libdatachannel closes by itself only after failed or disconnected',
    'connected --stack.connection_state(connecting)--> connecting':
      'needs an ICE restart, which libdatachannel does not do (and the machines refuse a second offer)',
    'connected --stack.connection_state(failed)--> failed':
      'an established pair fails only when ICE consent expires (30 s of silence from the remote end); a closing far end is reported as disconnected',
    'connected --stack.connection_state(closed)--> closed': 'after a remote close libdatachannel reports disconnected before closed (measured)',
    'disconnected --stack.connection_state(connecting)--> connecting': 'libdatachannel has no ICE restart: from disconnected it only closes',
    'disconnected --stack.connection_state(connected)--> connected':
      'a pair that comes back needs the remote end to keep its ICE agent while silent; over loopback a disconnect is the far end closing, which is final',
    'disconnected --stack.connection_state(failed)--> failed': 'libdatachannel goes from disconnected to closed (measured)',
    'failed --stack.connection_state(disconnected)--> disconnected': 'libdatachannel closes a failed connection (failed → closed, measured)',
    'new --limit_exceeded(maxQueuedPackets)--> closed': NOT_CONNECTED,
    'connecting --limit_exceeded(maxQueuedPackets)--> closed': NOT_CONNECTED,
    'disconnected --limit_exceeded(maxQueuedPackets)--> closed': NOT_CONNECTED,
    'failed --limit_exceeded(maxQueuedPackets)--> closed': NOT_CONNECTED,
    'connected --timed_out(setup)--> failed': SETUP_OVER,
    'disconnected --timed_out(setup)--> failed': SETUP_OVER,
  },
  gathering: {
    'new --stack.gathering_state(complete)--> complete': 'libdatachannel always reports in-progress (gathering) before complete',
    'complete --stack.gathering_state(gathering)--> gathering':
      'libdatachannel gathers once per connection: no ICE restart, and the loopback interface does not change',
  },
  dataChannel: {
    'connecting --stack.error--> connecting': 'libdatachannel reports a channel error only for a failure inside the stack, which a loopback peer cannot provoke',
    'open --stack.error--> open': 'libdatachannel reports a channel error only for a failure inside the stack, which a loopback peer cannot provoke',
    'closing --stack.error--> closing': 'libdatachannel reports a channel error only for a failure inside the stack, which a loopback peer cannot provoke',
    'closed --stack.error--> closed': 'libdatachannel reports a channel error only for a failure inside the stack, which a loopback peer cannot provoke',
  },
};

export function whyNotCausable(machine: ModelMachineName, edgeKey: string): string | null {
  return NOT_CAUSABLE_OVER_LOOPBACK[machine][edgeKey] ?? null;
}
