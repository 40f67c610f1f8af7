import type { Page } from 'playwright-core';

/**
 * A Godot 4 web client in a Chromium page, as an oracle for the Node side: the 4.x demo's
 * signaling client in client/server mode (godot-multiplayer.md §3.3–§3.5), Godot 4's
 * WebRTCMultiplayerPeer client side over the browser's RTCPeerConnection (§1: create_client, only
 * peer 1, channels 1/2/3 negotiated, polled once a frame) and SceneMultiplayer's client side of the
 * wire (§2), all written by hand from the reference, sharing nothing with src/godot4.
 */

/** How the page authenticates (§2.4); without it the page has no auth_callback and admits 1 at once. */
export interface Godot4PageAuth {
  /** The bytes sent with send_auth(1, …) at peer_authenticating(1); none sends nothing. */
  send?: number[];
  /** complete_auth(1): when the server's first auth data arrives ('on_data'), or never. */
  complete: 'on_data' | 'never';
}

export interface Godot4PageOptions {
  /** The signaling server. */
  url: string;
  /** The lobby to join (a client/server one, which the Node server created). */
  lobby: string;
  auth?: Godot4PageAuth;
  /** The page's frame, in ms: poll() of its multiplayer, as a SceneTree does each frame. */
  frameMs?: number;
}

/** A plain snapshot of the page's Godot client, as the test reads it. */
export interface Godot4PageState {
  /** From ID (0 until then). */
  id: number;
  lobby: string;
  /** Every PEER_CONNECT's id, in order. */
  peerConnects: number[];
  /** The WebRTCMultiplayerPeer's connection status: 0 disconnected, 1 connecting, 2 connected. */
  status: number;
  /** The SceneMultiplayer's signals, in the order they were emitted: `peer_connected(5)`, `connected_to_server`, … */
  signals: string[];
  /** SceneMultiplayer's get_peers(): 1 and the clients ADD_PEER announced, in admission order. */
  peers: number[];
  /** Every SYS ADD_PEER / DEL_PEER from 1, in order. */
  sys: { cmd: 'ADD_PEER' | 'DEL_PEER'; id: number }[];
  /** RAW payloads (hex, header stripped) with their sender (the relay's source for relayed ones) and the channel label they came on. */
  raw: { from: number; hex: string; channel: string }[];
  /** Auth data the server sent (hex). */
  authData: string[];
  /** CONFIRM_PATH packets, whole (hex). */
  confirms: string[];
  /** Packets the page's SceneMultiplayer dropped: why, and the packet (hex, first 32 bytes). */
  dropped: { why: string; hex: string }[];
  /** The negotiated channels as the browser made them from Godot's options. */
  channels: { label: string; id: number; ordered: boolean; maxPacketLifeTime: number | null; maxRetransmits: number | null; readyState: string }[];
  /** The connection to 1: its iceConnectionState, or 'removed' once the peer left the map, 'none' before add_peer. */
  link: string;
  /** Signaling and WebRTC failures (a refused add_peer, a rejected promise, a bad message). */
  errors: string[];
  closeInfo: { code: number; reason: string } | null;
}

/**
 * Evaluated in the page: closes over nothing. Only 127.0.0.1 UDP candidates are sent, so every byte
 * stays on loopback. `globalThis.godot4` is what the test drives.
 */
