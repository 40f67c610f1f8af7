/**
 * The Godot docs' minimal WebRTC example, in one process: two connections, a negotiated "chat"
 * channel (id 1) on each, one UTF-8 message each way. Prints every state change of every
 * machine as a timeline, the signals as poll() emits them, and the messages. Exits 0.
 */
import {
  WebRTCDataChannel,
  WebRTCPeerConnection,
  createNodeDataChannelExtension,
  observeRecords,
  type ConnectionRecord,
} from '../src/index.js';

// Both peers live in this process: gather candidates on loopback only.
WebRTCPeerConnection.set_default_extension(createNodeDataChannelExtension({ bindAddress: '127.0.0.1' }));

const started = performance.now();
const stamp = (monotonic = performance.now()) => `+${(monotonic - started).toFixed(1).padStart(7)} ms`;
const print = (line: string) => console.log(line);

const names = new Map<string, string>();
observeRecords((record: ConnectionRecord) => {
  const who = (names.get(record.connection) ?? record.connection).padEnd(3);
  if (record.kind === 'transition' && record.from !== record.to) {
    const machine = (record.channel ? `channel ${record.channel}` : record.machine).padEnd(16);
    print(`${stamp(record.monotonic)}  ${who} ${machine} ${record.from} → ${record.to}   (${record.event})`);
  } else if (record.kind !== 'transition') {
    print(`${stamp(record.monotonic)}  ${who} ${record.kind}: ${'reason' in record ? record.reason : ''}`);
  }
});

const p1 = new WebRTCPeerConnection();
const p2 = new WebRTCPeerConnection();
names.set(p1.id, 'p1');
names.set(p2.id, 'p2');

const ch1 = p1.create_data_channel('chat', { id: 1, negotiated: true })!;
const ch2 = p2.create_data_channel('chat', { id: 1, negotiated: true })!;

// Connect p1 and p2 as the docs do: each one's signals to its own set_local_description and to the other's methods.
p1.session_description_created.connect((type, sdp) => p1.set_local_description(type, sdp));
p1.session_description_created.connect((type, sdp) => p2.set_remote_description(type, sdp));
p1.ice_candidate_created.connect((media, index, name) => p2.add_ice_candidate(media, index, name));
p2.session_description_created.connect((type, sdp) => p2.set_local_description(type, sdp));
p2.session_description_created.connect((type, sdp) => p1.set_remote_description(type, sdp));
p2.ice_candidate_created.connect((media, index, name) => p1.add_ice_candidate(media, index, name));
for (const [name, pc] of [['p1', p1], ['p2', p2]] as const) {
  pc.session_description_created.connect((type, sdp) => print(`${stamp()}  ${name}  signal session_description_created("${type}", ${sdp.length} bytes of SDP)`));
  pc.ice_candidate_created.connect((media, index, candidate) => print(`${stamp()}  ${name}  signal ice_candidate_created("${media}", ${index}, "${candidate}")`));
}

print('webrtc-statecharts: the Godot docs\' minimal example (two peers, one process, loopback)\n');
p1.create_offer();

let sent = false;
const received: string[] = [];
const decoder = new TextDecoder();
const frame = setInterval(() => {
  p1.poll();
  p2.poll();
  if (!sent && ch1.get_ready_state() === WebRTCDataChannel.STATE_OPEN && ch2.get_ready_state() === WebRTCDataChannel.STATE_OPEN) {
    ch1.put_packet(new TextEncoder().encode('Hi from P1'));
    ch2.put_packet(new TextEncoder().encode('Hi from P2'));
    print(`${stamp()}  p1  put_packet("Hi from P1")`);
    print(`${stamp()}  p2  put_packet("Hi from P2")`);
    sent = true;
  }
  for (const [name, channel] of [['P1', ch1], ['P2', ch2]] as const) {
    while (channel.get_available_packet_count() > 0) {
      const message = decoder.decode(channel.get_packet());
      received.push(message);
      print(`${stamp()}  ${name} received: ${message}`);
    }
  }
  if (received.length === 2) {
    clearInterval(frame);
    clearTimeout(giveUp);
    p1.close();
    p2.close();
    print(`\ndone: both messages crossed; both connections closed (${stamp().trim()}).`);
  }
}, 5);

const giveUp = setTimeout(() => {
  clearInterval(frame);
  console.error('the peers did not exchange their messages within 10 s');
  p1.close();
  p2.close();
  process.exitCode = 1;
}, 10_000);
