import { expect } from 'vitest';
import { GodotError, type ConnectionRecord, type WebRTCDataChannel } from '../../../src/index.js';
import type { Limits } from '../../../src/limits.js';
import {
  GODOT_VALUES,
  peerModelStates,
  type ModelCoverage,
  type ModelMachineName,
  type ModelPath,
  type ModelStep,
  type PeerModelPath,
  type PeerModelStep,
  type ScriptedChannel,
} from '../../../src/testing/index.js';
import { whyNotCausable } from './loopback-causes.js';
import { LoopbackRig, ScriptedRig, type Description, type Rig } from './rig.js';

type AnyStep = ModelStep<{ type: string; sdpType?: string; state?: string; message?: string; limit?: string; timeout?: string }>;

/**
 * What a step does to L last: an API call, the release of one report the real stack made, or a
 * wait for L's own setup timeout to fail the connection.
 */
type Final =
  | { kind: 'api'; event: { type: string; sdpType?: string } ; machine: ModelMachineName }
  | { kind: 'release'; what: 'connection' | 'gathering' | 'channel'; value: string }
  | { kind: 'setupTimeout' };

/**
 * L's setup timeout in a loopback replay that waits for it. Every step between L's first offer
 * (which starts the timer) and the timeout's step must be over by then: they are method calls
 * and releases of reports already made (at most 41 ms in all, measured with test/model,
 * test/machines and test/audit running at once on 2 cores).
 */
export const LOOPBACK_SETUP_TIMEOUT_MS = 400;

/** What must happen before it, over loopback. */
type Prep =
  | { kind: 'ensureOffer' }
  | { kind: 'connect'; fate: 'good' | 'bad' }
  | { kind: 'waitChannelOpenHeld' }
  | { kind: 'waitFarChannelOpen' }
  | { kind: 'farCloseChannel' }
  | { kind: 'farCloseConnection' };

interface StepPlan {
  prep: Prep[];
  final: Final;
}

export type Plan = { ok: true; steps: StepPlan[] } | { ok: false; reason: string };

const api = (machine: ModelMachineName, event: { type: string; sdpType?: string }): Final => ({ kind: 'api', event, machine });

/**
 * Whether a path replay can cause `event` on its machine over loopback. Not a limit, and not the
 * stack's report of closed to the signaling machine: a remote that closes or goes past a limit
 * needs a whole connected pair, which support/close-causes.ts makes. A timeout is L's own setup
 * timer running out (L offers, and nothing connects while the gate holds the stack's reports).
 */
export function causedByPathReplay(machine: ModelMachineName, event: { type: string }): boolean {
  return event.type !== 'limit_exceeded' && !(machine === 'signaling' && event.type === 'stack.connection_state');
}

/**
 * How a path can be caused on a real connection over loopback, step by step, or why it cannot.
 * For the data channel this follows the reports libdatachannel will make (a small simulation of
 * the channel's queue of native reports), so that every release finds the report it expects.
 */
export function planLoopback(machine: ModelMachineName, path: ModelPath): Plan {
  const steps = path.steps as AnyStep[];
  for (const step of steps) {
    const why = whyNotCausable(machine, `${step.from} --${step.label}--> ${step.to}`);
    if (why) return { ok: false, reason: `${step.from} --${step.label}--> ${step.to}: ${why}` };
  }
  const closedByOthers = steps.find((step) => !causedByPathReplay(machine, step.event));
  if (closedByOthers) {
    // A remote that closes or goes past a limit needs a whole connected pair: support/close-causes.ts causes these.
    return { ok: false, reason: `${closedByOthers.from} --${closedByOthers.label}--> ${closedByOthers.to}: caused over loopback by the close-cause scenarios, not by a path replay` };
  }
  switch (machine) {
    case 'signaling':
      return { ok: true, steps: steps.map((step) => (step.event.type === 'timed_out' ? timesOut() : { prep: [], final: api(machine, step.event) })) };
    case 'connection':
      return planConnection(steps);
    case 'gathering':
      return planGathering(steps);
    case 'dataChannel':
      return planChannel(steps);
  }
}

/** L's setup timer runs from its first offer (made here if there is none yet) until it fails the connection. */
function timesOut(): StepPlan {
  return { prep: [{ kind: 'ensureOffer' }], final: { kind: 'setupTimeout' } };
}

