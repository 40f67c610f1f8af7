/**
 * One test file's scene for the real-Godot multiplayer tests: our SignalingServer, Node game peers
 * (mp-node.ts) and Godot engines (mp-project) in one 3.x lobby, set up once per file. A setup is
 * tried again (on a new server, with new peers and engines) only when an engine showed the
 * plugin's known DTLS fault (KNOWN_FAULT in godot.ts, about 1 setup in 40); any other failure
 * fails at once.
 */
import { verifyTrail } from '../../../src/audit/verify.js';
import { GodotError } from '../../../src/godot/constants.js';
import type { ConnectionRecord } from '../../../src/records/record.js';
import { observeRecords } from '../../../src/records/recorder.js';
import { SignalingServer } from '../../../src/signaling/server.js';
import type { GodotProcess } from './godot.js';
import { type MpGodotOptions, type useFileGodots } from './mp-godot.js';
import { MpNode } from './mp-node.js';

export class MpScene {
  readonly nodes: MpNode[] = [];
  readonly engines: GodotProcess[] = [];
  /** Every record made while the scene was open (the trail of its machines). */
  readonly records: ConnectionRecord[] = [];
  private readonly stopObserving: () => void;

  constructor(
    readonly server: SignalingServer,
    private readonly godots: ReturnType<typeof useFileGodots>,
  ) {
    this.stopObserving = observeRecords((record) => {
      if (this.records.length < 200_000) this.records.push(record);
    });
  }

  get url(): string {
    return this.server.url;
  }

  /** A Node peer joining `lobby` ('' creates it). */
  async node(lobby: string, serverCompatibility = true): Promise<MpNode> {
    const node = new MpNode(this.url, lobby, serverCompatibility);
    node.abortWhen = () => this.knownFault();
    this.nodes.push(node);
    await node.join();
    return node;
  }

  godot(options: Omit<MpGodotOptions, 'url'>): GodotProcess {
    const godot = this.godots.start({ url: this.url, ...options });
    this.engines.push(godot);
    return godot;
  }

  /** The scene's trail replayed: its problems, and how many WebRTCMultiplayer lives (`mp-<n>`) and server sessions it holds. */
  trail(): { problems: unknown[]; multiplayers: number; sessions: number } {
    const verification = verifyTrail(this.records);
    const names = verification.connections.map((life) => life.connection);
    return { problems: verification.problems, multiplayers: names.filter((name) => name.startsWith('mp-')).length, sessions: names.filter((name) => name.startsWith('session-')).length };
  }

  /** The first known-fault line any engine printed, or null. */
  knownFault(): string | null {
    return this.engines.map((godot) => godot.knownFault).find((line) => line !== null) ?? null;
  }

  async close(): Promise<void> {
    for (const node of this.nodes) node.close();
    await Promise.all(this.engines.map((godot) => godot.stop()));
    await this.server.close();
    this.stopObserving();
  }
}

/** Builds a scene with `build`, again (at most `attempts` times in all) only after the known fault. */
export async function openScene(godots: ReturnType<typeof useFileGodots>, build: (scene: MpScene) => Promise<void>, attempts = 3): Promise<MpScene> {
  for (let attempt = 1; ; attempt++) {
    const server = new SignalingServer({ port: 0, sealCloseTimeoutMs: 1000 });
    const listening = await server.listen();
    if (listening !== GodotError.OK) throw new Error(`the signaling server did not listen: ${listening}`);
    const scene = new MpScene(server, godots);
    try {
      await build(scene);
      return scene;
    } catch (error) {
      const fault = scene.knownFault();
      if (fault === null || attempt >= attempts) {
        for (const godot of scene.engines) console.error(`Godot (pid ${godot.pid}) said:\n${godot.describe()}`);
        await scene.close();
        throw error;
      }
      console.warn(`setup attempt ${attempt} met the plugin's known DTLS fault (${fault}); building the scene again`);
      await scene.close();
    }
  }
}
