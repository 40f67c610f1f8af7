import { describe, expect, it } from 'vitest';
import { ChannelState, GodotError, SignalingState, WebRTCDataChannel, WebRTCPeerConnection, WriteMode } from '../src/index.js';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../src/adapters/node-datachannel.js';
import { bothOpen, connectedPair, decode, encode, lastRecord, peer, pollUntil, problems, wire } from './support/loopback.js';

describe('in-band channels', () => {
  it('arrive through data_channel_received with the label, id and protocol the creator chose', async () => {
    const offerer = peer();
    const answerer = peer();
    const created = offerer.create_data_channel('game', { protocol: 'godot-proto', ordered: false, maxRetransmits: 3 })!;
    expect(created.get_id()).toBe(-1);
    wire(offerer, answerer);
    const received: WebRTCDataChannel[] = [];
    answerer.data_channel_received.connect((channel) => received.push(channel));
    expect(offerer.create_offer()).toBe(GodotError.OK);
    await pollUntil([offerer, answerer], () => received.length === 1 && bothOpen(created, received[0]!));

    const channel = received[0]!;
    expect(channel.get_label()).toBe('game');
    expect(channel.get_protocol()).toBe('godot-proto');
    expect(channel.get_id()).toBe(created.get_id());
    expect(channel.get_id()).toBeGreaterThanOrEqual(0);
    expect(channel.is_negotiated()).toBe(false);
    // node-datachannel does not expose the reliability of a received channel: Godot's "unset" values.
    expect(channel.get_max_retransmits()).toBe(-1);
    expect(channel.get_max_packet_life_time()).toBe(-1);

    expect(channel.put_packet(encode('from the answerer'))).toBe(GodotError.OK);
    await pollUntil([offerer, answerer], () => created.get_available_packet_count() === 1);
    expect(decode(created.get_packet())).toBe('from the answerer');
  });

  it('the answerer role: a connection that only takes an offer answers it and connects', async () => {
    const offerer = peer();
    const answerer = peer();
    offerer.create_data_channel('x');
    const descriptions: string[] = [];
    answerer.session_description_created.connect((type) => descriptions.push(type));
    wire(offerer, answerer);
    offerer.create_offer();
    offerer.poll();
    expect(answerer.get_signaling_state()).toBe(SignalingState.SIGNALING_STATE_HAVE_REMOTE_OFFER);
    answerer.poll();
    expect(descriptions).toEqual(['answer']);
    expect(answerer.get_signaling_state()).toBe(SignalingState.SIGNALING_STATE_STABLE);
    await pollUntil([offerer, answerer], () => answerer.get_connection_state() === WebRTCPeerConnection.STATE_CONNECTED);
    expect(offerer.get_signaling_state()).toBe(SignalingState.SIGNALING_STATE_STABLE);
  });
});

describe('create_data_channel options', () => {
  it('reads every option back on the creating end', async () => {
    const pc = peer();
    const reliable = pc.create_data_channel('reliable')!;
    expect([reliable.get_label(), reliable.is_ordered(), reliable.is_negotiated(), reliable.get_protocol()]).toEqual(['reliable', true, false, '']);
    expect([reliable.get_max_retransmits(), reliable.get_max_packet_life_time(), reliable.get_id()]).toEqual([-1, -1, -1]);
    expect(reliable.get_ready_state()).toBe(ChannelState.STATE_CONNECTING);

    const lossy = pc.create_data_channel('lossy', { negotiated: true, id: 7, ordered: false, maxRetransmits: 0, protocol: 'p' })!;
    expect([lossy.get_label(), lossy.is_ordered(), lossy.is_negotiated(), lossy.get_protocol()]).toEqual(['lossy', false, true, 'p']);
    expect([lossy.get_id(), lossy.get_max_retransmits(), lossy.get_max_packet_life_time()]).toEqual([7, 0, -1]);

    const timed = pc.create_data_channel('timed', { maxPacketLifeTime: 100 })!;
    expect([timed.get_max_packet_life_time(), timed.get_max_retransmits(), timed.is_ordered()]).toEqual([100, -1, true]);
  });

  it('an unordered, unreliable negotiated channel carries packets both ways', async () => {
    const { ch1, ch2, p1, p2 } = await connectedPair({ negotiated: true, id: 3, ordered: false, maxRetransmits: 0 });
    expect(ch1.put_packet(encode('a'))).toBe(GodotError.OK);
    expect(ch2.put_packet(encode('b'))).toBe(GodotError.OK);
    await pollUntil([p1, p2], () => ch1.get_available_packet_count() === 1 && ch2.get_available_packet_count() === 1);
    expect([decode(ch1.get_packet()), decode(ch2.get_packet())]).toEqual(['b', 'a']);
  });
});

