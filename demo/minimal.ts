/**
 * The Godot docs' minimal WebRTC example, in one process: two connections, a negotiated "chat"
 * channel (id 1) on each, one UTF-8 message each way. Prints every state change of every
 * machine as a timeline, the signals as poll() emits them, and the messages. Exits 0.
 *
 *   npm run example                    the example, with the local inspector up while it runs
 *   npm run example -- --audit FILE    also appends every record to FILE (JSON Lines);
 *                                      `npx webrtc-statecharts audit FILE` verifies it
 *   npm run example -- --inspect       waits for the inspector page to open, runs the example
 *                                      while you watch, keeps the peers connected until Ctrl-C
 *   --port N   the inspector's port (default: a free one)   --token   require a random token
 */
import { parseArgs } from 'node:util';
import {
  WebRTCDataChannel,
  WebRTCPeerConnection,
  createNodeDataChannelExtension,
  observeRecords,
  type ConnectionRecord,
} from '../src/index.js';
import { startAudit } from '../src/audit/index.js';
import { randomToken, startInspector } from '../src/inspector/index.js';

const { values: flags } = parseArgs({
  options: {
    audit: { type: 'string' },
    inspect: { type: 'boolean', default: false },
    port: { type: 'string', default: '0' },
    token: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  console.log('usage: npm run example -- [--audit FILE] [--inspect] [--port N] [--token]');
  process.exit(0);
}

// Both peers live in this process: gather candidates on loopback only.
WebRTCPeerConnection.set_default_extension(createNodeDataChannelExtension({ bindAddress: '127.0.0.1' }));

const started = performance.now();
const stamp = (monotonic = performance.now()) => `+${(monotonic - started).toFixed(1).padStart(7)} ms`;
const print = (line: string) => console.log(line);

// The audit trail starts before the first connection, so that it holds every record of each.
const audit = flags.audit === undefined ? null : startAudit({ file: flags.audit });
let written = 0;
const countWritten = observeRecords(() => written++);

const inspector = await startInspector({ port: Number(flags.port), ...(flags.token ? { token: randomToken() } : {}) });
print(`inspector: ${inspector.url}`);
if (flags.inspect) {
  print('open it in a browser: the peers start when the page is open; Ctrl-C stops the demo\n');
} else {
  print('(up while the demo runs; `npm run example -- --inspect` keeps it open)\n');
}

let p1: WebRTCPeerConnection | null = null;
let p2: WebRTCPeerConnection | null = null;
let finished = false;

/** Closes whatever is open, closes the trail and the inspector; the process then exits by itself. */
async function finish(): Promise<void> {
  if (finished) return;
  finished = true;
  for (const pc of [p1, p2]) if (pc && pc.get_connection_state() !== WebRTCPeerConnection.STATE_CLOSED) pc.close();
  // The stack reports its channels closed a tick after close(): stop() waits for those records.
  await audit?.stop();
  countWritten();
  await inspector.close();
  if (flags.audit !== undefined) {
    print(`audit: ${written} records appended to ${flags.audit}; verify them with: npx webrtc-statecharts audit ${flags.audit}`);
  }
}
let interrupted: () => void = () => {};
const interruption = new Promise<void>((resolve) => (interrupted = resolve));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted();
    print(`\n${signal}: closing the peers`);
    clearInterval(frame);
    clearInterval(keepPolling);
    clearTimeout(giveUp);
    void finish();
  });
}

let frame: NodeJS.Timeout | undefined;
let keepPolling: NodeJS.Timeout | undefined;
let giveUp: NodeJS.Timeout | undefined;

if (flags.inspect) await Promise.race([inspector.whenViewed(), interruption]);
if (!finished) run();

function run(): void {
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

  const a = (p1 = new WebRTCPeerConnection());
  const b = (p2 = new WebRTCPeerConnection());
  names.set(a.id, 'p1');
  names.set(b.id, 'p2');

  const ch1 = a.create_data_channel('chat', { id: 1, negotiated: true })!;
  const ch2 = b.create_data_channel('chat', { id: 1, negotiated: true })!;

  // Connect p1 and p2 as the docs do: each one's signals to its own set_local_description and to the other's methods.
  a.session_description_created.connect((type, sdp) => a.set_local_description(type, sdp));
  a.session_description_created.connect((type, sdp) => b.set_remote_description(type, sdp));
  a.ice_candidate_created.connect((media, index, name) => b.add_ice_candidate(media, index, name));
  b.session_description_created.connect((type, sdp) => b.set_local_description(type, sdp));
  b.session_description_created.connect((type, sdp) => a.set_remote_description(type, sdp));
  b.ice_candidate_created.connect((media, index, name) => a.add_ice_candidate(media, index, name));
  for (const [name, pc] of [['p1', a], ['p2', b]] as const) {
    pc.session_description_created.connect((type, sdp) => print(`${stamp()}  ${name}  signal session_description_created("${type}", ${sdp.length} bytes of SDP)`));
    pc.ice_candidate_created.connect((media, index, candidate) => print(`${stamp()}  ${name}  signal ice_candidate_created("${media}", ${index}, "${candidate}")`));
  }

  print('webrtc-statecharts: the Godot docs\' minimal example (two peers, one process, loopback)\n');
  a.create_offer();

  let sent = false;
  const received: string[] = [];
  const decoder = new TextDecoder();
  frame = setInterval(() => {
    a.poll();
    b.poll();
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
      if (flags.inspect) {
        print(`\nboth messages crossed (${stamp().trim()}); the peers stay connected and the inspector up until Ctrl-C.`);
        keepPolling = setInterval(() => {
          a.poll();
          b.poll();
        }, 50);
        return;
      }
      a.close();
      b.close();
      print(`\ndone: both messages crossed; both connections closed (${stamp().trim()}).`);
      void finish();
    }
  }, 5);

  giveUp = setTimeout(() => {
    clearInterval(frame);
    console.error('the peers did not exchange their messages within 10 s');
    process.exitCode = 1;
    void finish();
  }, 10_000);
}
