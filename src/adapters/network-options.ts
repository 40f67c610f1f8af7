/**
 * The networking settings of the node-datachannel factory, checked once when the factory is made.
 * A bad one never throws: every connection the factory would create is refused with the reason
 * (`initialize()` returns ERR_INVALID_PARAMETER and records it).
 *
 * What libdatachannel 0.24 (through node-datachannel 0.33) does with them, read in its source and
 * measured on loopback (test/networking.test.ts):
 * - a port range is passed to libjuice only when it differs from the default 1024–65535; each
 *   connection binds one port of it, and a connection that finds every port taken aborts the
 *   process (an uncaught `Failed to gather local ICE candidates` in `setLocalDescription`), so the
 *   adapter counts its own connections against the range (`PortBudget`);
 * - `enableIceUdpMux` puts every connection on one socket, demultiplexed by ICE ufrag and then by
 *   remote address. libjuice keeps one such socket per process and port, bound as the first
 *   connection on that port asked, and releases it with the last connection.
 */
import { bad, ok, type Check } from '../api/arguments.js';
import { parseCandidateAddress } from '../api/candidate-address.js';
import { parsePublicAddresses, type PublicAddresses } from './public-address.js';

export interface NetworkOptionsInput {
  bindAddress?: unknown;
  portRangeBegin?: unknown;
  portRangeEnd?: unknown;
  enableIceTcp?: unknown;
  enableIceUdpMux?: unknown;
  iceTransportPolicy?: unknown;
  publicAddress?: unknown;
  keepHostCandidates?: unknown;
}

/** What the native configuration gets. */
export interface NativeNetworkConfig {
  bindAddress?: string;
  portRangeBegin?: number;
  portRangeEnd?: number;
  enableIceTcp?: boolean;
  enableIceUdpMux?: boolean;
  iceTransportPolicy?: 'all' | 'relay';
}

export interface NetworkSettings {
  native: NativeNetworkConfig;
  /** How many connections the range holds at once (each binds a port); null without a limit (no range, or the mux). */
  portsAvailable: number | null;
  publicAddresses: PublicAddresses | null;
  keepHostCandidates: boolean;
}

const DEFAULT_PORT_RANGE_BEGIN = 1024;
const DEFAULT_PORT_RANGE_END = 65535;

/** The bind address each mux port was first given in this process: libjuice binds the socket once. */
const muxBindings = new Map<number, string>();

export function parseNetworkOptions(input: NetworkOptionsInput): Check<NetworkSettings> {
  const native: NativeNetworkConfig = {};
  if (input.bindAddress !== undefined) {
    const address = typeof input.bindAddress === 'string' ? parseCandidateAddress(input.bindAddress) : bad('bindAddress must be a string');
    if (!address.ok) return bad(`bindAddress: ${address.reason}`);
    if (address.value.kind !== 'ip') return bad('bindAddress must be an IP address of this host (or 0.0.0.0 / :: for every interface), not a host name');
    native.bindAddress = address.value.address;
  }
  for (const key of ['portRangeBegin', 'portRangeEnd'] as const) {
    const port = input[key];
    if (port === undefined) continue;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return bad(`${key} must be an integer port, 1–65535`);
    native[key] = port;
  }
  const begin = native.portRangeBegin ?? DEFAULT_PORT_RANGE_BEGIN;
  const end = native.portRangeEnd ?? DEFAULT_PORT_RANGE_END;
  if (begin > end) return bad(`portRangeBegin (${begin}) is past portRangeEnd (${end})`);
  for (const key of ['enableIceTcp', 'enableIceUdpMux', 'keepHostCandidates'] as const) {
    if (input[key] !== undefined && typeof input[key] !== 'boolean') return bad(`${key} must be a boolean`);
  }
  if (input.enableIceTcp !== undefined) native.enableIceTcp = input.enableIceTcp as boolean;
  const mux = input.enableIceUdpMux === true;
  if (mux) {
    if (native.portRangeBegin === undefined || native.portRangeBegin !== native.portRangeEnd) {
      return bad('enableIceUdpMux needs one port: set portRangeBegin and portRangeEnd to the same port (the one the firewall opens)');
    }
    const bound = native.bindAddress ?? 'every interface';
    const earlier = muxBindings.get(begin);
    if (earlier !== undefined && earlier !== bound) {
      return bad(`the mux port ${begin} is already bound to ${earlier} in this process: libjuice keeps one socket per port, bound once`);
    }
    muxBindings.set(begin, bound);
    native.enableIceUdpMux = true;
  }
  if (input.iceTransportPolicy !== undefined) {
    if (input.iceTransportPolicy !== 'all' && input.iceTransportPolicy !== 'relay') return bad('iceTransportPolicy must be "all" or "relay"');
    native.iceTransportPolicy = input.iceTransportPolicy;
  }
  let publicAddresses: PublicAddresses | null = null;
  if (input.publicAddress !== undefined) {
    const parsed = parsePublicAddresses(input.publicAddress);
    if (!parsed.ok) return parsed;
    publicAddresses = parsed.value;
  }
  if (input.keepHostCandidates === true && publicAddresses === null) return bad('keepHostCandidates only means something with publicAddress');
  const ranged = native.portRangeBegin !== undefined || native.portRangeEnd !== undefined;
  return ok({
    native,
    portsAvailable: ranged && !mux ? end - begin + 1 : null,
    publicAddresses,
    keepHostCandidates: input.keepHostCandidates === true,
  });
}

/**
 * The connections of one factory against the ports of its range: a connection counts from its
 * creation until the stack reports it closed (its socket is released by then), so a new one is
 * refused instead of aborting the process when the range is full. Sockets of other factories or
 * processes in the same range are not seen: give a range to one factory of one process.
 */
export class PortBudget {
  private live = 0;

  constructor(readonly ports: number | null) {}

  /** Takes a port, or says why none is left. */
  take(): string | null {
    if (this.ports === null) return null;
    if (this.live >= this.ports) {
      return `every port of the range (${this.ports}) is held by a connection of this factory: close one, or widen portRangeBegin–portRangeEnd, or use enableIceUdpMux`;
    }
    this.live++;
    return null;
  }

  release(): void {
    if (this.ports !== null && this.live > 0) this.live--;
  }
}
