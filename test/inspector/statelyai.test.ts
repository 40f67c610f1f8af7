import { createWebSocketInspector } from '@statelyai/inspect';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { WebRTCPeerConnection } from '../../src/index.js';
import '../support/loopback.js';

describe('xstate inspection through @statelyai/inspect', () => {
  it("streams every actor of a connection and its channels (the README's snippet, with a local receiver for Stately's viewer)", async () => {
    // Stands in for @statelyai/inspect/server's bridge (which relays to Stately's web viewer): nothing leaves loopback.
    const receiver = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => receiver.once('listening', resolve));
    const events: Array<{ type: string; name?: string; sessionId: string; event?: { type: string } }> = [];
    receiver.on('connection', (socket) => socket.on('message', (data) => events.push(JSON.parse(String(data)))));

    const inspector = createWebSocketInspector({ url: `ws://127.0.0.1:${(receiver.address() as AddressInfo).port}` });
    const pc = new WebRTCPeerConnection({ inspect: inspector.inspect });
    const channel = pc.create_data_channel('chat', { negotiated: true, id: 1 })!;
    pc.create_offer();
    pc.close();

    const deadline = Date.now() + 10_000;
    while (!events.some((e) => e.type === '@xstate.event' && e.event?.type === 'close') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    inspector.stop();
    receiver.close();
    const actors = events.filter((e) => e.type === '@xstate.actor');
    expect(actors.length).toBe(4); // signaling, connection, gathering, and the channel
    expect(new Set(actors.map((e) => e.sessionId)).size).toBe(4);
    const sent = events.filter((e) => e.type === '@xstate.event').map((e) => e.event!.type);
    expect(sent).toEqual(expect.arrayContaining(['initialize', 'create_data_channel', 'create_offer', 'close', 'peer_closed']));
    expect(events.some((e) => e.type === '@xstate.snapshot')).toBe(true);
    expect(channel.machine.state).toBe('closed');
  });
});
