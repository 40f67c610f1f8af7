import { afterEach, describe, expect, it } from 'vitest';
import { GodotError, WebRTCDataChannel, WebRTCPeerConnection } from '../src/index.js';
import { DEFAULT_KEEPALIVE_ID, keepalive, type Keepalive } from '../src/api/keepalive.js';
import { decode, encode, peer, pollUntil, wire } from './support/loopback.js';
import { KeepaliveRemote, driveUntil } from './fixtures/keepalive-spawn.js';
import { openLoopbackChromium } from './browser/chromium.js';
import { browserEnd, connectAndTalk } from './browser/page-peer.js';

const CONNECTED = WebRTCPeerConnection.STATE_CONNECTED;
const FAILED = WebRTCPeerConnection.STATE_FAILED;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function keepaliveRecord(pc: WebRTCPeerConnection) {
  return pc.get_records().find((record) => record.kind === 'stack_error' && record.method === 'timeout.keepalive') as { reason: string; code: number; codeName: string } | undefined;
}

/** Two in-process peers (`a` polled, `b` on event dispatch), each with a keepalive, connected, and a user channel open. */
async function keptAlivePair(options: { intervalMs: number; timeoutMs: number }) {
  const a = peer();
  const b = peer({ dispatch: 'events' });
  const ka = keepalive(a, options)!;
  const kb = keepalive(b, options)!;
  const ca = a.create_data_channel('chat', { negotiated: true, id: 1 })!;
  const cb = b.create_data_channel('chat', { negotiated: true, id: 1 })!;
  wire(a, b);
  a.create_offer();
  await pollUntil([a], () => a.get_connection_state() === CONNECTED && b.get_connection_state() === CONNECTED && ca.get_ready_state() === WebRTCDataChannel.STATE_OPEN && cb.get_ready_state() === WebRTCDataChannel.STATE_OPEN);
  return { a, b, ka, kb, ca, cb };
}

/** Waits (without polling anything) until the keepalive has stopped, at most `timeoutMs`. */
async function stopped(k: Keepalive, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (k.get_stats().state !== 'stopped' && performance.now() < deadline) await sleep(10);
}

