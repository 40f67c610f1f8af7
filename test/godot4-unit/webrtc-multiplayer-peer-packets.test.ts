import '../support/loopback.js';
import { describe, expect, it } from 'vitest';
import { GodotError } from '../../src/index.js';
import { WebRTCMultiplayerPeer } from '../../src/godot4/webrtc-multiplayer-peer.js';
import { drain, link, member, pollAll, settle, text } from './webrtc-multiplayer-peer-setup.js';

const { TRANSFER_MODE_RELIABLE: RELIABLE, TRANSFER_MODE_UNRELIABLE_ORDERED: ORDERED, TRANSFER_MODE_UNRELIABLE: UNRELIABLE } = WebRTCMultiplayerPeer;

describe('WebRTCMultiplayerPeer channels_config, transfer channels and packet channel/mode (real loopback, §1.2, §1.3, §1.5, §1.6)', () => {
  it('channels_config [RELIABLE, UNRELIABLE_ORDERED, UNRELIABLE] adds negotiated channels 4, 5, 6 ("4", "5", "6"); extra unreliable ones get a 1 ms lifetime', async () => {
    const config = [RELIABLE, ORDERED, UNRELIABLE];
    const server = member('server', 1, config);
    const client = member('client', 2, config);
    link(server, client, 7);
    await pollAll([server, client], () => server.signals.length === 1 && client.signals.length === 1);
    for (const m of [server, client]) {
      const { channels, connected } = m.mp.get_peer(m === server ? 2 : 1)!;
      expect(connected).toBe(true);
      expect(channels.map((c) => [c.get_label(), c.get_id(), c.is_negotiated(), c.is_ordered(), c.get_max_packet_life_time()])).toEqual([
        ['reliable', 1, true, true, -1],
        ['ordered', 2, true, true, 7],
        ['unreliable', 3, true, false, 7],
        ['4', 4, true, true, -1],
        ['5', 5, true, true, 1],
        ['6', 6, true, false, 1],
      ]);
      expect(m.mp.get_stats().extra_channels).toBe(3);
    }

    // Channel 0 follows the transfer mode; an extra channel its own mode (the transfer mode is ignored there).
    const sends: Array<[channel: number, mode: number, body: string]> = [
      [3, RELIABLE, 'ch3'],
      [1, UNRELIABLE, 'ch1'],
      [0, ORDERED, 'ordered'],
      [2, RELIABLE, 'ch2'],
      [0, UNRELIABLE, 'unreliable'],
      [0, RELIABLE, 'reliable'],
    ];
    for (const [channel, mode, body] of sends) {
      expect(client.mp.set_transfer_channel(channel)).toBe(GodotError.OK);
      expect(client.mp.set_transfer_mode(mode as 0 | 1 | 2)).toBe(GodotError.OK);
      expect(client.mp.put_packet(text(body))).toBe(GodotError.OK);
    }
    expect(client.mp.get_transfer_channel()).toBe(0);
    await pollAll([server, client], () => server.mp.get_available_packet_count() === sends.length);
    await settle([server, client]);
    // One peer: its channels in list order (reliable, ordered, unreliable, 4, 5, 6), each packet with its channel and mode.
    expect(drain(server)).toEqual([
      [2, 0, RELIABLE, 'reliable'],
      [2, 0, ORDERED, 'ordered'],
      [2, 0, UNRELIABLE, 'unreliable'],
      [2, 1, RELIABLE, 'ch1'],
      [2, 2, ORDERED, 'ch2'],
      [2, 3, UNRELIABLE, 'ch3'],
    ]);
    expect(server.mp.get_available_packet_count()).toBe(0);
    expect(server.mp.get_packet_peer()).toBe(0);
    expect(server.mp.get_packet_channel()).toBe(0);
    const { modes } = server.mp.get_stats();
    expect([modes.reliable.messages_received, modes.ordered.messages_received, modes.unreliable.messages_received]).toEqual([2, 2, 2]);
    expect(client.mp.get_stats().modes.reliable.messages_sent).toBe(2);
  });

  it('a server with two clients: a target, a broadcast and an exclusion, on an extra channel; a peer removed takes its queued packets with it', async () => {
    const server = member('server', 1, [ORDERED]);
    const a = member('client', 2, [ORDERED]);
    const b = member('client', 3, [ORDERED]);
    link(server, a);
    link(server, b);
    await pollAll([server, a, b], () => server.signals.length === 2 && a.signals.length === 1 && b.signals.length === 1);
    server.mp.set_transfer_channel(1);
    server.mp.set_target_peer(3);
    expect(server.mp.put_packet(text('only 3'))).toBe(GodotError.OK);
    server.mp.set_target_peer(0);
    expect(server.mp.put_packet(text('everyone'))).toBe(GodotError.OK);
    server.mp.set_target_peer(-3);
    expect(server.mp.put_packet(text('not 3'))).toBe(GodotError.OK);
    expect(server.mp.get_stats().modes.ordered.messages_sent).toBe(4);
    expect(a.mp.put_packet(text('from 2'))).toBe(GodotError.OK);
    expect(b.mp.put_packet(text('from 3'))).toBe(GodotError.OK);
    await pollAll([server, a, b], () => a.mp.get_available_packet_count() === 2 && b.mp.get_available_packet_count() === 2 && server.mp.get_available_packet_count() === 2);
    await settle([server, a, b]);
    expect(drain(a)).toEqual([[1, 1, ORDERED, 'everyone'], [1, 1, ORDERED, 'not 3']]);
    expect(drain(b)).toEqual([[1, 1, ORDERED, 'only 3'], [1, 1, ORDERED, 'everyone']]);
    expect(server.mp.get_packet_peer()).toBe(2);
    expect(server.mp.get_packet_mode()).toBe(RELIABLE);
    expect(server.mp.remove_peer(2)).toBe(GodotError.OK);
    expect(drain(server)).toEqual([[3, 0, RELIABLE, 'from 3']]);
    // Signals wait for poll(), as ever.
    // (the two clients connect in either order)
    expect([...server.signals].sort()).toEqual(['peer_connected(2)', 'peer_connected(3)']);
    server.mp.poll();
    expect(server.signals.at(-1)).toBe('peer_disconnected(2)');
  });
});
