import nodeDataChannel from 'node-datachannel';
import type { IceServer, PeerConnection, RtcConfig, SelectedCandidateInfo } from 'node-datachannel';
import { GodotError } from '../godot/constants.js';
import type { ChannelOptions } from '../api/channel-options.js';
import type { IceServerConfig, PeerConfiguration } from '../api/configuration.js';
import type { NativeConnectionState, NativeGatheringState } from '../machines/events.js';
import {
  type CandidateEndpoint,
  type DataChannelExtension,
  type ExtensionFactory,
  type HeldSignal,
  type StackEvent,
  type StackEventSink,
  type StackResult,
  type StackStats,
  type WebRTCPeerConnectionExtension,
  valueOf,
} from './extension.js';
import { nativeLifetimes } from './native-lifetimes.js';
import { NodeDataChannelChannel } from './node-datachannel-channel.js';
import { OK, fail, messageOf, safe } from './native-calls.js';
import { DEFAULT_HOLD_MS, SignalHold, answersPassive, asActiveOffer, markOffererFirst, type SetupOrder } from './setup-order.js';
import { trackSctp } from './stack-log.js';
import { PortBudget, parseNetworkOptions, type NetworkSettings } from './network-options.js';
import { HostCandidateMapper } from './public-address.js';
import { bad, ok, type Check } from '../api/arguments.js';
import { log } from '../log.js';

/**
 * The default stack: libdatachannel through node-datachannel.
 *
 * The hazards it absorbs (see the stack notes): every native call is in try/catch; the calls
 * that abort the process on a wrong signaling state (`setLocalDescription`) are made only after
 * checking the native signaling state; nothing thrown ever leaves a native callback, and no
 * native method is called from inside one (a getter called there can abort); every native
 * channel stays referenced until its `onClosed`; every connection has a state handler, and one
 * the remote end closed is closed here too, so that the process exits by itself once its
 * connections are closed. `cleanup()` is never called: it is not needed for a clean exit, and it
 * can block for 10 s or crash.
 */
export { nativeLifetimes };


let peerNumber = 0;

/**
 * The max-message-size this end announces by default. libdatachannel's own default, 256 KiB, is
 * also the factor of its deprecated-PPID amplification (`suspicionAtLimit`); 64 KiB is the size
 * every stack accepts when a remote announces none, so no peer that sends what it was told is hurt.
 */
export const DEFAULT_MAX_MESSAGE_SIZE = 65_536;

/** Settings of the stack that Godot's configuration dictionary does not have (docs/deployment.md shows a service's). */
export interface NodeDataChannelOptions {
  /** The name `set_default_extension` knows this factory by (default `node-datachannel`). */
  name?: string;
  /**
   * Gather candidates on this local IP address only, e.g. `127.0.0.1` for a loopback-only service
   * or test, or a VM's private address behind a 1:1 NAT. Default: every interface but loopback.
   */
  bindAddress?: string;
  /**
   * The local UDP ports connections bind, inclusive (1–65535; defaults 1024 and 65535). Without
   * the mux each connection holds one port of the range from its creation until the stack reports
   * it closed: a connection past the range is refused (`initialize()` returns ERR_ALREADY_IN_USE)
   * rather than letting libdatachannel abort the process.
   */
  portRangeBegin?: number;
  portRangeEnd?: number;
  /** Passed to libdatachannel, but the libjuice build node-datachannel ships has no ICE-TCP: it only logs a warning. */
  enableIceTcp?: boolean;
  /**
   * Every connection of this factory on one UDP socket (libjuice's mux mode), demultiplexed by
   * ICE username: the one port a firewall opens. Needs `portRangeBegin === portRangeEnd`. The
   * socket is bound once per process and port, as the first connection on it asks, and released
   * with the last one; nothing else in the process or on the host may hold that port (a taken
   * port aborts the process when a connection gathers).
   */
  enableIceUdpMux?: boolean;
  /** `relay` gathers and uses only TURN relay candidates (the iceServers' `turn:`/`turns:` entries); default `all`. */
  iceTransportPolicy?: 'all' | 'relay';
  /**
   * The address remotes reach this host at, when it is not one it can bind (a cloud 1:1 NAT, an
   * elastic or floating IP, a published container port on the same number): every host candidate
   * goes out with it instead of the bound address, same port. One IP literal, or a list of one
   * IPv4 and one IPv6; a host candidate of a family without one is not sent.
   */
  publicAddress?: string | readonly string[];
  /** With `publicAddress`, send the bound host candidates too (after the public ones); default false. */
  keepHostCandidates?: boolean;
  /**
   * The max-message-size this end announces, and the longest message it receives (default
   * `DEFAULT_MAX_MESSAGE_SIZE`). It is also the factor of libdatachannel's deprecated-PPID
   * amplification: a remote can make every 2-byte message cost this much (see README).
   */
  maxMessageSize?: number;
  /**
   * How this end orders its setup (see `setup-order.ts` and BENCHMARKS.md): `auto` (the default)
   * keeps an offerer's candidates until its ICE has connected and answers other stacks' offers
   * passive, which removes libdatachannel's one-second DTLS stall; `stack` leaves libdatachannel's
   * own order.
   */
  setupOrder?: SetupOrder;
  /** The longest an answer or an offerer's candidates wait for this end's ICE, in ms (default 30; 0: never held). */
  holdMs?: number;
}

