import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, GodotError, WebRTCPeerConnection } from '../../src/index.js';
import { openEventPair, peer, pollUntil, wire } from '../support/loopback.js';

/** Under the 64 KiB max-message-size: a message of exactly the limit ending in zeros is taken for libdatachannel's amplification. */
const PACKET = 60 * 1024;

describe('send backpressure', () => {
  it('refuses put_packet with ERR_BUSY and a record past maxBufferedBytes, then drains, and every accepted packet arrives', async () => {
    const budget = 1024 * 1024;
    const { a, chA, chB } = await openEventPair({ limits: { maxBufferedBytes: budget } }, 'bulk');
    let accepted = 0;
    let busy = 0;
    let peak = 0;
    // One tick: the stack cannot send while we loop, so it buffers until the budget says no.
    for (let i = 0; i < 200; i++) {
      const code = chA.put_packet(new Uint8Array(PACKET).fill(i & 0xff));
      peak = Math.max(peak, chA.get_buffered_amount());
      if (code === GodotError.OK) accepted++;
      else if (code === GodotError.ERR_BUSY) busy++;
      else throw new Error(`unexpected code ${code}`);
    }
    expect(busy).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(budget);
    const refusal = [...a.get_records()].reverse().find((record) => record.kind === 'refusal');
    expect(refusal).toMatchObject({ method: 'put_packet', code: GodotError.ERR_BUSY, codeName: 'ERR_BUSY', machine: 'dataChannel', state: 'open' });
    expect((refusal as { reason: string }).reason).toMatch(/maxBufferedBytes \(1048576\).*buffered_amount_low.*drained\(\)/);
    // The low-water signal and drained(): the buffer empties.
    let lows = 0;
    chA.buffered_amount_low.connect(() => lows++);
    expect(await chA.drained({ timeout: 10_000 })).toBe(GodotError.OK);
    expect(chA.get_buffered_amount()).toBe(0);
    // Each fall to the threshold from above: the stack may report more than one as usrsctp takes the queue.
    expect(lows).toBeGreaterThanOrEqual(1);
    // Nothing accepted is lost; nothing refused was sent.
    let received = 0;
    for await (const packet of chB.packets()) {
      expect(packet.byteLength).toBe(PACKET);
      if (++received === accepted) break;
    }
    expect(chB.get_available_packet_count()).toBe(0);
    expect(chA.get_stats()).toMatchObject({ messages_sent: accepted, bytes_sent: accepted * PACKET });
    expect(chB.get_stats()).toMatchObject({ messages_received: accepted, bytes_received: accepted * PACKET });
  });

  it('keeps a sender that awaits drained() between bursts going, and a reader that keeps up gets everything', async () => {
    const { chA, chB } = await openEventPair({ limits: { maxBufferedBytes: 512 * 1024 } }, 'bulk');
    expect(chA.set_buffered_amount_low_threshold(128 * 1024)).toBe(GodotError.OK);
    expect(chA.get_buffered_amount_low_threshold()).toBe(128 * 1024);
    const total = 400;
    let received = 0;
    const reader = (async () => {
      for await (const _ of chB.packets()) if (++received === total) return;
    })();
    let sent = 0;
    let waits = 0;
    while (sent < total && waits < 1000) {
      const code = chA.put_packet(new Uint8Array(PACKET));
      if (code === GodotError.OK) {
        sent++;
        continue;
      }
      expect(code).toBe(GodotError.ERR_BUSY);
      waits++;
      expect(await chA.drained({ timeout: 10_000 })).toBe(GodotError.OK);
      expect(chA.get_buffered_amount()).toBeLessThanOrEqual(128 * 1024);
    }
    expect(sent).toBe(total);
    expect(waits).toBeGreaterThan(0);
    await reader;
    expect(received).toBe(total);
  });

  it('under the default budget, 3 000 × 60 KiB in one tick buffer at most 16 MiB', async () => {
    const { chA } = await openEventPair({}, 'bulk');
    let peak = 0;
    let refused = 0;
    for (let i = 0; i < 3000; i++) {
      if (chA.put_packet(new Uint8Array(PACKET)) === GodotError.ERR_BUSY) refused++;
      peak = Math.max(peak, chA.get_buffered_amount());
    }
    expect(DEFAULT_LIMITS.maxBufferedBytes).toBe(16 * 1024 * 1024);
    expect(peak).toBeLessThanOrEqual(DEFAULT_LIMITS.maxBufferedBytes);
    expect(refused).toBeGreaterThan(0);
  });

  it('refuses a bad low threshold with a record', () => {
    const pc = peer();
    const channel = pc.create_data_channel('x')!;
    expect(channel.set_buffered_amount_low_threshold(-1)).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(channel.set_buffered_amount_low_threshold(1.5)).toBe(GodotError.ERR_INVALID_PARAMETER);
    expect(pc.get_records().at(-1)).toMatchObject({ kind: 'refusal', method: 'set_buffered_amount_low_threshold' });
    expect(channel.get_buffered_amount_low_threshold()).toBe(0);
  });

  it('signals buffered_amount_low under poll dispatch only from poll()', async () => {
    const a = peer({ limits: { maxBufferedBytes: 8 << 20 } });
    const b = peer();
    const chA = a.create_data_channel('bulk', { negotiated: true, id: 1 })!;
    b.create_data_channel('bulk', { negotiated: true, id: 1 });
    wire(a, b);
    a.create_offer();
    await pollUntil([a, b], () => chA.get_ready_state() === 1 && a.get_connection_state() === WebRTCPeerConnection.STATE_CONNECTED);
    let lows = 0;
    let outsidePoll = 0;
    let polling = false;
    chA.buffered_amount_low.connect(() => {
      lows++;
      if (!polling) outsidePoll++;
    });
    const pollA = () => {
      polling = true;
      a.poll();
      polling = false;
    };
    // libdatachannel counts only what usrsctp's send buffer did not take: enough to overflow it.
    for (let i = 0; i < 60; i++) expect(chA.put_packet(new Uint8Array(PACKET))).toBe(GodotError.OK);
    expect(chA.get_buffered_amount()).toBeGreaterThan(0);
    const deadline = Date.now() + 10_000;
    while (chA.get_buffered_amount() > 0 && Date.now() < deadline) {
      b.poll();
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(chA.get_buffered_amount()).toBe(0);
    expect(lows).toBe(0);
    // The stack's low report comes through node-datachannel's callback queue a moment after the
    // getter reads 0; polled from now on, it is emitted by a poll(), never between them.
    while (lows === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      pollA();
    }
    expect(lows).toBeGreaterThanOrEqual(1);
    expect(outsidePoll).toBe(0);
  });
});