function planConnection(steps: AnyStep[]): Plan {
  let fate: 'none' | 'good' | 'bad' = 'none';
  const plan: StepPlan[] = [];
  for (const step of steps) {
    const { type, state } = step.event;
    if (type === 'timed_out') {
      // Not connected yet (loopback-causes.ts lists the other states): L's setup timer does it.
      plan.push(timesOut());
      continue;
    }
    if (type !== 'stack.connection_state') {
      if (type === 'initialize') fate = 'none';
      plan.push({ prep: [], final: api('connection', step.event) });
      continue;
    }
    const prep: Prep[] = [];
    if (state === 'connecting') prep.push({ kind: 'ensureOffer' });
    if (state === 'connected' || state === 'failed') {
      const wanted = state === 'connected' ? 'good' : 'bad';
      if (fate !== 'none' && fate !== wanted) return { ok: false, reason: `${step.label} after the far end answered ${fate}` };
      fate = wanted;
      prep.push({ kind: 'connect', fate: wanted });
    }
    if (state === 'disconnected') prep.push({ kind: 'farCloseConnection' });
    plan.push({ prep, final: { kind: 'release', what: 'connection', value: state! } });
  }
  return { ok: true, steps: plan };
}

function planGathering(steps: AnyStep[]): Plan {
  return {
    ok: true,
    steps: steps.map((step) => {
      if (step.event.type !== 'stack.gathering_state') return { prep: [], final: api('gathering', step.event) };
      return { prep: step.event.state === 'gathering' ? [{ kind: 'ensureOffer' }] : [], final: { kind: 'release', what: 'gathering', value: step.event.state! } };
    }),
  };
}

function planChannel(steps: AnyStep[]): Plan {
  let conn: 'none' | 'good' | 'bad' = 'none';
  const queue: Array<'open' | 'closed'> = [];
  let nativeOpen = false;
  let closedGenerated = false;
  let userClosed = false;
  let peerClosed = false;
  const plan: StepPlan[] = [];
  const fail = (step: AnyStep, why: string): Plan => ({ ok: false, reason: `${step.from} --${step.label}--> ${step.to}: ${why}` });
  const generateClosed = () => {
    if (!closedGenerated) queue.push('closed');
    closedGenerated = true;
  };

  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const prep: Prep[] = [];
    const ensureGood = (): boolean => {
      if (conn === 'bad') return false;
      if (conn === 'none') {
        conn = 'good';
        prep.push({ kind: 'connect', fate: 'good' });
        if (!userClosed && !peerClosed) {
          queue.push('open');
          nativeOpen = true;
          prep.push({ kind: 'waitChannelOpenHeld' });
        } else if (userClosed) {
          generateClosed();
        }
      }
      return true;
    };
    const release = (value: 'open' | 'closed'): Plan | null => {
      if (queue[0] !== value) return fail(step, `the stack's next report on the channel would be ${queue[0] ?? 'none'}, not ${value}`);
      queue.shift();
      plan.push({ prep, final: { kind: 'release', what: 'channel', value } });
      return null;
    };
    const { type } = step.event;
    let failed: Plan | null = null;
    switch (`${step.from} ${type}`) {
      case 'connecting stack.open':
        if (!ensureGood()) return fail(step, 'the connection was made to fail');
        failed = release('open');
        break;
      case 'connecting stack.closed':
        if ((conn as string) === 'good') return fail(step, 'the connection is up: the channel opens');
        if (conn === 'none') {
          conn = 'bad';
          prep.push({ kind: 'connect', fate: 'bad' });
          generateClosed();
        }
        failed = release('closed');
        break;
      case 'connecting close': {
        // A report of open still to come in closing needs the channel open in the stack first.
        const rest = steps.slice(i + 1);
        const leave = rest.findIndex((s) => s.to !== 'closing');
        const inClosing = leave < 0 ? rest : rest.slice(0, leave);
        if (inClosing.some((s) => s.event.type === 'stack.open') && !ensureGood()) return fail(step, 'the connection was made to fail');
        userClosed = true;
        if (nativeOpen) generateClosed();
        plan.push({ prep, final: api('dataChannel', step.event) });
        break;
      }
      case 'open close':
        userClosed = true;
        generateClosed();
        plan.push({ prep, final: api('dataChannel', step.event) });
        break;
      case 'connecting peer_closed':
      case 'open peer_closed':
      case 'closing peer_closed':
        peerClosed = true;
        generateClosed();
        plan.push({ prep, final: api('dataChannel', step.event) });
        break;
      case 'open put_packet':
        prep.push({ kind: 'waitFarChannelOpen' });
        plan.push({ prep, final: api('dataChannel', step.event) });
        break;
      case 'open stack.closed':
        prep.push({ kind: 'waitFarChannelOpen' }, { kind: 'farCloseChannel' });
        generateClosed();
        failed = release('closed');
        break;
      case 'closing stack.open':
        failed = release('open');
        break;
      case 'closing stack.closed':
        if (conn === 'none' && !ensureGood()) return fail(step, 'no connection');
        failed = release('closed');
        break;
      case 'closed stack.closed':
        failed = release('closed');
        break;
      default:
        return fail(step, 'no way to cause it over loopback');
    }
    if (failed) return failed;
  }
  return { ok: true, steps: plan };
}

