// The built `floorline` command as a child process, for the integration tests that drive it whole.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { until as untilValue } from './until';

export const ROOT = resolve(__dirname, '../..');
export const CLI = join(ROOT, 'dist/cli.js');

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcess;
  done: Promise<Finished>;
  /** What it has written to stderr so far. */
  stderr: () => string;
}

/** Runs `floorline ARGS` with only PATH, CI and the given environment (a key, unless overridden). */
export function startCli(args: string[], env: Record<string, string | undefined>): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, CI: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<Finished>((res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr })));
  return { child, done, stderr: () => stderr };
}

export function lineCount(path: string): number {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).length : 0;
}

/** `until` (helpers/until.ts) for a plain condition, polled every 20 ms. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  await untilValue(condition, 'a condition', timeoutMs, 20);
}
