import '../support/loopback.js';
import { describe, expect, it } from 'vitest';
import { GodotError, WebRTCDataChannel } from '../../src/index.js';
import { WebRTCMultiplayer } from '../../src/godot3/webrtc-multiplayer.js';
import { peer } from '../support/loopback.js';
import { link, member, pollAll, settle, text, untext, type Member } from './webrtc-multiplayer-setup.js';

const { TRANSFER_MODE_RELIABLE, TRANSFER_MODE_UNRELIABLE_ORDERED, TRANSFER_MODE_UNRELIABLE } = WebRTCMultiplayer;

/** Everything `m` holds, read as its MultiplayerAPI reads it: the peer first, then the packet. */
function drain(m: Member): string[] {
  const read: string[] = [];
  for (let i = 0; i < 100 && m.mp.get_available_packet_count() > 0; i++) {
    const from = m.mp.get_packet_peer();
    read.push(`${from}:${untext(m.mp.get_packet())}`);
  }
  return read;
}

/** A server (1) and two mesh peers (2, 3), all connected. */
async function star(lifetime = 1000) {
  const server = member(1);
  const two = member(2);
  const three = member(3);
  link(server, two, lifetime);
  link(server, three, lifetime);
  await pollAll([server, two, three], () => server.signals.length === 2 && two.signals.length === 1 && three.signals.length === 1);
  return { server, two, three, all: [server, two, three] };
}