// ---------------------------------------------------------------------------------------------

const PACKET = new TextEncoder().encode('model');

/** The real WebRTCDataChannel a data-channel path follows: the rig's first channel. */
function followed(rig: Rig): WebRTCDataChannel {
  const channel = rig.channels[0];
  if (!channel) throw new Error('the rig has no channel');
  return channel;
}

let peerCloseTurn = 0;

/** Calls the method a path step names on L; returns what it returned. */
function callApi(rig: Rig, machine: ModelMachineName, event: { type: string; sdpType?: string; limit?: string; timeout?: string }, sdp: string | null): unknown {
  const pc = rig.pc;
  // Through the scripted stack no remote can go past a limit and no timer runs out: the library's own ways in are called.
  if (event.type === 'limit_exceeded') return pc.closeForLimit(event.limit as keyof Limits, 'a scripted remote went past the limit');
  if (event.type === 'timed_out') return pc.failForTimeout(event.timeout as 'setup' | 'keepalive', `a scripted ${event.timeout} timeout`);
  if (machine === 'dataChannel') {
    const channel = followed(rig);
    switch (event.type) {
      case 'close':
        return channel.close();
      case 'put_packet':
        return channel.put_packet(PACKET);
      case 'peer_closed':
        // The connection closing and the connection starting again both close its channels.
        return peerCloseTurn++ % 2 === 0 ? pc.close() : rig.initialize();
    }
  }
  switch (event.type) {
    case 'create_data_channel':
      return rig.createChannel();
    case 'create_offer':
      return pc.create_offer();
    case 'set_local_description':
      return pc.set_local_description(event.sdpType as never, sdp as never);
    case 'set_remote_description':
      return pc.set_remote_description(event.sdpType as never, sdp as never);
    case 'add_ice_candidate':
      return pc.add_ice_candidate(...rig.candidate());
    case 'close':
      return pc.close();
    case 'initialize':
      return rig.initialize();
  }
  throw new Error(`no method for ${event.type}`);
}

/** The description a set_*_description step passes, found before the call. */
function sdpFor(rig: Rig, event: { type: string; sdpType?: string }): string | null {
  if (event.type === 'set_local_description') {
    if (event.sdpType === 'rollback') return '';
    return event.sdpType === 'offer' ? rig.offer : rig.answer;
  }
  if (event.type === 'set_remote_description') {
    if (event.sdpType === 'rollback') return '';
    return event.sdpType === 'offer' ? rig.remoteOffer() : rig.remoteAnswer();
  }
  return null;
}

function expectedDescriptions(event: { type: string; sdpType?: string }): string[] {
  if (event.type === 'create_offer') return ['offer'];
  if (event.type === 'set_remote_description' && event.sdpType === 'offer') return ['answer'];
  return [];
}

function expectedReturn(event: { type: string }, result: unknown, rig: Rig, where: string): void {
  const native = rig instanceof LoopbackRig ? ` (the stack reported: connection ${rig.peer().reported.join(', ') || 'nothing'}; gathering seen: ${rig.peer().gatheringSeen})` : '';
  const why = () => `${where}: returned ${String(result)}${native}; last record ${JSON.stringify(rig.pc.get_records().at(-1))}`;
  switch (event.type) {
    case 'close':
    case 'limit_exceeded':
    case 'timed_out':
    case 'peer_closed':
      if (result !== undefined) expect(result, why()).toBe(GodotError.OK); // initialize returns OK
      return;
    case 'create_data_channel':
      expect(result, why()).not.toBeNull();
      return;
    default:
      expect(result, why()).toBe(GodotError.OK);
  }
}

