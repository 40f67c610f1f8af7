import { afterAll, describe, expect, it } from 'vitest';
import {
  GodotError,
  WebRTCDataChannel,
  WebRTCPeerConnection,
  WriteMode,
  type ConnectionRecord,
  type ExtensionFactory,
} from '../src/index.js';
import { REFUSALS } from '../src/refusal-table.js';
import { connectedPair, encode, loopbackExtension, peer, pollUntil, wire } from './support/loopback.js';

const proven = new Set<string>();

/** Calls `call` and proves it was refused: the code, exactly one record, no state change. */
function expectRefused<T>(rowId: string, pc: WebRTCPeerConnection, call: () => T, channel?: WebRTCDataChannel): T {
  const row = REFUSALS.find((r) => r.id === rowId);
  if (!row) throw new Error(`no row ${rowId} in the refusal table`);
  const states = pc.get_machine_states();
  const channelState = channel?.get_ready_state();
  const channelPackets = channel?.get_available_packet_count();
  const refusals: ConnectionRecord[] = [];
  const listener = (record: ConnectionRecord) => refusals.push(record);
  pc.call_refused.connect(listener);
  let result: T;
  expect(() => {
    result = call();
  }).not.toThrow();
  pc.call_refused.disconnect(listener);

  expect(refusals).toHaveLength(1);
  const record = refusals[0]!;
  const method = row.method.replace(/^WebRTCDataChannel\./, '');
  if (!row.method.startsWith('any')) expect(record).toMatchObject({ method });
  expect(record).toMatchObject({ kind: 'refusal', connection: pc.id, code: row.code });
  if (record.kind === 'refusal') {
    expect(record.reason.length).toBeGreaterThan(10);
    expect(record.codeName).toMatch(/^ERR_|^FAILED$/);
    expect(typeof record.time).toBe('number');
    if (channel) expect(record.channel).toContain(channel.get_label());
  }
  if (typeof result! === 'number') expect(result).toBe(row.code);
  if (row.returns === 'null') expect(result!).toBeNull();
  expect(pc.get_machine_states()).toEqual(states);
  if (channel) {
    expect(channel.get_ready_state()).toBe(channelState);
    expect(channel.get_available_packet_count()).toBe(channelPackets);
  }
  proven.add(rowId);
  return result!;
}

function closedPeer(): WebRTCPeerConnection {
  const pc = peer();
  pc.create_data_channel('x');
  pc.close();
  return pc;
}

/** An offerer and an answerer with the answer generated but not yet set by the answerer (have-remote-offer). */
function offerAnswered() {
  const offerer = peer();
  const answerer = peer();
  offerer.create_data_channel('x');
  let offer = '';
  let answer = '';
  offerer.session_description_created.connect((_type, sdp) => (offer = sdp));
  answerer.session_description_created.connect((_type, sdp) => (answer = sdp));
  offerer.create_offer();
  offerer.poll();
  answerer.set_remote_description('offer', offer);
  answerer.poll();
  return { offerer, answerer, offer, answer };
}

