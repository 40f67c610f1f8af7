import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { GodotError } from '../../src/godot/constants.js';
import { MessageType } from '../../src/signaling/frames.js';
import { SignalingServer } from '../../src/signaling/server.js';
import { artifacts, useInspectorInChromium } from './chromium.js';

const opened = useInspectorInChromium();
const servers: SignalingServer[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  for (const server of servers.splice(0)) await server.close();
});

/** A raw ws client speaking the demo's 4.x JSON frames; `next(type)` waits (bounded) for a frame of that type. */
async function client(url: string) {
  const socket = new WebSocket(url);
  sockets.push(socket);
  const frames: Array<{ type: number; id: number; data: string }> = [];
  socket.on('message', (data) => frames.push(JSON.parse(String(data))));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const send = (type: number, id: number, data = '') => socket.send(JSON.stringify({ type, id, data }));
  async function next(type: number) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const frame = frames.find((f) => f.type === type);
      if (frame) return frame;
      if (Date.now() > deadline) throw new Error(`no frame of type ${type}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  return { send, next };
}

describe('the inspector shows signaling lobbies and sessions in Chromium', () => {
  it('draws a lobby on its machine with its members and each member session on its own, live to the seal', async () => {
    const server = new SignalingServer({ port: 0 });
    servers.push(server);
    expect(await server.listen()).toBe(GodotError.OK);
    const host = await client(server.url);
    host.send(MessageType.JOIN, 0, '');
    const name = (await host.next(MessageType.JOIN)).data;
    const ids: number[] = [];
    for (let i = 0; i < 2; i++) {
      const member = await client(server.url);
      member.send(MessageType.JOIN, 0, name);
      ids.push((await member.next(MessageType.ID)).id);
      await member.next(MessageType.JOIN);
      member.send(MessageType.OFFER, 1, 'an offer');
    }
    host.send(MessageType.ANSWER, ids[0]!, 'an answer');
    const lobby = server.lobbies().find((view) => view.lobby === name)!.name;

    const page = await opened.browser.newPage({ viewport: { width: 1500, height: 1100 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${opened.inspector.url}#lobby:${lobby}`);
    await page.waitForSelector('body[data-socket="open"]');
    await page.locator(`#lobbies li[data-lobby="${lobby}"][data-lobby-state="open"]`).waitFor();
    await page.locator('.panel[data-machine="signalingLobby"] g.state.current[data-state="open"]').waitFor();
    expect(await page.locator('#detail h2').first().innerText()).toBe(`${lobby} · ${name}`);
    const members = `1, ${ids.join(', ')}`;
    await page.locator(`#facts [data-fact="members"][data-value="${members}"]`).waitFor();
    expect(await page.locator('#facts [data-fact="mesh"]').getAttribute('data-value')).toBe('mesh');
    expect(await page.locator('#facts [data-fact="protocol"]').getAttribute('data-value')).toBe('4.x');
    // One panel per member session, each on the session machine's diagram in inLobby.
    await page.locator('.panel[data-machine="signalingSession"][data-session] g.state.current[data-state="inLobby"]').nth(2).waitFor();
    expect(await page.locator('.panel[data-machine="signalingSession"]').count()).toBe(3);
    const first = `#lobby-sessions tr[data-session="session-${ids[0]}"]`;
    await page.locator(`${first} [data-relayed="offer"][data-value="1"]`).waitFor();
    expect(await page.locator('#lobby-sessions tr[data-session]').count()).toBe(3);
    await page.screenshot({ path: `${artifacts}inspector-signaling.png`, fullPage: true });

    host.send(MessageType.SEAL, 0);
    await page.locator('.panel[data-machine="signalingLobby"] g.state.current[data-state="sealed"]').waitFor();
    await page.locator('.panel[data-machine="signalingLobby"] g.edge.taken[data-edge="open->sealed"]').waitFor();
    await page.locator('.panel[data-machine="signalingSession"] g.state.current[data-state="sealed"]').nth(2).waitFor();
    expect(await page.locator('#records').innerText()).toContain('seal(1)');

    // A session's own page: its facts and its machine.
    await page.locator(first).click();
    await page.locator(`.panel[data-machine="signalingSession"][data-session="session-${ids[0]}"] g.state.current[data-state="sealed"]`).waitFor();
    expect(await page.locator('#facts [data-fact="wire"]').getAttribute('data-value')).toBe(String(ids[0]));
    expect(await page.locator('#facts [data-fact="relayed"]').getAttribute('data-value')).toBe('1 / 0 / 0');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
