import { createActor, type Actor, type AnyStateMachine } from 'xstate';
import {
  ConnectionState,
  GatheringState,
  GodotError,
  SignalingState,
  errorName,
} from '../godot/constants.js';
import { Signal } from '../godot/signal.js';
import { signalingMachine, signalingGuardReasons, canApplyCandidates, type SignalingStateName } from '../machines/signaling.js';
import { connectionMachine, type ConnectionStateName } from '../machines/connection.js';
import { gatheringMachine, type GatheringStateName } from '../machines/gathering.js';
import { explainRefusal, stateName } from '../machines/explain.js';
import { SDP_TYPES, type SdpType, type SignalingEvent } from '../machines/events.js';
import type { StackEvent, WebRTCPeerConnectionExtension } from '../adapters/extension.js';
import { Recorder } from '../records/recorder.js';
import type { ConnectionRecord, MachineName } from '../records/record.js';
import { describe, isInteger } from './arguments.js';
import { parseConfiguration } from './configuration.js';
import { parseChannelOptions } from './channel-options.js';
import { checkSdp, mediaIds, normalizeCandidate, sameSdp } from './sdp.js';
import { WebRTCDataChannel } from './data-channel.js';
import { defaultExtension, resolveExtension, setDefaultExtension, type ExtensionName } from './extension-registry.js';

const SIGNALING_VALUES: Record<SignalingStateName, SignalingState> = {
  stable: SignalingState.SIGNALING_STATE_STABLE,
  haveLocalOffer: SignalingState.SIGNALING_STATE_HAVE_LOCAL_OFFER,
  haveRemoteOffer: SignalingState.SIGNALING_STATE_HAVE_REMOTE_OFFER,
  haveLocalPranswer: SignalingState.SIGNALING_STATE_HAVE_LOCAL_PRANSWER,
  haveRemotePranswer: SignalingState.SIGNALING_STATE_HAVE_REMOTE_PRANSWER,
  closed: SignalingState.SIGNALING_STATE_CLOSED,
};
const CONNECTION_VALUES: Record<ConnectionStateName, ConnectionState> = {
  new: ConnectionState.STATE_NEW,
  connecting: ConnectionState.STATE_CONNECTING,
  connected: ConnectionState.STATE_CONNECTED,
  disconnected: ConnectionState.STATE_DISCONNECTED,
  failed: ConnectionState.STATE_FAILED,
  closed: ConnectionState.STATE_CLOSED,
};
const GATHERING_VALUES: Record<GatheringStateName, GatheringState> = {
  new: GatheringState.GATHERING_STATE_NEW,
  gathering: GatheringState.GATHERING_STATE_GATHERING,
  complete: GatheringState.GATHERING_STATE_COMPLETE,
};

type QueuedSignal = () => void;
let nextConnectionNumber = 1;

/**
 * Godot's `WebRTCPeerConnection`. Signaling, ICE gathering and the connection itself are three
 * xstate machines; every method is an event that the machines must allow before the stack is
 * touched, and a refused call returns a GodotError, changes nothing and is recorded.
 * Signals are queued as the stack reports and emitted only by `poll()`.
 */
export class WebRTCPeerConnection {
  static readonly STATE_NEW = ConnectionState.STATE_NEW;
  static readonly STATE_CONNECTING = ConnectionState.STATE_CONNECTING;
  static readonly STATE_CONNECTED = ConnectionState.STATE_CONNECTED;
  static readonly STATE_DISCONNECTED = ConnectionState.STATE_DISCONNECTED;
  static readonly STATE_FAILED = ConnectionState.STATE_FAILED;
  static readonly STATE_CLOSED = ConnectionState.STATE_CLOSED;
  static readonly GATHERING_STATE_NEW = GatheringState.GATHERING_STATE_NEW;
  static readonly GATHERING_STATE_GATHERING = GatheringState.GATHERING_STATE_GATHERING;
  static readonly GATHERING_STATE_COMPLETE = GatheringState.GATHERING_STATE_COMPLETE;
  static readonly SIGNALING_STATE_STABLE = SignalingState.SIGNALING_STATE_STABLE;
  static readonly SIGNALING_STATE_HAVE_LOCAL_OFFER = SignalingState.SIGNALING_STATE_HAVE_LOCAL_OFFER;
  static readonly SIGNALING_STATE_HAVE_REMOTE_OFFER = SignalingState.SIGNALING_STATE_HAVE_REMOTE_OFFER;
  static readonly SIGNALING_STATE_HAVE_LOCAL_PRANSWER = SignalingState.SIGNALING_STATE_HAVE_LOCAL_PRANSWER;
  static readonly SIGNALING_STATE_HAVE_REMOTE_PRANSWER = SignalingState.SIGNALING_STATE_HAVE_REMOTE_PRANSWER;
  static readonly SIGNALING_STATE_CLOSED = SignalingState.SIGNALING_STATE_CLOSED;

