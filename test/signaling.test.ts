import { describe, expect, it } from 'vitest';
import { ChannelState, GodotError, SignalingState, WebRTCPeerConnection } from '../src/index.js';
import { peer, pollUntil, problems } from './support/loopback.js';

/** A pair whose signals are captured by hand, so that each test sequences descriptions itself. */
function manualPair() {
  const offerer = peer();
  const answerer = peer();
  const a = offerer.create_data_channel('chat', { negotiated: true, id: 1 })!;
  const b = answerer.create_data_channel('chat', { negotiated: true, id: 1 })!;
  const sent = { offerer: [] as Array<[string, string]>, answerer: [] as Array<[string, string]> };
  offerer.session_description_created.connect((type, sdp) => sent.offerer.push([type, sdp]));
  answerer.session_description_created.connect((type, sdp) => sent.answerer.push([type, sdp]));
  offerer.ice_candidate_created.connect((m, i, n) => answerer.add_ice_candidate(m, i, n));
  answerer.ice_candidate_created.connect((m, i, n) => offerer.add_ice_candidate(m, i, n));
  const open = () => a.get_ready_state() === ChannelState.STATE_OPEN && b.get_ready_state() === ChannelState.STATE_OPEN;
  return { offerer, answerer, sent, open };
}

describe('signaling over real connections', () => {
  it('a remote pranswer is held (HAVE_REMOTE_PRANSWER), and the final answer connects the pair', async () => {
    const { offerer, answerer, sent, open } = manualPair();
    offerer.create_offer();
    offerer.poll();
    const [, offer] = sent.offerer[0]!;
    expect(offerer.set_local_description('offer', offer)).toBe(GodotError.OK);
    expect(offerer.get_signaling_state()).toBe(SignalingState.SIGNALING_STATE_HAVE_LOCAL_OFFER);
    expect(answerer.set_remote_description('offer', offer)).toBe(GodotError.OK);
    answerer.poll();
    const [type, answer] = sent.answerer[0]!;
    expect(type).toBe('answer');

    expect(answerer.set_local_description('pranswer', answer)).toBe(GodotError.OK);
    expect(answerer.get_signaling_state()).toBe(SignalingState.SIGNALING_STATE_HAVE_LOCAL_PRANSWER);
    expect(offerer.set_remote_description('pranswer', answer)).toBe(GodotError.OK);
    expect(offerer.get_signaling_state()).toBe(SignalingState.SIGNALING_STATE_HAVE_REMOTE_PRANSWER);
    expect(offerer.set_remote_description('pranswer', answer)).toBe(GodotError.OK);

    expect(answerer.set_local_description('answer', answer)).toBe(GodotError.OK);
    expect(offerer.set_remote_description('answer', answer)).toBe(GodotError.OK);
    expect(offerer.get_signaling_state()).toBe(SignalingState.SIGNALING_STATE_STABLE);
    expect(answerer.get_signaling_state()).toBe(SignalingState.SIGNALING_STATE_STABLE);
    await pollUntil([offerer, answerer], open);
    expect([...problems(offerer), ...problems(answerer)]).toEqual([]);
  });

  it('a local rollback withdraws the offer, and the connection can still take the other side\'s offer', async () => {
    const { offerer, answerer, sent, open } = manualPair();
    offerer.create_offer();
    offerer.poll();
    offerer.set_local_description('offer', sent.offerer[0]![1]);
    expect(offerer.set_local_description('rollback', '')).toBe(GodotError.OK);
    expect(offerer.get_signaling_state()).toBe(SignalingState.SIGNALING_STATE_STABLE);

    // Roles swap: the other side offers now.
    expect(answerer.create_offer()).toBe(GodotError.OK);
    answerer.poll();
    const [, offer] = sent.answerer[0]!;
    answerer.set_local_description('offer', offer);
    expect(offerer.set_remote_description('offer', offer)).toBe(GodotError.OK);
    offerer.poll();
    const [type, answer] = sent.offerer.at(-1)!;
    expect(type).toBe('answer');
    offerer.set_local_description('answer', answer);
    expect(answerer.set_remote_description('answer', answer)).toBe(GodotError.OK);
    await pollUntil([offerer, answerer], open);
  });

  it('a remote rollback in HAVE_LOCAL_OFFER goes back to stable', () => {
    const { offerer, sent } = manualPair();
    offerer.create_offer();
    offerer.poll();
    offerer.set_local_description('offer', sent.offerer[0]![1]);
    expect(offerer.set_remote_description('rollback', '')).toBe(GodotError.OK);
    expect(offerer.get_signaling_state()).toBe(SignalingState.SIGNALING_STATE_STABLE);
  });

  it('glare: a remote offer in HAVE_LOCAL_OFFER rolls the local one back and is answered', async () => {
    const { offerer: left, answerer: right, sent, open } = manualPair();
    left.create_offer();
    right.create_offer();
    left.poll();
    right.poll();
    left.set_local_description('offer', sent.offerer[0]![1]);
    right.set_local_description('offer', sent.answerer[0]![1]);
    // The polite side (right) takes the left offer; left keeps its own.
    expect(right.set_remote_description('offer', sent.offerer[0]![1])).toBe(GodotError.OK);
    expect(right.get_signaling_state()).toBe(SignalingState.SIGNALING_STATE_HAVE_REMOTE_OFFER);
    right.poll();
    const [type, answer] = sent.answerer.at(-1)!;
    expect(type).toBe('answer');
    expect(right.set_local_description('answer', answer)).toBe(GodotError.OK);
    expect(left.set_remote_description('answer', answer)).toBe(GodotError.OK);
    await pollUntil([left, right], open);
  });

  it('the state getters are the machines\' snapshots at every step of a handshake', async () => {
    const { offerer, answerer, sent, open } = manualPair();
    const agree = (pc: WebRTCPeerConnection) => {
      const names = pc.get_machine_states();
      const signaling = ['stable', 'haveLocalOffer', 'haveRemoteOffer', 'haveLocalPranswer', 'haveRemotePranswer', 'closed'];
      const connection = ['new', 'connecting', 'connected', 'disconnected', 'failed', 'closed'];
      expect(pc.get_signaling_state()).toBe(signaling.indexOf(names.signaling));
      expect(pc.get_connection_state()).toBe(connection.indexOf(names.connection));
      expect(pc.get_gathering_state()).toBe(['new', 'gathering', 'complete'].indexOf(names.gathering));
    };
    offerer.create_offer();
    agree(offerer);
    offerer.poll();
    offerer.set_local_description('offer', sent.offerer[0]![1]);
    agree(offerer);
    answerer.set_remote_description('offer', sent.offerer[0]![1]);
    agree(answerer);
    answerer.poll();
    answerer.set_local_description('answer', sent.answerer[0]![1]);
    offerer.set_remote_description('answer', sent.answerer[0]![1]);
    await pollUntil([offerer, answerer], () => {
      agree(offerer);
      agree(answerer);
      return open();
    });
  });
});