/**
 * A node-datachannel factory with stack settings of its own; register it or pass it to
 * `set_default_extension`. It never throws: with a bad option, every `create` fails with
 * ERR_INVALID_PARAMETER and the reason, so each `initialize()` is refused and recorded.
 */
export function createNodeDataChannelExtension(options: NodeDataChannelOptions = {}): ExtensionFactory {
  const name = typeof options.name === 'string' ? options.name : 'node-datachannel';
  const settings = parseFactoryOptions(options);
  if (!settings.ok) {
    const reason = `the ${name} factory's options are invalid: ${settings.reason}`;
    return { name, create: () => fail(GodotError.ERR_INVALID_PARAMETER, reason) };
  }
  const { network, order, maxMessageSize } = settings.value;
  const ports = new PortBudget(network.portsAvailable);
  return {
    name,
    create(configuration, sink) {
      const refused = ports.take();
      if (refused !== null) return fail(GodotError.ERR_ALREADY_IN_USE, refused);
      try {
        const pc = new nodeDataChannel.PeerConnection(`peer-${++peerNumber}`, { ...network.native, maxMessageSize, ...toRtcConfig(configuration) });
        const candidates = network.publicAddresses === null ? null : new HostCandidateMapper(network.publicAddresses, network.keepHostCandidates);
        return OK(new NodeDataChannelPeer(pc, sink, order, maxMessageSize, candidates, () => ports.release()));
      } catch (error) {
        ports.release();
        return fail(GodotError.FAILED, `node-datachannel could not create a connection: ${messageOf(error)}`);
      }
    },
  };
}

function parseFactoryOptions(options: NodeDataChannelOptions): Check<{ network: NetworkSettings; order: OrderPolicy; maxMessageSize: number }> {
  const { setupOrder = 'auto', holdMs = DEFAULT_HOLD_MS, maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE } = options;
  if (setupOrder !== 'auto' && setupOrder !== 'stack') return bad('setupOrder must be "auto" or "stack"');
  if (typeof holdMs !== 'number' || Number.isNaN(holdMs)) return bad('holdMs must be a number of milliseconds');
  if (typeof maxMessageSize !== 'number' || !Number.isInteger(maxMessageSize) || maxMessageSize < 1) return bad('maxMessageSize must be a positive integer');
  const network = parseNetworkOptions(options);
  if (!network.ok) return network;
  return ok({ network: network.value, order: { order: setupOrder, holdMs: Math.max(0, holdMs) }, maxMessageSize });
}

export const nodeDataChannelExtension: ExtensionFactory = createNodeDataChannelExtension();

