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
const { runCommand } = await import(cli.href);
if (typeof runCommand !== 'function') {
  console.error('webrtc-statecharts: dist/ is older than this bin: run `npm run build` again');
  process.exit(2);
}
process.exitCode = await runCommand(process.argv.slice(2));
