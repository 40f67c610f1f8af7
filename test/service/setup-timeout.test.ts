import { describe, expect, it } from 'vitest';
import { DEFAULT_SETUP_TIMEOUT_MS, GodotError, WebRTCDataChannel, WebRTCPeerConnection, type CloseInfo } from '../../src/index.js';
import { peer, pollUntil, wire } from '../support/loopback.js';

const FAILED = WebRTCPeerConnection.STATE_FAILED;

function timeoutRecord(pc: WebRTCPeerConnection) {
  return pc.get_records().find((record) => record.kind === 'stack_error' && record.method === 'timeout.setup') as { reason: string; code: number } | undefined;
}

describe('the setup timeout', () => {
  it('fails an offerer that forgot set_local_description("offer"), and both the refusal and the failure name the missing call', async () => {
    const offerer = peer({ dispatch: 'events', setupTimeout: 400 });
    const answerer = peer({ dispatch: 'events' });
    const channel = offerer.create_data_channel('chat')!;
    // The offer goes to the remote, but is never set here.
    offerer.session_description_created.connect((type, sdp) => answerer.set_remote_description(type, sdp));
    let answerCode: GodotError | null = null;
    answerer.session_description_created.connect((type, sdp) => {
      answerer.set_local_description(type, sdp);
      answerCode = offerer.set_remote_description(type, sdp);
    });
    const heard: Array<[number, CloseInfo | null]> = [];
    offerer.connection_state_changed.connect((state, info) => heard.push([state, info]));
    const started = performance.now();
    expect(offerer.create_offer()).toBe(GodotError.OK);
    await pollUntil([], () => answerCode !== null);
    expect(answerCode).toBe(GodotError.ERR_UNAVAILABLE);
    const refusal = [...offerer.get_records()].reverse().find((record) => record.kind === 'refusal')!;
    expect(refusal).toMatchObject({ method: 'set_remote_description', state: 'stable' });
    expect((refusal as { reason: string }).reason).toContain('set_local_description("offer", sdp) was never called');

    expect(await offerer.connected({ timeout: 5000 })).toBe(GodotError.ERR_CONNECTION_ERROR);
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(390);
    expect(waited).toBeLessThan(3000);
    expect(offerer.get_connection_state()).toBe(FAILED);
    expect(offerer.get_signaling_state()).toBe(WebRTCPeerConnection.SIGNALING_STATE_CLOSED);
    expect(channel.get_ready_state()).toBe(WebRTCDataChannel.STATE_CLOSED);
    const record = timeoutRecord(offerer)!;
    expect(record).toMatchObject({ code: GodotError.ERR_TIMEOUT, codeName: 'ERR_TIMEOUT' });
    expect(record.reason).toMatch(/within the setup timeout \(400 ms of its first offer\): the offer was created but never set: call set_local_description\("offer", sdp\)/);
    const info = offerer.get_close_info();
    expect(info).toMatchObject({ by: 'timeout', timeout: 'setup', limit: null });
    expect(heard.at(-1)).toEqual([FAILED, info]);
    // The app can still close it; the cause stays.
    offerer.close();
    expect(offerer.get_connection_state()).toBe(WebRTCPeerConnection.STATE_CLOSED);
    expect(offerer.get_close_info()).toMatchObject({ by: 'timeout', timeout: 'setup' });
    // Calls after the failure are refused by the closed signaling, saying so.
    expect(offerer.add_ice_candidate('0', 0, 'candidate:1 1 UDP 1 127.0.0.1 9 typ host')).toBe(GodotError.ERR_UNAVAILABLE);
  });

  it('fails a pair whose candidates never reach each other, saying that none was added', async () => {
    const a = peer({ dispatch: 'events', setupTimeout: 500 });
    const b = peer({ dispatch: 'events', setupTimeout: 500 });
    a.create_data_channel('chat');
    for (const [self, other] of [[a, b], [b, a]] as const) {
      self.session_description_created.connect((type, sdp) => {
        self.set_local_description(type, sdp);
        other.set_remote_description(type, sdp);
      });
    }
    a.create_offer();
    expect(await a.connected({ timeout: 5000 })).toBe(GodotError.ERR_CONNECTION_ERROR);
    expect(await b.connected({ timeout: 5000 })).toBe(GodotError.ERR_CONNECTION_ERROR);
    for (const pc of [a, b]) {
      expect(pc.get_connection_state()).toBe(FAILED);
      expect(timeoutRecord(pc)!.reason).toMatch(/no remote candidate was added \(this end reported \d+\): each ice_candidate_created of the remote peer must reach add_ice_candidate here/);
    }
  });

  it('leaves a connected pair alone, and setupTimeout 0 never fires', async () => {
    const a = peer({ dispatch: 'events', setupTimeout: 300 });
    const b = peer({ dispatch: 'events', setupTimeout: 300 });
    a.create_data_channel('chat', { negotiated: true, id: 1 });
    b.create_data_channel('chat', { negotiated: true, id: 1 });
    wire(a, b);
    a.create_offer();
    expect(await a.connected({ timeout: 5000 })).toBe(GodotError.OK);
    const lone = peer({ setupTimeout: 0 });
    lone.create_data_channel('chat');
    lone.create_offer();
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(a.get_connection_state()).toBe(WebRTCPeerConnection.STATE_CONNECTED);
    expect(b.get_connection_state()).toBe(WebRTCPeerConnection.STATE_CONNECTED);
    expect(timeoutRecord(a)).toBeUndefined();
    expect(lone.get_connection_state()).not.toBe(FAILED);
    expect(timeoutRecord(lone)).toBeUndefined();
  });

  it('takes its default, and refuses a bad one with a record, keeping the default', () => {
    expect(DEFAULT_SETUP_TIMEOUT_MS).toBe(30_000);
    expect(new WebRTCPeerConnection().setupTimeout).toBe(30_000);
    for (const bad of [-1, 1.5, '10', Infinity]) {
      const pc = new WebRTCPeerConnection({ setupTimeout: bad as never });
      expect(pc.setupTimeout).toBe(DEFAULT_SETUP_TIMEOUT_MS);
      expect(pc.get_records().at(-1)).toMatchObject({ kind: 'refusal', method: 'constructor', code: GodotError.ERR_INVALID_PARAMETER });
      pc.close();
    }
    const pc = new WebRTCPeerConnection({ dispatch: 'sometimes' as never });
    expect(pc.dispatch).toBe('poll');
    expect((pc.get_records().at(-1) as { reason: string }).reason).toMatch(/options.dispatch must be "poll" or "events"/);
    pc.close();
  });
});
