import { ConnectionState, GatheringState, GodotError, SignalingState, errorName } from '../godot/constants.js';
import { Signal } from '../godot/signal.js';
import { signalingMachine, signalingGuardReasons, canApplyCandidates, type SignalingStateName } from '../machines/signaling.js';
import { connectionMachine, type ConnectionStateName } from '../machines/connection.js';
import { gatheringMachine, type GatheringStateName } from '../machines/gathering.js';
import { SDP_TYPES, type SdpType, type SignalingEvent } from '../machines/events.js';
import { valueOf, type DataChannelExtension, type HeldSignal, type StackEvent, type StackResult, type WebRTCPeerConnectionExtension } from '../adapters/extension.js';
import { Recorder } from '../records/recorder.js';
import { registerConnection } from '../records/connections.js';
import type { ConnectionMachineName, ConnectionRecord, MachineName } from '../records/record.js';
import { describe, isInteger } from './arguments.js';
import { parseConfiguration, type Configuration } from './configuration.js';
import { parseChannelOptions, type ChannelInit } from './channel-options.js';
import { checkSdp, isEndOfCandidates, mediaIds, normalizeCandidate, sameSdp } from './sdp.js';
import { RemoteCandidateBudget, removalRecord } from './remote-candidates.js';
import { WebRTCDataChannel, type ChannelDescription } from './data-channel.js';
import { ReceiveBudget } from './packet-queue.js';
import { cutText } from '../records/cut.js';
import { MachineHandle, describeEvent, type Inspector } from './machine-handle.js';
import { CONNECTION_VALUES, GATHERING_VALUES, SIGNALING_VALUES, closeInfoOf, type CloseInfo } from './state-values.js';
import { defaultExtension, resolveExtension, setDefaultExtension, type ExtensionName } from './extension-registry.js';
import { checkLimits, defaultLimits, setDefaultLimits, type Limits } from '../limits.js';
import { log } from '../log.js';
import { DISPATCH_MODES, SignalQueue, type DispatchMode } from './signal-queue.js';
import { waitFor, type WaitOptions } from './waits.js';
import { DEFAULT_SETUP_TIMEOUT_MS, SetupTimer, setupTimeoutReason } from './setup-timeout.js';
import { CARRIED_KEYS, connectionStats, noneCarried, type ConnectionStats } from './stats.js';

export interface PeerConnectionOptions {
  /** The connection's name in records; `pc-1`, `pc-2`, ... by default. */
  id?: string;
  /** xstate's inspection observer, given to every actor of this connection and its channels. */
  inspect?: Inspector;
  /** How many records `get_records()` keeps (default 256). */
  recordCapacity?: number;
  /** This connection's bounds on what its remote peer can make it hold or do (src/limits.ts); the defaults for the rest. */
  limits?: Partial<Limits>;
  /**
   * `poll` (the default, Godot's): signals are emitted only by `poll()`. `events`: they are also
   * emitted as soon as the stack reports, from a task scheduled after its callback has returned,
   * so no poll loop is needed (the promise helpers settle then too).
   */
  dispatch?: DispatchMode;
  /**
   * Ms from the first offer (created, or taken from the remote) to STATE_CONNECTED; past it the
   * connection fails (STATE_FAILED, `get_close_info()` says `timeout`) with a record naming what
   * is missing. Default 30 000; 0: no setup timeout (libjuice then gives up after about 40 s).
   */
  setupTimeout?: number;
}

let nextConnectionNumber = 1;

