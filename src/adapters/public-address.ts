/**
 * A public address for the host candidates, as pion's `NAT1To1IPs` gives one: a service behind a
 * 1:1 NAT (a cloud VM's elastic or floating IP, a container's published port) is reached at
 * `public:port` while its socket is bound to a private address on the same port. libdatachannel
 * has no such setting, so the adapter rewrites each host candidate the stack gathers before it is
 * emitted through `ice_candidate_created`, and the `o=` and `c=` lines of its descriptions (which carry no
 * candidates, see `withoutCandidates`): the bound address is never sent unless `keepHostCandidates`
 * is set.
 */
import { bad, ok, type Check } from '../api/arguments.js';
import { parseCandidateAddress } from '../api/candidate-address.js';

/** At most one address per family. */
export interface PublicAddresses {
  4?: string;
  6?: string;
}

/** Classes no remote can reach: never a public address. */
const UNREACHABLE = new Set(['unspecified', 'broadcast', 'multicast', 'reserved']);

/** `publicAddress` as the options give it: one IP literal, or a list of at most one IPv4 and one IPv6. */
export function parsePublicAddresses(value: unknown): Check<PublicAddresses> {
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? (value as unknown[]) : null;
  if (list === null || list.length === 0 || list.length > 2) return bad('publicAddress must be an IP address, or a list of one IPv4 and one IPv6 address');
  const addresses: PublicAddresses = {};
  for (const item of list) {
    if (typeof item !== 'string') return bad('publicAddress must be an IP address, or a list of one IPv4 and one IPv6 address');
    const parsed = parseCandidateAddress(item);
    if (!parsed.ok) return bad(`publicAddress: ${parsed.reason}`);
    const address = parsed.value;
    if (address.kind !== 'ip') return bad(`publicAddress ${JSON.stringify(item.slice(0, 60))} is a host name: give the IP address remotes reach (no resolution is done)`);
    if (UNREACHABLE.has(address.class)) return bad(`publicAddress ${address.address} is ${address.class}: no remote can reach it`);
    if (addresses[address.family] !== undefined) return bad(`publicAddress has two IPv${address.family} addresses: one per family`);
    addresses[address.family] = address.address;
  }
  return ok(addresses);
}

/**
 * Rewrites one connection's local candidates: a host candidate whose family has a public address
 * goes out with that address (same port, same foundation and priority); one whose family has none
 * is dropped. With `keepHost`, the bound candidate goes out too, after the public one. A candidate
 * that would repeat one already emitted (a socket bound to every interface gathers one host
 * candidate per interface, all on one port) is dropped. Other types go out unchanged.
 */
export class HostCandidateMapper {
  private readonly emitted = new Set<string>();

  constructor(
    private readonly addresses: PublicAddresses,
    private readonly keepHost: boolean,
  ) {}

  map(candidate: string): string[] {
    const fields = candidate.split(' ');
    // candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> ...
    if (fields.length < 8 || fields[6] !== 'typ' || fields[7] !== 'host') return this.once(candidate);
    const bound = fields[4]!;
    const family = bound.includes(':') ? 6 : 4;
    const publicAddress = this.addresses[family];
    const out: string[] = [];
    if (publicAddress !== undefined) out.push(...this.once(fields.map((field, index) => (index === 4 ? publicAddress : field)).join(' ')));
    if (this.keepHost) out.push(...this.once(candidate));
    return out;
  }

  /**
   * libdatachannel also writes the bound address in the `o=` line and, as the default candidate
   * (RFC 8839), in each `c=` line: they go out as the public address of their family, or of the
   * other one.
   */
  description(sdp: string): string {
    return sdp.replace(/^(o=.* |c=)IN IP([46]) (\S+)$/gm, (line, head: string, family: string) => {
      const own = this.addresses[family === '6' ? 6 : 4];
      if (own !== undefined) return `${head}IN IP${family} ${own}`;
      const otherFamily = family === '6' ? 4 : 6;
      const other = this.addresses[otherFamily];
      return other !== undefined ? `${head}IN IP${otherFamily} ${other}` : line;
    });
  }

  /** The candidate, unless one with the same transport, address, port and type went out already. */
  private once(candidate: string): string[] {
    const fields = candidate.split(' ');
    const key = fields.length >= 8 ? [fields[1], fields[2]!.toLowerCase(), fields[4], fields[5], fields[7]].join(' ') : candidate;
    if (this.emitted.has(key)) return [];
    this.emitted.add(key);
    return [candidate];
  }
}
