/**
 * What remote-chosen text costs the records: `node --import tsx bench/hostile-records.ts [KIB]`
 * - one redaction of KIB (default 64) KiB of the old URL pattern's worst case, by the pattern this
 *   library used before (the reference, measured in the same run) and by the redactor now;
 * - the longest event-loop stall while a raw node-datachannel remote in a child process opens ten
 *   in-band channels with 64 KiB labels of that text (the label cap lifted, so that only the
 *   records stand between the label and the event loop) and the library reads an empty packet
 *   from each (a refusal that names the channel).
 * Prints one JSON line.
 */
import { redactText } from '../src/records/redact.js';
import { WebRTCDataChannel, WebRTCPeerConnection, createNodeDataChannelExtension } from '../src/index.js';
import { HostileRemote, LibraryEnd, longestStall, until } from '../test/hostile/support/remote.js';

const kib = Number(process.argv[2] ?? 64);
const worst = ('@' + 'ws:'.repeat(Math.ceil((kib * 1024) / 3))).slice(0, kib * 1024);
const OLD_URL_PATTERN = /\b((?:turns?|stuns?|https?|wss?):(?:\/\/)?)[^@\s/"']+@/gi;

const time = (body: () => void) => {
  const started = performance.now();
  body();
  return performance.now() - started;
};
const oldMs = time(() => worst.replace(OLD_URL_PATTERN, '$1[redacted]@'));
const newMs = time(() => redactText(worst));

WebRTCPeerConnection.set_default_extension(createNodeDataChannelExtension({ name: 'bench', bindAddress: '127.0.0.1' }));
const end = new LibraryEnd(HostileRemote.start('long-labels', ['10', '65000']), { limits: { maxRemoteLabelBytes: 65_536 } });
const received: WebRTCDataChannel[] = [];
end.pc.data_channel_received.connect((channel) => received.push(channel));
const { stallMs } = await longestStall(async () => {
  await until(() => received.length === 10 && received.every((c) => c.get_ready_state() === WebRTCDataChannel.STATE_OPEN), 60_000, 'ten open channels');
  for (const channel of received) channel.get_packet();
});
const longestRecord = Math.max(...end.pc.get_records().map((record) => JSON.stringify(record).length));
end.stop();
end.remote.stop();
console.log(JSON.stringify({ kib, redactOldMs: +oldMs.toFixed(1), redactNewMs: +newMs.toFixed(2), ratio: +(oldMs / newMs).toFixed(0), tenLabelsStallMs: stallMs, longestRecordChars: longestRecord }));