describe('initialize', () => {
  it.each([
    ['not a Dictionary', 'stun:x'],
    ['iceServers not an Array', { iceServers: 'stun:stun.example.com' }],
    ['an entry that is not a Dictionary', { iceServers: ['stun:stun.example.com'] }],
    ['an entry without urls', { iceServers: [{ username: 'u' }] }],
    ['a URL of another scheme', { iceServers: [{ urls: ['http://example.com'] }] }],
    ['a credential that is not a String', { iceServers: [{ urls: 'turn:t.example.com', username: 'u', credential: 42 }] }],
    ['a TURN server without credentials', { iceServers: [{ urls: 'turn:t.example.com' }] }],
  ])('refuses a configuration with %s, ERR_INVALID_PARAMETER, and leaves the old connection working', async (_what, configuration) => {
    const p1 = peer();
    const ch = p1.create_data_channel('chat', { negotiated: true, id: 1 })!;
    expectRefused('initialize.bad-config', p1, () => p1.initialize(configuration as never));
    const p2 = peer();
    const ch2 = p2.create_data_channel('chat', { negotiated: true, id: 1 })!;
    wire(p1, p2);
    expect(p1.create_offer()).toBe(GodotError.OK);
    await pollUntil([p1, p2], () => ch.get_ready_state() === 1 && ch2.get_ready_state() === 1);
  });

  it('never puts a TURN credential in a record', () => {
    const pc = peer();
    const seen: string[] = [];
    pc.call_refused.connect((record) => seen.push(JSON.stringify(record)));
    pc.initialize({ iceServers: [{ urls: ['turn:s3cret-user:hunter2@t.example.com:bad'], username: 's3cret-user', credential: 'hunter2' }] });
    pc.initialize({ iceServers: [{ urls: 'turn:t.example.com', username: 's3cret-user', credential: 99 as never }] });
    expect(seen).toHaveLength(2);
    for (const text of seen) {
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('s3cret-user');
    }
  });

  it('accepts STUN and TURN servers as Godot writes them', () => {
    const pc = peer();
    expect(
      pc.initialize({
        iceServers: [
          { urls: ['stun:stun.example.com:3478'] },
          { urls: 'turn:turn.example.com:3478?transport=tcp', username: 'user', credential: 'pass' },
          { urls: ['turns:turn.example.com'], username: 'user', credential: 'pass' },
        ],
      }),
    ).toBe(GodotError.OK);
    expect(pc.get_connection_state()).toBe(WebRTCPeerConnection.STATE_NEW);
  });

  it('refuses with ERR_UNCONFIGURED when the default extension names nothing registered', () => {
    const pc = peer();
    WebRTCPeerConnection.set_default_extension('no-such-stack');
    try {
      expectRefused('initialize.no-extension', pc, () => pc.initialize());
    } finally {
      WebRTCPeerConnection.set_default_extension(loopbackExtension);
    }
  });

  it('every method after a failed initialize is refused with ERR_UNCONFIGURED', () => {
    const broken: ExtensionFactory = { name: 'broken', create: () => ({ code: GodotError.FAILED, reason: 'this stack never works' }) };
    WebRTCPeerConnection.set_default_extension(broken);
    let pc: WebRTCPeerConnection;
    try {
      pc = new WebRTCPeerConnection();
    } finally {
      WebRTCPeerConnection.set_default_extension(loopbackExtension);
    }
    expect(pc.get_records().at(-1)).toMatchObject({ method: 'initialize', code: GodotError.FAILED });
    expectRefused('any.no-stack', pc, () => pc.create_data_channel('x'));
    expectRefused('any.no-stack', pc, () => pc.add_ice_candidate('0', 0, 'candidate:1 1 UDP 2114977791 127.0.0.1 40037 typ host'));
    expect(pc.initialize()).toBe(GodotError.OK);
    expect(pc.create_data_channel('x')).not.toBeNull();
    pc.close();
  });
});

describe('create_data_channel', () => {
  it.each([
    ['a label that is not a String', 42, {}],
    ['options that are not a Dictionary', 'x', 'negotiated'],
    ['an unknown option', 'x', { maxRetransmit: 1 }],
    ['negotiated that is not a bool', 'x', { negotiated: 'yes', id: 1 }],
    ['an id above 1023', 'x', { negotiated: true, id: 1024 }],
    ['a negative id', 'x', { negotiated: true, id: -1 }],
    ['a NaN id', 'x', { negotiated: true, id: Number.NaN }],
    ['negotiated without an id', 'x', { negotiated: true }],
    ['an id without negotiated', 'x', { id: 3 }],
    ['both maxRetransmits and maxPacketLifeTime', 'x', { maxRetransmits: 1, maxPacketLifeTime: 100 }],
    ['a protocol that is not a String', 'x', { protocol: null }],
  ])('refuses %s: null, ERR_INVALID_PARAMETER', (_what, label, options) => {
    const pc = peer();
    expectRefused('create_data_channel.bad-arguments', pc, () => pc.create_data_channel(label as never, options as never));
  });

  it('is refused after create_offer (not STATE_NEW): null, ERR_UNAVAILABLE', () => {
    const pc = peer();
    pc.create_data_channel('first');
    pc.create_offer();
    expectRefused('create_data_channel.after-negotiation', pc, () => pc.create_data_channel('late'));
  });

  it('is refused after set_remote_description', () => {
    const { answerer } = offerAnswered();
    expectRefused('create_data_channel.after-negotiation', answerer, () => answerer.create_data_channel('late'));
  });

  it('is refused after close()', () => {
    const pc = closedPeer();
    expectRefused('create_data_channel.closed', pc, () => pc.create_data_channel('late'));
  });

  it('refuses a negotiated id already in use: ERR_ALREADY_EXISTS', () => {
    const pc = peer();
    expect(pc.create_data_channel('a', { negotiated: true, id: 5 })).not.toBeNull();
    expectRefused('create_data_channel.id-taken', pc, () => pc.create_data_channel('b', { negotiated: true, id: 5 }));
  });
});

