import type { SignalingContext, SignalingStateName } from '../machines/signaling.js';

/** How long a connection may take from its first offer (made or taken) to STATE_CONNECTED, by default. */
export const DEFAULT_SETUP_TIMEOUT_MS = 30_000;

/** What the connection knew when its setup timed out. */
export interface SetupProgress {
  timeoutMs: number;
  signaling: SignalingStateName;
  context: SignalingContext;
  connection: string;
  remoteCandidates: number;
  localCandidates: number;
}

/** Why a setup did not finish, naming the call that is missing when one is. */
export function setupTimeoutReason(progress: SetupProgress): string {
  const within = `the connection did not connect within the setup timeout (${progress.timeoutMs} ms of its first offer)`;
  return `${within}: ${missingStep(progress)}`;
}

function missingStep({ signaling, context, connection, remoteCandidates, localCandidates }: SetupProgress): string {
  if (signaling === 'stable' && context.generated === 'offer') {
    return 'the offer was created but never set: call set_local_description("offer", sdp) from session_description_created, then send it to the remote peer';
  }
  if (signaling === 'haveLocalOffer') return 'the offer was set, but no answer came back: the remote peer\'s answer must reach set_remote_description("answer", sdp)';
  if (signaling === 'haveRemoteOffer' && context.generated === 'answer') {
    return 'the answer this end generated was never set: call set_local_description("answer", sdp) from session_description_created, then send it to the remote peer';
  }
  if (signaling === 'haveRemotePranswer') return 'the remote peer gave a provisional answer (pranswer) and never its final answer';
  if (remoteCandidates === 0) {
    return `no remote candidate was added (this end reported ${localCandidates}): each ice_candidate_created of the remote peer must reach add_ice_candidate here`;
  }
  return `ICE found no working pair among the ${remoteCandidates} remote candidates added (connection state ${connection}): the peers cannot reach each other's addresses (a firewall, a NAT without a TURN server, or candidates from another session)`;
}

/**
 * A connection's setup timer: started by its first offer (made or taken), cleared once it is
 * connected or ended. Unref'd: a connection alone does not keep the process alive for its
 * timeout (its native connection does).
 */
export class SetupTimer {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    /** Ms; 0: never started. */
    readonly ms: number,
    private readonly expired: () => void,
  ) {}

  start(): void {
    if (this.ms === 0 || this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.expired();
    }, this.ms);
    this.timer.unref();
  }

  clear(): void {
    if (this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
  }
}
