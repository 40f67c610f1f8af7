import nodeDataChannel from 'node-datachannel';
import type { IceServer, PeerConnection, RtcConfig } from 'node-datachannel';
import { GodotError } from '../godot/constants.js';
import type { ChannelOptions } from '../api/channel-options.js';
import type { IceServerConfig, PeerConfiguration } from '../api/configuration.js';
import type { NativeConnectionState, NativeGatheringState } from '../machines/events.js';
import {
  type DataChannelExtension,
  type ExtensionFactory,
  type HeldSignal,
  type StackEvent,
  type StackEventSink,
  type StackResult,
  type WebRTCPeerConnectionExtension,
  valueOf,
} from './extension.js';
import { nativeLifetimes } from './native-lifetimes.js';
import { NodeDataChannelChannel } from './node-datachannel-channel.js';
import { OK, fail, messageOf } from './native-calls.js';
import { DEFAULT_HOLD_MS, SignalHold, answersPassive, asActiveOffer, markOffererFirst, type SetupOrder } from './setup-order.js';
import { trackSctp } from './stack-log.js';

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

/** Settings of the stack that Godot's configuration dictionary does not have. */
export interface NodeDataChannelOptions {
  /** The name `set_default_extension` knows this factory by (default `node-datachannel`). */
  name?: string;
  /** Gather candidates on this local address only, e.g. `127.0.0.1` for a loopback-only service or test. */
  bindAddress?: string;
  portRangeBegin?: number;
  portRangeEnd?: number;
  enableIceTcp?: boolean;
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

/** A node-datachannel factory with stack settings of its own; register it or pass it to `set_default_extension`. */
export function createNodeDataChannelExtension(options: NodeDataChannelOptions = {}): ExtensionFactory {
  const { name = 'node-datachannel', setupOrder = 'auto', holdMs = DEFAULT_HOLD_MS, maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE, ...settings } = options;
  const order: OrderPolicy = { order: setupOrder, holdMs: Math.max(0, holdMs) };
  return {
    name,
    create(configuration, sink) {
      try {
        const pc = new nodeDataChannel.PeerConnection(`peer-${++peerNumber}`, { ...settings, maxMessageSize, ...toRtcConfig(configuration) });
        return OK(new NodeDataChannelPeer(pc, sink, order, maxMessageSize));
      } catch (error) {
        return fail(GodotError.FAILED, `node-datachannel could not create a connection: ${messageOf(error)}`);
      }
    },
  };
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
  ) {
    nativeLifetimes.connectionOpened(pc);
    const deliver = (event: StackEvent) => {
      try {
        sink(event);
      } catch (error) {
        console.error('webrtc-statecharts: a stack event handler threw', error);
      }
    };
    const released = () => deliver({ type: 'stack.signals_released' });
    this.holds = { answer: new SignalHold(released), candidate: new SignalHold(released) };
    // Registered first and always: the connection holds the event loop until this reports closed.
    pc.onStateChange((state) => {
      // Which connections a stream reset in libdatachannel's log can come from (stack-log.ts).
      trackSctp(pc, state);
      if (state === 'closed') {
        nativeLifetimes.connectionClosed(pc);
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
    pc.onLocalCandidate((candidate, mid) => deliver({ type: 'stack.local_candidate', mid: String(mid ?? ''), candidate: String(candidate) }));
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
      console.error('webrtc-statecharts: closing a native connection threw', error);
    }
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
      return OK(withoutCandidates(description.sdp));
    } catch (error) {
      return fail(GodotError.FAILED, `the stack could not make an ${type}: ${messageOf(error)}`);
    }
  }
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
