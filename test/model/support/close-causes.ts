import { expect } from 'vitest';
import { GodotError, WebRTCDataChannel, WebRTCPeerConnection, type ConnectionRecord } from '../../../src/index.js';
import { MODEL_LIMIT } from '../../../src/testing/index.js';
import { pollUntil } from '../../support/loopback.js';

/**
 * The transitions into closed that a path replay cannot cause (a path drives one machine; these
 * need a whole connected pair): over loopback, the connection under test ("L", named
 * `model-loopback-close-*` so that the coverage counts it) is brought into a signaling state while
 * its transport connects, then the far end closes (the stack reports closed by itself:
 * `stack.connection_state(closed)`) or sends packets L does not read past its `maxQueuedPackets`
 * of 1 (`limit_exceeded(maxQueuedPackets)`).
 *
 * L's signaling state while connected: `stable` (L offered, the answer was set), `haveRemoteOffer`
 * (the far end offered; L's answer went to it, but L never set it: libdatachannel applied it as
 * it made it), `haveLocalPranswer` (L set its answer as a pranswer). In haveLocalOffer and
 * haveRemotePranswer the stack holds only L's offer, so nothing connects (loopback-causes.ts).
 */
export type ConnectedSignaling = 'stable' | 'haveRemoteOffer' | 'haveLocalPranswer';
export type Ending = 'remote' | 'limit';

let serial = 0;

export async function closeOverLoopback(signaling: ConnectedSignaling, ending: Ending): Promise<void> {
  const l = new WebRTCPeerConnection({ id: `model-loopback-close-${++serial}`, limits: { [MODEL_LIMIT]: 1 } });
  const far = new WebRTCPeerConnection({ id: `model-far-close-${serial}` });
  try {
    l.create_data_channel('dc', { negotiated: true, id: 1 });
    const farChannel = far.create_data_channel('dc', { negotiated: true, id: 1 })!;
    l.ice_candidate_created.connect((media, index, name) => far.add_ice_candidate(media, index, name));
    far.ice_candidate_created.connect((media, index, name) => l.add_ice_candidate(media, index, name));
    if (signaling === 'stable') {
      l.session_description_created.connect((type, sdp) => {
        l.set_local_description(type, sdp);
        far.set_remote_description(type, sdp);
      });
      far.session_description_created.connect((type, sdp) => {
        far.set_local_description(type, sdp);
        l.set_remote_description(type, sdp);
      });
      expect(l.create_offer()).toBe(GodotError.OK);
    } else {
      far.session_description_created.connect((type, sdp) => {
        far.set_local_description(type, sdp);
        l.set_remote_description(type, sdp);
      });
      l.session_description_created.connect((_type, sdp) => {
        if (signaling === 'haveLocalPranswer') l.set_local_description('pranswer', sdp);
        far.set_remote_description('answer', sdp);
      });
      expect(far.create_offer()).toBe(GodotError.OK);
    }
    await pollUntil([l, far], () => l.get_connection_state() === WebRTCPeerConnection.STATE_CONNECTED && farChannel.get_ready_state() === WebRTCDataChannel.STATE_OPEN, 10_000);
    expect(l.signaling.state).toBe(signaling);
    const seq = l.get_records().at(-1)!.seq;
    if (ending === 'remote') far.close();
    else for (let i = 0; i < 3; i++) farChannel.put_packet(new TextEncoder().encode(`unread ${i}`));
    await pollUntil([l, far], () => l.get_connection_state() === WebRTCPeerConnection.STATE_CLOSED, 10_000);
    const transitions = l.get_records().filter((record): record is Extract<ConnectionRecord, { kind: 'transition' }> => record.seq > seq && record.kind === 'transition');
    const into = (machine: string) => transitions.find((record) => record.machine === machine && record.to === 'closed');
    const event = ending === 'remote' ? 'stack.connection_state(closed)' : `limit_exceeded(${MODEL_LIMIT})`;
    expect(into('signaling'), 'the signaling machine closed by the event that closed the connection').toMatchObject({ from: signaling, event });
    expect(into('connection')?.event).toBe(event);
    expect(l.get_close_info()).toMatchObject({ by: ending, limit: ending === 'limit' ? MODEL_LIMIT : null });
  } finally {
    for (const pc of [l, far]) if (pc.get_connection_state() !== WebRTCPeerConnection.STATE_CLOSED) pc.close();
  }
}
