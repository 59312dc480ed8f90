// Packages an extension folder as a .vsix with @vscode/vsce, run by the cached Node 24 (vsce 3+
// needs Node >= 22; the repo's tools run on Node 20). Used for the smoke fixture now and for
// Floorline itself (`packageVsix(repoRoot, out)` honours .vscodeignore and `vscode:prepublish`).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { loadE2EEnv } from './code-server';

const execFileAsync = promisify(execFile);

export async function packageVsix(extensionDir: string, outFile: string): Promise<string> {
  const e = loadE2EEnv();
  const args = [
    e.vsce,
    'package',
    '--no-dependencies', // everything is bundled; also keeps vsce from running `npm list`
    '--allow-missing-repository', // otherwise vsce asks on stdin
    '--skip-license',
    '--no-rewrite-relative-links', // the README's screenshots live in docs/, which the package leaves out
    '--out', outFile,
  ];
  // Node 24 first on PATH so a `vscode:prepublish` script that vsce runs through npm uses it too.
  const env = { ...process.env, PATH: `${dirname(e.node)}:${process.env.PATH ?? ''}` };
  try {
    await execFileAsync(e.node, args, { cwd: extensionDir, env, timeout: 180_000 });
  } catch (err) {
    const x = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`vsce package failed in ${extensionDir}: ${x.message}\n${x.stdout ?? ''}${x.stderr ?? ''}`);
  }
  if (!existsSync(outFile)) throw new Error(`vsce did not write ${outFile}`);
  return outFile;
}
