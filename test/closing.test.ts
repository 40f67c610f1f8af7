import { describe, expect, it } from 'vitest';
import { ChannelState, ConnectionState, GodotError, SignalingState } from '../src/index.js';
import { connectedPair, encode, peer, pollUntil, problems, stackOrderExtension, withExtension } from './support/loopback.js';

describe('closing', () => {
  it('close() on one side: its states are CLOSED at once; the other end sees its channel close and the connection go to CLOSED', async () => {
    const { p1, p2, ch1, ch2 } = await connectedPair();
    const seen: number[] = [];
    p1.close();
    expect(p1.get_connection_state()).toBe(ConnectionState.STATE_CLOSED);
    expect(p1.get_signaling_state()).toBe(SignalingState.SIGNALING_STATE_CLOSED);
    expect(ch1.get_ready_state()).toBe(ChannelState.STATE_CLOSED);
    await pollUntil([p2], () => {
      if (seen.at(-1) !== p2.get_connection_state()) seen.push(p2.get_connection_state());
      return ch2.get_ready_state() === ChannelState.STATE_CLOSED && p2.get_connection_state() === ConnectionState.STATE_CLOSED;
    });
    // libdatachannel reports disconnected, then closed; Godot then reads SIGNALING_STATE_CLOSED too.
    expect(seen[0]).toBe(ConnectionState.STATE_CONNECTED);
    expect(seen.at(-1)).toBe(ConnectionState.STATE_CLOSED);
    expect(p2.get_signaling_state()).toBe(SignalingState.SIGNALING_STATE_CLOSED);
    expect(p2.get_records().filter((r) => r.kind === 'stack_anomaly')).toEqual([]);
    expect(ch2.put_packet(encode('too late'))).toBe(GodotError.ERR_UNAVAILABLE);
  });

  it('both sides closing at once: both read CLOSED, and nothing is recorded as an anomaly', async () => {
    const { p1, p2, ch1, ch2 } = await connectedPair();
    p1.close();
    p2.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const pc of [p1, p2]) {
      expect(pc.get_connection_state()).toBe(ConnectionState.STATE_CLOSED);
      expect(pc.get_signaling_state()).toBe(SignalingState.SIGNALING_STATE_CLOSED);
      expect(problems(pc)).toEqual([]);
    }
    expect([ch1.get_ready_state(), ch2.get_ready_state()]).toEqual([ChannelState.STATE_CLOSED, ChannelState.STATE_CLOSED]);
  });

  it('closing only a channel closes it on both ends and leaves the connection up', async () => {
    const { p1, p2, ch1, ch2 } = await connectedPair();
    ch1.close();
    expect(ch1.get_ready_state()).toBe(ChannelState.STATE_CLOSING);
    await pollUntil([p1, p2], () => ch1.get_ready_state() === ChannelState.STATE_CLOSED && ch2.get_ready_state() === ChannelState.STATE_CLOSED);
    expect(p1.get_connection_state()).toBe(ConnectionState.STATE_CONNECTED);
    expect(p2.get_connection_state()).toBe(ConnectionState.STATE_CONNECTED);
  });

  it('close() drops the signals not yet emitted', async () => {
    const pc = peer();
    pc.create_data_channel('x');
    let emitted = 0;
    pc.session_description_created.connect(() => emitted++);
    pc.ice_candidate_created.connect(() => emitted++);
    pc.create_offer();
    await new Promise((resolve) => setTimeout(resolve, 50));
    pc.close();
    pc.poll();
    expect(emitted).toBe(0);
  });

  it('packets received before the close stay readable after it', async () => {
    const { p1, p2, ch1, ch2 } = await connectedPair();
    ch1.put_packet(encode('kept'));
    await pollUntil([p1, p2], () => ch2.get_available_packet_count() === 1);
    p2.close();
    expect(ch2.get_ready_state()).toBe(ChannelState.STATE_CLOSED);
    expect(ch2.get_available_packet_count()).toBe(1);
    expect(new TextDecoder().decode(ch2.get_packet())).toBe('kept');
  });

  it('initialize() after close() gives a fresh connection that connects again', async () => {
    const { p1, p2 } = await connectedPair();
    p1.close();
    p2.close();
    expect(p1.initialize()).toBe(GodotError.OK);
    expect(p2.initialize({})).toBe(GodotError.OK);
    expect(p1.get_connection_state()).toBe(ConnectionState.STATE_NEW);
    expect(p1.get_signaling_state()).toBe(SignalingState.SIGNALING_STATE_STABLE);
    const c1 = p1.create_data_channel('again', { negotiated: true, id: 2 })!;
    const c2 = p2.create_data_channel('again', { negotiated: true, id: 2 })!;
    expect(p1.create_offer()).toBe(GodotError.OK);
    await pollUntil([p1, p2], () => c1.get_ready_state() === ChannelState.STATE_OPEN && c2.get_ready_state() === ChannelState.STATE_OPEN);
  });

  it('initialize() on a live connection closes its channels and starts over at STATE_NEW', async () => {
    const { p1, ch1 } = await connectedPair();
    expect(p1.initialize()).toBe(GodotError.OK);
    expect(ch1.get_ready_state()).toBe(ChannelState.STATE_CLOSED);
    expect(p1.get_connection_state()).toBe(ConnectionState.STATE_NEW);
    expect(p1.create_data_channel('fresh')).not.toBeNull();
  });
});