  /** Chooses the stack (adapter) that connections created from now on use: a registered name or a factory. */
  static set_default_extension(extension_class: ExtensionName): void {
    setDefaultExtension(extension_class);
  }

  // Godot's three signals.
  readonly session_description_created = new Signal<[type: string, sdp: string]>('session_description_created');
  readonly ice_candidate_created = new Signal<[media: string, index: number, name: string]>('ice_candidate_created');
  readonly data_channel_received = new Signal<[channel: WebRTCDataChannel]>('data_channel_received');
  /** Not Godot: emitted at once, inside the refused call, after it has changed nothing. */
  readonly call_refused = new Signal<[record: ConnectionRecord]>('call_refused');

  /** This connection's name in records (`pc-1`, `pc-2`, ...). */
  readonly id: string;
  readonly signaling: Actor<typeof signalingMachine>;
  readonly connection: Actor<typeof connectionMachine>;
  readonly gathering: Actor<typeof gatheringMachine>;

  private readonly recorder: Recorder;
  private stack: WebRTCPeerConnectionExtension | null = null;
  private queue: QueuedSignal[] = [];
  private channels = new Set<WebRTCDataChannel>();
  private negotiatedIds = new Set<number>();
  private heldCandidates: Array<{ mid: string; candidate: string }> = [];
  private generatedSdp: string | null = null;
  private localMids: string[] = [];
  private remoteMids: string[] = [];

  constructor(options: { id?: string } = {}) {
    this.id = options.id ?? `pc-${nextConnectionNumber++}`;
    this.recorder = new Recorder(256, (record) => {
      if (record.kind === 'refusal') this.call_refused.emit(record);
    });
    this.signaling = startActor(signalingMachine);
    this.connection = startActor(connectionMachine);
    this.gathering = startActor(gatheringMachine);
    this.initialize({});
  }

  // ---- Godot methods

  /** (Re)creates the stack connection and goes back to STATE_NEW; a bad configuration changes nothing. */
  initialize(configuration: unknown = {}): GodotError {
    const parsed = parseConfiguration(configuration);
    if (!parsed.ok) return this.refuseArgument('initialize', parsed.reason);
    const factory = resolveExtension(defaultExtension());
    if (!factory) return this.refuse('initialize', GodotError.ERR_UNCONFIGURED, 'arguments', 'no default extension is set');
    let stack: WebRTCPeerConnectionExtension | null = null;
    const created = factory.create(parsed.value, (event) => {
      if (stack !== null && stack === this.stack) this.onStackEvent(event);
    });
    if (created.code !== GodotError.OK) return this.refuse('initialize', created.code, 'arguments', reasonOf(created));
    this.shutDownStack();
    stack = (created as { value: WebRTCPeerConnectionExtension }).value;
    this.stack = stack;
    this.negotiatedIds.clear();
    this.generatedSdp = null;
    this.localMids = [];
    this.remoteMids = [];
    for (const actor of this.actors()) actor.send({ type: 'initialize' });
    return GodotError.OK;
  }

  create_data_channel(label: unknown, options: unknown = {}): WebRTCDataChannel | null {
    const parsed = parseChannelOptions(label, options);
    if (!parsed.ok) {
      this.refuseArgument('create_data_channel', parsed.reason);
      return null;
    }
    if (this.refusal('create_data_channel', { type: 'create_data_channel' }) !== null) return null;
    const { options: channelOptions } = parsed.value;
    if (channelOptions.negotiated && this.negotiatedIds.has(channelOptions.id)) {
      this.refuse('create_data_channel', GodotError.ERR_ALREADY_EXISTS, 'arguments', `a negotiated channel with id ${channelOptions.id} already exists on this connection`);
      return null;
    }
    const created = this.stack!.createDataChannel(parsed.value.label, channelOptions);
    if (created.code !== GodotError.OK) {
      this.refuse('create_data_channel', created.code, 'signaling', reasonOf(created));
      return null;
    }
    this.signaling.send({ type: 'create_data_channel' });
    if (channelOptions.negotiated) this.negotiatedIds.add(channelOptions.id);
    const channel = new WebRTCDataChannel(
      (created as { value: import('../adapters/extension.js').DataChannelExtension }).value,
      { label: parsed.value.label, ...channelOptions },
      this.id,
      this.recorder,
    );
    this.channels.add(channel);
    return channel;
  }