function toRtcConfig(configuration: PeerConfiguration): RtcConfig {
  return {
    iceServers: configuration.iceServers.map(toIceServer),
    // Godot's native backend drives offer and answer itself; auto-negotiation makes glare.
    disableAutoNegotiation: true,
  };
}

function toIceServer(server: IceServerConfig): IceServer | string {
  if (server.scheme.startsWith('stun')) return `${server.scheme}:${formatHost(server.hostname)}:${server.port}`;
  const ice: IceServer = { hostname: server.hostname, port: server.port };
  if (server.username !== undefined) ice.username = server.username;
  if (server.credential !== undefined) ice.password = server.credential;
  ice.relayType = server.scheme === 'turns' ? 'TurnTls' : server.transport === 'tcp' ? 'TurnTcp' : 'TurnUdp';
  return ice;
}

function formatHost(hostname: string): string {
  return hostname.includes(':') ? `[${hostname}]` : hostname;
}

const CONNECTION_STATES: Record<string, NativeConnectionState> = {
  new: 'new',
  connecting: 'connecting',
  connected: 'connected',
  disconnected: 'disconnected',
  failed: 'failed',
  closed: 'closed',
};
const GATHERING_STATES: Record<string, NativeGatheringState> = {
  new: 'new',
  gathering: 'gathering',
  'in-progress': 'gathering',
  complete: 'complete',
};

interface OrderPolicy {
  order: SetupOrder;
  holdMs: number;
}

class NodeDataChannelPeer implements WebRTCPeerConnectionExtension {
  private closed = false;
  /** The stack reported the connection closed (our close() may come a tick later). */
  private nativeClosed = false;
  /** Decided by the first negotiation (a remote offer, or our offer's answer) and kept, so that a renegotiation never swaps the DTLS roles. */
  private answerPassive: boolean | null = null;
  /** ICE has connected (or given up): nothing is held any more. */
  private iceSettled = false;
  private readonly holds: Record<HeldSignal, SignalHold>;

  constructor(
    private readonly pc: PeerConnection,
    sink: StackEventSink,
    private readonly policy: OrderPolicy,
    private readonly localMaxMessageSize: number,
    /** Rewrites host candidates and descriptions to the public address (public-address.ts); null: they go out as the stack made them. */
    private readonly candidates: HostCandidateMapper | null,
    /** Called once, when the stack reports the connection closed: its port is free again. */
    onNativeClosed: () => void,
  ) {
    nativeLifetimes.connectionOpened(pc);
    const deliver = (event: StackEvent) => {
      try {
        sink(event);
      } catch (error) {
        log('error', 'library', 'a stack event handler threw', error);
      }
    };
    const released = () => deliver({ type: 'stack.signals_released' });
    this.holds = { answer: new SignalHold(released), candidate: new SignalHold(released) };
    // Registered first and always: the connection holds the event loop until this reports closed.
    pc.onStateChange((state) => {
      // Which connections a stream reset in libdatachannel's log can come from (stack-log.ts).
      trackSctp(pc, state);
      if (state === 'closed') {
        this.nativeClosed = true;
        nativeLifetimes.connectionClosed(pc);
        onNativeClosed();
        // Closed by the remote end: the native connection holds the event loop until close().
        setImmediate(() => this.close());
      }
      const narrowed = CONNECTION_STATES[state];
      if (narrowed) deliver({ type: 'stack.connection_state', state: narrowed });
    });
    pc.onGatheringStateChange((state) => {
      const narrowed = GATHERING_STATES[state];
      if (narrowed) deliver({ type: 'stack.gathering_state', state: narrowed });
    });
    pc.onSignalingStateChange((state) => deliver({ type: 'stack.signaling_state', state: String(state) }));
    // Only flags: held signals go at the next poll(), never from here.
    pc.onIceStateChange((state) => {
      if (state === 'connected' || state === 'completed' || state === 'failed' || state === 'closed') {
        this.iceSettled = true;
        this.holds.answer.release();
        this.holds.candidate.release();
      }
    });
    pc.onLocalCandidate((candidate, mid) => {
      const gathered = String(candidate);
      for (const sent of this.candidates === null ? [gathered] : this.candidates.map(gathered)) {
        deliver({ type: 'stack.local_candidate', mid: String(mid ?? ''), candidate: sent });
      }
    });
    pc.onDataChannel((dc) => {
      nativeLifetimes.channelOpened(dc, pc);
      const channel = new NodeDataChannelChannel(dc, this.localMaxMessageSize, true);
      deliver({ type: 'stack.data_channel', channel });
    });
  }