describe('closed channels leave their connection', () => {
  it('a channel closed on either side leaves get_data_channels() on both, and its packets stay readable', async () => {
    const { p1, p2, ch1, ch2 } = await connectedPair();
    expect(ch1.put_packet(encode('last'))).toBe(GodotError.OK);
    await pollUntil([p1, p2], () => ch2.get_available_packet_count() === 1);
    ch1.close();
    await pollUntil([p1, p2], () => ch1.get_ready_state() === ChannelState.STATE_CLOSED && ch2.get_ready_state() === ChannelState.STATE_CLOSED);
    expect(p1.get_data_channels()).toEqual([]);
    expect(p2.get_data_channels()).toEqual([]);
    expect(p2.get_queued_bytes()).toBe(ch2.get_queued_bytes());
    expect(ch2.get_packet()).toEqual(encode('last'));
    expect(p2.get_queued_bytes()).toBe(0);
    expect(p1.get_connection_state()).toBe(ConnectionState.STATE_CONNECTED);
  });

  it("a closed negotiated channel keeps its id: libdatachannel keeps the stream, and a new channel on it would never open", async () => {
    const pc = peer();
    const first = pc.create_data_channel('first', { negotiated: true, id: 1 })!;
    first.close();
    await pollUntil([pc], () => first.get_ready_state() === ChannelState.STATE_CLOSED);
    expect(pc.get_data_channels()).toEqual([]);
    expect(pc.create_data_channel('second', { negotiated: true, id: 1 })).toBeNull();
    expect(pc.get_records().at(-1)).toMatchObject({ kind: 'refusal', method: 'create_data_channel', codeName: 'ERR_ALREADY_EXISTS' });
    expect(pc.create_data_channel('other', { negotiated: true, id: 2 })?.get_ready_state()).toBe(ChannelState.STATE_CONNECTING);
  });
});

describe('candidates before the remote description', () => {
  // libdatachannel's own order, in which an offerer's candidates can reach the answerer before its offer.
  it('are held and applied in order once the description lands, and the pair connects', () => withExtension(stackOrderExtension, async () => {
    const offerer = peer();
    const answerer = peer();
    const a = offerer.create_data_channel('chat', { negotiated: true, id: 1 })!;
    const b = answerer.create_data_channel('chat', { negotiated: true, id: 1 })!;
    let offer = '';
    const candidates: Array<[string, number, string]> = [];
    offerer.session_description_created.connect((type, sdp) => {
      offerer.set_local_description(type, sdp);
      offer = sdp;
    });
    offerer.ice_candidate_created.connect((media, index, name) => candidates.push([media, index, name]));
    answerer.session_description_created.connect((type, sdp) => {
      answerer.set_local_description(type, sdp);
      offerer.set_remote_description(type, sdp);
    });
    answerer.ice_candidate_created.connect((media, index, name) => offerer.add_ice_candidate(media, index, name));
    offerer.create_offer();
    await pollUntil([offerer], () => candidates.length > 0 && offerer.get_gathering_state() === 2);
    offerer.poll();

    // Every candidate first, then the offer: Godot's native backend fails these (godot-docs#10022).
    for (const [media, index, name] of candidates) expect(answerer.add_ice_candidate(media, index, name)).toBe(GodotError.OK);
    expect(problems(answerer)).toEqual([]);
    expect(answerer.set_remote_description('offer', offer)).toBe(GodotError.OK);
    await pollUntil([offerer, answerer], () => a.get_ready_state() === ChannelState.STATE_OPEN && b.get_ready_state() === ChannelState.STATE_OPEN);
    expect(problems(answerer)).toEqual([]);
  }));
});

describe('native lifetimes', () => {
  it('every native connection and channel is held until the stack reports it closed, then released', async () => {
    const { nativeLifetimes } = await import('../src/adapters/node-datachannel.js');
    // Connections of earlier tests are released when their closed callbacks arrive.
    await pollUntil([], () => nativeLifetimes.live.connections === 0 && nativeLifetimes.live.channels === 0);
    const before = nativeLifetimes.live;
    const { p1, p2 } = await connectedPair();
    const offerer = peer();
    offerer.create_data_channel('in-band');
    expect(nativeLifetimes.live.connections).toBe(before.connections + 3);
    expect(nativeLifetimes.live.channels).toBe(before.channels + 3);
    p1.close();
    p2.close();
    offerer.close();
    await pollUntil([], () => nativeLifetimes.live.connections === before.connections && nativeLifetimes.live.channels === before.channels);
  });
});
