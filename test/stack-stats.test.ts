import { describe, expect, it } from 'vitest';
import { GodotError, WebRTCPeerConnection } from '../src/index.js';
import { bothOpen, peer, pollUntil, wire } from './support/loopback.js';

const connected = (pc: WebRTCPeerConnection) => pc.get_connection_state() === WebRTCPeerConnection.STATE_CONNECTED;

/** A wired pair that keeps the candidate lines each side emitted. */
async function pairWithCandidates() {
  const a = peer();
  const b = peer();
  const chA = a.create_data_channel('bulk', { negotiated: true, id: 1 })!;
  const chB = b.create_data_channel('bulk', { negotiated: true, id: 1 })!;
  const candidates = new Map<WebRTCPeerConnection, string[]>([
    [a, []],
    [b, []],
  ]);
  for (const pc of [a, b]) pc.ice_candidate_created.connect((_media, _index, name) => candidates.get(pc)!.push(name));
  wire(a, b);
  return { a, b, chA, chB, candidates };
}

const portsOf = (lines: string[]) => lines.map((line) => Number(line.split(' ')[5]));

describe("the stack's stats in get_stats()", () => {
  it('counts the payload the stack sent and received, gives the selected pair of the exchanged candidates and the round trip, and nothing once closed', async () => {
    const { a, b, chA, chB, candidates } = await pairWithCandidates();
    // A stack connection, not connected: nothing sent, no round trip, no pair.
    expect(a.get_stats()).toMatchObject({ transport_bytes_sent: 0, transport_bytes_received: 0, rtt_ms: null, selected_pair: null });
    expect(a.create_offer()).toBe(GodotError.OK);
    await pollUntil([a, b], () => bothOpen(chA, chB) && connected(a) && connected(b), 10_000);

    const before = { a: a.get_stats(), b: b.get_stats() };
    const kib = 64;
    for (let i = 0; i < kib; i++) expect(chA.put_packet(new Uint8Array(1024).fill(i))).toBe(GodotError.OK);
    let received = 0;
    await pollUntil([a, b], () => {
      while (chB.get_available_packet_count() > 0) received += chB.get_packet().length;
      return received === kib * 1024;
    });
    const after = { a: a.get_stats(), b: b.get_stats() };
    // libdatachannel counts the messages' payload handed to SCTP and delivered by it, and nothing
    // else: no SCTP, DTLS, UDP or STUN overhead, no control messages (measured: exactly equal).
    expect(after.a.transport_bytes_sent! - before.a.transport_bytes_sent!).toBe(kib * 1024);
    expect(after.b.transport_bytes_received! - before.b.transport_bytes_received!).toBe(kib * 1024);
    expect(after.a.transport_bytes_sent).toBe(after.a.bytes_sent);
    expect(after.b.transport_bytes_received).toBe(after.b.bytes_received);

    // The pair ICE selected is made of the candidates the two ends exchanged.
    const pairA = after.a.selected_pair!;
    const pairB = after.b.selected_pair!;
    for (const end of [pairA.local, pairA.remote, pairB.local, pairB.remote]) expect(end).toMatchObject({ address: '127.0.0.1', transport: 'udp' });
    expect(portsOf(candidates.get(a)!)).toContain(pairA.local.port);
    expect(portsOf(candidates.get(b)!)).toContain(pairA.remote.port);
    expect(pairB.local.port).toBe(pairA.remote.port);
    expect(pairB.remote.port).toBe(pairA.local.port);
    expect(pairA.local.candidate).toMatch(/^candidate:/);

    // SCTP's smoothed round trip over loopback, in whole ms (0 is a real figure here).
    for (const stats of [after.a, after.b]) {
      expect(stats.rtt_ms).not.toBeNull();
      expect(stats.rtt_ms!).toBeGreaterThanOrEqual(0);
      expect(stats.rtt_ms!).toBeLessThan(100);
    }

    // Closed here: the stack is not asked any more.
    a.close();
    expect(a.get_stats()).toMatchObject({ transport_bytes_sent: null, transport_bytes_received: null, rtt_ms: null, selected_pair: null });
    // Closed by the remote: b closes its own stack connection, then says nothing either.
    await pollUntil([b], () => b.get_connection_state() === WebRTCPeerConnection.STATE_CLOSED, 30_000);
    expect(b.get_stats()).toMatchObject({ transport_bytes_sent: null, rtt_ms: null, selected_pair: null });
  });
});
