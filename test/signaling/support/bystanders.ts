/**
 * The lobbies that must not notice hostile sockets: a 4.x mesh (a host and two members) and a
 * 3.x lobby (a host and two members), set up once per server. `check()` proves they are
 * untouched: every socket open, a round of relays between them arrives verbatim, and no one got
 * any frame but the relay meant for them since the last check.
 */
import { expect } from 'vitest';
import { everyone, makeLobby, relayFrame, type JoinedLobby } from './lobbies.js';

export class Bystanders {
  private round = 0;

  private constructor(readonly lobbies: JoinedLobby[]) {}

  static async join(url: string): Promise<Bystanders> {
    const mesh4 = await makeLobby(url, 4, 2, { label: 'bystander4' });
    const text3 = await makeLobby(url, 3, 2, { label: 'bystander3' });
    return new Bystanders([mesh4, text3]);
  }

  get names(): string[] {
    return this.lobbies.map((lobby) => lobby.name);
  }

  get socketCount(): number {
    return this.lobbies.reduce((sum, lobby) => sum + everyone(lobby).length, 0);
  }

  /** Relays host ← m0, m1 ← host, m0 ← m1 in each lobby, and checks each got exactly its one frame. */
  async check(timeoutMs = 10_000): Promise<void> {
    const round = ++this.round;
    for (const lobby of this.lobbies) {
      for (const member of everyone(lobby)) {
        expect(member.probe.closeInfo, `${member.probe.label} closed`).toBeNull();
        expect(member.probe.takeNew(), `${member.probe.label} got frames meant for no one`).toEqual([]);
      }
    }
    const expected: Array<{ lobby: JoinedLobby; to: number; frame: string }> = [];
    for (const lobby of this.lobbies) {
      const [m0, m1] = lobby.members as [JoinedLobby['host'], JoinedLobby['host']];
      const { protocol } = lobby;
      const offer = `v=0\r\no=- ${round} 2 IN IP4 127.0.0.1\r\ns=bystander ${lobby.name}\r\n`;
      const candidate = `\n0\n0\ncandidate:${round} 1 UDP 2122317823 127.0.0.1 5${round % 10000} typ host`;
      const sends: Array<[from: JoinedLobby['host'], to: JoinedLobby['host'], type: 4 | 5 | 6, data: string]> = [
        [m0, lobby.host, 4, offer],
        [lobby.host, m1, 5, `answer ${round}`],
        [m1, m0, 6, candidate],
      ];
      for (const [from, to, type, data] of sends) {
        from.probe.send(relayFrame(protocol, type, to.id, data));
        expected.push({ lobby, to: everyone(lobby).indexOf(to), frame: relayFrame(protocol, type, from.id, data) });
      }
    }
    for (const { lobby, to, frame } of expected) {
      const member = everyone(lobby)[to]!;
      await member.probe.waitNew(1, timeoutMs);
      expect(member.probe.takeNew(), `${member.probe.label}, round ${round}`).toEqual([{ text: frame, binary: false }]);
    }
  }

  /** Every bystander socket still open. */
  allOpen(): boolean {
    return this.lobbies.every((lobby) => everyone(lobby).every((member) => member.probe.isOpen));
  }
}