describe('WebRTCMultiplayer packets (real connections over loopback)', () => {
  it('add_peer makes the three negotiated channels: ids 1/2/3, Godot\'s labels, ordering, and unreliable_lifetime on 2 and 3', () => {
    const mp = member(1).mp;
    const pc = peer();
    expect(mp.add_peer(pc, 2)).toBe(GodotError.OK);
    const channels = mp.get_peer(2)!.channels;
    expect(channels.map((ch) => [ch.get_id(), ch.get_label(), ch.is_negotiated(), ch.is_ordered(), ch.get_max_packet_life_time(), ch.get_max_retransmits()])).toEqual([
      [1, 'reliable', true, true, -1, -1],
      [2, 'ordered', true, true, 1, -1],
      [3, 'unreliable', true, false, 1, -1],
    ]);
    const other = peer();
    expect(mp.add_peer(other, 3, 250)).toBe(GodotError.OK);
    expect(mp.get_peer(3)!.channels.map((ch) => ch.get_max_packet_life_time())).toEqual([-1, 250, 250]);
    expect(mp.get_peer(3)).toMatchObject({ connection: other, connected: false });
  });

  it('each transfer mode sends on its channel, unchanged and binary; the other side reads it from that channel id with its mode', async () => {
    const { server, two, all } = await star();
    server.mp.set_target_peer(2);
    const modes = [TRANSFER_MODE_RELIABLE, TRANSFER_MODE_UNRELIABLE_ORDERED, TRANSFER_MODE_UNRELIABLE] as const;
    const channels = two.mp.get_peer(1)!.channels;
    for (const [index, mode] of modes.entries()) {
      expect(server.mp.set_transfer_mode(mode)).toBe(GodotError.OK);
      expect(server.mp.get_transfer_mode()).toBe(mode);
      expect(server.mp.put_packet(new Uint8Array([0xaa, 0xbb, index]))).toBe(GodotError.OK);
      await pollAll(all, () => two.mp.get_available_packet_count() === 1);
      // It waits on the channel with stream id index + 1, nowhere else.
      expect(channels.map((ch) => ch.get_available_packet_count())).toEqual([0, 1, 2].map((i) => (i === index ? 1 : 0)));
      expect(channels[index]!.get_id()).toBe(index + 1);
      expect(two.mp.get_packet_peer()).toBe(1);
      expect([...two.mp.get_packet()]).toEqual([0xaa, 0xbb, index]);
      expect(two.mp.get_packet_error()).toBe(GodotError.OK);
      expect(two.mp.get_packet_mode()).toBe(mode);
      expect(channels[index]!.was_string_packet()).toBe(false);
    }
    expect(server.mp.get_stats().modes).toEqual({
      reliable: { messages_sent: 1, bytes_sent: 3, messages_received: 0, bytes_received: 0 },
      ordered: { messages_sent: 1, bytes_sent: 3, messages_received: 0, bytes_received: 0 },
      unreliable: { messages_sent: 1, bytes_sent: 3, messages_received: 0, bytes_received: 0 },
    });
    expect(two.mp.get_stats().modes.unreliable).toEqual({ messages_sent: 0, bytes_sent: 0, messages_received: 1, bytes_received: 3 });
    // A text message from a remote is read as its bytes.
    two.mp.get_peer(1)!.channels[0]!.set_write_mode(WebRTCDataChannel.WRITE_MODE_TEXT);
    two.mp.put_packet(text('\u0004hi'));
    await pollAll(all, () => server.mp.get_available_packet_count() === 1);
    expect([...server.mp.get_packet()]).toEqual([4, 0x68, 0x69]);
  });

  it("get_packet's round robin is Godot 3's: 2:33 3:43 2:34 3:44 2:32 3:42 2:31 3:41", async () => {
    const { server, two, three, all } = await star();
    for (const [m, base] of [[two, 30], [three, 40]] as const) {
      for (const [mode, value] of [[TRANSFER_MODE_UNRELIABLE, 1], [TRANSFER_MODE_UNRELIABLE_ORDERED, 2], [TRANSFER_MODE_RELIABLE, 3], [TRANSFER_MODE_RELIABLE, 4]] as const) {
        m.mp.set_transfer_mode(mode);
        expect(m.mp.put_packet(text(String(base + value)))).toBe(GodotError.OK);
      }
    }
    await pollAll(all, () => server.mp.get_available_packet_count() === 8);
    expect(drain(server).join(' ')).toBe('2:33 3:43 2:34 3:44 2:32 3:42 2:31 3:41');
    expect(server.mp.get_packet_peer()).toBe(0);
    expect(server.mp.get_packet()).toEqual(new Uint8Array(0));
    expect(server.mp.get_packet_error()).toBe(GodotError.ERR_UNAVAILABLE);
    expect(server.mp.get_records().at(-1)).toMatchObject({ kind: 'refusal', method: 'get_packet', code: GodotError.ERR_UNAVAILABLE });
  });

  it('packets of a peer not connected yet are counted and read before any poll of the multiplayer (Godot 3 counts 0 until a poll)', async () => {
    const one = member(1);
    const two = member(2);
    const { ab } = link(one, two);
    // Only one's connection is polled (its signaling), never one's multiplayer.
    const deadline = Date.now() + 8000;
    while (two.signals.length === 0 && Date.now() < deadline) {
      ab.poll();
      two.mp.poll();
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(two.signals).toEqual(['peer_connected(1)']);
    expect(two.mp.put_packet(text('early'))).toBe(GodotError.OK);
    while (one.mp.get_available_packet_count() === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
    expect(one.mp.get_peer(2)!.connected).toBe(false);
    expect(one.mp.get_available_packet_count()).toBe(1);
    expect(one.mp.get_packet_peer()).toBe(2);
    expect(untext(one.mp.get_packet())).toBe('early');
    one.mp.poll();
    expect(one.signals).toEqual(['peer_connected(2)']);
  });

  it('targets: 0 every open peer, N only N, -N all but N; an unknown N is ERR_INVALID_PARAMETER, a peer not open ERR_UNAVAILABLE', async () => {
    const { server, two, three, all } = await star();
    const late = peer(); // in the map, never connected
    expect(server.mp.add_peer(late, 4)).toBe(GodotError.OK);
    const sendTo = (target: number, payload: string) => {
      expect(server.mp.set_target_peer(target)).toBe(GodotError.OK);
      return server.mp.put_packet(text(payload));
    };
    expect(sendTo(0, 'all')).toBe(GodotError.OK); // peer 4 is skipped: its channel is not open
    expect(sendTo(2, 'two')).toBe(GodotError.OK);
    expect(sendTo(-2, 'not-two')).toBe(GodotError.OK);
    expect(sendTo(1, 'nobody')).toBe(GodotError.ERR_INVALID_PARAMETER); // 1 is this end itself: not in its map
    expect(sendTo(4, 'late')).toBe(GodotError.ERR_UNAVAILABLE);
    await pollAll(all, () => two.mp.get_available_packet_count() === 2 && three.mp.get_available_packet_count() === 2);
    await settle(all);
    expect(drain(two)).toEqual(['1:all', '1:two']);
    expect(drain(three)).toEqual(['1:all', '1:not-two']);
    expect(server.mp.get_stats().modes.reliable.messages_sent).toBe(4);
  });
});

describe('WebRTCMultiplayer put_packet refusals', () => {
  it('an unknown target is ERR_INVALID_PARAMETER ("Invalid target peer: 9."), a target not open ERR_UNAVAILABLE, nothing sent', () => {
    const mp = member(1).mp;
    mp.add_peer(peer(), 4);
    mp.set_target_peer(9);
    expect(mp.put_packet(text('x'))).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(mp.get_records().at(-1)).toMatchObject({ kind: 'refusal', method: 'put_packet', machine: 'arguments', states: { webrtcMultiplayer: 'connected' } });
    expect((mp.get_records().at(-1) as { reason: string }).reason).toMatch(/^Invalid target peer: 9\./);
    mp.set_target_peer(4);
    expect(mp.put_packet(text('x'))).toBe(GodotError.ERR_UNAVAILABLE);
    expect(mp.get_records().at(-1)).toMatchObject({ kind: 'refusal', method: 'put_packet', channel: 'peer 4', states: { webrtcMultiplayer: 'connected', multiplayerRemote: 'added' } });
    mp.set_target_peer(0);
    expect(mp.put_packet(text('x'))).toBe(GodotError.OK); // peer 4 is skipped
    expect(mp.get_stats().packets_refused).toBe(2);
    expect(mp.get_stats().modes.reliable.messages_sent).toBe(0);
    expect(mp.put_packet('x' as unknown as Uint8Array)).toBe(GodotError.ERR_INVALID_PARAMETER);
    const closed = new WebRTCMultiplayer();
    expect(closed.put_packet(text('x'))).toBe(GodotError.ERR_UNCONFIGURED);
    expect(closed.get_records().at(-1)).toMatchObject({ kind: 'refusal', method: 'put_packet', code: GodotError.ERR_UNCONFIGURED, state: 'disconnected' });
  });

  it('a broadcast returns the first refusing channel\'s code; the others still get it', async () => {
    const { server, two, three, all } = await star();
    // Peer 2's reliable channel refuses (a text packet that is not UTF-8); 3's takes it.
    server.mp.get_peer(2)!.channels[0]!.set_write_mode(WebRTCDataChannel.WRITE_MODE_TEXT);
    expect(server.mp.put_packet(new Uint8Array([0xff, 0xfe]))).toBe(GodotError.ERR_INVALID_DATA);
    await pollAll(all, () => three.mp.get_available_packet_count() === 1);
    expect([...three.mp.get_packet()]).toEqual([0xff, 0xfe]);
    expect(two.mp.get_available_packet_count()).toBe(0);
    expect(server.mp.get_stats().packets_refused).toBe(1);
    expect(server.mp.get_stats().modes.reliable.messages_sent).toBe(1);
  });
});
