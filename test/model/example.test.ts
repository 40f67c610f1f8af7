import { describe, expect, it } from 'vitest';
import { WebRTCPeerConnection } from 'webrtc-statecharts';
import { MACHINES, createScriptedStack, generatePaths } from 'webrtc-statecharts/testing';

/** Your code: a lobby that shows each player's link and counts the links that failed. */
class Lobby {
  readonly links = new Map<string, WebRTCPeerConnection>();
  readonly failures = new Map<string, number>();
  private last = new Map<string, number>();
  join(player: string): WebRTCPeerConnection {
    const pc = new WebRTCPeerConnection({ id: player });
    this.links.set(player, pc);
    return pc;
  }
  tick(): void {
    for (const [player, pc] of this.links) {
      pc.poll();
      const state = pc.get_connection_state();
      if (state === WebRTCPeerConnection.STATE_FAILED && this.last.get(player) !== state) {
        this.failures.set(player, (this.failures.get(player) ?? 0) + 1);
      }
      this.last.set(player, state);
    }
  }
  status(player: string): 'waiting' | 'online' | 'unstable' | 'gone' {
    const state = this.links.get(player)!.get_connection_state();
    if (state === WebRTCPeerConnection.STATE_CONNECTED) return 'online';
    if (state === WebRTCPeerConnection.STATE_DISCONNECTED) return 'unstable';
    if (state === WebRTCPeerConnection.STATE_CLOSED) return 'gone';
    return 'waiting';
  }
}

const expected = { new: 'waiting', connecting: 'waiting', connected: 'online', disconnected: 'unstable', failed: 'waiting', closed: 'gone' };

describe('the lobby, on every path through the connection machine', () => {
  const stack = createScriptedStack();
  /** The remote sends one packet more than a channel may queue unread: the connection closes for that limit. */
  const floodPast = (maxQueuedPackets: number) => {
    const channel = stack.latest().receiveChannel('flood');
    for (let i = 0; i <= maxQueuedPackets; i++) channel.receive('x');
  };
  for (const path of generatePaths(MACHINES.connection)) {
    it(path.description, () => {
      WebRTCPeerConnection.set_default_extension(stack.factory);
      const lobby = new Lobby();
      const pc = lobby.join('ada');
      let failures = 0;
      for (const step of path.steps) {
        if (step.event.type === 'stack.connection_state') stack.latest().connectionState(step.event.state);
        else if (step.event.type === 'close') pc.close();
        else if (step.event.type === 'limit_exceeded') floodPast(pc.limits.maxQueuedPackets);
        else if (step.event.type === 'timed_out') pc.failForTimeout(step.event.timeout, 'the lobby test: a timeout');
        else pc.initialize();
        lobby.tick();
        if (step.to === 'failed' && step.from !== 'failed') failures++;
        expect(lobby.status('ada')).toBe(expected[step.to as keyof typeof expected]);
        expect(lobby.failures.get('ada') ?? 0).toBe(failures);
      }
      pc.close();
    });
  }
});
