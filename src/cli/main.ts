// The `floorline` command. Everything it does lives in src/core; this file is only the terminal.
// First: V8's memory settings must be in place before any other module runs.
import './heap-flags';
import { redactUrlsIn } from '../core/redact';
import { errorText, helpText, parseCommand } from './args';
import { batchCommand } from './batch-command';
import { reportCommand } from './report-command';
import { EXIT, runCommand, type Terminal } from './run-command';

async function main(): Promise<number> {
  const command = parseCommand(process.argv.slice(2), process.env);
  if (command.kind === 'help') {
    // Help the user did not ask for (bare `floorline`) means the command line was incomplete.
    const stream = command.unasked ? process.stderr : process.stdout;
    stream.write(`${helpText(command.topic, stream.columns || 100)}\n`);
    return command.unasked ? EXIT.invalid : EXIT.ok;
  }
  if (command.kind === 'version') {
    process.stdout.write(`${command.version}\n`);
    return EXIT.ok;
  }
  if (command.kind === 'error') {
    process.stderr.write(`${errorText(command)}\n`);
    return EXIT.invalid;
  }
  const terminal: Terminal = {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(text.startsWith('\r') ? text : `${text}\n`),
    interactive: Boolean(process.stderr.isTTY) && !process.env.CI,
    columns: process.stderr.columns || 100,
    env: process.env,
    onInterrupt: (handler) => {
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
    forceExit: (code) => process.exit(code),
  };
  if (command.kind === 'report') return reportCommand(command.args, terminal);
  return command.kind === 'batch' ? batchCommand(command.args, terminal) : runCommand(command.args, terminal);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Redacted as a backstop: an error from deep in a library may quote a URL with its secret.
    process.stderr.write(`floorline: ${redactUrlsIn(err instanceof Error ? err.message : String(err))}\n`);
    process.exitCode = EXIT.invalid;
  },
);