const describeRecord = (record: ConnectionRecord) =>
  record.kind === 'transition' ? `${record.machine} ${record.from} --${record.event}--> ${record.to}` : `${record.kind} ${JSON.stringify(record)}`;

/** Why the connection ended, as `get_close_info()` says it (without its times and Godot value). */
type Cause = { by: string; limit: string | null; timeout: string | null; from: string };

/**
 * Why the connection ended after a connection machine's step, from the one before: the first
 * cause is kept (a connection a timeout failed, then closed, still says timeout) until initialize.
 */
function causeAfter(cause: Cause | null, step: AnyStep): Cause | null {
  if (step.event.type === 'initialize') return null;
  if (cause !== null || (step.to !== 'closed' && step.event.type !== 'timed_out')) return cause;
  return { by: closedBy(step.event), limit: step.event.limit ?? null, timeout: step.event.timeout ?? null, from: step.from };
}

/**
 * The checks after every step: the machine's state, the getters, the records, the signals, and
 * for a connection path why it ended (`cause`: what `causeAfter` says after this step).
 */
function checkStep(rig: Rig, machine: ModelMachineName, step: AnyStep, seq: number, descriptions: Description[], where: string, cause: Cause | null): void {
  const channel = machine === 'dataChannel' ? followed(rig) : null;
  const state = channel ? channel.machine.state : rig.pc[machine as 'signaling' | 'connection' | 'gathering'].state;
  expect(state, `${where}: the ${machine} machine's state`).toBe(step.to);
  expect(rig.disagreements(), `${where}: getters against snapshots`).toEqual([]);
  const records = rig.recordsSince(seq);
  const own = records.filter(
    (record) => record.kind === 'transition' && record.machine === machine && (!channel || record.channel === channelName(channel)),
  );
  const expected = step.event.type === 'put_packet' ? [] : [`${machine} ${step.from} --${step.label}--> ${step.to}`];
  expect(own.map(describeRecord), `${where}: the ${machine} transitions recorded`).toEqual(expected);
  const wrong = records.filter((record) => record.kind === 'refusal' || record.kind === 'stack_anomaly');
  expect(wrong.map(describeRecord), `${where}: refusals or stack anomalies`).toEqual([]);
  expect(descriptions.map(([type]) => type), `${where}: session_description_created`).toEqual(expectedDescriptions(step.event));
  if (step.event.type === 'timed_out') expectTimeoutRecord(records, step.event.timeout!, where);
  if (machine === 'connection') expectCloseInfo(rig, cause, where);
}

function closedBy(event: { type: string }): 'local' | 'remote' | 'limit' | 'timeout' {
  return event.type === 'close' ? 'local' : event.type === 'limit_exceeded' ? 'limit' : event.type === 'timed_out' ? 'timeout' : 'remote';
}

/** A timeout leaves one stack error record that names it, ERR_TIMEOUT. */
function expectTimeoutRecord(records: ConnectionRecord[], timeout: string, where: string): void {
  const errors = records.filter((record) => record.kind === 'stack_error');
  expect(errors.map((record) => [record.method, record.codeName]), `${where}: the timeout's record`).toEqual([[`timeout.${timeout}`, 'ERR_TIMEOUT']]);
}

/** `get_close_info()` says who closed, the limit or timeout and the state before, as expected (null: not closed). */
function expectCloseInfo(rig: Rig, expected: Cause | null, where: string): void {
  const info = rig.pc.get_close_info();
  const got = info && { by: info.by, limit: info.limit, timeout: info.timeout, from: info.last_state_name };
  expect(got, `${where}: get_close_info()`).toEqual(expected);
  if (info) expect(info.last_state, `${where}: get_close_info().last_state`).toBe(GODOT_VALUES.connection[info.last_state_name]);
}

function channelName(channel: WebRTCDataChannel): string {
  return `${channel.get_label()}#${channel.get_id()}`;
}

