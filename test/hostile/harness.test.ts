import { describe, expect, it } from 'vitest';
import { WebRTCDataChannel, WebRTCPeerConnection } from '../../src/index.js';
import '../support/loopback.js';
import { HostileRemote, until } from './support/remote.js';
import { useLibraryEnds } from './support/ends.js';

const ends = useLibraryEnds();

describe('the hostile-remote harness', () => {
  it('connects an honest raw node-datachannel remote in a child process, and bytes cross both ways', async () => {
    const end = ends.open(HostileRemote.start('honest'));
    let channel: WebRTCDataChannel | null = null;
    end.pc.data_channel_received.connect((received) => (channel = received));
    // A child's start (tsx compiling the fixture) took up to 14 s on 2 loaded cores (measured): the wait allows for it.
    await until(() => channel?.get_ready_state() === WebRTCDataChannel.STATE_OPEN, 25_000, () => `the remote channel open (the remote sent: ${end.remote.messages.map((m) => m.type).join(', ') || 'nothing'}; states ${JSON.stringify(end.pc.get_machine_states())})`);
    expect(end.pc.get_connection_state()).toBe(WebRTCPeerConnection.STATE_CONNECTED);
    channel!.set_write_mode(WebRTCDataChannel.WRITE_MODE_TEXT);
    channel!.put_packet(new TextEncoder().encode('ping'));
    await until(() => channel!.get_available_packet_count() > 0, 5000, 'the echo');
    expect(new TextDecoder().decode(channel!.get_packet())).toBe('echo:ping');
  }, 40_000);
});
