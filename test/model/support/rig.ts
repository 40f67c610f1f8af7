import {
  GodotError,
  WebRTCPeerConnection,
  type ConnectionRecord,
  type ExtensionFactory,
  type PeerConnectionOptions,
  type WebRTCDataChannel,
} from '../../../src/index.js';
import { createScriptedStack, scriptedCandidate, scriptedSdp, snapshotDisagreements, type ScriptedStack } from '../../../src/testing/index.js';
import nodeDataChannel from 'node-datachannel';
import { loopbackExtension } from '../../support/loopback.js';
import { createGate, type Gate, type GatedChannel } from './gate.js';

/**
 * One connection under test ("L") and what a replay needs around it. Every method call a path
 * makes goes through the real `WebRTCPeerConnection` API; what differs between the two rigs is
 * the stack underneath: the real one over loopback behind a gate (`LoopbackRig`), or the
 * scripted one (`ScriptedRig`).
 */
export type Source = 'loopback' | 'scripted';

let serial = 0;

/** Runs `fn` with `factory` as the default extension: `initialize` reads it synchronously. */
export function withStack<T>(factory: ExtensionFactory, fn: () => T): T {
  WebRTCPeerConnection.set_default_extension(factory);
  try {
    return fn();
  } finally {
    WebRTCPeerConnection.set_default_extension(loopbackExtension);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A description `session_description_created` gave. */
export type Description = [type: string, sdp: string];

export abstract class Rig {
  readonly pc: WebRTCPeerConnection;
  /** Every channel created on `pc`, in order (closed ones included). */
  readonly channels: WebRTCDataChannel[] = [];
  /** Descriptions emitted since the last `takeDescriptions()`. */
  private descriptions: Description[] = [];
  /** The descriptions the current stack generated: what set_local_description must be given. */
  offer: string | null = null;
  answer: string | null = null;
  private channelNumber = 0;
  private readonly others: WebRTCPeerConnection[] = [];

  protected constructor(
    readonly source: Source,
    private readonly factory: ExtensionFactory,
    options: Pick<PeerConnectionOptions, 'setupTimeout'> = {},
  ) {
    this.pc = withStack(factory, () => new WebRTCPeerConnection({ ...options, id: `model-${source}-${++serial}` }));
    this.pc.session_description_created.connect((type, sdp) => {
      this.descriptions.push([type, sdp]);
      if (type === 'offer') this.offer = sdp;
      if (type === 'answer') this.answer = sdp;
    });
  }

  /** A connection around L (a far end), closed with the rig. */
  protected other(factory: ExtensionFactory = loopbackExtension): WebRTCPeerConnection {
    const pc = withStack(factory, () => new WebRTCPeerConnection({ id: `model-far-${++serial}` }));
    this.others.push(pc);
    return pc;
  }

  /** Polls L and returns the descriptions it emitted since the last call. */
  takeDescriptions(): Description[] {
    this.pc.poll();
    const taken = this.descriptions;
    this.descriptions = [];
    return taken;
  }

  initialize(): GodotError {
    this.offer = null;
    this.answer = null;
    this.descriptions = [];
    const result = withStack(this.factory, () => this.pc.initialize());
    this.afterInitialize();
    return result;
  }

  protected afterInitialize(): void {}

  /** A channel on L; the first one (the one the data-channel paths follow) is negotiated with id 1. */
  createChannel(): WebRTCDataChannel | null {
    const id = ++this.channelNumber;
    const channel = this.pc.create_data_channel(id === 1 ? 'dc' : `dc${id}`, { negotiated: true, id });
    if (channel) this.channels.push(channel);
    else this.channelNumber--;
    return channel;
  }

  abstract remoteOffer(): string;
  abstract remoteAnswer(): string;

  candidate(): [media: string, index: number, name: string] {
    return ['0', 0, scriptedCandidate()];
  }

  /** Where getters and snapshots disagree (none, always). */
  disagreements(): string[] {
    return snapshotDisagreements(this.pc, this.channels);
  }

  /** L's records after `seq`. */
  recordsSince(seq: number): ConnectionRecord[] {
    return this.pc.get_records().filter((record) => record.seq > seq);
  }

  lastSeq(): number {
    return this.pc.get_records().at(-1)?.seq ?? 0;
  }

  close(): void {
    for (const pc of [this.pc, ...this.others]) {
      if (pc.get_connection_state() !== WebRTCPeerConnection.STATE_CLOSED) pc.close();
    }
  }
}

/** L over the scripted stack: the test makes the stack report. */
export class ScriptedRig extends Rig {
  readonly stack: ScriptedStack;

  constructor() {
    const stack = createScriptedStack({ name: `scripted-${serial + 1}` });
    super('scripted', stack.factory);
    this.stack = stack;
  }

  remoteOffer(): string {
    return scriptedSdp('offer');
  }

  remoteAnswer(): string {
    return scriptedSdp('answer');
  }
}

/** Rewrites an answer's DTLS fingerprint: ICE still succeeds, DTLS verification fails. */
export function wrongFingerprint(sdp: string): string {
  return sdp.replace(/(a=fingerprint:[\w-]+ )([0-9A-Fa-f]{2})/, (_m, head: string, byte: string) => `${head}${byte.toUpperCase() === 'AA' ? 'BB' : 'AA'}`);
}

/**
 * L over node-datachannel on 127.0.0.1, behind a gate that holds the reports the machines take
 * until the replay releases them; far ends are plain loopback connections.
 */
export class LoopbackRig extends Rig {
  readonly gate: Gate;
  /** The far end that answers L's current offer (connectivity); null until one is needed. */
  far: WebRTCPeerConnection | null = null;
  farChannel: WebRTCDataChannel | null = null;
  /** good: the far end answered with its own fingerprint; bad: with a wrong one. */
  fate: 'none' | 'good' | 'bad' = 'none';
  /** The gate of the channel a data-channel path follows. */
  followedGate: GatedChannel | null = null;
  private offerer: WebRTCPeerConnection | null = null;
  private offererSdp: string | null = null;
  private answers = new Map<string, { answerer: RawPeer; sdp: string }>();
  private localCandidates: Array<[string, number, string]> = [];
  /** Who gave L the remote description its stack holds: a remote offer must come from the same end. */
  private remoteFrom: RawPeer | 'offerer' | null = null;
  private readonly raw: RawPeer[] = [];

  /** `setupTimeout`: L's, for a path that waits for it to fail the connection (else the default). */
  constructor(options: Pick<PeerConnectionOptions, 'setupTimeout'> = {}) {
    const gate = createGate(loopbackExtension, `gated-${serial + 1}`);
    super('loopback', gate.factory, options);
    this.gate = gate;
    this.pc.ice_candidate_created.connect((media, index, name) => {
      this.localCandidates.push([media, index, name]);
      this.far?.add_ice_candidate(media, index, name);
    });
  }

  protected override afterInitialize(): void {
    this.remoteFrom = null;
    this.far = null;
    this.farChannel = null;
    this.fate = 'none';
    this.localCandidates = [];
  }

  peer() {
    return this.gate.latest();
  }

  /**
   * A remote offer L's stack will take: from the end that answered L, when L holds its answer
   * (a renegotiation must come from the same end: libdatachannel refuses another end's ICE
   * credentials); otherwise from another real connection (made once and reused: a new stack
   * takes it again, and so does one that already holds it).
   */
  remoteOffer(): string {
    if (this.remoteFrom !== null && this.remoteFrom !== 'offerer') return this.remoteFrom.renegotiationOffer();
    this.remoteFrom = 'offerer';
    if (this.offererSdp === null) {
      const offerer = (this.offerer = this.other());
      offerer.create_data_channel('far', { negotiated: true, id: 7 });
      offerer.session_description_created.connect((_type, sdp) => (this.offererSdp = sdp));
      if (offerer.create_offer() !== GodotError.OK) throw new Error('the far offerer could not offer');
      offerer.poll();
    }
    return this.offererSdp!;
  }

  /**
   * A real answer to L's current offer, from a node-datachannel connection made for it (raw, so
   * that it can offer again later: this library allows one offer per connection).
   */
  remoteAnswer(): string {
    const offer = this.offer;
    if (offer === null) throw new Error('L has generated no offer to answer');
    let answered = this.answers.get(offer);
    if (answered === undefined) {
      const answerer = new RawPeer(`model-raw-${++serial}`);
      this.raw.push(answerer);
      answered = { answerer, sdp: answerer.answer(offer) };
      this.answers.set(offer, answered);
    }
    this.remoteFrom = answered.answerer;
    return answered.sdp;
  }

  override close(): void {
    super.close();
    for (const raw of this.raw) raw.close();
  }

  /** Makes L's stack have a local description (an offer), which starts ICE and gathering. */
  ensureOffer(): void {
    const context = this.pc.signaling.snapshot.context;
    if (context.created) return;
    if (context.channels === 0 && this.createChannel() === null) throw new Error('could not create a channel');
    if (this.pc.create_offer() !== GodotError.OK) throw new Error(`create_offer refused: ${JSON.stringify(this.pc.get_records().at(-1))}`);
    this.takeDescriptions();
  }

  /**
   * Connects L to a far end that answers its offer, with the far end's own DTLS fingerprint
   * (good) or a wrong one (bad: ICE connects, DTLS fails). Candidates flow both ways.
   */
  async connect(fate: 'good' | 'bad'): Promise<void> {
    if (this.fate === fate) return;
    if (this.fate !== 'none') throw new Error(`already connected with a ${this.fate} answer`);
    this.ensureOffer();
    this.fate = fate;
    const offer = this.offer!;
    if (this.pc.signaling.state === 'stable' && this.pc.signaling.snapshot.context.generated === 'offer') {
      this.expectOk(this.pc.set_local_description('offer', offer), 'set_local_description(offer)');
    }
    const far = (this.far = this.other());
    this.farChannel = far.create_data_channel('dc', { negotiated: true, id: 1 });
    let answer: string | null = null;
    far.session_description_created.connect((_type, sdp) => (answer = sdp));
    far.ice_candidate_created.connect((media, index, name) => {
      if (this.pc.get_signaling_state() !== WebRTCPeerConnection.SIGNALING_STATE_CLOSED && far === this.far) this.pc.add_ice_candidate(media, index, name);
    });
    this.expectOk(far.set_remote_description('offer', offer), 'the far end taking the offer');
    await this.waitFor("the far end's answer", () => answer !== null);
    await this.readyForRemote();
    this.expectOk(this.pc.set_remote_description('answer', fate === 'bad' ? wrongFingerprint(answer!) : answer!), 'set_remote_description(answer)');
    for (const [media, index, name] of this.localCandidates) far.add_ice_candidate(media, index, name);
  }

  private expectOk(code: GodotError, what: string): void {
    if (code !== GodotError.OK) throw new Error(`${what} was refused (${code}): ${JSON.stringify(this.pc.get_records().at(-1))}`);
  }

  /**
   * Waits, before L is given a remote description, until L's stack has started gathering, i.e.
   * its ICE transport exists: libdatachannel sometimes fails a connection whose remote description
   * arrives within milliseconds of its own offer ("Got a remote candidate without ICE transport",
   * the connection failed before it gathered; seen with raw node-datachannel too). A network
   * round trip always gives it that time; the far end here waits for it.
   */
  async readyForRemote(): Promise<void> {
    const context = this.pc.signaling.snapshot.context;
    if (!context.created || this.pc.signaling.state === 'closed') return;
    await this.waitFor('L\'s stack to start gathering', () => this.peer().gatheringSeen);
  }

  /** Polls every connection until `done()` holds. */
  async waitFor(what: string, done: () => boolean, timeoutMs = 8000): Promise<void> {
    const started = Date.now();
    for (;;) {
      this.pc.poll();
      this.far?.poll();
      if (done()) return;
      if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(1);
    }
  }
}

/**
 * A far end made directly with node-datachannel (127.0.0.1 only), for what a connection of this
 * library never does: offer again after it has answered. Only calls the native signaling state
 * allows are made (a wrong setLocalDescription aborts the process).
 */
class RawPeer {
  private readonly pc: nodeDataChannel.PeerConnection;
  private offer: string | null = null;

  constructor(name: string) {
    this.pc = new nodeDataChannel.PeerConnection(name, { iceServers: [], bindAddress: '127.0.0.1', disableAutoNegotiation: true });
    // Registered always: a native connection holds the event loop until it reports closed.
    this.pc.onStateChange(() => {});
  }

  answer(offer: string): string {
    this.pc.setRemoteDescription(offer, 'offer' as never);
    if (this.pc.signalingState() !== 'have-remote-offer') throw new Error(`the raw far end is in ${this.pc.signalingState()} after an offer`);
    this.pc.setLocalDescription('answer' as never);
    return this.pc.localDescription()!.sdp;
  }

  /** An offer for the session it answered (same ICE credentials): a renegotiation. */
  renegotiationOffer(): string {
    if (this.offer !== null) return this.offer;
    if (this.pc.signalingState() !== 'stable') throw new Error(`the raw far end cannot offer in ${this.pc.signalingState()}`);
    this.pc.setLocalDescription('offer' as never);
    this.offer = this.pc.localDescription()!.sdp;
    return this.offer;
  }

  close(): void {
    try {
      this.pc.close();
    } catch {
      // already closed
    }
  }
}