describe('packets', () => {
  it('BINARY is the default and arrives as bytes; TEXT arrives as a string packet', async () => {
    const { p1, p2, ch1, ch2 } = await connectedPair();
    expect(ch1.get_write_mode()).toBe(WriteMode.WRITE_MODE_BINARY);
    const bytes = new Uint8Array([0, 1, 2, 255, 0]);
    expect(ch1.put_packet(bytes)).toBe(GodotError.OK);
    ch1.set_write_mode(WebRTCDataChannel.WRITE_MODE_TEXT);
    expect(ch1.get_write_mode()).toBe(WriteMode.WRITE_MODE_TEXT);
    const text = 'héllo\u0000wörld 🎮';
    expect(ch1.put_packet(encode(text))).toBe(GodotError.OK);
    await pollUntil([p1, p2], () => ch2.get_available_packet_count() === 2);

    expect(ch2.get_packet()).toEqual(bytes);
    expect(ch2.was_string_packet()).toBe(false);
    const received = ch2.get_packet();
    expect(ch2.was_string_packet()).toBe(true);
    // No NUL truncation (Godot's native backend zeroes everything after a NUL: webrtc-native#55).
    expect(decode(received)).toBe(text);
    expect(ch2.get_packet_error()).toBe(GodotError.OK);
  });

  it('get_packet on an empty queue gives an empty packet and ERR_UNAVAILABLE', async () => {
    const { ch1 } = await connectedPair();
    expect(ch1.get_packet()).toEqual(new Uint8Array(0));
    expect(ch1.get_packet_error()).toBe(GodotError.ERR_UNAVAILABLE);
  });

  it('a zero-length packet is OK and sends nothing', async () => {
    const { p1, p2, ch1, ch2 } = await connectedPair();
    expect(ch1.put_packet(new Uint8Array(0))).toBe(GodotError.OK);
    expect(ch1.put_packet(encode('after'))).toBe(GodotError.OK);
    await pollUntil([p1, p2], () => ch2.get_available_packet_count() >= 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ch2.get_available_packet_count()).toBe(1);
    expect(decode(ch2.get_packet())).toBe('after');
  });

  it('a packet of exactly the negotiated size crosses (the receiver records that it may be a cut one); one byte more is refused with ERR_INVALID_PARAMETER', async () => {
    const { p1, p2, ch1, ch2 } = await connectedPair();
    const limit = ch1.get_max_packet_size();
    expect(limit).toBe(DEFAULT_MAX_MESSAGE_SIZE);
    expect(ch1.put_packet(new Uint8Array(limit + 1))).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(lastRecord(p1)).toMatchObject({ kind: 'refusal', method: 'put_packet', code: GodotError.ERR_INVALID_PARAMETER });
    expect(JSON.stringify(lastRecord(p1))).toContain(`${limit + 1} bytes`);
    const big = new Uint8Array(limit).fill(7);
    expect(ch1.put_packet(big)).toBe(GodotError.OK);
    await pollUntil([p1, p2], () => ch2.get_available_packet_count() === 1);
    expect(ch2.get_packet()).toEqual(big);
    expect(problems(p2)).toEqual([expect.objectContaining({ kind: 'stack_error', channel: 'chat#1', method: 'stack.message', reason: expect.stringContaining('may be cut') })]);
  });

  it('TEXT mode refuses bytes that are not UTF-8 with ERR_INVALID_DATA', async () => {
    const { p1, ch1 } = await connectedPair();
    ch1.set_write_mode(WriteMode.WRITE_MODE_TEXT);
    expect(ch1.put_packet(new Uint8Array([0xff, 0xfe]))).toBe(GodotError.ERR_INVALID_DATA);
    expect(lastRecord(p1)).toMatchObject({ method: 'put_packet', code: GodotError.ERR_INVALID_DATA });
  });

  it('a thousand packets arrive complete and in order, and get_buffered_amount drains to 0', async () => {
    const { p1, p2, ch1, ch2 } = await connectedPair();
    for (let i = 0; i < 1000; i++) expect(ch1.put_packet(encode(`packet ${i}`))).toBe(GodotError.OK);
    await pollUntil([p1, p2], () => ch2.get_available_packet_count() === 1000);
    for (let i = 0; i < 1000; i++) expect(decode(ch2.get_packet())).toBe(`packet ${i}`);
    await pollUntil([p1, p2], () => ch1.get_buffered_amount() === 0);
  });
});
