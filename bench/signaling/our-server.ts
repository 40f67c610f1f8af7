/**
 * Our signaling server in a process of its own for the bench (`node --expose-gc --require
 * probe.cjs --import tsx bench/signaling/our-server.ts PORT [AUDIT_FILE]`): the defaults, actors
 * and records on; with AUDIT_FILE, an audit trail of every record to that file too. `{ cmd: 'stop' }`
 * over IPC closes it (and the trail) and exits.
 */
import { startAudit } from '../../src/audit/index.js';
import { SignalingServer } from '../../src/signaling/server.js';

const [port, auditFile] = process.argv.slice(2);
const audit = auditFile ? startAudit({ file: auditFile }) : null;
const server = new SignalingServer({ host: '127.0.0.1', port: Number(port) });
const code = await server.listen();
if (code !== 0) {
  console.error(`our server did not listen on ${port}: error ${code}`);
  process.exit(2);
}

process.on('message', (message: { cmd?: string }) => {
  if (message?.cmd !== 'stop') return;
  void server
    .close()
    .then(() => audit?.stop())
    .finally(() => process.exit(0));
});