  createOffer(): StackResult<string> {
    const state = this.nativeSignaling();
    if (state !== 'stable' && state !== 'have-local-offer') {
      return fail(GodotError.ERR_UNAVAILABLE, `the stack cannot make an offer in its signaling state ${state}`);
    }
    const offer = this.generate('offer');
    // Without a hold this end does not connect first, and its offer must not say it does.
    if (offer.code !== GodotError.OK || this.policy.order !== 'auto' || this.policy.holdMs === 0) return offer;
    if (!this.iceSettled) this.holds.candidate.hold();
    return OK(markOffererFirst(valueOf(offer)));
  }

  createAnswer(): StackResult<string> {
    const state = this.nativeSignaling();
    if (state !== 'have-remote-offer') {
      return fail(GodotError.ERR_UNAVAILABLE, `the stack cannot make an answer in its signaling state ${state}`);
    }
    const answer = this.generate('answer');
    if (answer.code === GodotError.OK && this.answerPassive && this.policy.holdMs > 0 && !this.iceSettled) {
      this.holds.answer.hold();
      this.holds.answer.arm(this.policy.holdMs);
    }
    return answer;
  }

  /** A held answer waits until this end's ICE has connected (its DTLS server exists); an offerer's candidates too (see setup-order.ts). */
  signalReady(kind: HeldSignal): boolean {
    return this.closed || !this.holds[kind].held;
  }

  setRemoteDescription(type: 'offer' | 'answer', sdp: string): StackResult {
    if (type === 'offer') {
      this.answerPassive ??= answersPassive(this.policy.order, sdp);
      if (this.answerPassive) sdp = asActiveOffer(sdp);
      // This end answers now (a glare or a renegotiation): it is no longer an offerer that connects first.
      this.holds.candidate.release();
    }
    try {
      this.pc.setRemoteDescription(sdp, type);
      if (type === 'answer') {
        // The DTLS roles are settled by this negotiation: a later remote offer is answered as they are.
        this.answerPassive ??= false;
        // The offerer's candidates wait for its ICE at most holdMs from now: it can check the answerer.
        this.holds.candidate.arm(this.policy.holdMs);
      }
      return OK(undefined);
    } catch (error) {
      return fail(stackFault(error), `the stack rejected the remote ${type}: ${messageOf(error)}`);
    }
  }

  rollbackLocalOffer(): StackResult {
    const state = this.nativeSignaling();
    if (state === 'stable') return OK(undefined);
    if (state !== 'have-local-offer') {
      return fail(GodotError.ERR_UNAVAILABLE, `the stack cannot roll back in its signaling state ${state}`);
    }
    try {
      this.pc.setLocalDescription('rollback');
      this.holds.candidate.release();
      return OK(undefined);
    } catch (error) {
      return fail(GodotError.FAILED, `the stack could not roll back: ${messageOf(error)}`);
    }
  }

  addIceCandidate(mid: string, candidate: string): StackResult {
    try {
      this.pc.addRemoteCandidate(candidate, mid);
      return OK(undefined);
    } catch (error) {
      return fail(stackFault(error), `the stack rejected the candidate: ${messageOf(error)}`);
    }
  }

