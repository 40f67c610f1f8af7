import { parseArgs } from 'node:util';
import { startAudit, type Audit } from '../audit/audit.js';
import { GodotError, errorName } from '../godot/constants.js';
import type { RunningInspector } from '../inspector/server.js';
import { SignalingServer, type SignalingLobbyView, type SignalingSessionView } from './server.js';

/** Where the command writes: its report lines to `out`, its complaints to `err`. */
export interface CommandOutput {
  out: (text: string) => void;
  err: (text: string) => void;
}

export interface SignalCommandOptions {
  /**
   * Stops the server when aborted. Without one, the command stops on the process's first
   * SIGINT or SIGTERM (a second one then has its default effect: the process ends at once).
   */
  stop?: AbortSignal;
  /** Told once the server listens, with its URL (for a caller that runs the command in-process). */
  onListening?: (server: SignalingServer) => void;
}

export const SIGNAL_USAGE = `usage: webrtc-statecharts signal [--host H] [--port N] [--inspect] [--audit FILE]
                               [--max-peers N] [--max-lobbies N] [--quiet]

  Runs the signaling server of Godot's webrtc_signaling demo (its server.js rules; 4.x JSON
  frames and 3.x text frames, told apart by each client's first frame) until SIGINT or SIGTERM,
  then closes every socket (1001) and exits 0. Exit status 1 if it cannot listen or write the
  trail, 2 for a bad option.

  --host H          address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 or ::
                    for every interface)
  --port N          port (default 9080; 0 picks a free one)
  --inspect         also start the local inspector (sessions, lobbies, their machines) and print its URL
  --audit FILE      append every record of every session and lobby to FILE (JSON Lines);
                    \`webrtc-statecharts audit FILE\` verifies it
  --max-peers N     sockets open at once (default 4096, as server.js)
  --max-lobbies N   lobbies open at once (default 1024, as server.js)
  --quiet           no line per session and lobby opened and closed
`;

interface SignalFlags {
  host: string;
  port: number;
  inspect: boolean;
  audit: string | undefined;
  maxPeers: number;
  maxLobbies: number;
  quiet: boolean;
}

/** The flags, or the complaint that makes the command print its usage and exit 2; `'help'` for --help. */
export function parseSignalFlags(argv: readonly string[]): SignalFlags | 'help' | { problem: string } {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '9080' },
        inspect: { type: 'boolean', default: false },
        audit: { type: 'string' },
        'max-peers': { type: 'string', default: '4096' },
        'max-lobbies': { type: 'string', default: '1024' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    return { problem: (error as Error).message };
  }
  if (values.help) return 'help';
  const host = String(values.host);
  if (host.trim() === '') return { problem: '--host needs an address' };
  const port = wholeNumber(values.port, 0, 65_535);
  if (port === null) return { problem: `--port must be a whole number from 0 to 65535, not ${JSON.stringify(values.port)}` };
  const maxPeers = wholeNumber(values['max-peers'], 1, 1_000_000);
  if (maxPeers === null) return { problem: `--max-peers must be a whole number from 1 to 1000000, not ${JSON.stringify(values['max-peers'])}` };
  const maxLobbies = wholeNumber(values['max-lobbies'], 1, 1_000_000);
  if (maxLobbies === null) return { problem: `--max-lobbies must be a whole number from 1 to 1000000, not ${JSON.stringify(values['max-lobbies'])}` };
  const audit = values.audit === undefined ? undefined : String(values.audit);
  if (audit === '') return { problem: '--audit needs a FILE' };
  return { host, port, inspect: values.inspect === true, audit, maxPeers, maxLobbies, quiet: values.quiet === true };
}

function wholeNumber(text: unknown, min: number, max: number): number | null {
  if (typeof text !== 'string' || !/^\d+$/.test(text)) return null;
  const value = Number(text);
  return value >= min && value <= max ? value : null;
}

/**
 * `webrtc-statecharts signal`: runs a SignalingServer until stopped, then closes it, the audit
 * trail and the inspector, and resolves with the exit status. It never rejects.
 *
 * @example
 * ```ts
 * process.exitCode = await runSignalCommand(['--port', '0'], { out: console.log, err: console.error });
 * ```
 */
