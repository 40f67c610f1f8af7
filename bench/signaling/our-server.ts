/**
 * Our signaling server in a process of its own for the bench (`node --expose-gc --require
 * probe.cjs --import tsx bench/signaling/our-server.ts PORT [AUDIT_FILE]`): the defaults, actors
 * and records on; with AUDIT_FILE, an audit trail of every record to that file too. `{ cmd: 'stop' }`
 * over IPC closes it (and the trail) and exits.
 *
 * With BENCH_CORK=1 (the bench's experimental `ours+cork`), every socket's writes of one event-loop
 * turn leave in one writev instead of one each (see corkPerTurn): a measure of what batching would
 * give the server, not the server as it ships.
 */
import { WebSocket } from 'ws';
import { startAudit } from '../../src/audit/index.js';
import { SignalingServer } from '../../src/signaling/server.js';

/** Holds each socket corked from its first send in a turn until setImmediate, so ws's frames of that turn go out in one writev. */
function corkPerTurn() {
  const send = WebSocket.prototype.send;
  const corked = new WeakSet<object>();
  WebSocket.prototype.send = function (this: WebSocket, ...args: Parameters<WebSocket['send']>) {
    const socket = (this as unknown as { _socket?: { cork(): void; uncork(): void; destroyed: boolean } })._socket;
    if (socket && !corked.has(socket)) {
      corked.add(socket);
      socket.cork();
      setImmediate(() => {
        corked.delete(socket);
        if (!socket.destroyed) socket.uncork();
      });
    }
    return send.apply(this, args);
  } as WebSocket['send'];
}

if (process.env.BENCH_CORK === '1') corkPerTurn();
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
