import type { BrowserContext, Page } from 'playwright-core';

/** The pages come from http://127.0.0.1 and hold the media permission, so that Chromium gathers on 127.0.0.1 (chromium.ts says why). */
export { ENUMERATE_ALL_INTERFACES, serveLoopbackPage as serveDemoPage } from './chromium.js';

/** What a page's demo client is told: the server's URL, the lobby to join ('' creates) and whether it asks for a mesh. */
export interface DemoClientOptions {
  url: string;
  lobby: string;
  mesh: boolean;
}

/** A plain snapshot of a page's demo client, as the test reads it. */
export interface DemoClientState {
  /** Its id from ID (0 until then). */
  id: number;
  mesh: boolean | null;
  /** The lobby name from JOIN ('' until then). */
  lobby: string;
  sealed: boolean;
  /** Every id a PEER_CONNECT named, in order. */
  peerConnects: number[];
  /** Ids whose chat channel is open. */
  openPeers: number[];
  received: { from: number; text: string }[];
  /** Messages and calls that failed (a parse failure, a refused candidate, a rejected promise). */
  errors: string[];
  /** Every local candidate Chromium gathered (the first 64), kept or not. */
  gathered: string[];
  /** The sdpMid of each local candidate sent. */
  mids: string[];
  closeInfo: { code: number; reason: string } | null;
}

/**
 * The demo client's logic (§3.5 of godot-multiplayer.md: ws_webrtc_client.gd and
 * multiplayer_client.gd) in browser JavaScript, over the page's own WebSocket and
 * RTCPeerConnection, as a Godot web export runs it. Evaluated in the page: it must close over
 * nothing. Only 127.0.0.1 UDP candidates are sent, so every byte stays on loopback.
 */
