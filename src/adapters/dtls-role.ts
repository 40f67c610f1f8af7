/**
 * Who is the DTLS client when this end answers, and when the answer leaves.
 *
 * libdatachannel answers an offer's `a=setup:actpass` with `a=setup:active`: the answerer is the
 * DTLS client. In a loopback pair of libdatachannel peers the answerer's ICE usually connects
 * first, its ClientHello reaches an offerer whose DTLS transport does not exist yet, the hello is
 * dropped, and nothing moves until OpenSSL retransmits it a second later (a quarter of loopback
 * setups; see BENCHMARKS.md). The fix has two halves, both on the answering side, both within
 * the standards:
 *
 * 1. **Answer passive** (RFC 5763 §5 and RFC 8842 let the answerer pick `active` or `passive`;
 *    `active` is only the recommendation). The remote offer is applied natively as if it said
 *    `a=setup:active`, so libdatachannel answers `a=setup:passive`: the answerer becomes the DTLS
 *    server and the offerer the client. The offer and the answer on the wire are both ordinary.
 * 2. **Hold the answer until this end's ICE has connected** (at most `answerHoldMs`). The
 *    answerer, which knows the offerer's candidates, checks first; once its ICE is connected its
 *    DTLS server exists, and only then does the offerer learn the answer and start its own checks,
 *    its DTLS client, and its ClientHello, which now always finds a server. Holding the answer
 *    also keeps the offerer from receiving the answerer's check after it has the answer, which
 *    libjuice answers with a triggered check paced 50 ms later.
 *
 * Both apply only to offers from libdatachannel (`o=rtc`) under the `auto` policy: that is the
 * pairing where the race was measured; libwebrtc offerers show no stall, and werift offerers are
 * left exactly as before. The default is `stack` (nothing changes): in the benchmark, `auto`
 * removed every stall, but 1 setup in 150 to 1 in 1500 failed with a DTLS certificate-verification
 * error on the libdatachannel offerer, whose ICE then connects while it is still applying the
 * answer (see BENCHMARKS.md).
 */

/** How the adapter settles the DTLS roles of connections it answers. */
export type DtlsRolePolicy =
  /** libdatachannel's own choice: answer `active`, the answerer is the DTLS client (JSEP's recommendation). */
  | 'stack'
  /** Answer every `actpass` offer `passive`: the offerer is the DTLS client. */
  | 'offerer-client'
  /** `offerer-client` for offers made by libdatachannel (their origin line says `o=rtc`), `stack` for the others. */
  | 'auto';

export const DTLS_ROLE_POLICIES: readonly DtlsRolePolicy[] = ['stack', 'offerer-client', 'auto'];

/** The default hold of a passive answer, in ms: far above a loopback ICE check, small beside an internet setup. */
export const DEFAULT_ANSWER_HOLD_MS = 30;

const ACTPASS = /^a=setup:actpass[ \t]*$/gm;
const LIBDATACHANNEL_ORIGIN = /^o=rtc /m;

/** Whether the offer was made by libdatachannel (node-datachannel, this library, any libdatachannel app). */
export function isLibdatachannelOffer(sdp: string): boolean {
  return LIBDATACHANNEL_ORIGIN.test(sdp);
}

/** Whether the offer lets the answerer choose its DTLS role (it says `a=setup:actpass`). */
export function offersActpass(sdp: string): boolean {
  ACTPASS.lastIndex = 0;
  return ACTPASS.test(sdp);
}

/** Whether this end should answer `passive` (be the DTLS server) to this remote offer. */
export function answersPassive(policy: DtlsRolePolicy, offer: string): boolean {
  if (policy === 'stack' || !offersActpass(offer)) return false;
  return policy === 'offerer-client' || isLibdatachannelOffer(offer);
}

/**
 * The offer as it is applied natively when this end answers passive: every `a=setup:actpass`
 * becomes `a=setup:active`, so that libdatachannel answers `a=setup:passive`. Nothing else
 * changes, and the offer on the wire is untouched.
 */
export function asActiveOffer(offer: string): string {
  return offer.replace(ACTPASS, 'a=setup:active');
}

/**
 * A stack that may hold its answer: the connection emits `session_description_created` for an
 * answer only once `answerReady()` says so, and the signals queued after it wait behind it.
 */
export interface AnswerGate {
  answerReady(): boolean;
}

export function hasAnswerGate(stack: object): stack is AnswerGate {
  return typeof (stack as Partial<AnswerGate>).answerReady === 'function';
}
