import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { WebRTCPeerConnection } from '../api/peer-connection.js';
import { liveConnections, onConnectionCreated } from '../records/connections.js';
import { liveMultiplayers, onMultiplayerCreated, type LiveMultiplayer } from '../records/multiplayers.js';
import type { MachineName } from '../records/record.js';
import { observeRecords } from '../records/recorder.js';
import { liveSignalingServers } from '../signaling/server.js';
import { DIAGRAM_MACHINES, graphOf } from './diagrams.js';
import type { MachineGraph } from './graph.js';
import { InspectorModel, type ConnectionView } from './model.js';
import { MultiplayerModel, type MultiplayerView } from './multiplayer-model.js';
import { inspectorPage } from './page.js';
import { SignalingFeed } from './signaling-feed.js';
import type { LobbyView, SessionView } from './signaling-model.js';
import { statsView, type ConnectionStatsView } from './stats.js';
import { renderSvg } from './svg.js';

export interface InspectorOptions {
  /** Address to listen on; 127.0.0.1 by default (only this machine can connect). */
  host?: string;
  /** Port; 0 (the default) picks a free one. */
  port?: number;
  /** When set, the page and its WebSocket need `?token=` with this value (the printed URL has it). */
  token?: string;
  /** Records kept and shown per connection (default 50). */
  recentRecords?: number;
  /** Closed connections kept on the list (default 20), and as many closed signaling sessions and lobbies. */
  keepClosed?: number;
  /** How often each connection's `get_stats()` is sent to the pages, in ms, while one is connected (default 1000). */
  statsIntervalMs?: number;
}

export interface RunningInspector {
  /** The page's address, with the token when there is one. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Pages connected now. */
  clients(): number;
  /** Resolves when at least one page is connected. */
  whenViewed(): Promise<void>;
  /** Stops observing, closes the pages' sockets and the server. */
  close(): Promise<void>;
}

/** The messages the page receives. */
export type InspectorMessage =
  | {
      type: 'hello';
      diagrams: Record<string, { graph: MachineGraph; svg: string }>;
      connections: ConnectionView[];
      sessions: SessionView[];
      lobbies: LobbyView[];
      multiplayers: MultiplayerView[];
    }
  /** `removed`: connections forgotten; `removedSignaling`: sessions and lobbies forgotten; `removedMultiplayers`: multiplayers forgotten (by name). */
  | {
      type: 'update';
      connections: ConnectionView[];
      removed: string[];
      sessions: SessionView[];
      lobbies: LobbyView[];
      removedSignaling: string[];
      multiplayers: MultiplayerView[];
      removedMultiplayers: string[];
    }
  /** Every listed connection's `get_stats()`, by id, taken at `time` (wall ms). */
  | { type: 'stats'; time: number; stats: Record<string, ConnectionStatsView> };
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * A local inspector: an HTTP + WebSocket server whose page lists the process's connections and,
 * for the one selected, draws each machine (signaling, connection, gathering, every data channel)
 * from its definition, marks the current state and the last transition as records arrive, and
 * shows the recent records and each connection's `get_stats()` (sent every `statsIntervalMs`
 * while a page is connected). Beside the connections it lists the signaling servers' lobbies and
 * sessions (`liveSignalingServers()`), each drawn on its machine from its records, with what the
 * server's views add (lobby name, mesh, members, relayed counts, read on the same beat), and the
 * multiplayers (Godot 3's WebRTCMultiplayer, Godot 4's WebRTCMultiplayerPeer: `liveMultiplayers()`
 * and their records), each with its remote peers and the packets its API dropped. A page
 * that opens late gets the current picture at once. Nothing
 * leaves the machine: the page loads nothing from elsewhere.
 *
 * @example
 * ```ts
 * const inspector = await startInspector();            // 127.0.0.1, a free port
 * console.log(`inspector: ${inspector.url}`);
 * // ... create connections; they appear on the page as they are created
 * await inspector.close();
 * ```
 */