  create_offer(): GodotError {
    const refused = this.refusal('create_offer', { type: 'create_offer' });
    if (refused !== null) return refused;
    const offer = this.stack!.createOffer();
    if (offer.code !== GodotError.OK) return this.refuse('create_offer', offer.code, 'signaling', reasonOf(offer));
    this.signaling.send({ type: 'create_offer' });
    this.descriptionGenerated('offer', (offer as { value: string }).value);
    return GodotError.OK;
  }

  set_local_description(type: unknown, sdp: unknown): GodotError {
    const sdpType = checkSdpType(type);
    if (sdpType === null) return this.refuseArgument('set_local_description', `type must be one of ${SDP_TYPES.join(', ')}, not ${describe(type)}`);
    if (typeof sdp !== 'string') return this.refuseArgument('set_local_description', `sdp must be a String, not ${describe(sdp)}`);
    const event: SignalingEvent = { type: 'set_local_description', sdpType };
    const refused = this.refusal('set_local_description', event);
    if (refused !== null) return refused;
    if (sdpType === 'rollback') {
      const rolledBack = this.stack!.rollbackLocalOffer();
      if (rolledBack.code !== GodotError.OK) return this.refuse('set_local_description', rolledBack.code, 'signaling', reasonOf(rolledBack));
    } else if (this.generatedSdp === null || !sameSdp(sdp, this.generatedSdp)) {
      return this.refuseArgument(
        'set_local_description',
        'sdp is not the description the stack generated: local descriptions are applied as generated and cannot be modified',
      );
    }
    this.signaling.send(event);
    return GodotError.OK;
  }

  set_remote_description(type: unknown, sdp: unknown): GodotError {
    const sdpType = checkSdpType(type);
    if (sdpType === null) return this.refuseArgument('set_remote_description', `type must be one of ${SDP_TYPES.join(', ')}, not ${describe(type)}`);
    if (typeof sdp !== 'string') return this.refuseArgument('set_remote_description', `sdp must be a String, not ${describe(sdp)}`);
    if (sdpType !== 'rollback') {
      const checked = checkSdp(sdp);
      if (!checked.ok) return this.refuse('set_remote_description', GodotError.ERR_INVALID_DATA, 'arguments', checked.reason);
    }
    const event: SignalingEvent = { type: 'set_remote_description', sdpType };
    const refused = this.refusal('set_remote_description', event);
    if (refused !== null) return refused;
    const stack = this.stack!;
    if (sdpType === 'offer' || sdpType === 'answer') this.remoteMids = mediaIds(sdp);
    if (sdpType === 'offer') {
      const applied = stack.setRemoteDescription('offer', sdp);
      if (applied.code !== GodotError.OK) return this.refuse('set_remote_description', applied.code, 'signaling', reasonOf(applied));
      const answer = stack.createAnswer();
      if (answer.code !== GodotError.OK) return this.refuse('set_remote_description', answer.code, 'signaling', reasonOf(answer));
      this.signaling.send(event);
      this.descriptionGenerated('answer', (answer as { value: string }).value);
    } else if (sdpType === 'answer') {
      const applied = stack.setRemoteDescription('answer', sdp);
      if (applied.code !== GodotError.OK) return this.refuse('set_remote_description', applied.code, 'signaling', reasonOf(applied));
      this.signaling.send(event);
    } else if (sdpType === 'rollback') {
      const rolledBack = stack.rollbackLocalOffer();
      if (rolledBack.code !== GodotError.OK) return this.refuse('set_remote_description', rolledBack.code, 'signaling', reasonOf(rolledBack));
      this.signaling.send(event);
    } else {
      // A pranswer is held by the machine; the stack only ever sees the final answer.
      this.signaling.send(event);
    }
    this.applyHeldCandidates();
    return GodotError.OK;
  }