export function demoClientInPage(options: DemoClientOptions): void {
  const JOIN = 0, ID = 1, PEER_CONNECT = 2, PEER_DISCONNECT = 3, OFFER = 4, ANSWER = 5, CANDIDATE = 6, SEAL = 7;
  const w = globalThis as any;
  const peers = new Map<number, { pc: any; channel: any; chain: Promise<void> }>();
  const state = {
    id: 0,
    mesh: null as boolean | null,
    lobby: '',
    sealed: false,
    peerConnects: [] as number[],
    received: [] as { from: number; text: string }[],
    errors: [] as string[],
    gathered: [] as string[],
    mids: [] as string[],
    closeInfo: null as { code: number; reason: string } | null,
  };
  const fail = (what: string) => {
    if (state.errors.length < 64) state.errors.push(what);
  };
  const ws = new w.WebSocket(options.url);
  const send = (type: number, id: number, data: string) => ws.send(JSON.stringify({ type, id, data }));

  // Each peer's signaling is applied in arrival order, one step finished before the next starts.
  const queue = (id: number, step: (pc: any) => Promise<void>) => {
    const peer = peers.get(id);
    if (peer === undefined) return; // as the demo: messages for an unknown peer are ignored
    peer.chain = peer.chain.then(() => step(peer.pc)).catch((error: any) => fail(`peer ${id}: ${error?.message ?? error}`));
  };

  const createPeer = (id: number) => {
    // create_client(id) takes only the server (1) as a peer: add_peer refuses anyone else.
    if (state.mesh === false && state.id !== 1 && id !== 1) return fail(`add_peer(${id}) refused: a client's only peer is the server`);
    if (peers.has(id)) return fail(`add_peer(${id}) refused: already a peer`);
    const pc = new w.RTCPeerConnection({ iceServers: [] });
    const channel = pc.createDataChannel('chat', { negotiated: true, id: 1 });
    channel.onmessage = (event: any) => {
      const text = typeof event.data === 'string' ? event.data : new TextDecoder().decode(event.data);
      if (state.received.length < 1024) state.received.push({ from: id, text });
    };
    pc.onicecandidate = (event: any) => {
      const c = event.candidate;
      if (!c?.candidate) return;
      if (state.gathered.length < 64) state.gathered.push(c.candidate);
      if (!(/ udp /i.test(c.candidate) && c.candidate.split(' ')[4] === '127.0.0.1')) return;
      state.mids.push(String(c.sdpMid));
      send(CANDIDATE, id, `\n${c.sdpMid}\n${c.sdpMLineIndex}\n${c.candidate}`);
    };
    peers.set(id, { pc, channel, chain: Promise.resolve() });
    // The higher id offers to the lower one; the host (1) never offers.
    if (id < state.id) {
      queue(id, async () => {
        await pc.setLocalDescription(await pc.createOffer());
        send(OFFER, id, pc.localDescription.sdp);
      });
    }
  };

  const removePeer = (id: number) => {
    const peer = peers.get(id);
    if (peer === undefined) return;
    peer.channel.close();
    peer.pc.close();
    peers.delete(id);
  };

  const onMessage = (raw: string) => {
    let msg: any;
    try {
      msg = JSON.parse(raw);
    } catch {
      return fail(`parse message failed: ${raw.slice(0, 80)}`);
    }
    // Godot's JSON gives floats; the demo's int() takes whole numbers only.
    if (typeof msg !== 'object' || msg === null || !Number.isInteger(msg.type) || !Number.isInteger(msg.id) || typeof msg.data !== 'string') {
      return fail(`parse message failed: ${raw.slice(0, 80)}`);
    }
    const { type, id, data } = msg as { type: number; id: number; data: string };
    if (type === ID) {
      state.id = id;
      state.mesh = data === 'true';
    } else if (type === JOIN) state.lobby = data;
    else if (type === SEAL) state.sealed = true;
    else if (type === PEER_CONNECT) {
      state.peerConnects.push(id);
      createPeer(id);
    } else if (type === PEER_DISCONNECT) removePeer(id);
    else if (type === OFFER) {
      queue(id, async (pc) => {
        await pc.setRemoteDescription({ type: 'offer', sdp: data });
        await pc.setLocalDescription(await pc.createAnswer());
        send(ANSWER, id, pc.localDescription.sdp);
      });
    } else if (type === ANSWER) queue(id, (pc) => pc.setRemoteDescription({ type: 'answer', sdp: data }));
    else if (type === CANDIDATE) {
      const parts = data.split('\n').filter((part) => part !== '');
      if (parts.length !== 3 || !/^-?\d+$/.test(parts[1]!)) return fail(`bad candidate from ${id}: ${JSON.stringify(data.slice(0, 80))}`);
      queue(id, (pc) => pc.addIceCandidate({ sdpMid: parts[0], sdpMLineIndex: Number(parts[1]), candidate: parts[2] }));
    } else fail(`unknown message type ${type}`);
  };

  ws.onopen = () => send(JOIN, options.mesh ? 0 : 1, options.lobby);
  ws.onmessage = (event: any) => (typeof event.data === 'string' ? onMessage(event.data) : fail('a binary frame'));
  ws.onclose = (event: any) => {
    state.closeInfo = { code: event.code, reason: event.reason };
    // As the demo's stop(): the WebRTC connections end with the socket, unless the lobby was sealed.
    if (!state.sealed) for (const id of [...peers.keys()]) removePeer(id);
  };

  w.demo = {
    state: () => ({
      ...state,
      peerConnects: [...state.peerConnects],
      openPeers: [...peers].filter(([, peer]) => peer.channel.readyState === 'open').map(([id]) => id),
      received: state.received.map((m) => ({ ...m })),
      errors: [...state.errors],
      gathered: [...state.gathered],
      mids: [...state.mids],
    }),
    /** Sends `text` on every open chat channel; how many it went to. */
    sendToAll: (text: string) => {
      let sent = 0;
      for (const peer of peers.values()) {
        if (peer.channel.readyState !== 'open') continue;
        peer.channel.send(text);
        sent++;
      }
      return sent;
    },
    close: () => {
      ws.close();
      for (const id of [...peers.keys()]) removePeer(id);
    },
  };
}

/** A Chromium page running the demo client: what a Godot web export joined to our server is. */
export class DemoPage {
  private constructor(readonly page: Page) {}

  /** Opens a page of `context` at `pageUrl` (`serveDemoPage`'s) and starts its demo client, which connects at once. */
  static async open(context: BrowserContext, pageUrl: string, options: DemoClientOptions): Promise<DemoPage> {
    const page = await context.newPage();
    await page.goto(pageUrl);
    await page.evaluate(demoClientInPage, options);
    return new DemoPage(page);
  }

  state(): Promise<DemoClientState> {
    return this.page.evaluate(() => (globalThis as any).demo.state() as DemoClientState);
  }

  sendToAll(text: string): Promise<number> {
    return this.page.evaluate((t) => (globalThis as any).demo.sendToAll(t) as number, text);
  }

  /** Closes the client's socket and connections, then the page. */
  async close(): Promise<void> {
    if (this.page.isClosed()) return;
    await this.page.evaluate(() => (globalThis as any).demo?.close()).catch(() => undefined);
    await this.page.close();
  }
}
