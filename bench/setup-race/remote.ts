/**
 * The remote of bench/setup-race.ts: test/hostile/fixtures/candidate-remote.ts (a raw
 * node-datachannel offerer that trickles at once, as a Godot native peer does), with
 * libdatachannel's log on stderr so that the bench can tell why a setup failed.
 */
import nodeDataChannel from 'node-datachannel';

nodeDataChannel.initLogger('Warning', (level, message) => process.stderr.write(`[${level}] ${message}\n`));
await import('../../test/hostile/fixtures/candidate-remote.js');