/**
 * Godot's `WebRTCPeerConnection`. Signaling, ICE gathering and the connection itself are three
 * xstate machines; every method is an event that its machine must allow before the stack is
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

  /** Not Godot: changes the limits (src/limits.ts) of connections created from now on; ERR_INVALID_PARAMETER, and nothing changes, for a value that is not a limit. */
  static set_default_limits(limits: Partial<Limits>): GodotError {
    const set = setDefaultLimits(limits);
    if (set.ok) return GodotError.OK;
    log('error', 'library', `set_default_limits refused: ${set.reason}`);
    return GodotError.ERR_INVALID_PARAMETER;
  }

  // Godot's three signals, emitted only by poll().
  readonly session_description_created = new Signal<[type: 'offer' | 'answer', sdp: string]>('session_description_created');
  readonly ice_candidate_created = new Signal<[media: string, index: number, name: string]>('ice_candidate_created');
  readonly data_channel_received = new Signal<[channel: WebRTCDataChannel]>('data_channel_received');
  /** Not Godot: emitted at once, inside the refused call, after it has changed nothing. */
  readonly call_refused = new Signal<[record: ConnectionRecord]>('call_refused');
  /**
   * Not Godot: the connection machine changed state (emitted as Godot's signals are, by `poll()` or
   * the event dispatch), with why it ended once it has (`get_close_info()`'s value then), else null.
   */
  readonly connection_state_changed = new Signal<[state: ConnectionState, close_info: CloseInfo | null]>('connection_state_changed');
  /** Not Godot: the gathering machine changed state. */
  readonly gathering_state_changed = new Signal<[state: GatheringState]>('gathering_state_changed');
  /** Not Godot: the signaling machine changed state. */
  readonly signaling_state_changed = new Signal<[state: SignalingState]>('signaling_state_changed');

  readonly id: string;
  /** What this connection lets its remote peer make it hold or do. */
  readonly limits: Readonly<Limits>;
  readonly signaling: MachineHandle<typeof signalingMachine>;
  readonly connection: MachineHandle<typeof connectionMachine>;
  readonly gathering: MachineHandle<typeof gatheringMachine>;
  /** How this connection's signals are emitted (see `PeerConnectionOptions.dispatch`). */
  readonly dispatch: DispatchMode;
  /** Its setup timeout in ms (0: none). */
  readonly setupTimeout: number;

  private readonly recorder: Recorder;
  private readonly inspect: Inspector | undefined;
  private stack: WebRTCPeerConnectionExtension | null = null;
  /** Signals not yet emitted, Godot's and the state changes, in the order they happened. */
  private readonly queue: SignalQueue;
  private readonly setupTimer: SetupTimer;
  private localCandidates = 0;
  private readonly createdAt = performance.now();
  /** What closed channels carried since the last initialize, for get_stats(). */
  private closedTotals = noneCarried();
  /** The channels not closed yet: a closed one leaves (its negotiated id stays taken, see adopt). */
  private channels = new Set<WebRTCDataChannel>();
  private negotiatedIds = new Set<number>();
  /** What the channels hold unread (a new budget with each stack connection). */
  private budget: ReceiveBudget | null = null;
  private heldCandidates: Array<{ mid: string; candidate: string }> = [];
  private remoteCandidates = new RemoteCandidateBudget();
  private generatedSdp: string | null = null;
  private localMids: string[] = [];
  private remoteMids: string[] = [];

  constructor(options: PeerConnectionOptions = {}) {
    this.id = options.id ?? `pc-${nextConnectionNumber++}`;
    const limits = checkLimits(options.limits);
    // A constructor cannot return a code: limits that are not limits fall back to the defaults, and the first record says why.
    this.limits = Object.freeze(limits.ok ? limits.value : { ...defaultLimits() });
    this.inspect = options.inspect;
    const dispatch = options.dispatch ?? 'poll';
    const setupTimeout = options.setupTimeout ?? DEFAULT_SETUP_TIMEOUT_MS;
    const badOption = !DISPATCH_MODES.includes(dispatch) ? `options.dispatch must be ${DISPATCH_MODES.map((mode) => `"${mode}"`).join(' or ')}, not ${describe(dispatch)}; "poll" is used`
      : !Number.isSafeInteger(setupTimeout) || setupTimeout < 0 || setupTimeout > 2 ** 31 - 1 ? `options.setupTimeout must be a whole number of ms from 0 to 2147483647, not ${describe(setupTimeout)}; ${DEFAULT_SETUP_TIMEOUT_MS} is used`
      : null;
    this.dispatch = DISPATCH_MODES.includes(dispatch) ? dispatch : 'poll';
    this.setupTimeout = Number.isSafeInteger(setupTimeout) && setupTimeout >= 0 && setupTimeout <= 2 ** 31 - 1 ? setupTimeout : DEFAULT_SETUP_TIMEOUT_MS;
    this.queue = new SignalQueue(this.dispatch, (held) => this.stack?.signalReady?.(held) !== false);
    this.setupTimer = new SetupTimer(this.setupTimeout, () => this.setupTimedOut());
    this.recorder = new Recorder(this.id, options.recordCapacity ?? 256, (record) => {
      if (record.kind === 'refusal') this.call_refused.emit(record);
    }, this.limits.recordTextLength);
    this.signaling = new MachineHandle('signaling', signalingMachine, this.recorder, { inspect: this.inspect });
    this.connection = new MachineHandle('connection', connectionMachine, this.recorder, { inspect: this.inspect });
    this.gathering = new MachineHandle('gathering', gatheringMachine, this.recorder, { inspect: this.inspect });
    this.connection.onStateChange = (_from, to) => this.connectionChanged(to as ConnectionStateName);
    this.gathering.onStateChange = (_from, to) => {
      const state = GATHERING_VALUES[to as GatheringStateName];
      this.queue.push({ emit: () => this.gathering_state_changed.emit(state) });
    };
    this.signaling.onStateChange = (_from, to) => {
      const state = SIGNALING_VALUES[to as SignalingStateName];
      this.queue.push({ emit: () => this.signaling_state_changed.emit(state) });
    };
    this.initialize({});
    if (!limits.ok) this.refuse('constructor', GodotError.ERR_INVALID_PARAMETER, 'arguments', `options.limits: ${limits.reason}; the defaults are used`);
    if (badOption !== null) this.refuse('constructor', GodotError.ERR_INVALID_PARAMETER, 'arguments', badOption);
    registerConnection(this);
  }

  // ---- Godot methods

  /** (Re)creates the stack connection and goes back to STATE_NEW; a bad configuration changes nothing. */
  initialize(configuration: Configuration = {}): GodotError {
    const parsed = parseConfiguration(configuration);
    if (!parsed.ok) return this.refuse('initialize', GodotError.ERR_INVALID_PARAMETER, 'arguments', parsed.reason);
    const factory = resolveExtension(defaultExtension());
    if (!factory) return this.refuse('initialize', GodotError.ERR_UNCONFIGURED, 'arguments', `no stack is registered as ${describe(defaultExtension())}`);
    let created: WebRTCPeerConnectionExtension | null = null;
    const result = factory.create(parsed.value, (event) => {
      if (created !== null && created === this.stack) this.onStackEvent(event);
    });
    if (result.code !== GodotError.OK) return this.refuse('initialize', result.code, 'arguments', reasonOf(result));
    this.shutDownStack();
    created = valueOf(result);
    this.stack = created;
    this.negotiatedIds.clear();
    this.remoteCandidates = new RemoteCandidateBudget();
    this.budget = new ReceiveBudget(this.limits, (limit, reason) => this.closeForLimit(limit, reason));
    this.generatedSdp = null;
    this.localMids = [];
    this.remoteMids = [];
    this.localCandidates = 0;
    this.closedTotals = noneCarried();
    for (const machine of [this.signaling, this.connection, this.gathering] as const) machine.send({ type: 'initialize' });
    return GodotError.OK;
  }

  create_data_channel(label: string, options: ChannelInit = {}): WebRTCDataChannel | null {
    const parsed = parseChannelOptions(label, options);
    if (!parsed.ok) {
      this.refuse('create_data_channel', GodotError.ERR_INVALID_PARAMETER, 'arguments', parsed.reason);
      return null;
    }
    if (this.refusal('create_data_channel', { type: 'create_data_channel' }) !== null) return null;
    const { label: name, options: channelOptions } = parsed.value;
    if (channelOptions.negotiated && this.negotiatedIds.has(channelOptions.id)) {
      this.refuse('create_data_channel', GodotError.ERR_ALREADY_EXISTS, 'arguments', `a negotiated channel with id ${channelOptions.id} already exists on this connection (a closed one keeps its id: the stack keeps its stream until the remote resets it)`);
      return null;
    }
    const created = this.stack!.createDataChannel(name, channelOptions);
    if (created.code !== GodotError.OK) {
      this.refuse('create_data_channel', created.code, 'signaling', reasonOf(created));
      return null;
    }
    this.signaling.send({ type: 'create_data_channel' });
    if (channelOptions.negotiated) this.negotiatedIds.add(channelOptions.id);
    return this.adopt(valueOf(created), { label: name, ...channelOptions });
  }

  create_offer(): GodotError {
    const refused = this.refusal('create_offer', { type: 'create_offer' });
    if (refused !== null) return refused;
    const offer = this.stack!.createOffer();
    if (offer.code !== GodotError.OK) return this.refuse('create_offer', offer.code, 'signaling', reasonOf(offer));
    this.signaling.send({ type: 'create_offer' });
    this.startSetupTimer();
    this.descriptionGenerated('offer', valueOf(offer));
    return GodotError.OK;
  }

  /** Sets the description the stack generated (or rolls back the local offer). */
  set_local_description(type: SdpType, sdp: string): GodotError {
    const method = 'set_local_description';
    const sdpType = checkSdpType(type);
    if (sdpType === null) return this.refuse(method, GodotError.ERR_INVALID_PARAMETER, 'arguments', `type must be one of ${SDP_TYPES.join(', ')}, not ${describe(type)}`);
    if (typeof sdp !== 'string') return this.refuse(method, GodotError.ERR_INVALID_PARAMETER, 'arguments', `sdp must be a String, not ${describe(sdp)}`);
    const event: SignalingEvent = { type: method, sdpType };
    const refused = this.refusal(method, event);
    if (refused !== null) return refused;
    if (sdpType === 'rollback') {
      const rolledBack = this.stack!.rollbackLocalOffer();
      if (rolledBack.code !== GodotError.OK) return this.refuse(method, rolledBack.code, 'signaling', reasonOf(rolledBack));
    } else if (this.generatedSdp === null || !sameSdp(sdp, this.generatedSdp)) {
      return this.refuse(method, GodotError.ERR_INVALID_PARAMETER, 'arguments', 'sdp is not the description the stack generated: local descriptions are applied as generated and cannot be modified');
    }
    this.signaling.send(event);
    return GodotError.OK;
  }

  /** Applies the remote peer's description; an offer is answered at once (the answer comes through poll()). */
  set_remote_description(type: SdpType, sdp: string): GodotError {
    const method = 'set_remote_description';
    const sdpType = checkSdpType(type);
    if (sdpType === null) return this.refuse(method, GodotError.ERR_INVALID_PARAMETER, 'arguments', `type must be one of ${SDP_TYPES.join(', ')}, not ${describe(type)}`);
    if (typeof sdp !== 'string') return this.refuse(method, GodotError.ERR_INVALID_PARAMETER, 'arguments', `sdp must be a String, not ${describe(sdp)}`);
    if (sdpType !== 'rollback') {
      const checked = checkSdp(sdp, this.limits);
      if (!checked.ok) return this.refuse(method, GodotError.ERR_INVALID_DATA, 'arguments', checked.reason);
    }
    const event: SignalingEvent = { type: method, sdpType };
    const refused = this.refusal(method, event);
    if (refused !== null) return refused;
    const screened = sdpType === 'offer' || sdpType === 'answer' ? this.remoteCandidates.screen(sdp, this.limits) : null;
    const applied = this.applyRemote(sdpType, screened?.sdp ?? sdp);
    if (applied.code !== GodotError.OK) return this.refuse(method, applied.code, 'signaling', reasonOf(applied));
    if (screened !== null) {
      this.remoteCandidates.take(screened.taken);
      const removed = removalRecord(sdpType, screened);
      if (removed !== null) this.recorder.add(removed);
    }
    if (sdpType === 'offer' || sdpType === 'answer') this.remoteMids = mediaIds(sdp);
    this.signaling.send(event);
    if (sdpType === 'offer') this.startSetupTimer();
    const answer = valueOf(applied);
    if (typeof answer === 'string') {
      this.descriptionGenerated('answer', answer);
    }
    this.applyHeldCandidates();
    return GodotError.OK;
  }

  /** Adds a remote candidate; before a remote description lands it is held, then applied in order. */
  add_ice_candidate(media: string, index: number, name: string): GodotError {
    const method = 'add_ice_candidate';
    const badArgument =
      typeof media !== 'string' ? `media must be a String, not ${describe(media)}`
      : media.length > 256 ? 'media (the mid) is longer than 256 characters'
      : !isInteger(index) ? `index must be an int, not ${describe(index)}`
      : typeof name !== 'string' ? `name must be a String, not ${describe(name)}`
      : null;
    if (badArgument !== null) return this.refuse(method, GodotError.ERR_INVALID_PARAMETER, 'arguments', badArgument);
    if (isEndOfCandidates(name as string)) return this.refusal(method, { type: method }) ?? GodotError.OK; // taken, changes nothing
    const candidate = normalizeCandidate(name as string, this.limits.candidateAddresses);
    if (!candidate.ok) return this.refuse(method, GodotError.ERR_INVALID_DATA, 'arguments', candidate.reason);
    const refused = this.refusal(method, { type: method });
    if (refused !== null) return refused;
    const overBudget = this.remoteCandidates.refusal(candidate.value, this.limits);
    if (overBudget !== null) return this.refuse(method, overBudget.code, 'arguments', overBudget.reason);
    if (!canApplyCandidates(this.signaling.snapshot.context)) {
      this.heldCandidates.push({ mid: media as string, candidate: candidate.value.line });
      this.remoteCandidates.take([candidate.value]);
      this.signaling.send({ type: method });
      return GodotError.OK;
    }
    const applied = this.applyCandidate(media as string, candidate.value.line);
    if (applied.code !== GodotError.OK) return this.refuse(method, applied.code, 'arguments', reasonOf(applied));
    this.remoteCandidates.take([candidate.value]);
    this.signaling.send({ type: method });
    return GodotError.OK;
  }

  /** Emits the signals queued since the last poll, in the order the stack reported them. */
  poll(): GodotError {
    this.queue.drain();
    return GodotError.OK;
  }

  /** Closes the connection and its channels and drops the signals not yet emitted. */
  close(): void {
    if (this.refusal('close', { type: 'close' }) !== null) return;
    this.connection.send({ type: 'close' });
    this.signaling.send({ type: 'close' });
    this.shutDownStack();
  }

  get_connection_state(): ConnectionState {
    return CONNECTION_VALUES[this.connection.state as ConnectionStateName];
  }

  get_gathering_state(): GatheringState {
    return GATHERING_VALUES[this.gathering.state as GatheringStateName];
  }

  get_signaling_state(): SignalingState {
    return SIGNALING_VALUES[this.signaling.state as SignalingStateName];
  }

  // ---- beyond Godot

  /** This connection's recent records (transitions, refusals, stack anomalies and errors), oldest first. */
  get_records(): ConnectionRecord[] {
    return this.recorder.list();
  }

  /** The names of the three machines' current states. */
  get_machine_states(): Record<'signaling' | 'connection' | 'gathering', string> {
    return { signaling: this.signaling.state, connection: this.connection.state, gathering: this.gathering.state };
  }

  /**
   * Not Godot: why the connection closed, null until it has (and again after `initialize()`):
   * `by` `local` (close()), `remote` (the stack reported closed: the remote end closed, or the
   * connection failed), or `limit` (the remote went past `limit`); `last_state` the
   * ConnectionState before STATE_CLOSED, and `monotonic` when (ms). Read from the connection
   * machine, which keeps it.
   */
  get_close_info(): CloseInfo | null {
    return closeInfoOf(this.connection.snapshot.context.closed, this.connection.changedAt);
  }

  /** The data channels of this connection that are not closed yet, created or received. */
  get_data_channels(): WebRTCDataChannel[] {
    return [...this.channels];
  }

  /**
   * Not Godot: what this connection's channels hold unread, counted as `limits.maxQueuedBytes`
   * counts it (each packet's payload plus `packetOverheadBytes`), closed channels' unread packets
   * included; 0 again after `initialize()`.
   */
  get_queued_bytes(): number {
    return this.budget?.bytes ?? 0;
  }

  /**
   * Not Godot: resolves with OK once the connection is STATE_CONNECTED (at once if it is),
   * ERR_CONNECTION_ERROR if it fails or closes first, ERR_TIMEOUT after `timeout` ms. It never
   * rejects, and it settles when `connection_state_changed` is emitted: by `poll()`, or by the
   * event dispatch.
   */
  connected(options?: WaitOptions): Promise<GodotError> {
    const connected = (state: ConnectionState): GodotError | undefined =>
      state === ConnectionState.STATE_CONNECTED ? GodotError.OK
      : state === ConnectionState.STATE_FAILED || state === ConnectionState.STATE_CLOSED ? GodotError.ERR_CONNECTION_ERROR
      : undefined;
    return this.wait('connected', () => connected(this.get_connection_state()), [{ signal: this.connection_state_changed, settle: connected }], options);
  }

  /** Not Godot: resolves with OK once gathering is complete, ERR_CONNECTION_ERROR if the connection ends first, ERR_TIMEOUT after `timeout` ms (as `connected`). */
  gathered(options?: WaitOptions): Promise<GodotError> {
    const ended = (state: ConnectionState) => (state === ConnectionState.STATE_FAILED || state === ConnectionState.STATE_CLOSED ? GodotError.ERR_CONNECTION_ERROR : undefined);
    const complete = (state: GatheringState) => (state === GatheringState.GATHERING_STATE_COMPLETE ? GodotError.OK : undefined);
    return this.wait(
      'gathered',
      () => complete(this.get_gathering_state()) ?? ended(this.get_connection_state()),
      [
        { signal: this.gathering_state_changed, settle: complete },
        { signal: this.connection_state_changed, settle: ended },
      ],
      options,
    );
  }

  /** Not Godot: resolves with OK once the connection is STATE_CLOSED, ERR_TIMEOUT after `timeout` ms (as `connected`). */
  closed(options?: WaitOptions): Promise<GodotError> {
    const closed = (state: ConnectionState) => (state === ConnectionState.STATE_CLOSED ? GodotError.OK : undefined);
    return this.wait('closed', () => closed(this.get_connection_state()), [{ signal: this.connection_state_changed, settle: closed }], options);
  }

  /**
   * Not Godot: this connection's figures (src/api/stats.ts): its age, what its channels carried
   * and hold, and what the stack counts (transport bytes, round trip, the selected pair).
   */
  get_stats(): ConnectionStats {
    const own = {
      id: this.id,
      age_ms: performance.now() - this.createdAt,
      connection_state: this.get_connection_state(),
      states: this.get_machine_states(),
      queued_bytes: this.get_queued_bytes(),
    };
    return connectionStats(own, [...this.channels].map((channel) => channel.get_stats()), this.closedTotals, this.stack?.stats?.() ?? null);
  }

  // ---- internal

  /**
   * @internal The remote peer went past one of `limits` (named by `limit`): the connection is
   * closed, with a record saying why. Called from a stack callback or from within a method: no
   * user code runs here, and the signals not yet emitted are dropped as by `close()`.
   */
  closeForLimit(limit: keyof Limits, reason: string): void {
    if (this.connection.state === 'closed') return;
    this.recorder.add({ kind: 'stack_error', method: `limit.${limit}`, code: GodotError.ERR_OUT_OF_MEMORY, codeName: errorName(GodotError.ERR_OUT_OF_MEMORY), reason });
    const exceeded = { type: 'limit_exceeded', limit } as const;
    this.connection.send(exceeded);
    this.signaling.send(exceeded);
    this.shutDownStack();
  }

  /**
   * @internal The connection did not get where it should in time (`setup`: not connected within
   * the setup timeout; `keepalive`: the remote end fell silent): it fails, with a record saying why,
   * and its stack is shut down as by `close()`. Called from a timer: no user code runs here.
   */
  failForTimeout(timeout: 'setup' | 'keepalive', reason: string): void {
    const event = { type: 'timed_out', timeout } as const;
    if (!this.connection.can(event)) return;
    this.recorder.add({ kind: 'stack_error', method: `timeout.${timeout}`, code: GodotError.ERR_TIMEOUT, codeName: errorName(GodotError.ERR_TIMEOUT), reason });
    this.connection.send(event);
    this.signaling.send(event);
    this.shutDownStack();
  }

  /** @internal A refusal made on this connection's behalf by a helper built on it (keepalive): recorded as its own. */
  refuseFor(method: string, code: GodotError, reason: string): GodotError {
    return this.refuse(method, code, 'arguments', reason);
  }

  private startSetupTimer(): void {
    if (this.connection.state !== 'connected') this.setupTimer.start();
  }

  private setupTimedOut(): void {
    this.failForTimeout('setup', setupTimeoutReason({
      timeoutMs: this.setupTimeout,
      signaling: this.signaling.state as SignalingStateName,
      context: this.signaling.snapshot.context,
      connection: this.connection.state,
      remoteCandidates: this.remoteCandidates.count,
      localCandidates: this.localCandidates,
    }));
  }

  /** The connection machine changed state: the setup is over once connected (or ended), and the change is signalled with why it ended. */
  private connectionChanged(to: ConnectionStateName): void {
    if (to === 'connected' || to === 'failed' || to === 'closed') this.setupTimer.clear();
    const state = CONNECTION_VALUES[to];
    const info = this.get_close_info();
    this.queue.push({ emit: () => this.connection_state_changed.emit(state, info) });
  }

  private applyRemote(sdpType: SdpType, sdp: string): StackResult<string | undefined> {
    const stack = this.stack!;
    switch (sdpType) {
      case 'offer': {
        const applied = stack.setRemoteDescription('offer', sdp);
        return applied.code === GodotError.OK ? stack.createAnswer() : applied;
      }
      case 'answer':
        return stack.setRemoteDescription('answer', sdp) as StackResult<undefined>;
      case 'rollback':
        return stack.rollbackLocalOffer() as StackResult<undefined>;
      case 'pranswer':
        // Held by the machine: the stack only ever sees the final answer.
        return { code: GodotError.OK, value: undefined };
    }
  }

  private onStackEvent(event: StackEvent): void {
    switch (event.type) {
      case 'stack.connection_state':
        this.takeStackEvent(this.connection, event);
        // Closed by the remote end (or after a failure): Godot then reads SIGNALING_STATE_CLOSED too,
        // and the channels are closed with it (one that never opened would stay STATE_CONNECTING).
        // The signaling takes the stack's own report, so that its trail says the stack closed it.
        if (event.state === 'closed') {
          this.signaling.send(event);
          for (const channel of this.channels) channel.connectionClosed();
        }
        return;
      case 'stack.gathering_state':
        this.takeStackEvent(this.gathering, event);
        return;
      case 'stack.local_candidate': {
        const index = Math.max(0, this.localMids.indexOf(event.mid));
        const media = event.mid || '0';
        const name = event.candidate.startsWith('a=') ? event.candidate.slice(2) : event.candidate;
        this.localCandidates++;
        this.queue.push({ emit: () => this.ice_candidate_created.emit(media, index, name), held: 'candidate', godot: true });
        return;
      }
      case 'stack.data_channel': {
        if (!this.acceptsRemoteChannel(event.channel)) return;
        // node-datachannel does not tell a received channel's reliability: Godot's "unset" values.
        const { label, protocol } = event.channel;
        const channel = this.adopt(event.channel, { label, protocol, negotiated: false, ordered: true, maxRetransmits: -1, maxPacketLifeTime: -1 });
        this.queue.push({ emit: () => this.data_channel_received.emit(channel), godot: true });
        return;
      }
      case 'stack.signals_released':
        this.queue.schedule();
        return;
      case 'stack.signaling_state':
        return;
    }
  }

  private takeStackEvent(machine: MachineHandle<typeof connectionMachine> | MachineHandle<typeof gatheringMachine>, event: StackEvent): void {
    if ((machine as MachineHandle<any>).send(event)) return;
    this.recorder.add({
      kind: 'stack_anomaly',
      machine: machine.name,
      state: machine.state,
      event: describeEvent(event),
      reason: (machine as MachineHandle<any>).explain(event),
    });
  }

  private adopt(stack: DataChannelExtension, description: ChannelDescription & { id?: number }): WebRTCDataChannel {
    const channel = new WebRTCDataChannel(stack, description, {
      recorder: this.recorder,
      budget: this.budget!,
      recordTextLength: this.limits.recordTextLength,
      maxBufferedBytes: this.limits.maxBufferedBytes,
      queue: (emit) => this.queue.push({ emit }),
      ...(this.inspect ? { inspect: this.inspect } : {}),
      // Its negotiated id stays taken: libdatachannel keeps a closed channel's stream until the remote resets it, and a new channel on that id never opens.
      closed: (closed) => {
        if (!this.channels.delete(closed)) return;
        const carried = closed.get_stats();
        for (const key of CARRIED_KEYS) this.closedTotals[key] += carried[key];
      },
    });
    // A remote's channel can close before it is handed over (the remote closed it at once): never listed.
    if (channel.get_ready_state() !== WebRTCDataChannel.STATE_CLOSED) this.channels.add(channel);
    return channel;
  }

  /**
   * A remote's in-band channel past `maxChannels`, or with a label or protocol over
   * `maxRemoteLabelBytes`, is closed at once with a record (its label cut): it is never listed,
   * announced, nor its long label kept.
   */
  private acceptsRemoteChannel(channel: DataChannelExtension): boolean {
    const { maxChannels, maxRemoteLabelBytes, recordTextLength } = this.limits;
    const [limit, reason]: [keyof Limits, string] | [null, null] =
      this.channels.size >= maxChannels ? ['maxChannels', `the remote opened a channel while ${this.channels.size} are open, the most maxChannels (${maxChannels}) allows`]
      : Buffer.byteLength(channel.label) > maxRemoteLabelBytes ? ['maxRemoteLabelBytes', `the remote opened a channel whose label is ${Buffer.byteLength(channel.label)} bytes, more than maxRemoteLabelBytes (${maxRemoteLabelBytes})`]
      : Buffer.byteLength(channel.protocol) > maxRemoteLabelBytes ? ['maxRemoteLabelBytes', `the remote opened a channel whose protocol is ${Buffer.byteLength(channel.protocol)} bytes, more than maxRemoteLabelBytes (${maxRemoteLabelBytes})`]
      : [null, null];
    if (limit === null) return true;
    channel.close();
    const code = limit === 'maxChannels' ? GodotError.ERR_BUSY : GodotError.ERR_INVALID_DATA;
    this.recorder.add({ kind: 'stack_error', channel: `${cutText(channel.label, recordTextLength)}#${channel.id()}`, method: `limit.${limit}`, code, codeName: errorName(code), reason: `${reason}: it is closed at once` });
    return false;
  }

  private descriptionGenerated(type: 'offer' | 'answer', sdp: string): void {
    this.generatedSdp = sdp;
    this.localMids = mediaIds(sdp);
    this.queue.push({ emit: () => this.session_description_created.emit(type, sdp), godot: true, ...(type === 'answer' ? { held: 'answer' as const } : {}) });
  }

  private applyHeldCandidates(): void {
    if (!canApplyCandidates(this.signaling.snapshot.context) || this.heldCandidates.length === 0) return;
    const held = this.heldCandidates;
    this.heldCandidates = [];
    for (const { mid, candidate } of held) {
      const applied = this.applyCandidate(mid, candidate);
      if (applied.code === GodotError.OK) continue;
      this.recorder.add({
        kind: 'stack_error',
        method: 'add_ice_candidate',
        code: applied.code,
        codeName: errorName(applied.code),
        reason: `a held candidate was rejected when the remote description landed: ${reasonOf(applied)}`,
      });
    }
  }

  /** libdatachannel silently takes a candidate for a mid the remote description does not have; we do not. */
  private applyCandidate(mid: string, candidate: string): StackResult {
    if (mid !== '' && !this.remoteMids.includes(mid)) {
      const known = this.remoteMids.map((m) => JSON.stringify(m)).join(', ');
      return { code: GodotError.ERR_INVALID_DATA, reason: `the remote description has no media section with mid ${JSON.stringify(mid.slice(0, 40))} (it has ${known})` };
    }
    return this.stack!.addIceCandidate(mid, candidate);
  }

  private shutDownStack(): void {
    this.queue.dropGodotSignals();
    this.setupTimer.clear();
    this.heldCandidates = [];
    for (const channel of this.channels) channel.peerClosed();
    this.channels.clear();
    const stack = this.stack;
    this.stack = null;
    stack?.close();
  }

  /**
   * Asks the machine that owns `method` whether the call is allowed now: null if it is, else the
   * refusal's code, after recording why. `close` belongs to the connection machine, every other
   * method to the signaling machine.
   */
  private refusal(method: string, event: SignalingEvent): GodotError | null {
    const machine = method === 'close' ? this.connection : this.signaling;
    if (!(machine as MachineHandle<any>).can(event)) {
      const reasons = machine === this.signaling ? signalingGuardReasons : undefined;
      return this.refuse(method, GodotError.ERR_UNAVAILABLE, machine.name as ConnectionMachineName, (machine as MachineHandle<any>).explain(event, reasons));
    }
    if (this.stack === null && method !== 'close') {
      return this.refuse(method, GodotError.ERR_UNCONFIGURED, 'arguments', 'there is no stack connection: the last initialize() failed; call it again');
    }
    return null;
  }

  private wait(method: string, now: () => GodotError | undefined, watches: Parameters<typeof waitFor>[1], options: WaitOptions | undefined): Promise<GodotError> {
    return waitFor(now, watches, options, (reason) => this.refuse(method, GodotError.ERR_INVALID_PARAMETER, 'arguments', reason));
  }

  private refuse(method: string, code: GodotError, machine: ConnectionMachineName | 'arguments', reason: string): GodotError {
    const states = this.get_machine_states();
    this.recorder.add({
      kind: 'refusal',
      method,
      machine,
      state: machine === 'arguments' || machine === 'dataChannel' ? states.signaling : states[machine],
      states,
      code,
      codeName: errorName(code),
      reason,
    });
    return code;
  }
}

function checkSdpType(type: unknown): SdpType | null {
  return typeof type === 'string' && (SDP_TYPES as readonly string[]).includes(type) ? (type as SdpType) : null;
}

function reasonOf(result: { code: GodotError }): string {
  return (result as { reason?: string }).reason ?? errorName(result.code);
}
