import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { connectionMachine } from '../../src/machines/connection.js';
import { gatheringMachine } from '../../src/machines/gathering.js';
import { dataChannelMachine } from '../../src/machines/data-channel.js';
import type { NativeConnectionState } from '../../src/machines/events.js';

const report = (state: NativeConnectionState) => ({ type: 'stack.connection_state', state }) as const;

describe('the connection machine', () => {
  it('follows the stack from new through connecting to connected, disconnected and back', () => {
    const actor = createActor(connectionMachine).start();
    for (const state of ['connecting', 'connected', 'disconnected', 'connected', 'failed'] as const) {
      actor.send(report(state));
      expect(actor.getSnapshot().value).toBe(state);
    }
  });

  it('does not take a report its table does not allow (connected straight from failed)', () => {
    const actor = createActor(connectionMachine).start();
    actor.send(report('connecting'));
    actor.send(report('failed'));
    expect(actor.getSnapshot().can(report('connected'))).toBe(false);
    expect(actor.getSnapshot().can(report('new'))).toBe(false);
  });

  it('close is allowed everywhere but closed; the stack may report closed itself (remote close)', () => {
    for (const path of [[], ['connecting'], ['connecting', 'connected'], ['connecting', 'failed']] as NativeConnectionState[][]) {
      const actor = createActor(connectionMachine).start();
      for (const state of path) actor.send(report(state));
      expect(actor.getSnapshot().can({ type: 'close' })).toBe(true);
      expect(actor.getSnapshot().can(report('closed'))).toBe(true);
      actor.send({ type: 'close' });
      expect(actor.getSnapshot().value).toBe('closed');
      expect(actor.getSnapshot().can({ type: 'close' })).toBe(false);
      actor.send({ type: 'initialize' });
      expect(actor.getSnapshot().value).toBe('new');
    }
  });

  it('keeps who closed it and the state before, from every state, until initialize', () => {
    const ends = [
      [{ type: 'close' }, { by: 'local', limit: null, timeout: null }],
      [report('closed'), { by: 'remote', limit: null, timeout: null }],
      [{ type: 'limit_exceeded', limit: 'maxQueuedBytes' }, { by: 'limit', limit: 'maxQueuedBytes', timeout: null }],
    ] as const;
    const paths: Record<string, NativeConnectionState[]> = { new: [], connecting: ['connecting'], connected: ['connecting', 'connected'], disconnected: ['connecting', 'connected', 'disconnected'], failed: ['connecting', 'failed'] };
    for (const [from, path] of Object.entries(paths)) {
      for (const [event, cause] of ends) {
        const actor = createActor(connectionMachine).start();
        for (const state of path) actor.send(report(state));
        expect(actor.getSnapshot().context.closed).toBeNull();
        actor.send(event);
        expect(actor.getSnapshot().value).toBe('closed');
        expect(actor.getSnapshot().context.closed, `${event.type} from ${from}`).toEqual({ ...cause, from });
        actor.send({ type: 'initialize' });
        expect(actor.getSnapshot().context.closed).toBeNull();
      }
    }
  });

  it('fails on a timeout from every state but failed and closed, and keeps that cause through a later close', () => {
    const paths: Record<string, NativeConnectionState[]> = { new: [], connecting: ['connecting'], connected: ['connecting', 'connected'], disconnected: ['connecting', 'connected', 'disconnected'] };
    for (const [from, path] of Object.entries(paths)) {
      const actor = createActor(connectionMachine).start();
      for (const state of path) actor.send(report(state));
      actor.send({ type: 'timed_out', timeout: 'setup' });
      expect(actor.getSnapshot().value, from).toBe('failed');
      expect(actor.getSnapshot().context.closed).toEqual({ by: 'timeout', limit: null, timeout: 'setup', from });
      expect(actor.getSnapshot().can({ type: 'timed_out', timeout: 'keepalive' })).toBe(false);
      actor.send({ type: 'close' });
      expect(actor.getSnapshot().value).toBe('closed');
      expect(actor.getSnapshot().context.closed).toEqual({ by: 'timeout', limit: null, timeout: 'setup', from });
    }
  });

  it('ignores the stack once closed', () => {
    const actor = createActor(connectionMachine).start();
    actor.send({ type: 'close' });
    for (const state of ['connecting', 'connected', 'failed', 'closed'] as const) {
      expect(actor.getSnapshot().can(report(state))).toBe(false);
    }
  });
});

describe('the gathering machine', () => {
  it('goes new → gathering → complete and back to gathering when new candidates are needed', () => {
    const actor = createActor(gatheringMachine).start();
    for (const state of ['gathering', 'complete', 'gathering', 'complete'] as const) {
      actor.send({ type: 'stack.gathering_state', state });
      expect(actor.getSnapshot().value).toBe(state);
    }
    expect(actor.getSnapshot().can({ type: 'stack.gathering_state', state: 'new' })).toBe(false);
    actor.send({ type: 'initialize' });
    expect(actor.getSnapshot().value).toBe('new');
  });
});

describe('the data channel machine', () => {
  it('connecting → open → closing → closed, put_packet only while open', () => {
    const actor = createActor(dataChannelMachine).start();
    expect(actor.getSnapshot().can({ type: 'put_packet' })).toBe(false);
    actor.send({ type: 'stack.open' });
    expect(actor.getSnapshot().value).toBe('open');
    expect(actor.getSnapshot().can({ type: 'put_packet' })).toBe(true);
    actor.send({ type: 'close' });
    expect(actor.getSnapshot().value).toBe('closing');
    expect(actor.getSnapshot().can({ type: 'put_packet' })).toBe(false);
    expect(actor.getSnapshot().can({ type: 'close' })).toBe(false);
    actor.send({ type: 'stack.closed' });
    expect(actor.getSnapshot().value).toBe('closed');
  });

  it('the owning connection closing closes it from any state', () => {
    for (const first of [[], [{ type: 'stack.open' }], [{ type: 'stack.open' }, { type: 'close' }]] as const) {
      const actor = createActor(dataChannelMachine).start();
      for (const event of first) actor.send(event);
      actor.send({ type: 'peer_closed' });
      expect(actor.getSnapshot().value).toBe('closed');
    }
  });

  it('closed takes the stack\'s late confirmation but no method', () => {
    const actor = createActor(dataChannelMachine).start();
    actor.send({ type: 'peer_closed' });
    expect(actor.getSnapshot().can({ type: 'stack.closed' })).toBe(true);
    expect(actor.getSnapshot().can({ type: 'close' })).toBe(false);
    expect(actor.getSnapshot().can({ type: 'put_packet' })).toBe(false);
    expect(actor.getSnapshot().can({ type: 'stack.open' })).toBe(false);
  });
});
