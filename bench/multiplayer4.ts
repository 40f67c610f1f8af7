/**
 * Godot 4 multiplayer over WebRTC, the Godot 3 bench's game-server load (issue 13, point 5): one
 * server, 32 clients; every tick (60 Hz) the server reads each client's input and broadcasts a
 * 200-byte state on channel 3 (TRANSFER_MODE_UNRELIABLE: unordered, maxPacketLifeTime =
 * add_peer's unreliable_lifetime, 1 ms as Godot 4's default), each client sends a 20-byte input
 * on channel 3. The same load on this library's WebRTCMultiplayerPeer (ours4), on
 * SceneMultiplayer.send_bytes over it (scene4: Godot 4's RAW packets, header byte 3), and on plain
 * node-datachannel with the same negotiated channels (raw), in the same run, taking turns; ours3
 * (Godot 3's WebRTCMultiplayer) on request, to compare the two peers. The clients are plain
 * node-datachannel, the same for every server (Godot 4's WebRTCMultiplayerPeer negotiates the
 * channels Godot 3's does), in other processes.
 *
 *   npx tsx bench/multiplayer4.ts [--quick] [--variants=ours4,raw,scene4,ours4-reliable,raw-reliable(,ours3)]
 *        and every flag of bench/multiplayer3.ts (--seconds --turns --clients --hz --state-bytes
 *        --burst --input-bytes --lifetime --client-processes --profile=DIR --loss --delay --seed)
 *
 * Prints the tables and writes bench/results/multiplayer4-latest.json (the driver is
 * bench/multiplayer/fan-out-bench.ts, the Godot 4 servers bench/multiplayer/godot4-server.ts).
 */
import { runFanOutBench } from './multiplayer/fan-out-bench.js';
import { OURS_LONGEST_LIFETIME } from './multiplayer/server-stacks.js';

await runFanOutBench(
  {
    name: 'multiplayer4',
    title: 'Godot 4 multiplayer bench',
    variants: (lifetime) => ({
      ours4: { plan: { kind: 'ours4', lifetime, rawHeader: null }, what: `WebRTCMultiplayerPeer, create_server(), add_peer(pc, id, ${lifetime}): put_packet to 0, get_packet_peer + get_packet`, reference: 'raw' },
      raw: { plan: { kind: 'raw', lifetime, rawHeader: null }, what: `node-datachannel, channel 3 maxPacketLifeTime ${lifetime}`, reference: 'raw' },
      scene4: { plan: { kind: 'scene4', lifetime, rawHeader: 3 }, what: 'SceneMultiplayer over it: send_bytes(state, 0, UNRELIABLE, 0), peer_packet', reference: 'raw' },
      'ours4-reliable': { plan: { kind: 'ours4', lifetime: null, rawHeader: null }, what: `WebRTCMultiplayerPeer, add_peer(pc, id, ${OURS_LONGEST_LIFETIME}) (the longest; clients' channel 3 fully reliable)`, reference: 'raw-reliable' },
      'raw-reliable': { plan: { kind: 'raw', lifetime: null, rawHeader: null }, what: 'node-datachannel, channel 3 unordered but fully reliable', reference: 'raw-reliable' },
      ours3: { plan: { kind: 'ours', lifetime, rawHeader: null }, what: `Godot 3's WebRTCMultiplayer, add_peer(pc, id, ${lifetime}), the same calls`, reference: 'raw' },
    }),
    defaultVariants: ['ours4', 'raw', 'scene4', 'ours4-reliable', 'raw-reliable'],
    cpuGoals: [
      { variant: 'ours4', bound: 1.1 },
      { variant: 'scene4', bound: 1.2 },
    ],
    latencyNote: (period) => `c→s latency is until the server's code sees the input: ours4, scene4 and ours3 read at the next tick's poll() (Godot's model: up to one tick, ${period} ms, later), raw in channel 3's onMessage as it arrives.`,
  },
  process.argv.slice(2),
);
