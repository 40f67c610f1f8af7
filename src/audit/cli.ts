import { readFileSync } from 'node:fs';
import { setLogger } from '../log.js';
import { formatTimeline } from './timeline.js';
import { verifyTrail } from './verify.js';

export interface CliOutput {
  out: (text: string) => void;
  err: (text: string) => void;
}

const USAGE = `usage: webrtc-statecharts audit FILE [--quiet] [--json]
       webrtc-statecharts signal [--host H] [--port N] [--inspect] [--audit FILE] [--help]

  Reads a JSON Lines audit trail (one record per line), prints a timeline per connection, and
  replays each connection's records through the machines. Exit status: 0 if every record is a
  legal transition in order with no gap, 1 if not (each problem is named by its line) or if
  the file holds no record, 2 if the file cannot be read.

  --quiet   print only the verification, not the timeline
  --json    print the verification as JSON (records, connections' final states, problems)

  signal runs the Godot webrtc_signaling demo's server: webrtc-statecharts signal --help
`;

const processOutput: CliOutput = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/**
 * The package's command line, every command (what `bin/webrtc-statecharts.js` runs): `signal`
 * runs the signaling server until SIGINT or SIGTERM, anything else goes to `runCli`. Resolves
 * with the exit status; never rejects.
 *
 * @example
 * ```ts
 * process.exitCode = await runCommand(process.argv.slice(2));
 * ```
 */
export async function runCommand(argv: readonly string[], output: CliOutput = processOutput): Promise<number> {
  if (argv[0] !== 'signal') return runCli(argv, output);
  // A long-running command: the library's warnings and errors as one line each, not stacks.
  setLogger(({ level, message, error }) => {
    if (level === 'error' || level === 'warn') output.err(`webrtc-statecharts: ${message}${error === undefined ? '' : `: ${error instanceof Error ? error.message : String(error)}`}\n`);
  });
  try {
    // Loaded only for this command: `audit` needs neither ws nor the server.
    const { runSignalCommand } = await import('../signaling/command.js');
    return await runSignalCommand(argv.slice(1), output);
  } catch (error) {
    output.err(`webrtc-statecharts signal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

/**
 * The package's `audit` command (`npx webrtc-statecharts audit FILE`), synchronous. Returns the exit status.
 *
 * @example
 * ```ts
 * process.exitCode = runCli(['audit', 'trail.jsonl']);
 * ```
 */
export function runCli(argv: readonly string[], output: CliOutput = processOutput): number {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    output.out(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'signal') {
    output.err('webrtc-statecharts: signal runs until stopped: use runCommand, which awaits it\n');
    return 2;
  }
  if (command !== 'audit') {
    output.err(`webrtc-statecharts: unknown command ${JSON.stringify(command)}\n${USAGE}`);
    return 2;
  }
  const flags = new Set(rest.filter((arg) => arg.startsWith('--')));
  const files = rest.filter((arg) => !arg.startsWith('--'));
  const unknown = [...flags].filter((flag) => flag !== '--quiet' && flag !== '--json');
  if (files.length !== 1 || unknown.length > 0) {
    output.err(`webrtc-statecharts audit: ${unknown.length > 0 ? `unknown option ${unknown[0]}` : 'give exactly one FILE'}\n${USAGE}`);
    return 2;
  }
  const file = files[0]!;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    output.err(`webrtc-statecharts audit: cannot read ${file}: ${(error as Error).message}\n`);
    return 2;
  }
  const verification = verifyTrail(text);
  if (flags.has('--json')) {
    output.out(`${JSON.stringify({
      ok: verification.ok,
      records: verification.records,
      connections: verification.connections.map(({ name, connection, run, entries, states, problems }) => ({ name, connection, run, records: entries.length, states, problems: problems.length })),
      problems: verification.problems,
    }, null, 2)}\n`);
    return verification.ok ? 0 : 1;
  }
  if (!flags.has('--quiet') && verification.connections.length > 0) output.out(`${formatTimeline(verification)}\n`);
  const summary = `${verification.records} records of ${verification.connections.length} connection${verification.connections.length === 1 ? '' : 's'}`;
  if (verification.ok && verification.records === 0) {
    output.out(`${file}: no records: nothing to verify\n`);
    return 1;
  }
  if (verification.ok) {
    output.out(`${file}: verified: ${summary}; every record is a legal transition of its machine, in order, with no gap\n`);
    return 0;
  }
  output.out(`${file}: ${verification.problems.length} problem${verification.problems.length === 1 ? '' : 's'} in ${summary}:\n`);
  for (const problem of verification.problems) {
    const where = problem.connection === undefined ? '' : ` ${problem.connection}${problem.seq === undefined ? '' : ` #${problem.seq}`}:`;
    output.out(`${file}:${problem.line}:${where} ${problem.message}\n`);
  }
  return 1;
}
