import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { signalingMachine, type SignalingContext, type SignalingStateName } from '../../src/machines/signaling.js';
import { explainRefusal } from '../../src/machines/explain.js';
import { signalingGuardReasons } from '../../src/machines/signaling.js';
import type { SdpType } from '../../src/machines/events.js';

function actorIn(value: SignalingStateName, context: Partial<SignalingContext> = {}) {
  const snapshot = signalingMachine.resolveState({
    value,
    context: { created: true, generated: null, remoteApplied: false, channels: 1, ...context },
  });
  return createActor(signalingMachine, { snapshot }).start();
}

type Side = 'local' | 'remote';
const X = 'refused';

/**
 * The W3C/JSEP table of the stack notes, as the contract adapts it. Local descriptions are the
 * ones the stack generated: the local columns are taken with `generated` set to what the stack
 * would have made in that state (an offer after create_offer, an answer after a remote offer).
 * Differences from the W3C table, each on purpose:
 *  - stable + local offer: allowed (the offer create_offer generated is set), as in W3C;
 *  - have-local-offer + local offer: refused (create_offer runs once; there is no second offer to set);
 *  - have-remote-offer + local rollback / remote rollback: refused (the stack answered already);
 *  - have-local-offer + local pranswer/answer: refused, as in W3C.
 */
const TABLE: Record<Exclude<SignalingStateName, 'closed'>, Record<`${Side} ${SdpType}`, SignalingStateName | typeof X>> = {
  stable: {
    'local offer': 'haveLocalOffer', 'local pranswer': X, 'local answer': X, 'local rollback': X,
    'remote offer': 'haveRemoteOffer', 'remote pranswer': X, 'remote answer': X, 'remote rollback': X,
  },
  haveLocalOffer: {
    'local offer': X, 'local pranswer': X, 'local answer': X, 'local rollback': 'stable',
    'remote offer': 'haveRemoteOffer', 'remote pranswer': 'haveRemotePranswer', 'remote answer': 'stable', 'remote rollback': 'stable',
  },
  haveRemoteOffer: {
    'local offer': X, 'local pranswer': 'haveLocalPranswer', 'local answer': 'stable', 'local rollback': X,
    'remote offer': 'haveRemoteOffer', 'remote pranswer': X, 'remote answer': X, 'remote rollback': X,
  },
  haveLocalPranswer: {
    'local offer': X, 'local pranswer': 'haveLocalPranswer', 'local answer': 'stable', 'local rollback': X,
    'remote offer': X, 'remote pranswer': X, 'remote answer': X, 'remote rollback': X,
  },
  haveRemotePranswer: {
    'local offer': X, 'local pranswer': X, 'local answer': X, 'local rollback': X,
    'remote offer': X, 'remote pranswer': 'haveRemotePranswer', 'remote answer': 'stable', 'remote rollback': X,
  },
};

const GENERATED: Record<string, SignalingContext['generated']> = {
  stable: 'offer',
  haveLocalOffer: null,
  haveRemoteOffer: 'answer',
  haveLocalPranswer: 'answer',
  haveRemotePranswer: null,
};