export function godot4ClientInPage(options: Godot4PageOptions): void {
  const w = globalThis as any;
  // §3.3 message types; §1.1 statuses; §2.2 commands; §2.4 SYS commands.
  const JOIN = 0, ID = 1, PEER_CONNECT = 2, PEER_DISCONNECT = 3, OFFER = 4, ANSWER = 5, CANDIDATE = 6, SEAL = 7;
  const DISCONNECTED = 0, CONNECTING = 1, CONNECTED = 2;
  const CMD_SIMPLIFY_PATH = 1, CMD_CONFIRM_PATH = 2, CMD_RAW = 3, CMD_SYS = 7;
  const SYS_AUTH = 0, SYS_ADD_PEER = 1, SYS_DEL_PEER = 2, SYS_RELAY = 3;
  const OK = 0, ERR_UNAVAILABLE = 2, ERR_UNCONFIGURED = 3, ERR_INVALID_DATA = 30, ERR_INVALID_PARAMETER = 31;
  const LABELS = ['reliable', 'ordered', 'unreliable']; // list index = transfer mode RELIABLE 2 → 0, UNRELIABLE_ORDERED 1 → 1, UNRELIABLE 0 → 2

  const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  const i32 = (bytes: Uint8Array, at: number) => new DataView(bytes.buffer, bytes.byteOffset).getInt32(at, true);
  const u32 = (bytes: Uint8Array, at: number) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, true);
  const le32 = (value: number) => {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setInt32(0, value, true);
    return [...out];
  };

  const state = {
    id: 0,
    lobby: '',
    sealed: false,
    peerConnects: [] as number[],
    status: DISCONNECTED,
    signals: [] as string[],
    sys: [] as { cmd: 'ADD_PEER' | 'DEL_PEER'; id: number }[],
    raw: [] as { from: number; hex: string; channel: string }[],
    authData: [] as string[],
    confirms: [] as string[],
    dropped: [] as { why: string; hex: string }[],
    errors: [] as string[],
    closeInfo: null as { code: number; reason: string } | null,
  };
  const keep = <T>(list: T[], item: T, max = 4096) => {
    if (list.length < max) list.push(item);
  };
  const fail = (what: string) => keep(state.errors, what, 64);

  // ---- WebRTCMultiplayerPeer, client mode (§1.2–§1.6): one remote, 1.
  interface Remote {
    pc: any;
    channels: any[];
    queues: { bytes: Uint8Array; label: string }[][];
    connected: boolean;
    chain: Promise<void>;
  }
  let remote: Remote | null = null;
  let removed = false;

  const addPeer = (id: number): number => {
    if (state.status === DISCONNECTED && state.id === 0) return ERR_UNCONFIGURED;
    if (id !== 1) return ERR_INVALID_PARAMETER; // a client's only peer is the server
    if (remote !== null) return ERR_INVALID_PARAMETER;
    const pc = new w.RTCPeerConnection({ iceServers: [] });
    // §1.3: Godot's dictionaries as the web build hands them to createDataChannel, its key spelling included.
    const configs = [
      { negotiated: true, ordered: true, id: 1 },
      { negotiated: true, ordered: true, id: 2, maxPacketLifetime: 1 },
      { negotiated: true, ordered: false, id: 3, maxPacketLifetime: 1 },
    ];
    const queues: Remote['queues'] = [[], [], []];
    const channels = configs.map((config, index) => {
      const channel = pc.createDataChannel(LABELS[index], config);
      channel.binaryType = 'arraybuffer';
      channel.onmessage = (event: any) => {
        const bytes = typeof event.data === 'string' ? new TextEncoder().encode(event.data) : new Uint8Array(event.data);
        keep(queues[index]!, { bytes, label: LABELS[index]! }, 65536);
      };
      return channel;
    });
    pc.onicecandidate = (event: any) => {
      const c = event.candidate;
      if (!c?.candidate || !(/ udp /i.test(c.candidate) && c.candidate.split(' ')[4] === '127.0.0.1')) return;
      send(CANDIDATE, id, `\n${c.sdpMid}\n${c.sdpMLineIndex}\n${c.candidate}`);
    };
    remote = { pc, channels, queues, connected: false, chain: Promise.resolve() };
    return OK;
  };

  /** remove_peer(1) (§1.4): peer_disconnected only if it had connected; a client then goes DISCONNECTED. */
  const removePeer = () => {
    if (remote === null) return;
    const was = remote;
    remote = null;
    removed = true;
    for (const channel of was.channels) channel.close();
    was.pc.close();
    if (was.connected) {
      state.status = DISCONNECTED;
      onPeerDisconnected(1);
    }
  };

  /** WebRTCMultiplayerPeer.poll() (§1.4), web states from iceConnectionState (§1.9). */
  const pollPeer = () => {
    if (remote === null) return;
    const ice = remote.pc.iceConnectionState;
    if (ice === 'new' || ice === 'checking') return;
    if (ice !== 'connected' && ice !== 'completed') return removePeer();
    let ready = 0;
    for (const channel of remote.channels) {
      if (channel.readyState === 'connecting') continue;
      if (channel.readyState !== 'open') return removePeer();
      ready++;
    }
    if (ready === remote.channels.length && !remote.connected) {
      remote.connected = true;
      state.status = CONNECTED;
      onPeerConnected(1);
    }
  };

  /** put_packet to 1 on the channel of `mode` (§1.6: transfer channel 0). */
  const putPacket = (bytes: number[] | Uint8Array, mode = 2): number => {
    if (state.status === DISCONNECTED) return ERR_UNCONFIGURED;
    if (remote === null) return ERR_INVALID_PARAMETER;
    const channel = remote.channels[mode === 2 ? 0 : mode === 1 ? 1 : 2];
    if (channel.readyState !== 'open') return ERR_UNAVAILABLE;
    channel.send(Uint8Array.from(bytes));
    return OK;
  };

  /** The next packet in Godot's order: the first non-empty channel in list order (§1.5). */
  const nextPacket = () => {
    if (remote === null || !remote.connected) return undefined;
    for (const queue of remote.queues) if (queue.length > 0) return queue.shift();
    return undefined;
  };

  // ---- SceneMultiplayer, client side (§2.1–§2.7).
  const connectedPeers: number[] = [];
  let pending: { local: boolean; remote: boolean } | null = null;
  let lastStatus = DISCONNECTED; // until ID sets multiplayer_peer
  const emit = (signal: string) => keep(state.signals, signal);
  const drop = (why: string, bytes: Uint8Array) => keep(state.dropped, { why, hex: hex(bytes.slice(0, 32)) }, 256);

  const admit = (id: number) => {
    if (connectedPeers.includes(id)) return;
    connectedPeers.push(id);
    if (id === 1) emit('connected_to_server');
    emit(`peer_connected(${id})`);
  };
  const onPeerConnected = (id: number) => {
    if (options.auth === undefined) return admit(id);
    pending = { local: false, remote: false };
    emit(`peer_authenticating(${id})`);
    if (options.auth.send !== undefined) sendAuth(options.auth.send);
  };
  const onPeerDisconnected = (id: number) => {
    if (pending !== null) {
      pending = null;
      return emit(`peer_authentication_failed(${id})`);
    }
    const at = connectedPeers.indexOf(id);
    if (at < 0) return;
    connectedPeers.splice(at, 1);
    emit(`peer_disconnected(${id})`);
  };
  /** _update_status: on DISCONNECTED, connection_failed (from CONNECTING) or server_disconnected, then clear(). */
  const updateStatus = () => {
    if (state.status === lastStatus) return;
    if (state.status === DISCONNECTED && lastStatus !== DISCONNECTED) {
      emit(lastStatus === CONNECTING ? 'connection_failed' : 'server_disconnected');
      connectedPeers.length = 0;
      pending = null;
    }
    lastStatus = state.status;
  };

  const sendAuth = (data: number[]): number => {
    if (pending === null || data.length === 0 || pending.local || pending.remote) return ERR_INVALID_PARAMETER;
    return putPacket([CMD_SYS, SYS_AUTH, ...data]);
  };
  const completeAuth = (): number => {
    if (pending === null || pending.local) return ERR_INVALID_PARAMETER;
    pending.local = true;
    const code = putPacket([CMD_SYS, SYS_AUTH]);
    if (pending.remote) {
      pending = null;
      admit(1);
    }
    return code;
  };

  /** send_command (§2.4): anything not for 1 goes to 1 wrapped in a RELAY, keeping the mode. */
  const sendCommand = (packet: number[], to: number, mode: number): number => (to === 1 ? putPacket(packet, mode) : putPacket([CMD_SYS, SYS_RELAY, ...le32(to), ...packet], mode));

  /** A packet from the link to 1 (§2.3). */
  const receive = (bytes: Uint8Array, label: string) => {
    if (pending !== null) {
      if (bytes.length < 2 || (bytes[0]! & 7) !== CMD_SYS || bytes[1] !== SYS_AUTH) return drop('not authenticated', bytes);
      if (bytes.length > 2) {
        keep(state.authData, hex(bytes.slice(2)), 64);
        if (options.auth?.complete === 'on_data' && !pending.local) completeAuth();
        return;
      }
      pending.remote = true;
      if (pending.local) {
        pending = null;
        admit(1);
      }
      return;
    }
    if (!connectedPeers.includes(1)) return drop('not admitted', bytes);
    if ((bytes[0]! & 7) === CMD_SYS) return receiveSys(bytes, label);
    processPacket(1, bytes, label);
  };

  /** SYS (§2.4) from 1: AUTH after admission, ADD_PEER, DEL_PEER, RELAY. */
  const receiveSys = (bytes: Uint8Array, label: string) => {
    if (bytes.length < 2) return drop('short sys', bytes);
    if (bytes[1] === SYS_AUTH) return bytes.length === 2 ? undefined : drop('auth data after admission', bytes);
    if (bytes.length < 6) return drop('short sys', bytes);
    const id = i32(bytes, 2);
    if (bytes[1] === SYS_ADD_PEER) {
      keep(state.sys, { cmd: 'ADD_PEER' as const, id });
      return admit(id);
    }
    if (bytes[1] === SYS_DEL_PEER) {
      keep(state.sys, { cmd: 'DEL_PEER' as const, id });
      return onPeerDisconnected(id);
    }
    if (bytes[1] === SYS_RELAY) {
      if (bytes.length < 7) return drop('short relay', bytes);
      const inner = bytes.slice(6);
      if ((inner[0]! & 7) === CMD_SYS) return drop('sys inside a relay', bytes);
      return processPacket(id, inner, label);
    }
    drop('unknown sys command', bytes);
  };

  /** _process_packet: RAW and CONFIRM_PATH are kept; this page has no nodes, so the rest is dropped. */
  const processPacket = (from: number, bytes: Uint8Array, label: string) => {
    const cmd = bytes[0]! & 7;
    if (cmd === CMD_RAW) return bytes.length < 2 ? drop('short raw', bytes) : keep(state.raw, { from, hex: hex(bytes.slice(1)), channel: label }, 16384);
    if (cmd === CMD_CONFIRM_PATH) return bytes.length === 6 ? keep(state.confirms, hex(bytes), 64) : drop('confirm path not 6 bytes', bytes);
    if (cmd === CMD_SIMPLIFY_PATH) return drop('simplify path: no such node here', bytes);
    drop(`command ${cmd} from ${from}`, bytes);
  };

  /** SceneMultiplayer.poll(): status, the peer's poll, status, then every queued packet while CONNECTED. */
  const poll = () => {
    updateStatus();
    pollPeer();
    updateStatus();
    if (state.status !== CONNECTED) return;
    for (let packet = nextPacket(), budget = 65536; packet !== undefined && budget > 0; packet = nextPacket(), budget--) receive(packet.bytes, packet.label);
  };
  const frame = setInterval(poll, options.frameMs ?? 16);

  // ---- the 4.x demo's signaling client (ws_webrtc_client.gd + multiplayer_client.gd), client/server mode.
  const ws = new w.WebSocket(options.url);
  const send = (type: number, id: number, data: string) => ws.send(JSON.stringify({ type, id, data }));
  const queue = (step: (pc: any) => Promise<void>) => {
    const r = remote;
    if (r === null) return; // the demo ignores messages for peers rtc_mp does not have
    r.chain = r.chain.then(() => step(r.pc)).catch((error: any) => fail(`webrtc: ${error?.message ?? error}`));
  };
  const onMessage = (raw: string) => {
    let msg: any;
    try {
      msg = JSON.parse(raw);
    } catch {
      return fail(`parse message failed: ${raw.slice(0, 80)}`);
    }
    if (typeof msg !== 'object' || msg === null || !Number.isInteger(msg.type) || !Number.isInteger(msg.id) || typeof msg.data !== 'string') return fail(`parse message failed: ${raw.slice(0, 80)}`);
    const { type, id, data } = msg as { type: number; id: number; data: string };
    if (type === ID) {
      // connected(id, use_mesh): a client/server lobby → create_client(id) (id 1 refused).
      if (data === 'true' || id === 1) return fail(`ID ${id} ${data}: this page is a client of a client/server lobby`);
      state.id = id;
      state.status = CONNECTING;
    } else if (type === JOIN) state.lobby = data;
    else if (type === SEAL) state.sealed = true;
    else if (type === PEER_CONNECT) {
      state.peerConnects.push(id);
      const added = addPeer(id);
      if (added !== OK) return fail(`add_peer(${id}) refused (${added})`);
      // The higher id offers: a client always offers to 1.
      if (id < state.id) {
        queue(async (pc) => {
          await pc.setLocalDescription(await pc.createOffer());
          send(OFFER, id, pc.localDescription.sdp);
        });
      }
    } else if (type === PEER_DISCONNECT) {
      if (id === 1) removePeer();
    } else if (type === OFFER) {
      queue(async (pc) => {
        await pc.setRemoteDescription({ type: 'offer', sdp: data });
        await pc.setLocalDescription(await pc.createAnswer());
        send(ANSWER, id, pc.localDescription.sdp);
      });
    } else if (type === ANSWER) queue((pc) => pc.setRemoteDescription({ type: 'answer', sdp: data }));
    else if (type === CANDIDATE) {
      const parts = data.split('\n').filter((part) => part !== '');
      if (parts.length !== 3 || !/^-?\d+$/.test(parts[1]!)) return fail(`bad candidate: ${JSON.stringify(data.slice(0, 80))}`);
      queue((pc) => pc.addIceCandidate({ sdpMid: parts[0], sdpMLineIndex: Number(parts[1]), candidate: parts[2] }));
    } else fail(`unknown message type ${type}`);
  };
  /** stop(): multiplayer_peer = null (no signals), rtc_mp.close(), the socket closed. */
  const stop = () => {
    clearInterval(frame);
    const r = remote;
    remote = null;
    if (r !== null) {
      for (const channel of r.channels) channel.close();
      r.pc.close();
    }
    state.status = DISCONNECTED;
    if (ws.readyState <= 1) ws.close();
  };
  ws.onopen = () => send(JOIN, 1, options.lobby);
  ws.onmessage = (event: any) => (typeof event.data === 'string' ? onMessage(event.data) : fail('a binary frame'));
  ws.onclose = (event: any) => {
    state.closeInfo = { code: event.code, reason: event.reason };
    if (!state.sealed) stop();
  };

  w.godot4 = {
    state: () => {
      const r = remote;
      return JSON.parse(
        JSON.stringify({
          ...state,
          peers: [...connectedPeers],
          link: r === null ? (removed ? 'removed' : 'none') : r.pc.iceConnectionState,
          channels: (r?.channels ?? []).map((c: any) => ({ label: c.label, id: c.id, ordered: c.ordered, maxPacketLifeTime: c.maxPacketLifeTime, maxRetransmits: c.maxRetransmits, readyState: c.readyState })),
        }),
      );
    },
    /** SceneMultiplayer.send_bytes(bytes, id, mode): `03 · bytes`, through the server's relay unless for 1. */
    send_bytes: (bytes: number[], id: number, mode = 2): number => {
      if (bytes.length === 0) return ERR_INVALID_DATA;
      if (state.status !== CONNECTED) return ERR_UNCONFIGURED;
      return sendCommand([CMD_RAW, ...bytes], id, mode);
    },
    /** A packet built by the test, put as is to 1 (reliable): a SIMPLIFY_PATH, an RPC, … */
    put_packet: (bytes: number[]): number => putPacket(bytes),
    complete_auth: completeAuth,
    /** The demo's stop(): the peer and the socket closed, no signal. */
    close: stop,
  };
}