describe('create_offer', () => {
  it('is refused without a data channel', () => {
    const pc = peer();
    expectRefused('create_offer.no-channel', pc, () => pc.create_offer());
  });

  it('is refused the second time', () => {
    const pc = peer();
    pc.create_data_channel('x');
    expect(pc.create_offer()).toBe(GodotError.OK);
    expectRefused('create_offer.twice', pc, () => pc.create_offer());
  });

  it('is refused on the answerer', () => {
    const { answerer } = offerAnswered();
    expectRefused('create_offer.twice', answerer, () => answerer.create_offer());
  });

  it('is refused after close()', () => {
    const pc = closedPeer();
    expectRefused('create_offer.closed', pc, () => pc.create_offer());
  });
});

describe('set_local_description', () => {
  it.each([
    ['an unknown type', 'bogus', 'v=0'],
    ['a type that is not a String', 1, 'v=0'],
    ['an sdp that is not a String', 'offer', null],
  ])('refuses %s: ERR_INVALID_PARAMETER', (_what, type, sdp) => {
    const pc = peer();
    expectRefused('set_local_description.bad-arguments', pc, () => pc.set_local_description(type as never, sdp as never));
  });

  it('refuses an offer before create_offer, and an answer on the offerer: ERR_UNAVAILABLE', () => {
    const pc = peer();
    pc.create_data_channel('x');
    expectRefused('set_local_description.not-generated', pc, () => pc.set_local_description('offer', 'v=0'));
    let offer = '';
    pc.session_description_created.connect((_type, sdp) => (offer = sdp));
    pc.create_offer();
    pc.poll();
    expectRefused('set_local_description.not-generated', pc, () => pc.set_local_description('answer', offer));
    expect(pc.set_local_description('offer', offer)).toBe(GodotError.OK);
    expectRefused('set_local_description.not-generated', pc, () => pc.set_local_description('offer', offer));
    expectRefused('set_local_description.not-generated', pc, () => pc.set_local_description('pranswer', offer));
  });

  it('refuses a description other than the one the stack generated: ERR_INVALID_PARAMETER', () => {
    const pc = peer();
    pc.create_data_channel('x');
    let offer = '';
    pc.session_description_created.connect((_type, sdp) => (offer = sdp));
    pc.create_offer();
    pc.poll();
    const munged = offer.replace('a=setup:actpass', 'a=setup:active');
    expectRefused('set_local_description.modified', pc, () => pc.set_local_description('offer', munged));
    expect(pc.set_local_description('offer', offer.replace(/\r\n/g, '\n'))).toBe(GodotError.OK);
  });

  it('refuses a rollback of a remote offer the stack has answered', () => {
    const { answerer } = offerAnswered();
    expect(answerer.get_signaling_state()).toBe(WebRTCPeerConnection.SIGNALING_STATE_HAVE_REMOTE_OFFER);
    expectRefused('set_local_description.rollback-answered', answerer, () => answerer.set_local_description('rollback', ''));
  });

  it('is refused after close()', () => {
    const pc = closedPeer();
    expectRefused('set_local_description.closed', pc, () => pc.set_local_description('rollback', ''));
  });
});

