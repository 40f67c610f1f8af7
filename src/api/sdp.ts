import { bad, ok, type Check } from './arguments.js';

/** Larger than any session description a data-channel peer sends; beyond this, refuse before parsing. */
export const MAX_SDP_LENGTH = 256 * 1024;

/**
 * A first, cheap check that a string is a session description (RFC 8866): `v=0` first, `o=` and
 * `s=` lines, at least one media section, every line `x=...`. The stack parses the rest.
 */
export function checkSdp(sdp: string): Check<string> {
  if (sdp.length > MAX_SDP_LENGTH) return bad(`the SDP is ${sdp.length} characters, more than ${MAX_SDP_LENGTH}`);
  if (sdp.includes('\0')) return bad('the SDP contains a NUL character');
  const lines = sdp.split(/\r?\n/).filter((line) => line.length > 0);
  if (lines[0] !== 'v=0') return bad('the SDP does not start with "v=0"');
  const malformed = lines.find((line) => !/^[a-z]=/.test(line));
  if (malformed !== undefined) return bad(`the SDP has a line that is not "x=value": ${JSON.stringify(malformed.slice(0, 40))}`);
  for (const needed of ['o=', 's=', 'm=']) {
    if (!lines.some((line) => line.startsWith(needed))) return bad(`the SDP has no "${needed}" line`);
  }
  return ok(sdp);
}

/** The mids of a description's media sections, in m-line order (a section without a=mid gets its index, as JSEP does). */
export function mediaIds(sdp: string): string[] {
  const mids: string[] = [];
  let section = -1;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) {
      section += 1;
      mids.push(String(section));
    } else if (line.startsWith('a=mid:') && section >= 0) {
      mids[section] = line.slice('a=mid:'.length).trim();
    }
  }
  return mids;
}

/** Two descriptions are the same if they differ only in line endings and trailing white space. */
export function sameSdp(a: string, b: string): boolean {
  const normal = (sdp: string) => sdp.split(/\r?\n/).map((line) => line.trimEnd()).filter(Boolean).join('\n');
  return normal(a) === normal(b);
}

const CANDIDATE =
  /^candidate:[^\s]{1,32} \d{1,3} (udp|tcp|UDP|TCP) \d{1,10} [^\s]+ \d{1,5} typ (host|srflx|prflx|relay)( [^\s]+ [^\s]+)*$/;

/**
 * Godot accepts a candidate line with or without `a=` and `candidate:`; this gives the
 * `candidate:...` form (RFC 8839 §5.1), or the reason it does not parse.
 */
export function normalizeCandidate(name: string): Check<string> {
  let line = name.trim();
  if (line.startsWith('a=')) line = line.slice(2);
  if (!line.startsWith('candidate:')) line = `candidate:${line}`;
  if (line.length > 1024) return bad('the candidate is longer than 1024 characters');
  if (!CANDIDATE.test(line)) {
    return bad(`${JSON.stringify(line.slice(0, 60))} is not an ICE candidate line (candidate:foundation component transport priority address port typ type ...)`);
  }
  return ok(line);
}
