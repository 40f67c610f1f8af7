import { bad, ok, type Check } from './arguments.js';
import { addressRefusal, parseCandidateAddress, parsePort, type CandidateAddress } from './candidate-address.js';
import type { Limits } from '../limits.js';

/**
 * A first, cheap check that a string is a session description (RFC 8866) this library takes:
 * `v=0` first, `o=` and `s=` lines, every line `x=...`, within `maxSdpBytes` and
 * `maxMediaSections`, and one data section (`m=application`) that is not rejected. The stack
 * parses the rest.
 */
export function checkSdp(sdp: string, limits: Pick<Limits, 'maxSdpBytes' | 'maxMediaSections'>): Check<string> {
  // A UTF-16 unit is at least one UTF-8 byte: the length alone can already say no.
  if (sdp.length > limits.maxSdpBytes || Buffer.byteLength(sdp) > limits.maxSdpBytes) return bad(`the SDP is more than ${limits.maxSdpBytes} bytes (maxSdpBytes)`);
  if (sdp.includes('\0')) return bad('the SDP contains a NUL character');
  const lines = sdp.split(/\r?\n/).filter((line) => line.length > 0);
  if (lines[0] !== 'v=0') return bad('the SDP does not start with "v=0"');
  const malformed = lines.find((line) => !/^[a-z]=/.test(line));
  if (malformed !== undefined) return bad(`the SDP has a line that is not "x=value": ${JSON.stringify(malformed.slice(0, 40))}`);
  for (const needed of ['o=', 's=', 'm=']) {
    if (!lines.some((line) => line.startsWith(needed))) return bad(`the SDP has no "${needed}" line`);
  }
  const sections = lines.filter((line) => line.startsWith('m='));
  if (sections.length > limits.maxMediaSections) return bad(`the SDP has ${sections.length} media sections, more than ${limits.maxMediaSections} (maxMediaSections)`);
  const data = sections.filter((line) => line.startsWith('m=application '));
  if (data.length !== 1) return bad(`the SDP has ${data.length} data sections (m=application): this library's connections carry data channels only, in one section`);
  if (data[0]!.split(' ')[1] === '0') return bad("the SDP rejects its data section (m=application with port 0): this library's connections carry data channels only");
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
  /^candidate:[^\s]{1,32} \d{1,3} (udp|tcp|UDP|TCP) \d{1,10} [^\s]+ [^\s]+ typ (host|srflx|prflx|relay)( [^\s]+ [^\s]+)*$/;

/** A remote candidate line as the stack is given it, with the address it names (raddr and rport are never contacted: not checked). */
export interface RemoteCandidate {
  line: string;
  address: CandidateAddress;
  port: number;
}

/**
 * A browser's end of candidates: `RTCIceCandidate.candidate` is `''` (and `null` in
 * `onicecandidate` is sent as `''`), or the SDP attribute `a=end-of-candidates`. Taken by
 * `add_ice_candidate` and given to no stack: libdatachannel needs none to connect.
 */
export function isEndOfCandidates(name: string): boolean {
  const line = name.trim();
  return line === '' || line === 'end-of-candidates' || line === 'a=end-of-candidates';
}

/**
 * Godot accepts a candidate line with or without `a=` and `candidate:`; this gives the
 * `candidate:...` form (RFC 8839 §5.1) with its address canonical, or the reason it does not
 * parse or names an address `policy` does not take.
 */
export function normalizeCandidate(name: string, policy: Limits['candidateAddresses']): Check<RemoteCandidate> {
  let line = name.trim();
  if (line.startsWith('a=')) line = line.slice(2);
  if (!line.startsWith('candidate:')) line = `candidate:${line}`;
  if (line.length > 1024) return bad('the candidate is longer than 1024 characters');
  if (!CANDIDATE.test(line)) {
    // Quotes what the caller passed, not the `candidate:` form made of it.
    return bad(`${JSON.stringify(name.slice(0, 60))} is not an ICE candidate line (candidate:foundation component transport priority address port typ type ..., with or without \`a=\` and \`candidate:\`)`);
  }
  const fields = line.split(' ');
  const address = parseCandidateAddress(fields[4]!);
  if (!address.ok) return address;
  const port = parsePort(fields[5]!);
  if (!port.ok) return port;
  const refused = addressRefusal(address.value, policy);
  if (refused !== null) return bad(refused);
  if (address.value.kind === 'ip') fields[4] = address.value.address;
  return ok({ line: fields.join(' '), address: address.value, port: port.value });
}

/**
 * A remote description with each `a=candidate:` line given to `take`: a line it refuses (by
 * returning why) is removed, one it takes is written as normalized. The SDP is returned as it
 * came when nothing changed.
 */
export function screenCandidates(sdp: string, take: (line: string) => Check<RemoteCandidate>): { sdp: string; removed: string[] } {
  const removed: string[] = [];
  let changed = false;
  const lines = sdp.split(/\r?\n/).flatMap((line) => {
    if (!line.startsWith('a=candidate:')) return [line];
    const taken = take(line);
    if (!taken.ok) {
      removed.push(taken.reason);
      changed = true;
      return [];
    }
    const written = `a=${taken.value.line}`;
    if (written !== line) changed = true;
    return [written];
  });
  return { sdp: changed ? lines.join(sdp.includes('\r\n') ? '\r\n' : '\n') : sdp, removed };
}