describe('set_remote_description', () => {
  it.each([
    ['an unknown type', 'Offer', 'v=0'],
    ['a null type', null, 'v=0'],
    ['an sdp that is not a String', 'offer', 12],
  ])('refuses %s: ERR_INVALID_PARAMETER', (_what, type, sdp) => {
    const pc = peer();
    expectRefused('set_remote_description.bad-arguments', pc, () => pc.set_remote_description(type as never, sdp as never));
  });

  it.each([
    ['an empty string', ''],
    ['garbage', 'garbage'],
    ['only v=0', 'v=0'],
    ['a huge string', `v=0\r\n${'a=x\r\n'.repeat(100_000)}`],
    ['a NUL', 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n'],
    ['no ICE credentials (the stack says no)', 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n'],
  ])('refuses an SDP that does not parse (%s): ERR_INVALID_DATA', (_what, sdp) => {
    const pc = peer();
    pc.create_data_channel('x');
    expectRefused('set_remote_description.bad-sdp', pc, () => pc.set_remote_description('offer', sdp));
    expect(pc.create_offer()).toBe(GodotError.OK);
  });

  it('refuses an answer, a pranswer and a rollback in stable', () => {
    const { offer } = offerAnswered();
    const pc = peer();
    for (const type of ['answer', 'pranswer', 'rollback']) {
      expectRefused('set_remote_description.wrong-state', pc, () => pc.set_remote_description(type as never, offer));
    }
  });

  it('refuses a rollback in have-remote-offer', () => {
    const { answerer } = offerAnswered();
    expectRefused('set_remote_description.wrong-state', answerer, () => answerer.set_remote_description('rollback', ''));
  });

  it('refuses an offer in have-remote-pranswer', () => {
    const { offerer, answer, offer } = offerAnswered();
    offerer.set_local_description('offer', offer);
    expect(offerer.set_remote_description('pranswer', answer)).toBe(GodotError.OK);
    expect(offerer.get_signaling_state()).toBe(WebRTCPeerConnection.SIGNALING_STATE_HAVE_REMOTE_PRANSWER);
    expectRefused('set_remote_description.wrong-state', offerer, () => offerer.set_remote_description('offer', offer));
  });

  it('is refused after close()', () => {
    const { offer } = offerAnswered();
    const pc = closedPeer();
    expectRefused('set_remote_description.closed', pc, () => pc.set_remote_description('offer', offer));
  });
});

describe('add_ice_candidate', () => {
  const line = 'candidate:1 1 UDP 2114977791 127.0.0.1 40037 typ host';
  it.each([
    ['a media that is not a String', 0, 0, line],
    ['an index that is not an int', '0', 0.5, line],
    ['an index that is NaN', '0', Number.NaN, line],
    ['a name that is not a String', '0', 0, { candidate: line }],
    ['a media of 10 000 characters', 'm'.repeat(10_000), 0, line],
  ])('refuses %s: ERR_INVALID_PARAMETER', (_what, media, index, name) => {
    const pc = peer();
    expectRefused('add_ice_candidate.bad-arguments', pc, () => pc.add_ice_candidate(media as never, index as never, name as never));
  });

  it.each([['garbage'], ['candidate:'], ['end-of-candidates:'], ['candidate:1 1 UDP x 127.0.0.1 1 typ host'], ['x'.repeat(5000)]])(
    'refuses %j: ERR_INVALID_DATA',
    (name) => {
      const pc = peer();
      expectRefused('add_ice_candidate.bad-candidate', pc, () => pc.add_ice_candidate('0', 0, name));
    },
  );

  it('quotes the name the caller passed, not the "candidate:" form made of it', () => {
    const pc = peer();
    expect(pc.add_ice_candidate('0', 0, 'garbage')).toBe(GodotError.ERR_INVALID_DATA);
    const reason = (pc.get_records().at(-1) as { reason: string }).reason;
    expect(reason.startsWith('"garbage" is not an ICE candidate line')).toBe(true);
  });

  it.each([[''], ['  '], ['end-of-candidates'], ['a=end-of-candidates']])('takes the end of candidates %j: OK, and changes nothing', (name) => {
    const pc = peer();
    const before = pc.get_records().length;
    expect(pc.add_ice_candidate('0', 0, name)).toBe(GodotError.OK);
    expect(pc.get_records().length).toBe(before);
    expect(pc.get_machine_states()).toEqual(peer().get_machine_states());
    pc.close();
    expectRefused('add_ice_candidate.closed', pc, () => pc.add_ice_candidate('0', 0, name));
  });

  it('accepts a candidate with or without "a=" and "candidate:"', () => {
    const pc = peer();
    expect(pc.add_ice_candidate('0', 0, `a=${line}`)).toBe(GodotError.OK);
    expect(pc.add_ice_candidate('0', 0, line.slice('candidate:'.length))).toBe(GodotError.OK);
  });

  it('refuses a candidate for a mid the remote description does not have', () => {
    const { answerer } = offerAnswered();
    expectRefused('add_ice_candidate.unknown-mid', answerer, () => answerer.add_ice_candidate('7', 0, line));
  });

  it('records a held candidate for an unknown mid when the description lands', () => {
    const { offer } = offerAnswered();
    const pc = peer();
    expect(pc.add_ice_candidate('7', 0, line)).toBe(GodotError.OK);
    expect(pc.set_remote_description('offer', offer)).toBe(GodotError.OK);
    expect(pc.get_records().at(-1)).toMatchObject({ kind: 'stack_error', method: 'add_ice_candidate', code: GodotError.ERR_INVALID_DATA });
  });

  it('is refused after close()', () => {
    const pc = closedPeer();
    expectRefused('add_ice_candidate.closed', pc, () => pc.add_ice_candidate('0', 0, line));
  });
});

describe('close', () => {
  it('a second close() is recorded and changes nothing', () => {
    const pc = closedPeer();
    expectRefused('close.closed', pc, () => pc.close());
  });
});

describe('WebRTCDataChannel', () => {
  it.each([['a string', 'hello'], ['an Array', [1, 2]], ['null', null], ['an ArrayBuffer', new ArrayBuffer(2)]])(
    'put_packet refuses %s: ERR_INVALID_PARAMETER',
    async (_what, buffer) => {
      const { p1, ch1 } = await connectedPair();
      expectRefused('put_packet.bad-arguments', p1, () => ch1.put_packet(buffer as unknown as Uint8Array), ch1);
    },
  );

  it('put_packet is refused while connecting and after close', () => {
    const pc = peer();
    const channel = pc.create_data_channel('x')!;
    expectRefused('put_packet.not-open', pc, () => channel.put_packet(encode('early')), channel);
    channel.close();
    expectRefused('put_packet.not-open', pc, () => channel.put_packet(encode('late')), channel);
  });

  it('put_packet is refused after the connection closed', async () => {
    const { p1, ch1 } = await connectedPair();
    p1.close();
    expectRefused('put_packet.not-open', p1, () => ch1.put_packet(encode('late')), ch1);
  });

  it('put_packet refuses a packet over the negotiated size', async () => {
    const { p1, ch1 } = await connectedPair();
    expectRefused('put_packet.too-large', p1, () => ch1.put_packet(new Uint8Array(ch1.get_max_packet_size() + 1)), ch1);
  });

  it('put_packet past maxBufferedBytes: nothing is sent', async () => {
    const p1 = peer({ limits: { maxBufferedBytes: 512 * 1024 } });
    const p2 = peer();
    const ch1 = p1.create_data_channel('chat', { negotiated: true, id: 1 })!;
    const ch2 = p2.create_data_channel('chat', { negotiated: true, id: 1 })!;
    wire(p1, p2);
    p1.create_offer();
    await pollUntil([p1, p2], () => ch1.get_ready_state() === WebRTCDataChannel.STATE_OPEN && ch2.get_ready_state() === WebRTCDataChannel.STATE_OPEN);
    // One tick: the stack's thread drains the buffer while this loops (so a check of
    // get_buffered_amount() before a put can be stale), but 400 × 60 KiB outruns it: the first
    // put past the limit is the one refusal.
    let sent = 0;
    expectRefused(
      'put_packet.buffer-full',
      p1,
      () => {
        for (let i = 0; i < 400; i++) {
          const code = ch1.put_packet(new Uint8Array(60 * 1024).fill(1));
          if (code !== GodotError.OK) return code;
          sent++;
        }
        return GodotError.OK;
      },
      ch1,
    );
    expect(sent).toBeGreaterThan(0);
    expect(ch1.get_buffered_amount()).toBeGreaterThan(0);
    expect(ch1.get_stats().messages_sent).toBe(sent);
  });

  it('put_packet in TEXT mode refuses bytes that are not UTF-8', async () => {
    const { p1, ch1 } = await connectedPair();
    ch1.set_write_mode(WriteMode.WRITE_MODE_TEXT);
    expectRefused('put_packet.not-utf8', p1, () => ch1.put_packet(new Uint8Array([0xc3, 0x28])), ch1);
  });

  it('get_packet on an empty queue', async () => {
    const { p1, ch1 } = await connectedPair();
    const packet = expectRefused('get_packet.empty', p1, () => ch1.get_packet(), ch1);
    expect(packet).toEqual(new Uint8Array(0));
    expect(ch1.get_packet_error()).toBe(GodotError.ERR_UNAVAILABLE);
  });

  it('set_write_mode refuses a mode that does not exist', () => {
    const pc = peer();
    const channel = pc.create_data_channel('x')!;
    expectRefused('set_write_mode.bad-mode', pc, () => channel.set_write_mode(7 as WriteMode), channel);
    expect(channel.get_write_mode()).toBe(WriteMode.WRITE_MODE_BINARY);
  });

  it('a second close() is recorded and changes nothing', () => {
    const pc = peer();
    const channel = pc.create_data_channel('x')!;
    channel.close();
    expectRefused('channel.close.closed', pc, () => channel.close(), channel);
  });
});

describe('remote candidates and descriptions (limits)', () => {
  const host = (address: string, port = 40000, foundation = 1) => `candidate:${foundation} 1 UDP 2122260223 ${address} ${port} typ host`;

  it.each([
    ['127.1'], ['2130706433'], ['0x7f000001'], ['127.000.0.1'], ['0.0.0.0'], ['255.255.255.255'], ['224.0.0.251'], ['240.0.0.1'],
    ['169.254.169.254'], ['192.0.2.1'], ['::'], ['fe80::1'], ['ff02::1'], ['::ffff:169.254.169.254'], ['peer.local'],
  ])('refuses the address %s: ERR_INVALID_DATA', (address) => {
    const pc = peer();
    expectRefused('add_ice_candidate.refused-address', pc, () => pc.add_ice_candidate('0', 0, host(address)));
  });

  it.each([['0'], ['65536'], ['99999'], ['040000']])('refuses the port %s: ERR_INVALID_DATA', (port) => {
    const pc = peer();
    expectRefused('add_ice_candidate.refused-address', pc, () => pc.add_ice_candidate('0', 0, `candidate:1 1 UDP 2122260223 127.0.0.1 ${port} typ host`));
  });

  it('under candidateAddresses "public", refuses loopback, private and host names, and takes a public address', () => {
    const pc = new WebRTCPeerConnection({ limits: { candidateAddresses: 'public', maxHostnameCandidates: 8 } });
    try {
      for (const address of ['127.0.0.1', '::1', '10.0.0.1', '192.168.1.2', '100.64.0.1', 'fd00::1', 'peer.local']) {
        expectRefused('add_ice_candidate.refused-address', pc, () => pc.add_ice_candidate('0', 0, host(address)));
      }
      expect(pc.add_ice_candidate('0', 0, host('8.8.8.8'))).toBe(GodotError.OK);
    } finally {
      pc.close();
    }
  });

  it('takes host names up to maxHostnameCandidates', () => {
    const pc = new WebRTCPeerConnection({ limits: { maxHostnameCandidates: 1 } });
    try {
      expect(pc.add_ice_candidate('0', 0, host('a.local'))).toBe(GodotError.OK);
      expectRefused('add_ice_candidate.refused-address', pc, () => pc.add_ice_candidate('0', 0, host('b.local', 40001, 2)));
    } finally {
      pc.close();
    }
  });

  it('refuses the candidate past maxRemoteCandidates, held and applied together: ERR_BUSY', () => {
    const { offer } = offerAnswered();
    const pc = peer();
    for (let i = 0; i < 40; i++) expect(pc.add_ice_candidate('0', 0, host('127.0.0.1', 20000 + i, i))).toBe(GodotError.OK);
    expect(pc.set_remote_description('offer', offer)).toBe(GodotError.OK);
    for (let i = 40; i < 64; i++) expect(pc.add_ice_candidate('0', 0, host('127.0.0.1', 20000 + i, i))).toBe(GodotError.OK);
    expectRefused('add_ice_candidate.too-many', pc, () => pc.add_ice_candidate('0', 0, host('127.0.0.1', 30000, 99)));
  });

  it('refuses an SDP over maxSdpBytes in UTF-8 (not in UTF-16 units), or with more media sections than maxMediaSections', () => {
    const { offer } = offerAnswered();
    const pc = peer();
    const wide = `${offer}a=x:${'€'.repeat(100 * 1024)}\r\n`;
    expect(wide.length).toBeLessThan(256 * 1024);
    expectRefused('set_remote_description.too-large', pc, () => pc.set_remote_description('offer', wide));
    const audio = offer + 'm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:a\r\n'.repeat(2500);
    expect(Buffer.byteLength(audio)).toBeLessThan(256 * 1024);
    expectRefused('set_remote_description.too-large', pc, () => pc.set_remote_description('offer', audio));
  });

  it.each([
    ['no data section', (offer: string) => offer.replace('m=application', 'm=audio').replace('webrtc-datachannel', '0')],
    ['a rejected data section', (offer: string) => offer.replace(/m=application \d+/, 'm=application 0')],
    ['two data sections', (offer: string) => `${offer}m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:1\r\n`],
  ])('refuses an offer with %s: ERR_INVALID_DATA', (_what, change) => {
    const { offer } = offerAnswered();
    const pc = peer();
    expectRefused('set_remote_description.no-data-section', pc, () => pc.set_remote_description('offer', change(offer)));
  });
});

afterAll(() => {
  const missing = REFUSALS.map((row) => row.id).filter((id) => !proven.has(id));
  expect(missing, 'rows of the refusal table without a test').toEqual([]);
});
