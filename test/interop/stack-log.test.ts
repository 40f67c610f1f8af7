/**
 * The record of a stream libdatachannel resets (src/adapters/stack-log.ts), on a real reset:
 * werift offering `a=setup:active` makes this end the DTLS server, and werift, which picks its
 * stream ids by its ICE role, opens an odd stream. Its own file: the native logger, once
 * installed, stays for the life of the process.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { WebRTCPeerConnection, observeRecords, type ConnectionRecord } from '../../src/index.js';
import { dispatch, parseStreamReset, recordStreamResets } from '../../src/adapters/stack-log.js';
import '../support/loopback.js';
import { HostileRemote, until } from '../hostile/support/remote.js';
import { useLibraryEnds } from '../hostile/support/ends.js';

const ends = useLibraryEnds();
const stop = recordStreamResets();
afterAll(stop);

describe("libdatachannel's stream resets", () => {
  it('reads the cause and the stream from the log lines of PeerConnection::forwardMessage', () => {
    const at = 'rtc::impl::PeerConnection::forwardMessage@495: '; // as libdatachannel 0.24.5 formats it
    expect(parseStreamReset(`${at}Got open message violating the odd/even rule on stream 1`)).toEqual({ cause: 'parity', stream: 1 });
    expect(parseStreamReset(`${at}Got open message on already used stream 3`)).toEqual({ cause: 'in-use', stream: 3 });
    expect(parseStreamReset(`${at}Got unexpected message on stream 65534`)).toEqual({ cause: 'unexpected', stream: 65534 });
    expect(parseStreamReset(`${at}Ignored message on stream 1, DataChannel is destroyed`)).toBe(null);
  });

  it('a flood of resets makes at most one record a second, each counting the resets it stands for', async () => {
    const records: ConnectionRecord[] = [];
    const stopObserving = observeRecords((record) => record.kind === 'stack_error' && record.reason.includes('stream 777 ') && records.push(record));
    try {
      for (let i = 0; i < 50; i++) dispatch('Warning', 'rtc::impl::PeerConnection::forwardMessage@495: Got open message violating the odd/even rule on stream 777');
      await until(() => records.reduce((sum, record) => sum + resetsIn(record), 0) === 50, 3000, 'all 50 resets counted');
      expect(records.length).toBeLessThanOrEqual(2);
    } finally {
      stopObserving();
    }
  });

  it('records, process-wide, the stream a werift offerer opens with the wrong parity, which never arrives', async () => {
    const records: ConnectionRecord[] = [];
    const stopObserving = observeRecords((record) => record.connection === '(stack)' && records.push(record));
    try {
      const end = ends.open(HostileRemote.startScript(new URL('fixtures/w3c-peer.ts', import.meta.url), ['werift', 'offer-active']));
      const received: unknown[] = [];
      end.pc.data_channel_received.connect((channel) => received.push(channel));
      await until(() => records.length > 0, 10_000, 'a stream reset recorded');
      expect(records[0]).toMatchObject({ kind: 'stack_error', method: 'stack.stream_reset', codeName: 'ERR_INVALID_DATA' });
      expect(records[0]!.kind === 'stack_error' && records[0]!.reason).toMatch(/^libdatachannel reset stream 1 of the only connection with SCTP up: the remote's DCEP open has the stream-id parity/);
      expect(end.pc.get_connection_state()).toBe(WebRTCPeerConnection.STATE_CONNECTED);
      expect(received).toEqual([]);
    } finally {
      stopObserving();
    }
  });
});

/** How many resets a record stands for: itself and the ones it says came since the last. */
function resetsIn(record: ConnectionRecord): number {
  const more = record.kind === 'stack_error' ? /\(and (\d+) more resets/.exec(record.reason) : null;
  return 1 + Number(more?.[1] ?? 0);
}