/** Replays a machine's path on a real connection over loopback (behind the gate), checking every step. */
export async function replayOverLoopback(
  machine: ModelMachineName,
  path: ModelPath,
  plan: Extract<Plan, { ok: true }>,
  coverage: ModelCoverage | null,
  then?: (rig: LoopbackRig) => void | Promise<void>,
): Promise<void> {
  const waitsForTimeout = plan.steps.some((step) => step.final.kind === 'setupTimeout');
  const rig = new LoopbackRig(waitsForTimeout ? { setupTimeout: LOOPBACK_SETUP_TIMEOUT_MS } : {});
  let cause: Cause | null = null;
  let where = '';
  let timeoutStepReached = false;
  try {
    if (machine === 'dataChannel') {
      rig.createChannel();
      rig.followedGate = rig.peer().channels[0]!;
    }
    for (let i = 0; i < plan.steps.length; i++) {
      const step = path.steps[i] as AnyStep;
      const { prep, final } = plan.steps[i]!;
      where = `step ${i + 1} (${step.from} --${step.label}--> ${step.to}) of ${path.description}`;
      for (const action of prep) await prepare(rig, action, where);
      let sdp: string | null = null;
      if (final.kind === 'api' && final.event.type === 'set_remote_description') await rig.readyForRemote();
      if (final.kind === 'api') sdp = sdpFor(rig, final.event);
      else if (final.kind === 'release') await waitForHeld(rig, final, where);
      rig.takeDescriptions();
      const seq = rig.lastSeq();
      let result: unknown;
      if (final.kind === 'api') result = callApi(rig, final.machine, final.event, sdp);
      else if (final.kind === 'release') release(rig, final);
      else {
        timeoutStepReached = true;
        await waitForSetupTimeout(rig, seq, where);
      }
      if (final.kind === 'api') expectedReturn(step.event, result, rig, where);
      cause = causeAfter(cause, step);
      checkStep(rig, machine, step, seq, rig.takeDescriptions(), where, cause);
      if (step.event.type === 'put_packet') {
        await rig.waitFor('the packet to cross', () => (rig.farChannel?.get_available_packet_count() ?? 0) > 0);
        expect(new TextDecoder().decode(rig.farChannel!.get_packet())).toBe('model');
        coverage?.take('loopback', 'dataChannel', 'open', 'put_packet', 'open');
      }
    }
    await then?.(rig);
  } catch (error) {
    throw waitsForTimeout && !timeoutStepReached ? explainEarlyTimeout(rig, error, where) : error;
  } finally {
    rig.close();
  }
}

const isTimeoutRecord = (record: ConnectionRecord): record is Extract<ConnectionRecord, { kind: 'stack_error' }> =>
  record.kind === 'stack_error' && record.method === 'timeout.setup';

/** Waits (bounded) for L's setup timer to fail the connection, after `seq`. */
async function waitForSetupTimeout(rig: LoopbackRig, seq: number, where: string): Promise<void> {
  await rig.waitFor(`${where}: L's setup timeout (${LOOPBACK_SETUP_TIMEOUT_MS} ms)`, () => rig.recordsSince(seq).some(isTimeoutRecord), LOOPBACK_SETUP_TIMEOUT_MS + 8000);
}

/** A failure in a replay whose setup timer ran out before the step that waits for it says so. */
function explainEarlyTimeout(rig: LoopbackRig, error: unknown, where: string): unknown {
  const fired = rig.pc.get_records().find(isTimeoutRecord);
  if (!fired) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`L's setup timeout (${LOOPBACK_SETUP_TIMEOUT_MS} ms) ran out before its step, at ${where}: the steps after the first offer took longer than it (${fired.reason})\n${message}`);
}

async function prepare(rig: LoopbackRig, action: Prep, where: string): Promise<void> {
  switch (action.kind) {
    case 'ensureOffer':
      rig.ensureOffer();
      return;
    case 'connect':
      await rig.connect(action.fate);
      return;
    case 'waitChannelOpenHeld': {
      const gated = rig.followedGate!;
      await rig.waitFor(`${where}: the stack to open the channel`, () => gated.heldKinds().includes('open'));
      return;
    }
    case 'waitFarChannelOpen':
      await rig.waitFor(`${where}: the far end's channel to open`, () => rig.farChannel?.get_ready_state() === 1);
      return;
    case 'farCloseChannel':
      rig.farChannel!.close();
      return;
    case 'farCloseConnection':
      rig.far!.close();
      return;
  }
}

