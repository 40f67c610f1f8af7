import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GodotError, WebRTCDataChannel } from '../../src/index.js';
import { SignalingClient, type SignalingServer } from '../../src/signaling/index.js';
import { until } from '../hostile/support/remote.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const recipe = /<!-- signaling-recipe:start -->([\s\S]*?)<!-- signaling-recipe:end -->/.exec(readme)![1]!;
const block = /```ts\n([\s\S]*?)\n```/.exec(recipe)![1]!;

type HostLobby = (port?: number) => Promise<{ server: SignalingServer; host: SignalingClient } | GodotError>;

const stops: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
  vi.restoreAllMocks();
});

/** The README's block, outside the project (tsc checks every file under test/), its imports pointed at this checkout's source. */
async function loadRecipe(): Promise<HostLobby> {
  const file = join(mkdtempSync(join(tmpdir(), 'signaling-recipe-')), 'host.ts');
  const source = (path: string) => JSON.stringify(new URL(path, import.meta.url).pathname);
  writeFileSync(
    file,
    block.replace("from 'webrtc-statecharts/signaling'", `from ${source('../../src/signaling/index.ts')}`).replace("from 'webrtc-statecharts'", `from ${source('../../src/index.ts')}`),
  );
  return ((await import(file)) as { hostLobby: HostLobby }).hostLobby;
}

describe("README's signaling recipe", () => {
  it('hosts a mesh lobby: two members (standing in for games) join it, are welcomed on chat, and are heard', { timeout: 60_000 }, async () => {
    const logged: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logged.push(args.join(' ')));
    const hostLobby = await loadRecipe();
    const hosted = await hostLobby(0);
    expect(typeof hosted).toBe('object');
    const { server, host } = hosted as Exclude<typeof hosted, GodotError>;
    stops.push(() => server.close(), () => host.close());
    expect(logged).toContain(`games join lobby ${host.lobby} at ${server.url}`);

    const heard: string[] = [];
    const members = [0, 1].map(() => new SignalingClient({ url: server.url, lobby: host.lobby! }));
    for (const member of members) {
      stops.push(() => member.close());
      member.on('peer_added', (id, pc) => {
        const chat = pc.create_data_channel('chat', { negotiated: true, id: 1 })!;
        void (async () => {
          if ((await chat.opened({ timeout: 20_000 })) !== GodotError.OK) return;
          chat.set_write_mode(WebRTCDataChannel.WRITE_MODE_TEXT);
          chat.put_packet(new TextEncoder().encode(`hello from ${member.id}`));
          for await (const packet of chat.packets()) heard.push(`${member.id} got ${new TextDecoder().decode(packet)} from ${id}`);
        })();
      });
      expect(await member.join()).toBe(GodotError.OK);
    }
    const [a, b] = members.map((m) => m.id!);
    await until(
      () => [a, b].every((id) => heard.includes(`${id} got welcome, ${id} from 1`)) && [a, b].every((id) => logged.includes(`${id}: hello from ${id}`)),
      30_000,
      () => `welcomes and hellos; heard ${JSON.stringify(heard)}, logged ${JSON.stringify(logged)}`,
    );
    members[0]!.close();
    await until(() => logged.includes(`${a} left`), 10_000, () => `the host told of ${a} leaving; logged ${JSON.stringify(logged)}`);
  });

  it('a taken port is the code, not a throw', { timeout: 30_000 }, async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const hostLobby = await loadRecipe();
    const first = await hostLobby(0);
    const { server, host } = first as Exclude<typeof first, GodotError>;
    stops.push(() => server.close(), () => host.close());
    expect(await hostLobby(server.port)).toBe(GodotError.ERR_ALREADY_IN_USE);
  });
});