export async function startInspector(options: InspectorOptions = {}): Promise<RunningInspector> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token;
  const model = new InspectorModel(options.recentRecords ?? 50, options.keepClosed ?? 20);
  const diagrams = Object.fromEntries(
    Object.keys(DIAGRAM_MACHINES).map((name) => {
      const graph = graphOf(name as MachineName);
      return [name, { graph, svg: renderSvg(graph) }];
    }),
  );

  for (const pc of liveConnections()) model.meet(pc);
  const signaling = new SignalingFeed(liveSignalingServers, options.recentRecords ?? 50, options.keepClosed ?? 20);
  signaling.refresh();
  signaling.take();
  // Godot 3 WebRTCMultiplayers and Godot 4 WebRTCMultiplayerPeers: those alive now, then each one made and every record.
  const multiplayers = new MultiplayerModel(options.recentRecords ?? 50, options.keepClosed ?? 20);
  const changedMultiplayers = new Set<string>();
  const removedMultiplayers = new Set<string>();
  const forgetMultiplayers = (names: string[]) => {
    for (const name of names) {
      removedMultiplayers.add(name);
      changedMultiplayers.delete(name);
    }
  };
  const meetMultiplayer = (live: LiveMultiplayer) => {
    forgetMultiplayers(multiplayers.meet(live));
    if (multiplayers.get(live.name)) changedMultiplayers.add(live.name);
  };
  for (const live of liveMultiplayers()) meetMultiplayer(live);
  changedMultiplayers.clear();
  removedMultiplayers.clear();

  const sockets = new Set<WebSocket>();
  const viewers: Array<() => void> = [];
  const changed = new Set<string>();
  const removed = new Set<string>();
  let flushTimer: NodeJS.Timeout | null = null;
  const schedule = () => {
    flushTimer ??= setTimeout(flush, 25);
  };
  const flush = () => {
    flushTimer = null;
    const connections = [...changed].map((id) => model.get(id)).filter((view): view is ConnectionView => view !== undefined);
    if (signaling.needsRefresh()) signaling.refreshSoon(schedule);
    const service = signaling.take();
    const mps = [...changedMultiplayers].map((name) => multiplayers.get(name)).filter((view): view is MultiplayerView => view !== undefined);
    const message: InspectorMessage = {
      type: 'update', connections, removed: [...removed], sessions: service.sessions, lobbies: service.lobbies, removedSignaling: service.removed,
      multiplayers: mps, removedMultiplayers: [...removedMultiplayers],
    };
    changed.clear();
    removed.clear();
    changedMultiplayers.clear();
    removedMultiplayers.clear();
    const nothing = connections.length + message.removed.length + service.sessions.length + service.lobbies.length + service.removed.length + mps.length + message.removedMultiplayers.length === 0;
    if (nothing) return;
    const text = JSON.stringify(message);
    for (const socket of sockets) if (socket.readyState === WebSocket.OPEN) socket.send(text);
  };

  // Stats are taken from a timer (never inside a stack callback), only while a page is connected.
  const statsIntervalMs = Math.max(100, options.statsIntervalMs ?? 1000);
  let statsTimer: NodeJS.Timeout | null = null;
  let stopped = false;
  const statsMessage = (): string => {
    const latest = new Map<string, WebRTCPeerConnection>();
    for (const pc of liveConnections()) if (model.get(pc.id)) latest.set(pc.id, pc);
    const stats: Record<string, ConnectionStatsView> = {};
    for (const [id, pc] of latest) {
      const view = statsView(pc);
      if (view !== null) stats[id] = view;
    }
    const message: InspectorMessage = { type: 'stats', time: Date.now(), stats };
    return JSON.stringify(message);
  };
  const sendStats = () => {
    if (sockets.size === 0) return;
    // Relayed counts move without a record: the servers' views are read on the stats beat too.
    signaling.refresh();
    if (signaling.pending()) schedule();
    const text = statsMessage();
    for (const socket of sockets) if (socket.readyState === WebSocket.OPEN) socket.send(text);
  };
  const watchStats = () => {
    if (stopped) return;
    if (sockets.size > 0 && statsTimer === null) statsTimer = setInterval(sendStats, statsIntervalMs).unref();
    if (sockets.size === 0 && statsTimer !== null) {
      clearInterval(statsTimer);
      statsTimer = null;
    }
  };

  const stopRecords = observeRecords((record) => {
    if (multiplayers.owns(record)) {
      forgetMultiplayers(multiplayers.apply(record));
      if (multiplayers.get(record.connection)) changedMultiplayers.add(record.connection);
      schedule();
      return;
    }
    if (signaling.apply(record)) {
      schedule();
      return;
    }
    for (const id of model.apply(record)) {
      removed.add(id);
      changed.delete(id);
    }
    if (model.get(record.connection)) changed.add(record.connection);
    schedule();
  });
  const stopConnections = onConnectionCreated((pc) => {
    model.meet(pc);
    changed.add(pc.id);
    schedule();
  });
  const stopMultiplayers = onMultiplayerCreated((live) => {
    meetMultiplayer(live);
    schedule();
  });

  const server = createServer((request, response) => {
    try {
      serve(request, response);
    } catch (error) {
      response.writeHead(500).end(String(error));
    }
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });

  const refuse = (request: IncomingMessage): { status: number; reason: string } | null => {
    if (!hostAllowed(request.headers.host)) return { status: 421, reason: 'this inspector answers only to its own address' };
    const url = new URL(request.url ?? '/', 'http://inspector');
    if (token !== undefined && !sameSecret(url.searchParams.get('token') ?? '', token)) return { status: 401, reason: 'a token is needed: open the URL the inspector printed' };
    return null;
  };

  const hostAllowed = (header: string | undefined): boolean => {
    if (!LOOPBACK.has(host)) return true;
    if (header === undefined) return false;
    const port = (server.address() as AddressInfo).port;
    return [...LOOPBACK].some((name) => header === `${name.includes(':') && !name.startsWith('[') ? `[${name}]` : name}:${port}`);
  };

  function serve(request: IncomingMessage, response: ServerResponse): void {
    const refused = refuse(request);
    if (refused) {
      response.writeHead(refused.status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${refused.reason}\n`);
      return;
    }
    const path = new URL(request.url ?? '/', 'http://inspector').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (path === '/' || path === '/index.html') {
      const nonce = randomBytes(16).toString('base64');
      response.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; img-src data:; connect-src ws://${request.headers.host}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      });
      response.end(request.method === 'HEAD' ? undefined : inspectorPage(nonce));
      return;
    }
    if (path === '/state.json') {
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      signaling.refresh();
      schedule();
      response.end(JSON.stringify({ connections: model.list(), sessions: signaling.model.sessions(), lobbies: signaling.model.lobbies(), multiplayers: multiplayers.list() }));
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refused = refuse(request);
    const path = new URL(request.url ?? '/', 'http://inspector').pathname;
    const origin = request.headers.origin;
    const crossSite = origin !== undefined && origin !== `http://${request.headers.host}`;
    if (refused || path !== '/ws' || crossSite) {
      const status = refused?.status ?? (crossSite ? 403 : 404);
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : status === 421 ? 'Misdirected Request' : 'Not Found'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      sockets.add(ws);
      const gone = () => {
        sockets.delete(ws);
        watchStats();
      };
      ws.on('close', gone);
      ws.on('error', gone);
      signaling.refresh();
      schedule();
      const hello: InspectorMessage = {
        type: 'hello', diagrams, connections: model.list(), sessions: signaling.model.sessions(), lobbies: signaling.model.lobbies(), multiplayers: multiplayers.list(),
      };
      ws.send(JSON.stringify(hello));
      ws.send(statsMessage());
      watchStats();
      for (const viewer of viewers.splice(0)) viewer();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}/${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`;

  return {
    url,
    host,
    port,
    clients: () => sockets.size,
    whenViewed: () => (sockets.size > 0 ? Promise.resolve() : new Promise<void>((resolve) => viewers.push(resolve))),
    async close() {
      stopped = true;
      stopRecords();
      stopConnections();
      stopMultiplayers();
      if (flushTimer) clearTimeout(flushTimer);
      signaling.stop();
      if (statsTimer) clearInterval(statsTimer);
      statsTimer = null;
      for (const socket of sockets) socket.terminate();
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** A random token, for `startInspector({ token })`. */
export function randomToken(): string {
  return randomBytes(18).toString('base64url');
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
