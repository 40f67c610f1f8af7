import { afterEach } from 'vitest';
import {
  WebRTCPeerConnection,
  WebRTCDataChannel,
  createNodeDataChannelExtension,
  type ConnectionRecord,
  type ExtensionFactory,
  type PeerConnectionOptions,
} from '../../src/index.js';

/** Tests gather candidates on 127.0.0.1 only: every byte stays on loopback. */
export const loopbackExtension = createNodeDataChannelExtension({ name: 'node-datachannel-loopback', bindAddress: '127.0.0.1' });
WebRTCPeerConnection.set_default_extension(loopbackExtension);

/** The same, in libdatachannel's own setup order (`setupOrder: 'stack'`): an offerer's candidates go out at once, as Godot's do. */
export const stackOrderExtension = createNodeDataChannelExtension({ name: 'node-datachannel-loopback-stack-order', bindAddress: '127.0.0.1', setupOrder: 'stack' });

/** Runs `body` with connections made by `factory`, then goes back to the suite's loopback stack. */
export async function withExtension<T>(factory: ExtensionFactory, body: () => Promise<T>): Promise<T> {
  WebRTCPeerConnection.set_default_extension(factory);
  try {
    return await body();
  } finally {
    WebRTCPeerConnection.set_default_extension(loopbackExtension);
  }
}

const open = new Set<WebRTCPeerConnection>();

/** A connection that is closed after the test. */
export function peer(options?: PeerConnectionOptions): WebRTCPeerConnection {
  const pc = new WebRTCPeerConnection(options);
  open.add(pc);
  return pc;
}

afterEach(() => {
  for (const pc of open) {
    if (pc.get_connection_state() !== WebRTCPeerConnection.STATE_CLOSED) pc.close();
  }
  open.clear();
});

/** The docs' wiring: each side's signals to its own set_local_description and the other's methods. */
export function wire(a: WebRTCPeerConnection, b: WebRTCPeerConnection): void {
  for (const [self, other] of [
    [a, b],
    [b, a],
  ] as const) {
    self.session_description_created.connect((type, sdp) => self.set_local_description(type, sdp));
    self.session_description_created.connect((type, sdp) => other.set_remote_description(type, sdp));
    self.ice_candidate_created.connect((media, index, name) => other.add_ice_candidate(media, index, name));
  }
}

/**
 * Wired as the docs wire two connections, except that the offerer gets the answer through
 * `answerToOfferer`: with a wrong DTLS fingerprint there, its connection fails, then closes.
 */
export function wireAnswerThrough(offerer: WebRTCPeerConnection, answerer: WebRTCPeerConnection, answerToOfferer: (sdp: string) => string): void {
  offerer.session_description_created.connect((type, sdp) => {
    offerer.set_local_description(type, sdp);
    answerer.set_remote_description(type, sdp);
  });
  answerer.session_description_created.connect((type, sdp) => {
    answerer.set_local_description(type, sdp);
    offerer.set_remote_description(type, answerToOfferer(sdp));
  });
  offerer.ice_candidate_created.connect((media, index, name) => answerer.add_ice_candidate(media, index, name));
  answerer.ice_candidate_created.connect((media, index, name) => offerer.add_ice_candidate(media, index, name));
}

/** Polls the connections every few ms until `done()` holds; rejects after `timeoutMs`. */
export function pollUntil(peers: WebRTCPeerConnection[], done: () => boolean, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      for (const pc of peers) pc.poll();
      if (done()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`condition not met within ${timeoutMs} ms`));
      setTimeout(tick, 2);
    };
    tick();
  });
}

/** Two wired connections with a negotiated channel each, connected and open (the docs' minimal example). */
export async function connectedPair(options: Record<string, unknown> = { negotiated: true, id: 1 }) {
  const p1 = peer();
  const p2 = peer();
  const ch1 = p1.create_data_channel('chat', options)!;
  const ch2 = p2.create_data_channel('chat', options)!;
  wire(p1, p2);
  p1.create_offer();
  // A channel's open can be reported before its connection's connected: wait for both.
  const connected = (pc: WebRTCPeerConnection) => pc.get_connection_state() === WebRTCPeerConnection.STATE_CONNECTED;
  await pollUntil([p1, p2], () => bothOpen(ch1, ch2) && connected(p1) && connected(p2));
  return { p1, p2, ch1, ch2 };
}

/**
 * Two wired connections under event dispatch, a negotiated channel each, both channels open
 * (awaited, no poll); `options` go to the first connection.
 */
export async function openEventPair(options: PeerConnectionOptions = {}, label = 'chat') {
  const a = peer({ dispatch: 'events', ...options });
  const b = peer({ dispatch: 'events' });
  const chA = a.create_data_channel(label, { negotiated: true, id: 1 })!;
  const chB = b.create_data_channel(label, { negotiated: true, id: 1 })!;
  wire(a, b);
  a.create_offer();
  for (const channel of [chA, chB]) {
    if ((await channel.opened({ timeout: 10_000 })) !== 0) throw new Error(`channel ${label} did not open: ${JSON.stringify(a.get_machine_states())}`);
  }
  return { a, b, chA, chB };
}

export function bothOpen(a: WebRTCDataChannel, b: WebRTCDataChannel): boolean {
  return a.get_ready_state() === WebRTCDataChannel.STATE_OPEN && b.get_ready_state() === WebRTCDataChannel.STATE_OPEN;
}

export const encode = (text: string) => new TextEncoder().encode(text);
export const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** The last record a connection made. */
export function lastRecord(pc: WebRTCPeerConnection): ConnectionRecord | undefined {
  return pc.get_records().at(-1);
}

/** Everything a connection recorded that is not a plain transition: refusals, stack anomalies, stack errors. */
export function problems(pc: WebRTCPeerConnection): ConnectionRecord[] {
  return pc.get_records().filter((record) => record.kind !== 'transition');
}
