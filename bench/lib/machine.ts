import { cpus, loadavg, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The installed version, read from the package's own package.json (some packages do not export it). */
function version(name: string): string {
  try {
    const entry = require.resolve(name);
    const root = entry.slice(0, entry.lastIndexOf(`node_modules/${name}/`) + `node_modules/${name}/`.length);
    return (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** What the figures were measured on: the machine, the runtime and the stacks' versions. */
export function machineInfo() {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    if (line) cpuModel = line.split(':')[1]!.trim();
  } catch {
    /* not Linux */
  }
  let nproc = String(cpus().length);
  try {
    nproc = execSync('nproc').toString().trim();
  } catch {
    /* keep os.cpus() */
  }
  return {
    date: new Date().toISOString(),
    nproc: Number(nproc),
    cpuModel,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverageAtStart: loadavg().map((x) => Number(x.toFixed(2))),
    versions: {
      'node-datachannel': version('node-datachannel'),
      xstate: version('xstate'),
      '@roamhq/wrtc': version('@roamhq/wrtc'),
      werift: version('werift'),
    },
  };
}
