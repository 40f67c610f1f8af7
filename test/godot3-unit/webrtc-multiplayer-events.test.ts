import '../support/loopback.js';
import { describe, expect, it } from 'vitest';
import { GodotError } from '../../src/index.js';
import { WebRTCMultiplayer } from '../../src/godot3/webrtc-multiplayer.js';
import { link, member, pollAll, text, untext } from './webrtc-multiplayer-setup.js';

/** Waits, without polling anything, until `done()` holds; rejects after `timeoutMs`. */
function until(done: () => boolean, timeoutMs = 8000, what = 'condition'): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = () => {
      if (done()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`${what} not met within ${timeoutMs} ms`));
      setTimeout(check, 2);
    };
    check();
  });
}

describe('WebRTCMultiplayer under event dispatch: no poll loop', () => {
  it('connects, announces, delivers packets with packets_available, and says peer_disconnected, all without a poll()', async () => {
    const server = member(1, false, { dispatch: 'events' });
    const client = member(2, true, { dispatch: 'events' });
    expect(server.mp.dispatch).toBe('events');
    let polled = 0;
    for (const m of [server, client]) {
      const poll = m.mp.poll.bind(m.mp);
      m.mp.poll = () => (polled++, poll());
    }
    link(server, client, 1000, { dispatch: 'events' });
    await until(() => client.signals.length === 2 && server.signals.length === 1, 8000, 'both connected');
    expect(client.signals).toEqual(['peer_connected(1)', 'connection_succeeded']);
    expect(server.signals).toEqual(['peer_connected(2)']);
    expect(client.mp.get_connection_status()).toBe(WebRTCMultiplayer.CONNECTION_CONNECTED);

    // Packets: packets_available is emitted from a task, after the stack's callback; the listener reads them all.
    const read: string[] = [];
    let notices = 0;
    client.mp.packets_available.connect(() => {
      notices++;
      while (client.mp.get_available_packet_count() > 0) read.push(`${client.mp.get_packet_peer()}:${untext(client.mp.get_packet())}`);
    });
    for (const [mode, payload] of [[WebRTCMultiplayer.TRANSFER_MODE_RELIABLE, 'a'], [WebRTCMultiplayer.TRANSFER_MODE_UNRELIABLE_ORDERED, 'b'], [WebRTCMultiplayer.TRANSFER_MODE_UNRELIABLE, 'c']] as const) {
      server.mp.set_transfer_mode(mode);
      expect(server.mp.put_packet(text(payload))).toBe(GodotError.OK);
    }
    await until(() => read.length === 3, 8000, 'three packets read');
    expect([...read].sort()).toEqual(['1:a', '1:b', '1:c']);
    expect(notices).toBeGreaterThanOrEqual(1);
    expect(notices).toBeLessThanOrEqual(3);

    // remove_peer's peer_disconnected comes from the dispatch too; the client sees its server go.
    expect(server.mp.remove_peer(2)).toBe(GodotError.OK);
    expect(server.signals).toEqual(['peer_connected(2)']);
    await until(() => server.signals.length === 2 && client.signals.length === 4, 8000, 'both disconnected');
    expect(server.signals[1]).toBe('peer_disconnected(2)');
    expect(client.signals.slice(2)).toEqual(['peer_disconnected(1)', 'server_disconnected']);
    expect(client.mp.get_connection_status()).toBe(WebRTCMultiplayer.CONNECTION_DISCONNECTED);
    expect(polled).toBe(0);
  });

  it('with connections under poll dispatch, poll() still polls them; poll dispatch never emits packets_available', async () => {
    const events = member(1, false, { dispatch: 'events' });
    const polling = member(2);
    let notices = 0;
    polling.mp.packets_available.connect(() => notices++);
    link(events, polling);
    await pollAll([events, polling], () => events.signals.length === 1 && polling.signals.length === 1);
    events.mp.put_packet(text('x'));
    await pollAll([events, polling], () => polling.mp.get_available_packet_count() === 1);
    expect(untext(polling.mp.get_packet())).toBe('x');
    expect(notices).toBe(0);
  });

  it('close() under event dispatch drops what was queued: nothing is emitted after it', async () => {
    const one = member(1, false, { dispatch: 'events' });
    const two = member(2, false, { dispatch: 'events' });
    link(one, two, 1000, { dispatch: 'events' });
    await until(() => one.signals.length === 1 && two.signals.length === 1);
    one.mp.remove_peer(2); // queues peer_disconnected(2), for a task
    one.mp.close();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(one.signals).toEqual(['peer_connected(2)']);
  });
});