async function waitForHeld(rig: LoopbackRig, final: Extract<Final, { kind: 'release' }>, where: string): Promise<void> {
  const peer = rig.peer();
  const head = () =>
    final.what === 'connection' ? peer.connection[0] : final.what === 'gathering' ? peer.gathering[0] : rig.followedGate!.heldKinds()[0];
  await rig.waitFor(`${where}: the stack to report ${final.what} ${final.value}`, () => head() !== undefined);
  expect(head(), `${where}: the stack's next ${final.what} report`).toBe(final.value);
}

function release(rig: LoopbackRig, final: Extract<Final, { kind: 'release' }>): void {
  const peer = rig.peer();
  if (final.what === 'connection') peer.releaseConnection(final.value as never);
  else if (final.what === 'gathering') peer.releaseGathering(final.value as never);
  else rig.followedGate!.release(`stack.${final.value}` as never);
}

/** Replays a machine's path on a real connection over the scripted stack, checking every step. */
export function replayScripted(machine: ModelMachineName, path: ModelPath, coverage: ModelCoverage): void {
  const rig = new ScriptedRig();
  let cause: Cause | null = null;
  try {
    let scriptedChannel: ScriptedChannel | null = null;
    if (machine === 'dataChannel') {
      rig.createChannel();
      scriptedChannel = rig.stack.latest().channels[0]!;
    }
    path.steps.forEach((raw, i) => {
      const step = raw as AnyStep;
      const where = `step ${i + 1} (${step.from} --${step.label}--> ${step.to}) of ${path.description}`;
      const { type } = step.event;
      const isApi = !type.startsWith('stack.');
      const sdp = isApi ? sdpFor(rig, step.event) : null;
      rig.takeDescriptions();
      const seq = rig.lastSeq();
      let result: unknown;
      if (isApi) result = callApi(rig, machine, step.event, sdp);
      else if (type === 'stack.connection_state') rig.stack.latest().connectionState(step.event.state as never);
      else if (type === 'stack.gathering_state') rig.stack.latest().gatheringState(step.event.state as never);
      else if (type === 'stack.open') scriptedChannel!.open();
      else if (type === 'stack.closed') scriptedChannel!.remoteClosed();
      else if (type === 'stack.error') scriptedChannel!.error(step.event.message);
      if (isApi) expectedReturn(step.event, result, rig, where);
      cause = causeAfter(cause, step);
      checkStep(rig, machine, step, seq, rig.takeDescriptions(), where, cause);
      if (type === 'put_packet') {
        expect(scriptedChannel!.sent.at(-1)).toEqual(PACKET);
        coverage.take('scripted', 'dataChannel', 'open', 'put_packet', 'open');
      }
    });
  } finally {
    rig.close();
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * Replays a path of the whole model (all four machines of one connection) over the scripted
 * stack: after every step, every machine is where the model says, the getters agree, the
 * connection recorded exactly the transitions the model predicts, and the signals are right.
 */
export function replayWholeModel(path: PeerModelPath, coverage: ModelCoverage): void {
  const rig = new ScriptedRig();
  let followedChannel: { channel: WebRTCDataChannel; scripted: ScriptedChannel } | null = null;
  try {
    path.steps.forEach((step: PeerModelStep, i) => {
      const where = `step ${i + 1} (${step.label}) of ${path.description}`;
      const event = step.event;
      const nameBefore = followedChannel ? channelName(followedChannel.channel) : null;
      const sdp = sdpFor(rig, event);
      rig.takeDescriptions();
      const seq = rig.lastSeq();
      let result: unknown = undefined;
      let isApi = true;
      switch (event.type) {
        case 'stack.connection_state':
          isApi = false;
          rig.stack.latest().connectionState(event.state);
          break;
        case 'stack.gathering_state':
          isApi = false;
          rig.stack.latest().gatheringState(event.state);
          break;
        case 'channel.stack.open':
          isApi = false;
          followedChannel!.scripted.open();
          break;
        case 'channel.stack.closed':
          isApi = false;
          followedChannel!.scripted.remoteClosed();
          break;
        case 'channel.stack.error':
          isApi = false;
          followedChannel!.scripted.error(event.message);
          break;
        case 'channel.close':
          result = followedChannel!.channel.close();
          break;
        case 'channel.put_packet':
          result = followedChannel!.channel.put_packet(PACKET);
          expect(followedChannel!.scripted.sent.at(-1), `${where}: the packet reaches the stack`).toEqual(PACKET);
          coverage.take('scripted', 'dataChannel', 'open', 'put_packet', 'open');
          break;
        case 'create_data_channel': {
          const channel = rig.createChannel();
          result = channel;
          if (!followedChannel && channel) followedChannel = { channel, scripted: rig.stack.latest().channels.at(-1)! };
          break;
        }
        case 'initialize':
          result = rig.initialize();
          followedChannel = null;
          break;
        case 'limit_exceeded':
        case 'timed_out':
          result = callApi(rig, 'connection', event, null);
          break;
        default:
          result = callApi(rig, 'signaling', event, sdp);
      }
      if (isApi) expectedReturn({ type: event.type.replace('channel.', '') }, result, rig, where);
      const names = peerModelStates(step.state);
      expect({ ...rig.pc.get_machine_states(), channel: followedChannel ? followedChannel.channel.machine.state : 'none' }, `${where}: the machines`).toEqual(names);
      expect(rig.disagreements(), `${where}: getters against snapshots`).toEqual([]);
      expectCloseInfo(rig, step.state.connection.context.closed, where);
      const nameAfter = followedChannel ? channelName(followedChannel.channel) : null;
      const recorded = rig
        .recordsSince(seq)
        .filter((record): record is Extract<ConnectionRecord, { kind: 'transition' }> => record.kind === 'transition')
        .filter((record) => record.machine !== 'dataChannel' || (record.channel !== undefined && [nameBefore, nameAfter].includes(record.channel)))
        .map((record) => `${record.machine} ${record.from} --${record.event}--> ${record.to}`);
      const predicted = step.taken
        .filter((taken) => taken.event !== 'put_packet')
        .map((taken) => `${taken.machine} ${taken.from} --${taken.event}--> ${taken.to}`);
      expect(recorded, `${where}: the transitions recorded`).toEqual(predicted);
      const problems = rig.recordsSince(seq).filter((record) => record.kind === 'refusal' || record.kind === 'stack_anomaly');
      expect(problems.map(describeRecord), `${where}: refusals or stack anomalies`).toEqual([]);
      expect(rig.takeDescriptions().map(([type]) => type), `${where}: session_description_created`).toEqual(expectedDescriptions(event));
    });
  } finally {
    rig.close();
  }
}


/**
 * The paths to replay over loopback: every generated path the loopback can cause whole, and of
 * every other path the longest beginning it can cause (up to the first step it cannot), without
 * the ones that are the beginning of another.
 */
export function loopbackRuns(machine: ModelMachineName, paths: ModelPath[]): Array<{ path: ModelPath; plan: Extract<Plan, { ok: true }>; prefixOf?: string }> {
  const runs: Array<{ path: ModelPath; plan: Extract<Plan, { ok: true }>; prefixOf?: string }> = [];
  for (const path of paths) {
    for (let length = path.steps.length; length > 0; length--) {
      const steps = path.steps.slice(0, length);
      const candidate = length === path.steps.length ? path : { ...path, steps, end: steps.at(-1)!.to, description: [steps[0]!.from, ...steps.map((s) => `-${s.label}-> ${s.to}`)].join(' ') };
      const plan = planLoopback(machine, candidate);
      if (plan.ok) {
        runs.push(length === path.steps.length ? { path: candidate, plan } : { path: candidate, plan, prefixOf: path.description });
        break;
      }
    }
  }
  const unique = new Map(runs.map((run) => [run.path.description, run]));
  const keys = [...unique.keys()];
  return [...unique.values()].filter((run) => !keys.some((other) => other !== run.path.description && other.startsWith(`${run.path.description} `)));
}

/** How many replays were run again because libdatachannel rejected a valid description by itself. */
export const nativeRetries = { count: 0 };

/**
 * Runs a loopback replay, again (up to `attempts` times, on new connections) when libdatachannel
 * rejected a valid description with "Got a remote candidate without ICE transport": libdatachannel
 * 0.24.5's early fingerprint check (see src/adapters/setup-order.ts), which a replay whose far end
 * offers can still meet on a busy CPU. Any other failure fails at once.
 */
export async function withNativeRetry(replay: () => Promise<void>, attempts = 4): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await replay();
      return;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (attempt >= attempts || !message.includes('without ICE transport')) throw error;
      nativeRetries.count++;
    }
  }
}