describe('keepalive', () => {
  const remotes: KeepaliveRemote[] = [];
  afterEach(async () => {
    for (const remote of remotes.splice(0)) await remote.kill();
  });

  it('notices a SIGKILLed remote process after about timeoutMs, not the stack\'s 13–30 s, and fails the connection saying so', async () => {
    const options = { intervalMs: 500, timeoutMs: 3000 };
    const remote = new KeepaliveRemote(options);
    remotes.push(remote);
    const pc = peer({ id: 'survivor' });
    const alive = keepalive(pc, options)!;
    const chat = pc.create_data_channel('chat', { negotiated: true, id: 1 })!;
    expect(await remote.ready(30_000), remote.stderr.join('')).toBe(true);
    remote.connect(pc);
    const open = () => pc.get_connection_state() === CONNECTED && chat.get_ready_state() === WebRTCDataChannel.STATE_OPEN && remote.has('open');
    expect(await driveUntil(remote, pc, open, 15_000), remote.stderr.join('')).toBe(true);

    // Bytes flow on the user channel: 20 packets out, the same 20 back.
    for (let i = 0; i < 20; i++) expect(chat.put_packet(encode(`packet ${i}`))).toBe(GodotError.OK);
    const echoed: string[] = [];
    await driveUntil(remote, pc, () => {
      while (chat.get_available_packet_count() > 0) echoed.push(decode(chat.get_packet()));
      return echoed.length === 20;
    }, 5000);
    expect(echoed).toEqual(Array.from({ length: 20 }, (_, i) => `packet ${i}`));

    // Alive but idle, and not even polled, for longer than timeoutMs: nothing fires.
    const heardBefore = alive.get_stats().packets_received;
    await sleep(options.timeoutMs + 1000);
    expect(pc.get_connection_state()).toBe(CONNECTED);
    expect(alive.get_stats()).toMatchObject({ state: 'running', stopped_by: null, send_errors: 0 });
    expect(alive.get_stats().packets_received).toBeGreaterThanOrEqual(heardBefore + 6);
    expect(remote.messages.filter((message) => message.type === 'error')).toEqual([]);

    await remote.kill();
    const killedAt = performance.now();
    expect(await driveUntil(remote, pc, () => pc.get_connection_state() !== CONNECTED, 20_000)).toBe(true);
    const noticedMs = performance.now() - killedAt;
    console.log(`keepalive (interval ${options.intervalMs} ms, timeout ${options.timeoutMs} ms): SIGKILLed remote noticed after ${Math.round(noticedMs)} ms`);
    // The last ping arrived within intervalMs before the kill and was read within intervalMs after it arrived.
    expect(noticedMs).toBeGreaterThanOrEqual(options.timeoutMs - options.intervalMs - 100);
    expect(noticedMs).toBeLessThan(options.timeoutMs + 3 * options.intervalMs);
    expect(pc.get_connection_state()).toBe(FAILED);
    expect(pc.get_close_info()).toMatchObject({ by: 'timeout', timeout: 'keepalive', limit: null, last_state: CONNECTED });
    const record = keepaliveRecord(pc)!;
    expect(record).toMatchObject({ code: GodotError.ERR_TIMEOUT, codeName: 'ERR_TIMEOUT' });
    expect(record.reason).toMatch(/^the remote end fell silent: no keepalive packet for \d+ ms since the last one \(timeoutMs 3000, a ping every 500 ms each way; \d+ received in all\)$/);
    expect(alive.get_stats()).toMatchObject({ state: 'stopped', stopped_by: 'timed_out' });
    expect(chat.get_ready_state()).toBe(WebRTCDataChannel.STATE_CLOSED);
  }, 70_000);

  it('does not fail a live remote because this end\'s event loop was blocked for longer than timeoutMs', { timeout: 60_000 }, async () => {
    // The remote waits longer, so that only this end's judgment is under test.
    const remote = new KeepaliveRemote({ intervalMs: 200, timeoutMs: 10_000 });
    remotes.push(remote);
    const pc = peer({ id: 'blocked' });
    const alive = keepalive(pc, { intervalMs: 200, timeoutMs: 1000 })!;
    expect(await remote.ready(30_000), remote.stderr.join('')).toBe(true);
    remote.connect(pc);
    expect(await driveUntil(remote, pc, () => alive.get_stats().packets_received >= 3, 15_000), remote.stderr.join('')).toBe(true);
    // The remote's pings reach the stack meanwhile, but JavaScript sees them only once the loop turns.
    const blockedUntil = performance.now() + 1500;
    while (performance.now() < blockedUntil) {
      /* a synchronous stall */
    }
    await sleep(600);
    expect(pc.get_connection_state()).toBe(CONNECTED);
    expect(alive.get_stats()).toMatchObject({ state: 'running', stopped_by: null });
    expect(keepaliveRecord(pc)).toBeUndefined();
  });

  it('never fires between two live peers that send nothing, polled or not, and stop() makes the other end fail by its own keepalive', async () => {
    const { a, b, ka, kb } = await keptAlivePair({ intervalMs: 100, timeoutMs: 400 });
    // Neither is polled, nothing is sent by the app, for more than three timeouts.
    await sleep(1500);
    for (const [pc, k] of [[a, ka], [b, kb]] as const) {
      expect(pc.get_connection_state()).toBe(CONNECTED);
      const stats = k.get_stats();
      expect(stats).toMatchObject({ state: 'running', stopped_by: null, send_errors: 0 });
      // Pinged every 100 ms for about 1.5 s, and heard as often (a generous floor for a loaded machine).
      expect(stats.pings_sent).toBeGreaterThanOrEqual(8);
      expect(stats.packets_received).toBeGreaterThanOrEqual(8);
      expect(stats.silent_ms!).toBeLessThan(400);
      // The library reads them on its timer: at most the remote's pings of the last interval wait.
      expect(k.channel.get_available_packet_count()).toBeLessThanOrEqual(2);
    }
    expect(ka.channel.get_id()).toBe(DEFAULT_KEEPALIVE_ID);

    ka.stop();
    const stoppedAt = performance.now();
    const sent = ka.get_stats().pings_sent;
    await stopped(kb, 3000);
    const noticedMs = performance.now() - stoppedAt;
    expect(kb.get_stats().stopped_by).toBe('timed_out');
    expect(noticedMs).toBeGreaterThanOrEqual(250);
    expect(noticedMs).toBeLessThan(1200);
    expect(b.get_close_info()).toMatchObject({ by: 'timeout', timeout: 'keepalive' });
    expect(keepaliveRecord(b)).toBeDefined();
    expect(keepaliveRecord(a)).toBeUndefined();
    expect(ka.get_stats()).toMatchObject({ state: 'stopped', stopped_by: 'stopped', pings_sent: sent });
    // b shut its stack down: a hears the close from the remote.
    await pollUntil([a], () => a.get_connection_state() === WebRTCPeerConnection.STATE_CLOSED, 5000);
    expect(a.get_close_info()).toMatchObject({ by: 'remote' });
  });

  it('stops by itself when the connection closes, and on initialize(), after which a new keepalive serves the new life', async () => {
    const { a, b, ka, kb } = await keptAlivePair({ intervalMs: 50, timeoutMs: 1000 });
    a.initialize();
    await stopped(ka, 1000);
    expect(ka.get_stats()).toMatchObject({ state: 'stopped', stopped_by: 'initialized' });
    // a's old stack closed: b's connection ends, and its keepalive with it (before it would have timed out).
    await stopped(kb, 1000);
    expect(kb.get_stats().stopped_by).toBe('ended');
    expect(b.get_close_info()).toMatchObject({ by: 'remote' });
    expect(keepaliveRecord(b)).toBeUndefined();

    // The new life takes a keepalive on the same id (initialize() freed it) and runs it.
    const again = keepalive(a, { intervalMs: 50, timeoutMs: 1000 })!;
    expect(again).not.toBeNull();
    const c = peer();
    const kc = keepalive(c, { intervalMs: 50, timeoutMs: 1000 })!;
    wire(a, c);
    a.create_offer();
    await pollUntil([a, c], () => again.get_stats().packets_received > 0 && kc.get_stats().packets_received > 0, 5000);
    c.close();
    await stopped(kc, 1000);
    expect(kc.get_stats().stopped_by).toBe('ended');
    await pollUntil([a], () => a.get_connection_state() === WebRTCPeerConnection.STATE_CLOSED, 5000);
    await stopped(again, 1000);
    expect(again.get_stats().stopped_by).toBe('ended');
  });

  it('works against a Chromium page that runs the page code of docs/vanished-peers.md, and notices when the page falls silent', { timeout: 60_000 }, async () => {
    const chromium = await openLoopbackChromium();
    try {
      const end = await browserEnd(chromium);
      // The doc's page code, with shorter times.
      await end.page.evaluate(({ intervalMs }) => {
        const w = globalThis as any;
        const keepalive = w.pc.createDataChannel('keepalive', { negotiated: true, id: 1023, ordered: false, maxRetransmits: 0 });
        const ping = new Uint8Array([0x6b]);
        w.keepaliveTimer = setInterval(() => keepalive.readyState === 'open' && keepalive.send(ping), intervalMs);
        w.heard = 0;
        keepalive.onmessage = () => w.heard++;
      }, { intervalMs: 200 });
      const pc = peer({ id: 'service' });
      const alive = keepalive(pc, { intervalMs: 200, timeoutMs: 1000 })!;
      const chat = pc.create_data_channel('chat', { negotiated: true, id: 1 })!;
      const offers: string[] = [];
      const candidates: string[] = [];
      pc.session_description_created.connect((type, sdp) => {
        pc.set_local_description(type, sdp);
        offers.push(sdp);
      });
      pc.ice_candidate_created.connect((_media, _index, name) => candidates.push(name));
      pc.create_offer();
      await pollUntil([pc], () => offers.length === 1);
      expect(pc.set_remote_description('answer', await end.describe(offers[0]!))).toBe(GodotError.OK);
      await connectAndTalk(pc, () => chat, end, candidates);

      await sleep(1500);
      expect(pc.get_connection_state()).toBe(CONNECTED);
      expect(alive.get_stats()).toMatchObject({ state: 'running', send_errors: 0 });
      expect(alive.get_stats().packets_received).toBeGreaterThanOrEqual(4);
      expect(await end.page.evaluate(() => (globalThis as any).heard as number)).toBeGreaterThanOrEqual(4);

      // The page stops pinging (its tab frozen, say): the service fails the connection after about timeoutMs.
      await end.page.evaluate(() => clearInterval((globalThis as any).keepaliveTimer));
      const silentFrom = performance.now();
      await stopped(alive, 5000);
      const noticedMs = performance.now() - silentFrom;
      expect(alive.get_stats().stopped_by).toBe('timed_out');
      expect(noticedMs).toBeGreaterThanOrEqual(600);
      expect(noticedMs).toBeLessThan(2000);
      expect(pc.get_close_info()).toMatchObject({ by: 'timeout', timeout: 'keepalive' });
      await end.page.close();
    } finally {
      await chromium.close();
    }
  });

  it('creates an unordered, unretransmitted negotiated channel with the defaults, and refuses what it cannot do', () => {
    const pc = peer();
    const alive = keepalive(pc)!;
    expect(alive).toMatchObject({ intervalMs: 1000, timeoutMs: 5000 });
    expect(alive.channel.get_label()).toBe('keepalive');
    expect(alive.channel.get_id()).toBe(1023);
    expect(alive.channel.is_negotiated()).toBe(true);
    expect(alive.channel.is_ordered()).toBe(false);
    expect(alive.channel.get_max_retransmits()).toBe(0);
    expect(alive.get_stats()).toMatchObject({ state: 'waiting', opened_at: null, pings_sent: 0 });
    alive.stop();
    expect(alive.get_stats()).toMatchObject({ state: 'stopped', stopped_by: 'stopped' });

    // Its id is taken (the stopped keepalive's channel keeps it): the connection refuses and says why.
    expect(keepalive(pc)).toBeNull();
    expect(pc.get_records().at(-1)).toMatchObject({ kind: 'refusal', method: 'create_data_channel', code: GodotError.ERR_ALREADY_EXISTS });

    // Bad options: null, nothing created, and a refusal record on the connection says why.
    const fresh = peer({ id: 'fresh' });
    const reasons: string[] = [];
    for (const bad of [{ timeoutMs: 150, intervalMs: 100 }, { intervalMs: 0 }, { intervalMs: 1.5 }, { timeoutMs: -1 }, { every: 5 }, null] as const) {
      expect(keepalive(fresh, bad as never)).toBeNull();
      const record = fresh.get_records().at(-1)!;
      expect(record).toMatchObject({ kind: 'refusal', method: 'keepalive', code: GodotError.ERR_INVALID_PARAMETER, machine: 'arguments' });
      reasons.push((record as { reason: string }).reason);
    }
    expect(fresh.get_data_channels()).toEqual([]);
    expect(reasons).toEqual([
      'options.timeoutMs (150) must be at least twice options.intervalMs (100)',
      'options.intervalMs must be a whole number of ms from 1 to 2147483647, not 0',
      'options.intervalMs must be a whole number of ms from 1 to 2147483647, not 1.5',
      'options.timeoutMs must be a whole number of ms from 1 to 2147483647, not -1',
      'unknown option "every" (known: intervalMs, timeoutMs, id, label)',
      'options must be an object such as { timeoutMs: 5000 }, not null',
    ]);
    // An id the channel cannot have is refused by create_data_channel, with its record.
    expect(keepalive(fresh, { id: 1024 })).toBeNull();
    expect(fresh.get_records().at(-1)).toMatchObject({ kind: 'refusal', method: 'create_data_channel', code: GodotError.ERR_INVALID_PARAMETER });

    // After the offer it is too late: the channel would not be in the offer.
    fresh.create_data_channel('chat');
    fresh.create_offer();
    expect(keepalive(fresh)).toBeNull();
    expect(fresh.get_records().at(-1)).toMatchObject({ kind: 'refusal', method: 'create_data_channel', code: GodotError.ERR_UNAVAILABLE });
  });
});
