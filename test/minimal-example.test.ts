import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChannelState, ConnectionState, GatheringState, SignalingState, WebRTCPeerConnection } from '../src/index.js';
import { decode, encode, peer, pollUntil, problems, stackOrderExtension, wire, withExtension } from './support/loopback.js';

describe("the docs' minimal example", () => {
  it('connects two peers over a negotiated "chat" channel and each reads the other\'s UTF-8 message', async () => {
    const p1 = peer();
    const p2 = peer();
    const ch1 = p1.create_data_channel('chat', { id: 1, negotiated: true })!;
    const ch2 = p2.create_data_channel('chat', { id: 1, negotiated: true })!;
    expect(ch1).not.toBeNull();
    expect(ch2).not.toBeNull();
    wire(p1, p2);
    expect(p1.create_offer()).toBe(0);

    const received: Record<string, string> = {};
    let sent = false;
    await pollUntil([p1, p2], () => {
      if (!sent && ch1.get_ready_state() === ChannelState.STATE_OPEN && ch2.get_ready_state() === ChannelState.STATE_OPEN) {
        expect(ch1.put_packet(encode('Hi from P1 ✓'))).toBe(0);
        expect(ch2.put_packet(encode('Hi from P2 ✓'))).toBe(0);
        sent = true;
      }
      if (ch1.get_available_packet_count() > 0) received.p1 = decode(ch1.get_packet());
      if (ch2.get_available_packet_count() > 0) received.p2 = decode(ch2.get_packet());
      return received.p1 !== undefined && received.p2 !== undefined;
    });

    expect(received).toEqual({ p1: 'Hi from P2 ✓', p2: 'Hi from P1 ✓' });
    for (const pc of [p1, p2]) {
      expect(pc.get_connection_state()).toBe(ConnectionState.STATE_CONNECTED);
      expect(pc.get_signaling_state()).toBe(SignalingState.SIGNALING_STATE_STABLE);
      expect(pc.get_gathering_state()).toBe(GatheringState.GATHERING_STATE_COMPLETE);
    }
    expect(problems(p1)).toEqual([]);
    expect(problems(p2)).toEqual([]);
  });

  // In libdatachannel's own order an offerer's candidates follow its offer at once, as in Godot;
  // under the default setup order they wait for the answer (see test/setup-order.test.ts).
  it('emits nothing until poll(), then the signals in the order the stack reported them', () => withExtension(stackOrderExtension, async () => {
    const p1 = peer();
    p1.create_data_channel('chat', { id: 1, negotiated: true });
    const seen: string[] = [];
    p1.session_description_created.connect((type, sdp) => {
      // As Godot sends it: every candidate travels once, through ice_candidate_created.
      expect(sdp).not.toMatch(/a=candidate:|a=end-of-candidates/);
      seen.push(`description:${type}`);
    });
    p1.ice_candidate_created.connect((media, index, name) => {
      expect(media).toBe('0');
      expect(index).toBe(0);
      expect(name.startsWith('candidate:')).toBe(true);
      seen.push('candidate');
    });
    p1.create_offer();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen).toEqual([]);
    expect(p1.get_gathering_state()).toBe(WebRTCPeerConnection.GATHERING_STATE_COMPLETE);
    p1.poll();
    expect(seen[0]).toBe('description:offer');
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.slice(1).every((s) => s === 'candidate')).toBe(true);
  }));

  it("README's first example (## Use), run as written, prints both messages and exits by itself", () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const example = /## Use\n\n```ts\n([\s\S]*?)\n```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    // The one change: the package name becomes this checkout's source.
    const source = example!.replace("from 'webrtc-statecharts'", `from ${JSON.stringify(new URL('../src/index.ts', import.meta.url).pathname)}`);
    // Outside the project: tsc type-checks every file under test/.
    const file = join(mkdtempSync(join(tmpdir(), 'readme-use-')), 'example.ts');
    writeFileSync(file, source);
    const run = spawnSync('npx', ['--no-install', 'tsx', file], { encoding: 'utf8', timeout: 15_000 });
    expect(run.error, 'it exits within 15 s').toBeUndefined();
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('Hi from P1');
    expect(run.stdout).toContain('Hi from P2');
    expect(run.stdout).toContain("codeName: 'ERR_UNAVAILABLE'");
  }, 30_000);
});
