import { GodotError } from './godot/constants.js';

/**
 * Every refusal of the Godot API: which call, when, which code. The README's table is printed
 * from this list (`npm run docs`), and `test/refusals.test.ts` proves each row on real
 * connections and fails if a row has no test.
 *
 * Codes, one meaning each: ERR_INVALID_PARAMETER, an argument of the wrong type or out of range;
 * ERR_INVALID_DATA, SDP, a candidate or text that does not parse or that the remote may not send
 * (an address the policy refuses); ERR_UNAVAILABLE, the call is not allowed in the current state
 * (the state family); ERR_BUSY, a budget of the connection is full; ERR_ALREADY_EXISTS, a
 * negotiated id taken; ERR_UNCONFIGURED, there is no stack to call.
 */
export interface RefusalRow {
  id: string;
  method: string;
  when: string;
  code: GodotError;
  returns?: string;
}

export const REFUSALS: readonly RefusalRow[] = [
  { id: 'initialize.bad-config', method: 'initialize', when: 'configuration is not a Dictionary, `iceServers` not an Array, an entry not a Dictionary or without `urls`, a URL not `stun:`/`stuns:`/`turn:`/`turns:`, `username`/`credential` not a String, a TURN server without both (the old connection is left untouched)', code: GodotError.ERR_INVALID_PARAMETER },
  { id: 'initialize.no-extension', method: 'initialize', when: 'the default extension names no registered stack', code: GodotError.ERR_UNCONFIGURED },
  { id: 'any.no-stack', method: 'any method but `initialize`, `poll` and the getters', when: 'the last `initialize` failed, so there is no stack connection', code: GodotError.ERR_UNCONFIGURED },
  { id: 'create_data_channel.bad-arguments', method: 'create_data_channel', when: 'label not a String; options not a Dictionary; an unknown option; an option of the wrong type; `id` outside 0–1023; `negotiated` without `id` or `id` without `negotiated`; both `maxRetransmits` and `maxPacketLifeTime`', code: GodotError.ERR_INVALID_PARAMETER, returns: 'null' },
  { id: 'create_data_channel.after-negotiation', method: 'create_data_channel', when: 'not STATE_NEW: after `create_offer` or `set_remote_description`', code: GodotError.ERR_UNAVAILABLE, returns: 'null' },
  { id: 'create_data_channel.closed', method: 'create_data_channel', when: 'after `close()`', code: GodotError.ERR_UNAVAILABLE, returns: 'null' },
  { id: 'create_data_channel.id-taken', method: 'create_data_channel', when: 'a negotiated channel with this `id` already exists on the connection, or existed: a closed one keeps its id (libdatachannel keeps its stream until the remote resets it, and a new channel on it never opens)', code: GodotError.ERR_ALREADY_EXISTS, returns: 'null' },
  { id: 'create_offer.no-channel', method: 'create_offer', when: 'no data channel was created', code: GodotError.ERR_UNAVAILABLE },
  { id: 'create_offer.twice', method: 'create_offer', when: 'an offer was already created or received (not STATE_NEW)', code: GodotError.ERR_UNAVAILABLE },
  { id: 'create_offer.closed', method: 'create_offer', when: 'after `close()`', code: GodotError.ERR_UNAVAILABLE },
  { id: 'set_local_description.bad-arguments', method: 'set_local_description', when: 'type not `offer`, `answer`, `pranswer` or `rollback`; sdp not a String', code: GodotError.ERR_INVALID_PARAMETER },
  { id: 'set_local_description.not-generated', method: 'set_local_description', when: 'the stack generated no description of a fitting type (e.g. `"offer"` before `create_offer`, `"answer"` on the offerer), or the signaling state does not take it', code: GodotError.ERR_UNAVAILABLE },
  { id: 'set_local_description.modified', method: 'set_local_description', when: 'sdp is not the description the stack generated (local descriptions cannot be modified)', code: GodotError.ERR_INVALID_PARAMETER },
  { id: 'set_local_description.rollback-answered', method: 'set_local_description', when: '`"rollback"` in have-remote-offer (the stack has already applied its answer)', code: GodotError.ERR_UNAVAILABLE },
  { id: 'set_local_description.closed', method: 'set_local_description', when: 'after `close()`', code: GodotError.ERR_UNAVAILABLE },
  { id: 'set_remote_description.bad-arguments', method: 'set_remote_description', when: 'type not `offer`, `answer`, `pranswer` or `rollback`; sdp not a String', code: GodotError.ERR_INVALID_PARAMETER },
  { id: 'set_remote_description.bad-sdp', method: 'set_remote_description', when: 'the SDP does not parse (not `v=0` first, no `o=`/`s=`/`m=` line, a line not `x=value`, a NUL) or the stack rejects it (no ICE credentials, no fingerprint)', code: GodotError.ERR_INVALID_DATA },
  { id: 'set_remote_description.too-large', method: 'set_remote_description', when: 'the SDP is over `maxSdpBytes` (256 KiB) in UTF-8, or has more than `maxMediaSections` (16) media sections', code: GodotError.ERR_INVALID_DATA },
  { id: 'set_remote_description.no-data-section', method: 'set_remote_description', when: 'an offer or answer (a renegotiation too) has no `m=application` section, more than one, or rejects it (port 0): this library\'s connections carry data channels only. Its `a=candidate:` lines are not refused but screened as `add_ice_candidate` screens one: a refused line is removed before the stack sees it, with one record for all', code: GodotError.ERR_INVALID_DATA },
  { id: 'set_remote_description.wrong-state', method: 'set_remote_description', when: 'the signaling state does not take the type: `answer`, `pranswer` or `rollback` in stable; anything but `offer` in have-remote-offer (a rollback included: the stack has already answered); anything in have-local-pranswer; `offer` or `rollback` in have-remote-pranswer', code: GodotError.ERR_UNAVAILABLE },
  { id: 'set_remote_description.closed', method: 'set_remote_description', when: 'after `close()`', code: GodotError.ERR_UNAVAILABLE },
  { id: 'add_ice_candidate.bad-arguments', method: 'add_ice_candidate', when: 'media not a String (or over 256 characters), index not an int, name not a String', code: GodotError.ERR_INVALID_PARAMETER },
  { id: 'add_ice_candidate.bad-candidate', method: 'add_ice_candidate', when: 'name is not an ICE candidate line (with or without `a=` and `candidate:`) nor an end of candidates: a browser\'s `""`, `end-of-candidates` and `a=end-of-candidates` are taken (`OK`) and change nothing', code: GodotError.ERR_INVALID_DATA },
  { id: 'add_ice_candidate.refused-address', method: 'add_ice_candidate', when: 'the address or port is not taken: IPv4 not in canonical dotted-quad form (`127.1`, `2130706433`, `0x7f000001`, leading zeros); port 0, over 65535 or not canonical; an unspecified, broadcast, reserved, multicast, link-local (169.254.169.254 included) or documentation address (IPv4-mapped IPv6 as its IPv4); with `candidateAddresses: \'public\'` also loopback, private, shared (100.64/10), unique-local, 192.0.0.0/24 and benchmarking (198.18/15) ones, and every host name; a host name past `maxHostnameCandidates` (default 0: every host name)', code: GodotError.ERR_INVALID_DATA },
  { id: 'add_ice_candidate.too-many', method: 'add_ice_candidate', when: 'the connection has taken `maxRemoteCandidates` (64) remote candidates since its last `initialize`: held, applied and listed in remote descriptions', code: GodotError.ERR_BUSY },
  { id: 'add_ice_candidate.unknown-mid', method: 'add_ice_candidate', when: 'the remote description has no media section with this mid (for a held candidate: recorded when it is applied)', code: GodotError.ERR_INVALID_DATA },
  { id: 'add_ice_candidate.closed', method: 'add_ice_candidate', when: 'after `close()`', code: GodotError.ERR_UNAVAILABLE },
  { id: 'close.closed', method: 'close', when: 'already closed (returns nothing; recorded)', code: GodotError.ERR_UNAVAILABLE },
  { id: 'put_packet.bad-arguments', method: 'WebRTCDataChannel.put_packet', when: 'buffer is not a Uint8Array', code: GodotError.ERR_INVALID_PARAMETER },
  { id: 'put_packet.not-open', method: 'WebRTCDataChannel.put_packet', when: 'the channel is connecting, closing or closed', code: GodotError.ERR_UNAVAILABLE },
  { id: 'put_packet.too-large', method: 'WebRTCDataChannel.put_packet', when: 'more bytes than the remote end accepts (`get_max_packet_size()`: its max-message-size, 65536 when it says none)', code: GodotError.ERR_INVALID_PARAMETER },
  { id: 'put_packet.buffer-full', method: 'WebRTCDataChannel.put_packet', when: 'the stack buffers so much for sending that this packet would take it past `maxBufferedBytes` (16 MiB): nothing is sent; wait for `buffered_amount_low` or `await drained()`', code: GodotError.ERR_BUSY },
  { id: 'put_packet.not-utf8', method: 'WebRTCDataChannel.put_packet', when: 'WRITE_MODE_TEXT and the bytes are not UTF-8', code: GodotError.ERR_INVALID_DATA },
  { id: 'get_packet.empty', method: 'WebRTCDataChannel.get_packet', when: 'no packet is queued (returns an empty packet; `get_packet_error()` gives the code)', code: GodotError.ERR_UNAVAILABLE },
  { id: 'set_write_mode.bad-mode', method: 'WebRTCDataChannel.set_write_mode', when: 'mode is not WRITE_MODE_TEXT or WRITE_MODE_BINARY (returns nothing; recorded)', code: GodotError.ERR_INVALID_PARAMETER },
  { id: 'channel.close.closed', method: 'WebRTCDataChannel.close', when: 'already closing or closed (returns nothing; recorded)', code: GodotError.ERR_UNAVAILABLE },
];