describe('the signaling machine follows the contract\'s offer/answer table', () => {
  for (const [state, row] of Object.entries(TABLE)) {
    for (const [cell, expected] of Object.entries(row)) {
      const [side, sdpType] = cell.split(' ') as [Side, SdpType];
      it(`${state} + ${side} ${sdpType} → ${expected}`, () => {
        const actor = actorIn(state as SignalingStateName, { generated: GENERATED[state]! });
        const event = { type: side === 'local' ? 'set_local_description' : 'set_remote_description', sdpType } as const;
        const snapshot = actor.getSnapshot();
        expect(snapshot.can(event)).toBe(expected !== X);
        if (expected === X) {
          expect(explainRefusal(signalingMachine, snapshot, event, signalingGuardReasons)).toMatch(/./);
          return;
        }
        actor.send(event);
        expect(actor.getSnapshot().value).toBe(expected);
      });
    }
  }

  it('every way the connection ends closes it from every state: close, the stack\'s report of closed, a limit', () => {
    for (const state of ['stable', 'haveLocalOffer', 'haveRemoteOffer', 'haveLocalPranswer', 'haveRemotePranswer'] as const) {
      for (const event of [{ type: 'close' }, { type: 'stack.connection_state', state: 'closed' }, { type: 'limit_exceeded', limit: 'maxQueuedPackets' }] as const) {
        const actor = actorIn(state);
        actor.send(event);
        expect(actor.getSnapshot().value, `${event.type} in ${state}`).toBe('closed');
      }
      for (const reported of ['connecting', 'connected', 'disconnected', 'failed'] as const) {
        expect(actorIn(state).getSnapshot().can({ type: 'stack.connection_state', state: reported }), `${reported} in ${state}`).toBe(false);
      }
    }
  });

  it('closed takes no description and no method but initialize', () => {
    const snapshot = actorIn('closed').getSnapshot();
    for (const type of ['create_data_channel', 'create_offer', 'add_ice_candidate', 'close'] as const) {
      expect(snapshot.can({ type })).toBe(false);
    }
    for (const sdpType of ['offer', 'answer', 'pranswer', 'rollback'] as const) {
      expect(snapshot.can({ type: 'set_local_description', sdpType })).toBe(false);
      expect(snapshot.can({ type: 'set_remote_description', sdpType })).toBe(false);
    }
    expect(snapshot.can({ type: 'initialize' })).toBe(true);
  });
});

describe('the signaling machine, method by method', () => {
  it('create_data_channel is allowed until an offer is created or received', () => {
    const actor = createActor(signalingMachine).start();
    expect(actor.getSnapshot().can({ type: 'create_data_channel' })).toBe(true);
    actor.send({ type: 'create_data_channel' });
    expect(actor.getSnapshot().context.channels).toBe(1);
    actor.send({ type: 'create_offer' });
    expect(actor.getSnapshot().can({ type: 'create_data_channel' })).toBe(false);
    expect(explainRefusal(signalingMachine, actor.getSnapshot(), { type: 'create_data_channel' }, signalingGuardReasons)).toContain('STATE_NEW');
  });

  it('create_offer needs a channel and runs once', () => {
    const actor = createActor(signalingMachine).start();
    expect(actor.getSnapshot().can({ type: 'create_offer' })).toBe(false);
    expect(explainRefusal(signalingMachine, actor.getSnapshot(), { type: 'create_offer' }, signalingGuardReasons)).toContain('create_data_channel first');
    actor.send({ type: 'create_data_channel' });
    actor.send({ type: 'create_offer' });
    expect(actor.getSnapshot().value).toBe('stable');
    expect(actor.getSnapshot().context.generated).toBe('offer');
    expect(actor.getSnapshot().can({ type: 'create_offer' })).toBe(false);
    expect(explainRefusal(signalingMachine, actor.getSnapshot(), { type: 'create_offer' }, signalingGuardReasons)).toContain('only allowed once');
  });

  it('candidates are held until a remote offer or answer is applied, not a pranswer', () => {
    const actor = actorIn('haveLocalOffer');
    expect(actor.getSnapshot().context.remoteApplied).toBe(false);
    actor.send({ type: 'set_remote_description', sdpType: 'pranswer' });
    expect(actor.getSnapshot().context.remoteApplied).toBe(false);
    actor.send({ type: 'set_remote_description', sdpType: 'answer' });
    expect(actor.getSnapshot().context.remoteApplied).toBe(true);
  });

  it('add_ice_candidate is allowed in every state but closed', () => {
    for (const state of Object.keys(TABLE) as SignalingStateName[]) {
      expect(actorIn(state).getSnapshot().can({ type: 'add_ice_candidate' })).toBe(true);
    }
    expect(actorIn('closed').getSnapshot().can({ type: 'add_ice_candidate' })).toBe(false);
  });

  it('initialize goes back to stable with a fresh context from every state', () => {
    for (const state of [...Object.keys(TABLE), 'closed'] as SignalingStateName[]) {
      const actor = actorIn(state, { generated: 'answer', remoteApplied: true });
      actor.send({ type: 'initialize' });
      expect(actor.getSnapshot().value).toBe('stable');
      expect(actor.getSnapshot().context).toEqual({ created: false, generated: null, remoteApplied: false, channels: 0 });
    }
  });
});
