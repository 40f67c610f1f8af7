/**
 * Starts a signaling server, puts a host and a member in a lobby, relays, closes the server, and
 * returns without process.exit: the test that spawns it proves no handle is left alive.
 */
import { WebSocket } from 'ws';
import { SignalingServer } from '../../src/signaling/server.js';

const server = new SignalingServer({ port: 0, pingIntervalMs: 50, sealCloseTimeoutMs: 60_000, noLobbyTimeoutMs: 60_000 });
const code = await server.listen();
if (code !== 0) throw new Error(`listen gave ${code}`);
const frames = (socket: WebSocket, count: number) =>
  new Promise<string[]>((resolve) => {
    const seen: string[] = [];
    socket.on('message', (data) => {
      seen.push(data.toString());
      if (seen.length === count) resolve(seen);
    });
  });
const host = new WebSocket(server.url);
const hostFrames = frames(host, 4);
host.on('open', () => host.send('{"type":0,"id":0,"data":""}'));
const lobby = await new Promise<string>((resolve) => host.on('message', (data) => {
  const message = JSON.parse(data.toString()) as { type: number; data: string };
  if (message.type === 0) resolve(message.data);
}));
const member = new WebSocket(server.url);
member.on('open', () => member.send(JSON.stringify({ type: 0, id: 0, data: lobby })));
await frames(member, 3);
member.send('{"type":4,"id":1,"data":"v=0"}');
host.send('{"type":7,"id":0,"data":""}');
await hostFrames;
// A third socket that never joins, so its no-lobby timer is pending when the server closes.
const idle = new WebSocket(server.url);
await new Promise((resolve) => idle.on('open', resolve));
const closes = [host, member, idle].map((socket) => new Promise<string>((resolve) => socket.on('close', (c, r) => resolve(`${c} ${r.toString()}`))));
await server.close();
console.log(`closed: ${(await Promise.all(closes)).join(', ')}`);