export async function runSignalCommand(argv: readonly string[], output: CommandOutput, options: SignalCommandOptions = {}): Promise<number> {
  const flags = parseSignalFlags(argv);
  if (flags === 'help') {
    output.out(SIGNAL_USAGE);
    return 0;
  }
  if ('problem' in flags) {
    output.err(`webrtc-statecharts signal: ${flags.problem}\n${SIGNAL_USAGE}`);
    return 2;
  }

  // The trail starts before the server, so that it holds every record of every session.
  let audit: Audit | null = null;
  if (flags.audit !== undefined) {
    try {
      audit = startAudit({ file: flags.audit, onError: (error) => output.err(`webrtc-statecharts signal: the trail ${flags.audit} cannot be written any more (${messageOf(error)}); it stops\n`) });
    } catch (error) {
      output.err(`webrtc-statecharts signal: cannot open the trail ${flags.audit}: ${messageOf(error)}\n`);
      return 1;
    }
  }

  const server = new SignalingServer({ host: flags.host, port: flags.port, maxPeers: flags.maxPeers, maxLobbies: flags.maxLobbies });
  const code = await server.listen();
  if (code !== GodotError.OK) {
    const where = `${flags.host}:${flags.port}`;
    output.err(
      code === GodotError.ERR_ALREADY_IN_USE
        ? `webrtc-statecharts signal: ${where} is already in use (another server listens there): choose another --port, or --port 0 for a free one\n`
        : `webrtc-statecharts signal: cannot listen on ${where} (${errorName(code)}): is ${JSON.stringify(flags.host)} an address of this machine?\n`,
    );
    await audit?.stop();
    return 1;
  }

  output.out(`signaling server on ${server.url} (Godot webrtc_signaling demo protocol, 4.x JSON and 3.x text)\n`);
  output.out(publicHint(flags.host, server.port));
  if (!flags.quiet) reportEvents(server, output);

  let inspector: RunningInspector | null = null;
  if (flags.inspect) {
    try {
      const { startInspector } = await import('../inspector/server.js');
      inspector = await startInspector();
      output.out(`inspector: ${inspector.url}\n`);
    } catch (error) {
      output.err(`webrtc-statecharts signal: the inspector did not start (${messageOf(error)}); the server runs without it\n`);
    }
  }
  options.onListening?.(server);

  const reason = await stopRequested(options.stop);
  const open = server.sessions().length;
  output.out(`${reason}: closing ${open} session${open === 1 ? '' : 's'}\n`);
  await server.close();
  await audit?.stop();
  await inspector?.close();
  if (flags.audit !== undefined) output.out(`trail: ${flags.audit}; verify it with: npx webrtc-statecharts audit ${flags.audit}\n`);
  output.out('signaling server closed\n');
  return 0;
}

function publicHint(host: string, port: number): string {
  const loopback = host === '127.0.0.1' || host === '::1' || host === 'localhost';
  return loopback
    ? `only this machine can connect; to listen publicly: --host 0.0.0.0 --port ${port}, with TLS (wss://) from a reverse proxy in front (the server speaks plain ws)\n`
    : `listening on ${host}: plain ws, so put a reverse proxy with TLS (wss://) in front of it before it faces the internet\n`;
}

/** One line per session and lobby opened and closed, from the server's events. */
function reportEvents(server: SignalingServer, output: CommandOutput): void {
  const line = (text: string) => output.out(`${new Date().toISOString()}  ${text}\n`);
  server.on('session_opened', (view: SignalingSessionView) => line(`${view.name} opened`));
  server.on('session_closed', (view: SignalingSessionView) => line(`${view.name} closed ${sessionSummary(view)}`));
  server.on('lobby_opened', (view: SignalingLobbyView) => line(`${view.name} opened ${lobbySummary(view, true)}`));
  server.on('lobby_closed', (view: SignalingLobbyView) => line(`${view.name} closed ${lobbySummary(view, false)}`));
}

function sessionSummary(view: SignalingSessionView): string {
  const { offer, answer, candidate, bytes } = view.relayed;
  const what = [view.host ? 'host' : '', view.lobby === null ? '' : `in ${JSON.stringify(view.lobby)}`, view.protocol === null ? 'never joined' : `${view.protocol}.x`].filter(Boolean).join(', ');
  return `(${what}; relayed ${offer} offer${offer === 1 ? '' : 's'}, ${answer} answer${answer === 1 ? '' : 's'}, ${candidate} candidate${candidate === 1 ? '' : 's'}, ${bytes} bytes)`;
}

/** A lobby as it opens (its host the one member) or closes (its members gone by then). */
function lobbySummary(view: SignalingLobbyView, opening: boolean): string {
  const members = view.members.length;
  const size = opening ? `, ${members} member${members === 1 ? '' : 's'}` : '';
  return `(${JSON.stringify(view.lobby)}, ${view.mesh ? 'mesh' : 'client/server'}, ${view.protocol}.x${size}${view.sealed ? ', sealed' : ''})`;
}

/** Resolves with what stopped the command: the signal's name, or 'stopped' for an abort. */
function stopRequested(stop: AbortSignal | undefined): Promise<string> {
  if (stop) {
    return stop.aborted ? Promise.resolve('stopped') : new Promise((resolve) => stop.addEventListener('abort', () => resolve('stopped'), { once: true }));
  }
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
