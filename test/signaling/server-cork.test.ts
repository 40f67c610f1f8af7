import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { host4, join4, json, startServer } from './server-support.js';

const OPTIONS = { timeout: 60_000 };

describe('the server batches a turn’s frames into one write (session.ts corkForThisTurn)', () => {
  it('ws still keeps its net.Socket at _socket with cork and uncork, on the server side (the private field the batching uses)', OPTIONS, async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(wss, 'listening');
    const accepted = once(wss, 'connection');
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as { port: number }).port}`);
    const [socket] = (await accepted) as [WebSocket];
    if (client.readyState !== WebSocket.OPEN) await once(client, 'open');
    const tcp = (socket as unknown as { _socket?: { cork?: unknown; uncork?: unknown } })._socket;
    expect(typeof tcp?.cork).toBe('function');
    expect(typeof tcp?.uncork).toBe('function');
    client.close();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });

  it('a burst of relays written in one turn arrives complete, in order and byte for byte', OPTIONS, async () => {
    const server = await startServer();
    const { client: host, lobby } = await host4(server);
    const { client: b, id: bId } = await join4(server, lobby, 1, 'b');
    const frames = Array.from({ length: 500 }, (_, i) => json(6, 1, `\n0\n0\ncandidate:${i} 1 UDP 2122260223 127.0.0.1 ${10_000 + i} typ host`));
    for (const frame of frames) b.send(frame);
    await host.until(() => host.frames.length >= 3 + frames.length, 'every relay', 30_000);
    const relayed = host.frames.slice(3);
    expect(relayed).toEqual(frames.map((frame) => json(6, bId, JSON.parse(frame).data)));
    // And the other way, from the host, in the same turn as its reads.
    for (let i = 0; i < 100; i++) host.json(4, bId, `v=0 ${i}`);
    await b.until(() => b.frames.filter((f) => f.startsWith('{"type":4')).length === 100, 'the host’s offers', 30_000);
    expect(b.frames.filter((f) => f.startsWith('{"type":4'))).toEqual(Array.from({ length: 100 }, (_, i) => json(4, 1, `v=0 ${i}`)));
    await server.close();
  });
});
