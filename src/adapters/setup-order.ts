/**
 * How a node-datachannel connection orders its own setup so that libdatachannel 0.24 does not
 * stall for a second or fail its DTLS handshake. The measurements and the reading of
 * libdatachannel's and libjuice's sources behind it are in BENCHMARKS.md ("The setup stall").
 *
 * Two faults of the stack meet here:
 *
 * - **The dropped ClientHello.** A DtlsTransport exists only once its connection's ICE has
 *   connected, and a ClientHello that arrives before is dropped; OpenSSL resends it a second
 *   later. libdatachannel answers `active` (the answerer is the DTLS client), and the answerer,
 *   which has the offerer's candidates before the offerer has the answer, usually connects first.
 * - **The early fingerprint check.** `setRemoteDescription` hands the ICE credentials to libjuice
 *   before it stores the description. An offerer that already answered checks from the remote
 *   end (libjuice answers them before it has a remote description) connects on another thread
 *   at once, inside that call; its DTLS handshake then checks the remote fingerprint against a
 *   description not stored yet and fails (libdatachannel PR #1612, not in 0.24.5).
 *
 * Under `auto` (the default):
 *
 * - **As offerer**, this end keeps its local candidates to itself (`ice_candidate_created` waits
 *   in the queue) until its ICE has connected, or `holdMs` after the answer has been applied, or
 *   it takes a remote offer instead (glare, renegotiation) or rolls its offer back.
 *   Nobody can check it before it has the answer, so the fingerprint check cannot come early, and
 *   it connects first (checking the answerer's candidates), so its DTLS server exists before the
 *   answerer's ClientHello. The offer says so with `a=x-webrtc-statecharts-setup:offerer-first`
 *   (other stacks ignore an attribute they do not know).
 * - **As answerer of an offer marked that way**, this end answers as libdatachannel does.
 * - **As answerer of an `actpass` offer from libwebrtc or Firefox**, stacks that pick stream ids
 *   by their DTLS role (`dtlsRoleStack`), it answers `passive` (RFC 5763 §5 lets the answerer
 *   pick; the offer is applied natively as if it said `a=setup:active`) and holds the answer until
 *   its own ICE has connected, or `holdMs`: it checks first, its DTLS server exists, and only then
 *   can the offerer connect and send its ClientHello.
 * - **As answerer of a libdatachannel offer** (a raw node-datachannel peer, Godot's native peer),
 *   it answers as libdatachannel does (`active`, at once). The passive answer held, which removed
 *   their one-second stalls, left that offerer's early fingerprint check open wide: about 1 setup
 *   in 150 to 1 in 1500 one at a time on loopback, but 35 of 640 (5.5 %) with 8 setups at once,
 *   quiet and loaded (2026-12-02, `bench/setup-race.ts`), where the active answer failed 3 of 640
 *   (0.5 %: the offerer, now DTLS server, can still check early, a round trip later) and stalled
 *   25 of 640 by a second. A game server takes its players' offers at once.
 * - **As answerer of any other offer**, it answers as libdatachannel does (`active`, at once).
 *
 * Why only those stacks: the end that opens an in-band channel picks its stream id, even as DTLS
 * client and odd as DTLS server (RFC 8832 §6), and libdatachannel resets a remote's DCEP open of
 * the wrong parity ("Got open message violating the odd/even rule") and closes its own channel
 * when the remote opens the same stream. werift (like aiortc, which it ports) picks the parity
 * from its ICE role instead: even when ICE-controlled, odd when controlling. An offerer is
 * ICE-controlling, so werift offering opens odd streams, which is right only when it is the DTLS
 * server, that is when the answer says `active`. An `active` answer is right for both kinds of
 * stack (the offerer is ICE-controlling and DTLS server: odd either way); a `passive` one only for
 * stacks that follow their DTLS role. Unknown stacks get the answer that is always right, at the
 * price of the stall; when this end offers, the remote's answer decides, and every stack measured
 * answers `active`.
 *
 * `stack` leaves libdatachannel's own order: candidates and answers go out at once, answers are
 * `active`.
 */

/** How the adapter orders a connection's setup. */
export type SetupOrder = 'auto' | 'stack';

export const SETUP_ORDERS: readonly SetupOrder[] = ['auto', 'stack'];

/** The default longest hold, in ms: far above a loopback ICE check, small beside an internet setup. */
export const DEFAULT_HOLD_MS = 30;

/** The session-level attribute by which an offer says that its offerer connects first. */
export const OFFERER_FIRST_ATTRIBUTE = 'a=x-webrtc-statecharts-setup:offerer-first';

const ACTPASS = /^a=setup:actpass[ \t]*$/gm;
const OFFERER_FIRST = /^a=x-webrtc-statecharts-setup:offerer-first[ \t]*$/m;

