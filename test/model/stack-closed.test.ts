/**
 * Found while building the loopback drivers of the model tests: when the stack closes a
 * connection by itself (the remote end closed, or the connection failed), a channel that had not
 * opened yet stayed STATE_CONNECTING for ever, and `get_data_channels()` kept listing it: no
 * native report ever closes an in-band channel that never got a stream. The connection now
 * closes its channels when the stack reports it closed (the machines' `peer_closed`).
 */
import { describe, expect, it } from 'vitest';
import { GodotError, WebRTCDataChannel, WebRTCPeerConnection } from '../../src/index.js';
import { createScriptedStack } from '../../src/testing/index.js';
import { loopbackExtension, peer, pollUntil, wireAnswerThrough } from '../support/loopback.js';
import { wrongFingerprint } from './support/rig.js';

describe('a connection the stack closes closes its channels', () => {
  it('over loopback: an in-band channel of a connection that fails (wrong DTLS fingerprint) ends STATE_CLOSED', async () => {
    const offerer = peer();
    const answerer = peer();
    const inBand = offerer.create_data_channel('never-opened')!;
    answerer.create_data_channel('x', { negotiated: true, id: 9 });
    wireAnswerThrough(offerer, answerer, wrongFingerprint);
    expect(offerer.create_offer()).toBe(GodotError.OK);
    await pollUntil([offerer, answerer], () => offerer.get_connection_state() === WebRTCPeerConnection.STATE_CLOSED, 10_000);
    expect(inBand.get_ready_state()).toBe(WebRTCDataChannel.STATE_CLOSED);
    expect(offerer.get_data_channels()).toEqual([]);
    expect(offerer.get_records().filter((record) => record.kind === 'stack_anomaly')).toEqual([]);
  });

  it('through the scripted stack: a remote close after the connection came up closes a channel still connecting', () => {
    const stack = createScriptedStack();
    WebRTCPeerConnection.set_default_extension(stack.factory);
    let pc: WebRTCPeerConnection;
    try {
      pc = new WebRTCPeerConnection();
    } finally {
      WebRTCPeerConnection.set_default_extension(loopbackExtension);
    }
    const channel = pc.create_data_channel('late')!;
    pc.create_offer();
    for (const state of ['connecting', 'connected', 'disconnected', 'closed'] as const) stack.latest().connectionState(state);
    expect(pc.get_signaling_state()).toBe(WebRTCPeerConnection.SIGNALING_STATE_CLOSED);
    expect(channel.get_ready_state()).toBe(WebRTCDataChannel.STATE_CLOSED);
    // The stack's own report of the channel closing comes later and is taken without complaint.
    stack.latest().channels[0]!.remoteClosed();
    expect(channel.get_ready_state()).toBe(WebRTCDataChannel.STATE_CLOSED);
    expect(pc.get_records().filter((record) => record.kind === 'stack_anomaly' || record.kind === 'refusal')).toEqual([]);
    pc.close();
  });
});