/** A Chromium page running godot4ClientInPage: what a Godot 4 web export in a client/server lobby is. */
export class Godot4Page {
  private constructor(readonly page: Page) {}

  /** Starts the client in `page` (a page at http://127.0.0.1, useLoopbackChromium's), which joins at once. */
  static async start(page: Page, options: Godot4PageOptions): Promise<Godot4Page> {
    await page.evaluate(godot4ClientInPage, options);
    return new Godot4Page(page);
  }

  state(): Promise<Godot4PageState> {
    return this.page.evaluate(() => (globalThis as any).godot4.state() as Godot4PageState);
  }

  sendBytes(bytes: Uint8Array | number[], to: number, mode = 2): Promise<number> {
    return this.page.evaluate(([b, t, m]) => (globalThis as any).godot4.send_bytes(b, t, m) as number, [[...bytes], to, mode] as const);
  }

  putPacket(bytes: Uint8Array | number[]): Promise<number> {
    return this.page.evaluate((b) => (globalThis as any).godot4.put_packet(b) as number, [...bytes]);
  }

  /** Waits (every 20 ms, at most `timeoutMs`) until `done` holds of the page's state; the error shows it. */
  async until(what: string, done: (state: Godot4PageState) => boolean, timeoutMs = 10_000): Promise<Godot4PageState> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await this.state();
      if (done(state)) return state;
      if (Date.now() > deadline) throw new Error(`page ${state.id}: ${what} did not hold within ${timeoutMs} ms: ${JSON.stringify({ ...state, raw: state.raw.length })}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** The tab closes, with no goodbye from the client: Chromium ends its socket and connection. */
  async crash(): Promise<void> {
    if (!this.page.isClosed()) await this.page.close();
  }
}