/** Whether the offer lets the answerer choose its DTLS role (it says `a=setup:actpass`). */
export function offersActpass(sdp: string): boolean {
  ACTPASS.lastIndex = 0;
  return ACTPASS.test(sdp);
}

/** Whether the offerer said it keeps its candidates until its ICE has connected. */
export function isOffererFirst(sdp: string): boolean {
  return OFFERER_FIRST.test(sdp);
}

/** The offer with the offerer-first attribute at the end of its session section (before the first m= line). */
export function markOffererFirst(sdp: string): string {
  if (isOffererFirst(sdp)) return sdp;
  const lines = sdp.split('\r\n');
  const firstMedia = lines.findIndex((line) => line.startsWith('m='));
  lines.splice(firstMedia < 0 ? lines.length : firstMedia, 0, OFFERER_FIRST_ATTRIBUTE);
  return lines.join('\r\n');
}

/**
 * The stacks known to pick the stream ids of the channels they open by their DTLS role, each by
 * the origin line its SDP serializer writes: libdatachannel (`o=rtc <id> 0 IN IP4 127.0.0.1`,
 * also Godot's native peer), libwebrtc (Chromium, @roamhq/wrtc: `o=- <id> <version> IN IP4
 * 127.0.0.1`) and Firefox (`o=mozilla...THIS_IS_SDPARTA-<version> ...`). werift, aiortc and Pion
 * write `IN IP4 0.0.0.0` and are not on the list.
 */
const DTLS_ROLE_STACKS: ReadonlyArray<readonly [name: string, origin: RegExp]> = [
  ['libdatachannel', /^o=rtc \d+ 0 IN IP4 127\.0\.0\.1$/],
  ['libwebrtc', /^o=- \d+ \d+ IN IP4 127\.0\.0\.1$/],
  ['Firefox', /^o=mozilla\.\.\.THIS_IS_SDPARTA-[\d.]+ \d+ \d+ IN IP4 /],
];

const ORIGIN = /^o=.*$/m;

/** The stack that wrote this description, if it is one known to pick its stream ids by its DTLS role. */
export function dtlsRoleStack(sdp: string): string | null {
  const origin = ORIGIN.exec(sdp)?.[0].trimEnd();
  if (origin === undefined) return null;
  return DTLS_ROLE_STACKS.find(([, pattern]) => pattern.test(origin))?.[0] ?? null;
}

/**
 * Whether this end should answer `passive` (be the DTLS server) to this remote offer: a DTLS-role
 * stack's, but not libdatachannel's. A libdatachannel offerer (Godot's native peer among them)
 * answered passive with the answer held has already answered this end's checks when the answer
 * reaches it, so its early fingerprint check can fail the connection: 35 of 640 setups with 8
 * at once, quiet and loaded, against 3 of 640 answered active at once, which stalled 25 by a
 * second (`npx tsx bench/setup-race.ts`, BENCHMARKS.md). A failed join is worse than a slow one.
 */
export function answersPassive(order: SetupOrder, offer: string): boolean {
  const stack = dtlsRoleStack(offer);
  return order === 'auto' && offersActpass(offer) && !isOffererFirst(offer) && stack !== null && stack !== 'libdatachannel';
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
 * One hold of a kind of signal: `waiting` until it is armed with a deadline, then until
 * `release()` (ICE connected, closed) or the deadline. `released` is called once each time a held
 * signal may go (from the deadline's timer, or from `release()`): the connection's event
 * dispatch, which has no poll loop to look again, emits it then.
 */
export class SignalHold {
  /** 0: not held; Infinity: held until armed; else performance.now() deadline. */
  private until = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly released: () => void = () => {}) {}

  hold(): void {
    this.until = Infinity;
  }

  /** From now on the hold lasts at most `ms`. */
  arm(ms: number): void {
    if (this.until === 0) return;
    const until = Math.min(this.until, performance.now() + ms);
    if (until === this.until) return;
    this.until = until;
    this.schedule();
  }

  release(): void {
    const wasHeld = this.until !== 0;
    this.until = 0;
    this.clearTimer();
    if (wasHeld) this.released();
  }

  get held(): boolean {
    if (this.until !== 0 && performance.now() >= this.until) this.until = 0;
    return this.until !== 0;
  }

  /**
   * Calls `released` at the deadline. A timer can fire a fraction of a millisecond before
   * performance.now() reaches it: then it waits again, or the event dispatch, which has no poll
   * loop to look again, would never emit the held signal.
   */
  private schedule(): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.until === 0) return;
      if (performance.now() < this.until) return this.schedule();
      this.until = 0;
      this.released();
    }, Math.max(0, Math.ceil(this.until - performance.now())));
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
  }
}
