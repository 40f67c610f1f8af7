/**
 * The address and port of a remote ICE candidate: parsed strictly, written canonically, and
 * classified, so that a remote cannot make the stack send STUN where no peer can be. The stack
 * reads an address with getaddrinfo, which takes legacy IPv4 forms (`127.1`, `2130706433`,
 * `0x7f000001`, `0177.0.0.1`), wraps ports past 65535, and resolves any other text as a host name
 * on a thread of its own: none of that reaches it from here.
 */
import { bad, ok, type Check } from './arguments.js';
import type { Limits } from '../limits.js';

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'unique-local'
  | 'ietf-protocol'
  | 'benchmarking'
  | 'documentation'
  | 'unspecified'
  | 'broadcast'
  | 'reserved'
  | 'multicast'
  | 'link-local';

export type CandidateAddress =
  | { kind: 'ip'; family: 4 | 6; /** RFC 5952 for IPv6. */ address: string; class: AddressClass }
  | { kind: 'hostname'; name: string };

/** What no peer ever is: never taken, whatever the policy. */
const NEVER: ReadonlySet<AddressClass> = new Set(['unspecified', 'broadcast', 'reserved', 'multicast', 'link-local', 'documentation']);
/** What a service on the internet must not be made to reach: taken only under `lan`. */
const NOT_PUBLIC: ReadonlySet<AddressClass> = new Set(['loopback', 'private', 'shared', 'unique-local', 'ietf-protocol', 'benchmarking']);

/** Why `address` is not taken under `policy`, or null if it is (a host name is the caller's to count). */
export function addressRefusal(address: CandidateAddress, policy: Limits['candidateAddresses']): string | null {
  if (address.kind === 'hostname') {
    return policy === 'public' ? `the address ${JSON.stringify(address.name)} is a host name: under candidateAddresses "public" none is taken (what it resolves to cannot be checked)` : null;
  }
  if (NEVER.has(address.class)) return `the address ${address.address} is ${address.class}: no peer has one`;
  if (policy === 'public' && NOT_PUBLIC.has(address.class)) return `the address ${address.address} is ${address.class}: not taken under candidateAddresses "public"`;
  return null;
}

/** A candidate's port: decimal, 1–65535, no leading zero. */
export function parsePort(text: string): Check<number> {
  if (!/^[1-9]\d{0,4}$/.test(text) || Number(text) > 65535) return bad(`the port ${JSON.stringify(text.slice(0, 12))} is not 1–65535 in canonical decimal`);
  return ok(Number(text));
}

/** A candidate's address: canonical dotted-quad IPv4, any valid IPv6 (written RFC 5952), or a host name. */
export function parseCandidateAddress(text: string): Check<CandidateAddress> {
  if (text.includes(':')) {
    const groups = parseIpv6(text);
    if (groups === null) return bad(`${JSON.stringify(text.slice(0, 60))} is not an IPv6 address`);
    return ok({ kind: 'ip', family: 6, address: formatIpv6(groups), class: classifyIpv6(groups) });
  }
  const octets = parseDottedQuad(text);
  if (octets !== null) return ok({ kind: 'ip', family: 4, address: octets.join('.'), class: classifyIpv4(octets) });
  if (endsInNumber(text)) {
    const legacy = parseLegacyIpv4(text);
    const meaning = legacy === null ? '' : ` (the stack would read it as ${legacy.join('.')})`;
    return bad(`${JSON.stringify(text.slice(0, 60))} is not a canonical IPv4 address: four decimal octets without leading zeros${meaning}`);
  }
  if (!isHostName(text)) return bad(`${JSON.stringify(text.slice(0, 60))} is neither an IP address nor a host name`);
  return ok({ kind: 'hostname', name: text });
}

const OCTET = /^(0|[1-9]\d{0,2})$/;

function parseDottedQuad(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => OCTET.test(part))) return null;
  const octets = parts.map(Number);
  return octets.every((octet) => octet <= 255) ? octets : null;
}

/** As the WHATWG URL host parser decides that a name is meant as an IPv4 address: its last label is a number. */
function endsInNumber(text: string): boolean {
  const labels = text.split('.');
  if (labels.at(-1) === '' && labels.length > 1) labels.pop();
  const last = labels.at(-1)!;
  return /^\d+$/.test(last) || /^0x[0-9a-f]*$/i.test(last);
}

/** What inet_aton (and so getaddrinfo with AI_NUMERICHOST) makes of a legacy form, or null if it makes nothing. */
function parseLegacyIpv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length > 4) return null;
  const values: number[] = [];
  for (const part of parts) {
    const value = /^0x[0-9a-f]+$/i.test(part) ? parseInt(part.slice(2), 16) : /^0[0-7]*$/.test(part) ? parseInt(part, 8) || 0 : /^[1-9]\d*$/.test(part) ? Number(part) : NaN;
    if (!Number.isSafeInteger(value)) return null;
    values.push(value);
  }
  const last = values.pop()!;
  if (values.some((value) => value > 255) || last >= 256 ** (4 - values.length)) return null;
  const octets = [...values];
  for (let i = 3 - values.length; i >= 0; i--) octets.push(Math.floor(last / 256 ** i) % 256);
  return octets;
}