  /** Adds a remote candidate; before a remote description lands it is held, then applied in order. */
  add_ice_candidate(media: unknown, index: unknown, name: unknown): GodotError {
    if (typeof media !== 'string') return this.refuseArgument('add_ice_candidate', `media must be a String, not ${describe(media)}`);
    if (!isInteger(index)) return this.refuseArgument('add_ice_candidate', `index must be an int, not ${describe(index)}`);
    if (typeof name !== 'string') return this.refuseArgument('add_ice_candidate', `name must be a String, not ${describe(name)}`);
    if (media.length > 256) return this.refuseArgument('add_ice_candidate', 'media (the mid) is longer than 256 characters');
    const candidate = normalizeCandidate(name);
    if (!candidate.ok) return this.refuse('add_ice_candidate', GodotError.ERR_INVALID_DATA, 'arguments', candidate.reason);
    const refused = this.refusal('add_ice_candidate', { type: 'add_ice_candidate' });
    if (refused !== null) return refused;
    this.signaling.send({ type: 'add_ice_candidate' });
    if (!canApplyCandidates(this.signaling.getSnapshot().context)) {
      this.heldCandidates.push({ mid: media, candidate: candidate.value });
      return GodotError.OK;
    }
    const applied = this.applyCandidate(media, candidate.value);
    if (applied.code !== GodotError.OK) return this.refuse('add_ice_candidate', applied.code, 'arguments', reasonOf(applied));
    return GodotError.OK;
  }

  /** Emits the signals queued since the last poll, in the order the stack reported them. */
  poll(): GodotError {
    while (this.queue.length > 0) {
      const emit = this.queue.shift()!;
      emit();
    }
    return GodotError.OK;
  }

  /** Closes the connection and its channels and drops the signals not yet emitted. */
  close(): void {
    const event = { type: 'close' } as const;
    if (this.refusal('close', event) !== null) return;
    for (const actor of this.actors()) actor.send(event);
    this.shutDownStack();
  }

  get_connection_state(): ConnectionState {
    return CONNECTION_VALUES[this.connection.getSnapshot().value as ConnectionStateName];
  }

  get_gathering_state(): GatheringState {
    return GATHERING_VALUES[this.gathering.getSnapshot().value as GatheringStateName];
  }

  get_signaling_state(): SignalingState {
    return SIGNALING_VALUES[this.signaling.getSnapshot().value as SignalingStateName];
  }

  // ---- beyond Godot

  /** This connection's recent records (refusals, stack anomalies and errors), oldest first. */
  get_records(): ConnectionRecord[] {
    return this.recorder.list();
  }

  /** The names of the three machines' current states. */
  get_machine_states(): Record<'signaling' | 'connection' | 'gathering', string> {
    return {
      signaling: stateName(this.signaling.getSnapshot()),
      connection: stateName(this.connection.getSnapshot()),
      gathering: stateName(this.gathering.getSnapshot()),
    };
  }

  // ---- internal

  private actors(): Array<Actor<AnyStateMachine>> {
    return [this.signaling, this.connection, this.gathering] as unknown as Array<Actor<AnyStateMachine>>;
  }

  private onStackEvent(event: StackEvent): void {
    switch (event.type) {
      case 'stack.connection_state':
        this.sendStackEvent('connection', this.connection as unknown as Actor<AnyStateMachine>, connectionMachine, event);
        // The remote end closed the connection: Godot then reads SIGNALING_STATE_CLOSED too.
        if (event.state === 'closed' && this.signaling.getSnapshot().can({ type: 'close' })) this.signaling.send({ type: 'close' });
        return;
      case 'stack.gathering_state':
        this.sendStackEvent('gathering', this.gathering as unknown as Actor<AnyStateMachine>, gatheringMachine, event);
        return;
      case 'stack.local_candidate': {
        const index = Math.max(0, this.localMids.indexOf(event.mid));
        const media = event.mid || '0';
        const name = event.candidate.startsWith('a=') ? event.candidate.slice(2) : event.candidate;
        this.queue.push(() => this.ice_candidate_created.emit(media, index, name));
        return;
      }
      case 'stack.data_channel': {
        const stack = event.channel;
        const channel = new WebRTCDataChannel(
          stack,
          { label: stack.label, protocol: stack.protocol, negotiated: false, ordered: true, maxRetransmits: -1, maxPacketLifeTime: -1 },
          this.id,
          this.recorder,
        );
        this.channels.add(channel);
        this.queue.push(() => this.data_channel_received.emit(channel));
        return;
      }
      case 'stack.signaling_state':
        return;
    }
  }

