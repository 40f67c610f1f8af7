/**
 * Preloaded (`node --expose-gc --require probe.cjs ...`) into each benchmarked server process,
 * ours and the demo's server.js alike, so that neither server's code is changed: answers the
 * bench's IPC questions about the process it sits in. Plain CommonJS so that it loads the same
 * way into server.js as into ours.
 *   { probe: 'cpu' }    → { probe: 'cpu', user, system }   (µs, process.cpuUsage())
 *   { probe: 'memory' } → { probe: 'memory', heapUsed, heapTotal, external, arrayBuffers, rss } after full GCs
 *   { probe: 'exit' }   → process.exit(0) (a clean exit writes --cpu-prof's profile; a signal would not)
 *   { probe: 'profile-start' } / { probe: 'profile-stop', file } → a CPU profile of just that interval, written to file
 */
'use strict';

const { writeFileSync } = require('node:fs');
const inspector = require('node:inspector');

let profiler = null;

function settleGc() {
  // Several passes with turns in between: weak callbacks and finalizers free more on the next pass.
  return new Promise((resolve) => {
    let left = 4;
    const pass = () => {
      if (typeof global.gc === 'function') global.gc();
      if (--left === 0) return resolve();
      setTimeout(pass, 20);
    };
    pass();
  });
}

if (typeof process.send === 'function') {
  process.on('message', (message) => {
    if (!message || typeof message !== 'object') return;
    if (message.probe === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send({ probe: 'cpu', user, system });
    } else if (message.probe === 'profile-start') {
      profiler = new inspector.Session();
      profiler.connect();
      profiler.post('Profiler.enable', () => profiler.post('Profiler.start', () => process.send({ probe: 'profile-start' })));
    } else if (message.probe === 'profile-stop' && profiler) {
      profiler.post('Profiler.stop', (error, result) => {
        if (!error) writeFileSync(message.file, JSON.stringify(result.profile));
        profiler.disconnect();
        profiler = null;
        process.send({ probe: 'profile-stop', file: error ? null : message.file });
      });
    } else if (message.probe === 'exit') {
      process.exit(0);
    } else if (message.probe === 'memory') {
      settleGc().then(() => {
        const m = process.memoryUsage();
        process.send({ probe: 'memory', gc: typeof global.gc === 'function', heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss });
      });
    }
  });
  // The IPC channel must not keep a server alive on its own once the bench is gone.
  process.on('disconnect', () => process.exit(0));
}
