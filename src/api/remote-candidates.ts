import { GodotError } from '../godot/constants.js';
import type { Limits } from '../limits.js';
import type { RemoteCandidate } from './sdp.js';

/**
 * The remote candidates a connection has taken since its last `initialize` (held, applied or
 * listed in a remote description), against its limits: the stack's cost grows with their number
 * (it compares each new one with all before it) and each host name costs it a resolver thread.
 */
export class RemoteCandidateBudget {
  private candidates = 0;
  private hostnames = 0;

  /** Why one more candidate cannot be taken, or null if it can; `pending` are taken but not yet counted. */
  refusal(candidate: RemoteCandidate, limits: Pick<Limits, 'maxRemoteCandidates' | 'maxHostnameCandidates'>, pending: readonly RemoteCandidate[] = []): { code: GodotError; reason: string } | null {
    const { maxRemoteCandidates, maxHostnameCandidates } = limits;
    if (candidate.address.kind === 'hostname' && this.hostnames + pending.filter(isHostname).length >= maxHostnameCandidates) {
      const takes = maxHostnameCandidates === 0 ? 'takes none' : `has taken its ${maxHostnameCandidates}`;
      return { code: GodotError.ERR_INVALID_DATA, reason: `the address ${JSON.stringify(candidate.address.name.slice(0, 60))} is a host name, and this connection ${takes} (maxHostnameCandidates): each costs the stack a resolver thread` };
    }
    if (this.candidates + pending.length >= maxRemoteCandidates) {
      return { code: GodotError.ERR_BUSY, reason: `this connection has taken its ${maxRemoteCandidates} remote candidates since its last initialize (maxRemoteCandidates)` };
    }
    return null;
  }

  take(candidates: readonly RemoteCandidate[]): void {
    this.candidates += candidates.length;
    this.hostnames += candidates.filter(isHostname).length;
  }
}

function isHostname(candidate: RemoteCandidate): boolean {
  return candidate.address.kind === 'hostname';
}
