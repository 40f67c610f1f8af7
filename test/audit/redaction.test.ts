import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REDACTED, redactRecord, redactText, redactValue, startAudit } from '../../src/audit/index.js';
import { GodotError, observeRecords, type ConnectionRecord } from '../../src/index.js';
import { Recorder } from '../../src/records/recorder.js';
import { peer } from '../support/loopback.js';
import { scratchDir } from './support.js';

const dir = scratchDir();
const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=ice-ufrag:Ab3d\r\na=ice-pwd:9sJ2kLmNoPq8rStUvWxYz01\r\na=setup:actpass\r\n';

describe('redaction', () => {
  it("replaces an SDP's ice-pwd and keeps the rest", () => {
    const redacted = redactText(SDP);
    expect(redacted).not.toContain('9sJ2kLmNoPq8rStUvWxYz01');
    expect(redacted).toContain(`a=ice-pwd:${REDACTED}\r\n`);
    expect(redacted).toContain('a=ice-ufrag:Ab3d');
    expect(redactText(JSON.stringify({ sdp: SDP }))).not.toContain('9sJ2kLmNoPq8rStUvWxYz01');
  });

  it('replaces TURN usernames and credentials, as keys at any depth and as text', () => {
    const config = { iceServers: [{ urls: 'turn:turn.example:3478', username: 'alice', credential: 'hunter2' }] };
    expect(redactValue(config)).toEqual({ iceServers: [{ urls: 'turn:turn.example:3478', username: REDACTED, credential: REDACTED }] });
    expect(config.iceServers[0]!.credential).toBe('hunter2');
    const text = redactText('rejected {"username":"alice","credential":"hunter2"} and turn:alice:hunter2@turn.example and credential=hunter2');
    expect(text).not.toMatch(/alice|hunter2/);
  });

  it('returns a record without secrets as it is (no copy)', () => {
    const record = { kind: 'transition', seq: 1, time: 1, monotonic: 1, connection: 'pc-1', machine: 'signaling', from: 'stable', event: 'close', to: 'closed' } as ConnectionRecord;
    expect(redactRecord(record)).toBe(record);
  });

  it('no secret reaches a record: not the ring, not a callback, not the trail file', () => {
    const file = join(dir, 'secrets.jsonl');
    const called: ConnectionRecord[] = [];
    const observed: ConnectionRecord[] = [];
    const audit = startAudit({ file, onRecord: (record) => called.push(record) });
    const stop = observeRecords((record) => observed.push(record));
    const recorder = new Recorder('pc-secrets');
    recorder.add({ kind: 'stack_error', method: 'set_remote_description', code: GodotError.ERR_INVALID_DATA, codeName: 'ERR_INVALID_DATA', reason: `the stack rejected ${SDP}` });
    recorder.add({ kind: 'stack_error', method: 'initialize', code: GodotError.FAILED, codeName: 'FAILED', reason: 'turn:alice:hunter2@turn.example refused credential="hunter2"' });
    // A real connection given TURN credentials, and a URL that spells a password.
    const pc = peer();
    expect(pc.initialize({ iceServers: [{ urls: 'turn:127.0.0.1:3478', username: 'alice', credential: 'hunter2' }] })).toBe(GodotError.OK);
    expect(pc.initialize({ iceServers: [{ urls: 'turn:alice:hunter2@127.0.0.1', username: 'alice', credential: 'hunter2' }] })).toBe(GodotError.ERR_INVALID_PARAMETER);
    pc.close();
    stop();
    audit.stop();
    const everywhere = JSON.stringify([recorder.list(), pc.get_records(), called, observed]) + readFileSync(file, 'utf8');
    expect(called.length).toBeGreaterThan(5);
    expect(everywhere).toContain('initialize');
    for (const secret of ['9sJ2kLmNoPq8rStUvWxYz01', 'hunter2', 'alice']) expect(everywhere).not.toContain(secret);
  });
});