/** RFC 1123 labels (letters, digits, hyphens; 1–63 each, 253 in all), one trailing dot allowed. */
function isHostName(text: string): boolean {
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  if (name.length === 0 || name.length > 253) return false;
  return name.split('.').every((label) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(label));
}

/** RFC 4291 §2.2: the eight 16-bit groups, or null. No zone (`%eth0`): only link-local addresses have one. */
function parseIpv6(text: string): number[] | null {
  if (text.length > 45) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const side = (half: string): number[] | null => {
    if (half === '') return [];
    const groups: number[] = [];
    const parts = half.split(':');
    for (const [i, part] of parts.entries()) {
      if (i === parts.length - 1 && part.includes('.')) {
        const octets = parseDottedQuad(part);
        if (octets === null) return null;
        groups.push((octets[0]! << 8) | octets[1]!, (octets[2]! << 8) | octets[3]!);
      } else if (/^[0-9a-f]{1,4}$/i.test(part)) {
        groups.push(parseInt(part, 16));
      } else {
        return null;
      }
    }
    return groups;
  };
  const head = side(halves[0]!);
  if (head === null) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const tail = side(halves[1]!);
  // An embedded IPv4 address is only ever the last 32 bits.
  if (tail === null || halves[0]!.includes('.')) return null;
  if (head.length + tail.length > 7) return null;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** RFC 5952: lower case, no leading zeros, the longest run of two or more zero groups as `::` (the first of equals); IPv4-mapped as `::ffff:a.b.c.d`. */
function formatIpv6(groups: number[]): string {
  if (isMapped(groups)) return `::ffff:${embeddedIpv4(groups, 6).join('.')}`;
  let best = { start: -1, length: 1 };
  for (let start = 0; start < 8; ) {
    let end = start;
    while (end < 8 && groups[end] === 0) end++;
    if (end - start > best.length) best = { start, length: end - start };
    start = end === start ? start + 1 : end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (best.start < 0) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}

function isMapped(groups: number[]): boolean {
  return groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
}

/** The IPv4 address in groups `at` and `at + 1`. */
function embeddedIpv4(groups: number[], at: number): number[] {
  const [high, low] = [groups[at]!, groups[at + 1]!];
  return [high >> 8, high & 0xff, low >> 8, low & 0xff];
}

function classifyIpv4([a, b, c, d]: number[]): AddressClass {
  if (a === 0) return 'unspecified';
  if (a === 255 && b === 255 && c === 255 && d === 255) return 'broadcast';
  if (a! >= 240) return 'reserved';
  if (a! >= 224) return 'multicast';
  if (a === 127) return 'loopback';
  if (a === 169 && b === 254) return 'link-local';
  if (a === 10 || (a === 172 && b! >= 16 && b! < 32) || (a === 192 && b === 168)) return 'private';
  if (a === 100 && b! >= 64 && b! < 128) return 'shared';
  if (a === 192 && b === 0 && c === 0) return 'ietf-protocol';
  if ((a === 192 && b === 0 && c === 2) || (a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113)) return 'documentation';
  if (a === 198 && (b === 18 || b === 19)) return 'benchmarking';
  return 'public';
}

function classifyIpv6(groups: number[]): AddressClass {
  const [g0, g1, g2] = groups as [number, number, number];
  const zeroUntil = (n: number) => groups.slice(0, n).every((group) => group === 0);
  if (zeroUntil(8)) return 'unspecified';
  if (zeroUntil(7) && groups[7] === 1) return 'loopback';
  if (isMapped(groups)) return classifyIpv4(embeddedIpv4(groups, 6));
  // NAT64 (RFC 6052) and 6to4 (RFC 3056) reach the IPv4 address they embed.
  if (g0 === 0x64 && g1 === 0xff9b && groups.slice(2, 6).every((group) => group === 0)) return classifyIpv4(embeddedIpv4(groups, 6));
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return 'private';
  if (g0 === 0x2002) return classifyIpv4(embeddedIpv4(groups, 1));
  if (g0 === 0x2001 && g1 === 0xdb8) return 'documentation';
  if (g0 === 0x3fff && g1 >> 12 === 0) return 'documentation';
  if (g0 === 0x2001 && g1 === 2 && g2 === 0) return 'benchmarking';
  if (g0 === 0x2001 && g1 < 0x200) return 'ietf-protocol';
  if (g0 >> 9 === 0x7e) return 'unique-local';
  if (g0 >> 6 === 0x3fa) return 'link-local';
  // Site-local (fec0::/10) was deprecated for being what private IPv4 ranges are.
  if (g0 >> 6 === 0x3fb) return 'private';
  if (g0 >> 8 === 0xff) return 'multicast';
  // Unicast on the internet is 2000::/3; the rest (IPv4-compatible ::a.b.c.d, 100::/64 discard, unassigned) is no peer's.
  if (g0 >> 13 === 1) return 'public';
  return 'reserved';
}