  createDataChannel(label: string, options: ChannelOptions): StackResult<DataChannelExtension> {
    try {
      const dc = this.pc.createDataChannel(label, {
        protocol: options.protocol,
        negotiated: options.negotiated,
        ...(options.negotiated ? { id: options.id } : {}),
        unordered: !options.ordered,
        ...(options.maxRetransmits >= 0 ? { maxRetransmits: options.maxRetransmits } : {}),
        ...(options.maxPacketLifeTime >= 0 ? { maxPacketLifeTime: options.maxPacketLifeTime } : {}),
      });
      nativeLifetimes.channelOpened(dc, this.pc);
      return OK(new NodeDataChannelChannel(dc, this.localMaxMessageSize, false));
    } catch (error) {
      return fail(GodotError.FAILED, `the stack could not create the channel: ${messageOf(error)}`);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    nativeLifetimes.connectionClosing(this.pc);
    try {
      this.pc.close();
    } catch (error) {
      log('error', 'library', 'closing a native connection threw', error);
    }
  }

  /** Read only from user code (get_stats), never once closed: node-datachannel's getters on a closed connection are not safe to call. */
  stats(): StackStats | null {
    if (this.closed || this.nativeClosed) return null;
    const pair = safe(() => this.pc.getSelectedCandidatePair(), null);
    const rtt = safe(() => this.pc.rtt(), -1);
    return {
      bytesSent: safe(() => this.pc.bytesSent(), 0),
      bytesReceived: safe(() => this.pc.bytesReceived(), 0),
      // -1: SCTP is not connected. 0 is a real figure: libdatachannel gives whole milliseconds.
      rttMs: typeof rtt === 'number' && rtt >= 0 ? rtt : null,
      selectedPair: pair !== null && typeof pair === 'object' && pair.local && pair.remote ? { local: toEndpoint(pair.local), remote: toEndpoint(pair.remote) } : null,
    };
  }

  private nativeSignaling(): string {
    try {
      return this.pc.signalingState();
    } catch {
      return 'unknown';
    }
  }

  private generate(type: 'offer' | 'answer'): StackResult<string> {
    try {
      this.pc.setLocalDescription(type);
      const description = this.pc.localDescription();
      if (!description || typeof description.sdp !== 'string') return fail(GodotError.FAILED, `the stack made no ${type}`);
      const sdp = withoutCandidates(description.sdp);
      return OK(this.candidates === null ? sdp : this.candidates.description(sdp));
    } catch (error) {
      return fail(GodotError.FAILED, `the stack could not make an ${type}: ${messageOf(error)}`);
    }
  }
}

/** node-datachannel's description of a selected candidate, in StackStats' terms (`UDP` → `udp`, `TCP_active` → `tcp`). */
function toEndpoint(info: SelectedCandidateInfo): CandidateEndpoint {
  const transport = String(info.transportType ?? '').toLowerCase();
  return {
    type: String(info.type),
    address: String(info.address),
    port: Number(info.port),
    transport: transport.startsWith('tcp') ? 'tcp' : transport,
    candidate: String(info.candidate),
  };
}

/**
 * The description read back at once already lists the candidates gathered so far and
 * `a=end-of-candidates`; the same candidates then trickle through `onLocalCandidate`. A remote
 * libdatachannel refuses candidates after the end-of-candidates it was given, so the description
 * goes out without them, as Godot's native backend sends it (from onLocalDescription): every
 * candidate travels once, through `ice_candidate_created`.
 */
function withoutCandidates(sdp: string): string {
  return sdp
    .split('\r\n')
    .filter((line) => !line.startsWith('a=candidate:') && line !== 'a=end-of-candidates')
    .join('\r\n');
}

/**
 * Whether the stack refused what it was given (ERR_INVALID_DATA) or failed in itself (FAILED):
 * libdatachannel's "without ICE transport" and signaling-state errors are about its own state,
 * seen with valid descriptions once the connection has failed on its own (the early fingerprint
 * check of setup-order.ts closes its transports while the answer is being applied).
 */
function stackFault(error: unknown): GodotError {
  return /without ICE transport|signaling state|destroyed/i.test(messageOf(error)) ? GodotError.FAILED : GodotError.ERR_INVALID_DATA;
}
