/**
 * The load generator's side of the demo protocol (4.x JSON, server.js's exact bytes), kept cheap:
 * the generator must not be the bottleneck, so relayed CANDIDATE frames are read and echoed as
 * text without JSON.parse (server.js and our server both write `{"type":6,"id":N,"data":"..."}`
 * in that order); every other frame is parsed properly.
 */

export const JOIN_TYPE = 0;
export const ID_TYPE = 1;
export const CANDIDATE_TYPE = 6;

const CANDIDATE_PREFIX = '{"type":6,"id":';
const TAG_MARK = 'candidate:';

/** JOIN a lobby (`''` creates one), mesh: the demo client's first frame. */
export const joinFrame = (lobby: string) => JSON.stringify({ type: JOIN_TYPE, id: 0, data: lobby });

/**
 * A CANDIDATE to `dest` with the demo's payload (`"\n<mid>\n<index>\n<candidate>"`, about 100
 * bytes, a realistic host candidate line); `tag` (an integer) stands in the foundation field, so
 * a probe carries its send time through the host's echo.
 */
export function candidateFrame(dest: number, tag: number): string {
  const data = `\n0\n0\ncandidate:${tag} 1 udp 2122260223 192.168.1.23 54321 typ host generation 0 ufrag Ab3d network-id 1`;
  return JSON.stringify({ type: CANDIDATE_TYPE, id: dest, data });
}

/** A relayed CANDIDATE's sender id, or -1 when the text is not one. */
export function relayedCandidateSender(text: string): number {
  if (!text.startsWith(CANDIDATE_PREFIX)) return -1;
  const comma = text.indexOf(',', CANDIDATE_PREFIX.length);
  if (comma < 0) return -1;
  const id = Number(text.slice(CANDIDATE_PREFIX.length, comma));
  return Number.isInteger(id) ? id : -1;
}

/** The host's echo of a relayed CANDIDATE back to its sender: the same data, addressed to `sender`. */
export function echoFrame(text: string, sender: number): string {
  const comma = text.indexOf(',', CANDIDATE_PREFIX.length);
  return CANDIDATE_PREFIX + sender + text.slice(comma);
}

/** The tag a candidate frame carries (see candidateFrame), or NaN. */
export function candidateTag(text: string): number {
  const at = text.indexOf(TAG_MARK);
  if (at < 0) return NaN;
  const end = text.indexOf(' ', at);
  return Number(text.slice(at + TAG_MARK.length, end));
}

/** True when a Buffer holds a relayed CANDIDATE frame (its 9th byte is the type digit). */
export const isCandidateBuffer = (data: Buffer) => data.length > 16 && data[8] === 0x36 && data[7] === 0x3a;
