/**
 * Godot 3 multiplayer over WebRTC, a game server's load (issue 12, point 6): one server, 32
 * clients; every tick (60 Hz) the server reads each client's input and broadcasts a 200-byte state
 * on channel 3 (TRANSFER_MODE_UNRELIABLE: unordered, maxPacketLifeTime = unreliable_lifetime), and
 * each client sends a 20-byte input on channel 3 too (unreliable, as a game's input usually is).
 * The same load on this library's WebRTCMultiplayer (ours), on MultiplayerAPI.send_bytes over it
 * (api), and on plain node-datachannel with the same negotiated channels and nothing in between
 * (raw), in the same run, taking turns (ours, raw, api, ..., ours, raw, ...). The server runs alone
 * in a process; the clients (plain node-datachannel, the same for every server) in others.
 *
 *   npx tsx bench/multiplayer3.ts [--quick] [--seconds=N] [--turns=N] [--clients=32] [--hz=60]
 *        [--state-bytes=200] [--burst=1] [--input-bytes=20] [--lifetime=1] [--client-processes=2]
 *        [--variants=ours,raw,api,ours-reliable,raw-reliable(,channels)] [--profile=DIR]
 *        [--loss=0.05] [--delay=20] [--seed=1]
 *
 * --burst=N: N states per tick (each stamped when sent), to load the link and see what share a
 * 1 ms lifetime lets through (e.g. --state-bytes=1100 --burst=8).
 * --profile=DIR: each server's CPU profile of its window, DIR/<variant>-turn<N>.cpuprofile (read one
 * with `npx tsx bench/signaling/profile.ts FILE`); profiled CPU figures are not comparable.
 * --loss=P, --delay=MS: a lossy link (bench/multiplayer/lossy-relay.ts, a UDP relay on 127.0.0.1
 * the candidates are rewritten to): each datagram dropped with probability P and held MS ms, each
 * direction, from the run's first tick on (setup is not impaired). Without them, no relay: loopback.
 * Prints the tables and writes bench/results/multiplayer3-latest.json. The driver is
 * bench/multiplayer/fan-out-bench.ts, shared with the Godot 4 bench (bench/multiplayer4.ts).
 */
import { runFanOutBench } from './multiplayer/fan-out-bench.js';
import { OURS_LONGEST_LIFETIME } from './multiplayer/server-stacks.js';

await runFanOutBench(
  {
    name: 'multiplayer3',
    title: 'Godot 3 multiplayer bench',
    variants: (lifetime) => ({
      ours: { plan: { kind: 'ours', lifetime, rawHeader: null }, what: `WebRTCMultiplayer, add_peer(pc, id, ${lifetime}): put_packet to 0, get_packet_peer + get_packet`, reference: 'raw' },
      raw: { plan: { kind: 'raw', lifetime, rawHeader: null }, what: `node-datachannel, channel 3 maxPacketLifeTime ${lifetime}`, reference: 'raw' },
      api: { plan: { kind: 'api', lifetime, rawHeader: 4 }, what: `MultiplayerAPI over it: send_bytes(state, 0, UNRELIABLE), network_peer_packet`, reference: 'raw' },
      'ours-reliable': { plan: { kind: 'ours', lifetime: null, rawHeader: null }, what: `WebRTCMultiplayer, add_peer(pc, id, ${OURS_LONGEST_LIFETIME}) (the longest; clients' channel 3 fully reliable)`, reference: 'raw-reliable' },
      'raw-reliable': { plan: { kind: 'raw', lifetime: null, rawHeader: null }, what: 'node-datachannel, channel 3 unordered but fully reliable', reference: 'raw-reliable' },
      channels: { plan: { kind: 'channels', lifetime, rawHeader: null }, what: 'the layer below alone: WebRTCPeerConnection.poll, WebRTCDataChannel get_packet/put_packet', reference: 'raw' },
    }),
    // `channels` (where ours's cost sits) only when asked for.
    defaultVariants: ['ours', 'raw', 'api', 'ours-reliable', 'raw-reliable'],
    cpuGoals: [{ variant: 'ours', bound: 1.1 }],
    latencyNote: (period) => `c→s latency is until the server's code sees the input: ours and api read at the next tick's poll() (Godot 3's model: up to one tick, ${period} ms, later), raw in channel 3's onMessage as it arrives.`,
  },
  process.argv.slice(2),
);
