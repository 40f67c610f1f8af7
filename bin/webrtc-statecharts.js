#!/usr/bin/env node
// The package's command line: `webrtc-statecharts audit FILE`. The code is in dist/ (npm run build).
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
const { runCli } = await import(cli.href);
process.exitCode = runCli(process.argv.slice(2));
