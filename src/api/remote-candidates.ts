import { GodotError, errorName } from '../godot/constants.js';
import type { Limits } from '../limits.js';
import type { RecordDraft } from '../records/record.js';
import { bad } from './arguments.js';
import { normalizeCandidate, screenCandidates, type RemoteCandidate } from './sdp.js';

/** A remote description with its candidates screened: what it keeps, and why the others were removed. */
export interface ScreenedDescription {
  sdp: string;
  taken: RemoteCandidate[];
  removed: string[];
  /** How many of the removed were over `maxRemoteCandidates` (the rest broke the address rules). */
  overBudget: number;
}

/**
 * The remote candidates a connection has taken since its last `initialize` (held, applied or
 * listed in a remote description), against its limits: the stack's cost grows with their number
 * (it compares each new one with all before it) and each host name costs it a resolver thread.
 */
export class RemoteCandidateBudget {
  private candidates = 0;
  private hostnames = 0;

  /** How many remote candidates the connection has taken since its last `initialize`. */
  get count(): number {
    return this.candidates;
  }

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

  /** A remote description's candidates, through the rules and the budget `add_ice_candidate` applies: the refused ones are removed. Counts nothing (see `take`). */
  screen(sdp: string, limits: Pick<Limits, 'candidateAddresses' | 'maxRemoteCandidates' | 'maxHostnameCandidates'>): ScreenedDescription {
    const taken: RemoteCandidate[] = [];
    let overBudget = 0;
    const screened = screenCandidates(sdp, (line) => {
      const candidate = normalizeCandidate(line, limits.candidateAddresses);
      if (!candidate.ok) return candidate;
      const refused = this.refusal(candidate.value, limits, taken);
      if (refused !== null) {
        if (refused.code === GodotError.ERR_BUSY) overBudget += 1;
        return bad(refused.reason);
      }
      taken.push(candidate.value);
      return candidate;
    });
    return { ...screened, taken, overBudget };
  }

  take(candidates: readonly RemoteCandidate[]): void {
    this.candidates += candidates.length;
    this.hostnames += candidates.filter(isHostname).length;
  }
}

function isHostname(candidate: RemoteCandidate): boolean {
  return candidate.address.kind === 'hostname';
}

/** The one record of the candidates removed from a remote description, named after the limit (as closeForLimit's are); null if none was. */
export function removalRecord(sdpType: string, screened: ScreenedDescription): RecordDraft | null {
  const { removed, overBudget, taken } = screened;
  if (removed.length === 0) return null;
  const [code, limit] = overBudget === removed.length ? [GodotError.ERR_BUSY, 'maxRemoteCandidates'] : [GodotError.ERR_INVALID_DATA, 'candidateAddresses'];
  const reasons = [...new Set(removed)];
  const more = reasons.length > 3 ? `; and ${reasons.length - 3} other reasons` : '';
  return {
    kind: 'stack_error',
    method: `limit.${limit}`,
    code,
    codeName: errorName(code),
    reason: `${removed.length} of the remote ${sdpType}'s ${removed.length + taken.length} candidates were removed before the stack saw them: ${reasons.slice(0, 3).join('; ')}${more}`,
  };
}