  private sendStackEvent(machineName: MachineName, actor: Actor<AnyStateMachine>, machine: AnyStateMachine, event: StackEvent): void {
    const snapshot = actor.getSnapshot();
    if (snapshot.can(event)) {
      actor.send(event);
      return;
    }
    this.recorder.add({
      kind: 'stack_anomaly',
      time: Date.now(),
      connection: this.id,
      machine: machineName,
      state: stateName(snapshot),
      event: `${event.type}(${(event as { state?: string }).state ?? ''})`,
      reason: explainRefusal(machine, snapshot, event),
    });
  }

  private descriptionGenerated(type: 'offer' | 'answer', sdp: string): void {
    this.generatedSdp = sdp;
    this.localMids = mediaIds(sdp);
    this.queue.push(() => this.session_description_created.emit(type, sdp));
  }

  private applyHeldCandidates(): void {
    if (!canApplyCandidates(this.signaling.getSnapshot().context) || this.heldCandidates.length === 0) return;
    const held = this.heldCandidates;
    this.heldCandidates = [];
    for (const { mid, candidate } of held) {
      const applied = this.applyCandidate(mid, candidate);
      if (applied.code !== GodotError.OK) {
        this.recorder.add({
          kind: 'stack_error',
          time: Date.now(),
          connection: this.id,
          method: 'add_ice_candidate',
          code: applied.code,
          codeName: errorName(applied.code),
          reason: `a held candidate was rejected when the remote description landed: ${reasonOf(applied)}`,
        });
      }
    }
  }

  /** libdatachannel silently takes a candidate for a mid the remote description does not have; we do not. */
  private applyCandidate(mid: string, candidate: string): { code: GodotError; reason?: string } {
    if (mid !== '' && !this.remoteMids.includes(mid)) {
      return { code: GodotError.ERR_INVALID_DATA, reason: `the remote description has no media section with mid ${JSON.stringify(mid.slice(0, 40))} (it has ${this.remoteMids.map((m) => JSON.stringify(m)).join(', ')})` };
    }
    return this.stack!.addIceCandidate(mid, candidate);
  }

  private shutDownStack(): void {
    this.queue = [];
    this.heldCandidates = [];
    for (const channel of this.channels) channel.peerClosed();
    this.channels.clear();
    const stack = this.stack;
    this.stack = null;
    stack?.close();
  }

  /**
   * Asks the machine that owns `method` whether the call is allowed now: null if it is, else the
   * refusal's code (after recording why). `close` belongs to the connection machine, every other
   * method to the signaling machine.
   */
  private refusal(method: string, event: SignalingEvent): GodotError | null {
    const [machineName, actor, machine, reasons] =
      method === 'close'
        ? (['connection', this.connection, connectionMachine, {}] as const)
        : (['signaling', this.signaling, signalingMachine, signalingGuardReasons] as const);
    const snapshot = (actor as unknown as Actor<AnyStateMachine>).getSnapshot();
    if (!snapshot.can(event)) {
      return this.refuse(method, GodotError.ERR_UNAVAILABLE, machineName, explainRefusal(machine, snapshot, event, reasons));
    }
    if (this.stack === null && method !== 'close') {
      return this.refuse(method, GodotError.ERR_UNCONFIGURED, 'arguments', 'there is no stack connection: initialize() failed; call it again');
    }
    return null;
  }

  private refuseArgument(method: string, reason: string): GodotError {
    return this.refuse(method, GodotError.ERR_INVALID_PARAMETER, 'arguments', reason);
  }

  private refuse(method: string, code: GodotError, machine: MachineName | 'arguments', reason: string): GodotError {
    const states = this.get_machine_states();
    this.recorder.add({
      kind: 'refusal',
      time: Date.now(),
      connection: this.id,
      method,
      machine,
      state: machine === 'arguments' ? states.signaling : states[machine as 'signaling'],
      states,
      code,
      codeName: errorName(code),
      reason,
    });
    return code;
  }
}

function startActor<T extends AnyStateMachine>(machine: T): Actor<T> {
  const actor = createActor(machine);
  actor.subscribe({ error: (error) => console.error(`webrtc-statecharts: ${machine.id} machine stopped`, error) });
  return actor.start();
}

function checkSdpType(type: unknown): SdpType | null {
  return typeof type === 'string' && (SDP_TYPES as readonly string[]).includes(type) ? (type as SdpType) : null;
}

function reasonOf(result: { code: GodotError }): string {
  return (result as { reason?: string }).reason ?? errorName(result.code);
}
