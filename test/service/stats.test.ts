import { describe, expect, it } from 'vitest';
import { GodotError, WebRTCPeerConnection } from '../../src/index.js';
import { encode, peer, wire } from '../support/loopback.js';

describe('get_stats()', () => {
  it('counts what each channel carried and holds, sums it per connection, closed channels included, and ages', async () => {
    const a = peer({ dispatch: 'events' });
    const b = peer({ dispatch: 'events' });
    const chat = a.create_data_channel('chat', { negotiated: true, id: 1 })!;
    const bulk = a.create_data_channel('bulk', { negotiated: true, id: 2 })!;
    const chatB = b.create_data_channel('chat', { negotiated: true, id: 1 })!;
    const bulkB = b.create_data_channel('bulk', { negotiated: true, id: 2 })!;
    wire(a, b);
    const fresh = a.get_stats();
    expect(fresh).toMatchObject({ id: a.id, connection_state: WebRTCPeerConnection.STATE_NEW, messages_sent: 0, bytes_sent: 0, rtt_ms: null, selected_pair: null });
    a.create_offer();
    for (const channel of [chat, bulk, chatB, bulkB]) expect(await channel.opened({ timeout: 10_000 })).toBe(GodotError.OK);
    for (let i = 0; i < 10; i++) chat.put_packet(encode('hello'));
    for (let i = 0; i < 3; i++) bulk.put_packet(new Uint8Array(1000).fill(7));
    for (let i = 0; i < 10; i++) expect(await chatB.receive({ timeout: 5000 })).not.toBeNull();
    // bulk's three stay unread on b.
    const deadline = Date.now() + 5000;
    while (bulkB.get_available_packet_count() < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
    const sent = a.get_stats();
    expect(sent.age_ms).toBeGreaterThan(fresh.age_ms);
    expect(sent).toMatchObject({ messages_sent: 13, bytes_sent: 50 + 3000, messages_received: 0, connection_state: WebRTCPeerConnection.STATE_CONNECTED });
    expect(sent.channels.map((channel) => [channel.label, channel.messages_sent, channel.bytes_sent])).toEqual([['chat', 10, 50], ['bulk', 3, 3000]]);
    const got = b.get_stats();
    expect(got).toMatchObject({ messages_received: 13, bytes_received: 3050, queued_bytes: b.get_queued_bytes() });
    expect(got.channels.find((channel) => channel.label === 'bulk')).toMatchObject({ queued_packets: 3, queued_bytes: bulkB.get_queued_bytes(), messages_received: 3, state_name: 'open', id: 2 });
    // A closed channel leaves the list, and its figures stay in the connection's sums.
    bulk.close();
    expect(await bulk.closed({ timeout: 5000 })).toBe(GodotError.OK);
    const after = a.get_stats();
    expect(after.channels.map((channel) => channel.label)).toEqual(['chat']);
    expect(after).toMatchObject({ messages_sent: 13, bytes_sent: 3050 });
    // A new life starts from zero.
    a.initialize();
    expect(a.get_stats()).toMatchObject({ messages_sent: 0, bytes_sent: 0, channels: [] });
  });
});
