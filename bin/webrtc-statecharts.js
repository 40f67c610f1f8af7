#!/usr/bin/env node
// The package's command line: `webrtc-statecharts audit FILE`, `webrtc-statecharts signal`.
// The code is in dist/ (npm run build).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/audit/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('webrtc-statecharts: dist/ is missing: run `npm run build` first');
  process.exit(2);
}
// A reader that stops early (`| head`) is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
const { runCommand, runCli } = await import(cli.href);
const argv = process.argv.slice(2);
if (typeof runCommand === 'function') {
  process.exitCode = await runCommand(argv);
} else if (argv[0] !== 'signal') {
  // A dist/ built before `signal` existed still has `audit`.
  process.exitCode = runCli(argv);
} else {
  console.error('webrtc-statecharts: dist/ is older than this bin: run `npm run build` again');
  process.exitCode = 2;
}
