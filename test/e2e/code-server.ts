// Starts and stops a real VS Code (code-server, run by Node 24) for the end-to-end tests.
// Everything it writes lives in one temp dir (user data, extensions, config, logs) so runs never
// see each other or the developer's own VS Code state. `bash test/e2e/setup.sh` installs what
// this needs and writes the env.json read here.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface E2EEnv {
  node: string; // Node 24 binary
  codeServer: string; // code-server's out/node/entry.js
  codeServerVersion: string;
  vsce: string; // @vscode/vsce's bin script (needs Node >= 22)
  chromium: string;
}

export const cacheDir = process.env.FLOORLINE_E2E_CACHE ?? join(homedir(), '.cache', 'floorline-e2e');

/** Paths written by setup.sh; fails with the fix when setup has not run. */
export function loadE2EEnv(): E2EEnv {
  const file = join(cacheDir, 'env.json');
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`bash test/e2e/setup.sh\` first`);
  const env = JSON.parse(readFileSync(file, 'utf8')) as E2EEnv;
  for (const p of [env.node, env.codeServer, env.vsce, env.chromium]) {
    if (!existsSync(p)) throw new Error(`${p} is missing: run \`bash test/e2e/setup.sh\` again`);
  }
  return env;
}

/** Settings that keep the workbench quiet and deterministic; tests' own settings win. */
export const BASE_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'window.restoreWindows': 'none',
};

export interface CodeServerOptions {
  /** User settings.json, merged over BASE_SETTINGS, written before start. */
  settings?: Record<string, unknown>;
  /** .vsix files installed with --install-extension before start. */
  vsix?: string[];
  /** `--disable-workspace-trust`: every folder trusted for this session (see README in test/e2e). */
  disableWorkspaceTrust?: boolean;
  /**
   * Flags passed straight to the VS Code server (`--vscode-option`). `enable-smoke-test-driver` is
   * what makes a built workbench honour the `payload` extensionDevelopmentPath/extensionTestsPath.
   */
  vscodeOptions?: string[];
  /** Extra environment for code-server and so for the extension host; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /**
   * code-server exits by itself after this long without a client (default 900 s): a safety net
   * for a test runner killed with SIGKILL, whose exit hooks cannot stop the server.
   */
  idleTimeoutSeconds?: number;
  /** Milliseconds to wait for the HTTP server (default 60 s). */
  startTimeoutMs?: number;
}

export interface CodeServer {
  readonly port: number;
  readonly url: string; // http://127.0.0.1:PORT
  readonly pid: number;
  readonly dir: string; // temp root: user-data/, extensions/, config.yaml, code-server.log
  readonly userDataDir: string;
  readonly extensionsDir: string;
  readonly logFile: string;
  /** Workbench URL opening `folder`; `payload` pairs become the `payload` query parameter. */
  folderUrl(folder: string, payload?: Array<[string, string]>): string;
  /** vscode-remote:// URI of a path on this server, as the workbench names server files. */
  remoteUri(path: string): string;
  /** Last `lines` of code-server's log, for failure messages. */
  logTail(lines?: number): string;
  /** Kills code-server and every process it started; idempotent; removes the temp dir. */
  stop(): Promise<void>;
}

// Processes started here that are still alive; killed on exit even if a test forgot to stop them.
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = (): void => {
    for (const child of live) killGroup(child.pid!, 'SIGKILL');
  };
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal); // negative pid: the whole process group (spawned detached)
  } catch {
    /* already gone */
  }
}

/** Pids of every live descendant of `root`, from /proc (Linux). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      /* exited while we looked */
    }
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    for (const c of children.get(queue.shift()!) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/** True while `pid` runs (a zombie, killed but not yet reaped, counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Environment for code-server: ours minus what would make it talk to another VS Code
 * (VSCODE_IPC_HOOK_CLI makes its CLI forward to that instance), listen elsewhere ($PORT) or load
 * tsx into Node 24 (NODE_OPTIONS); XDG dirs point into the temp dir so nothing lands in ~.
 */
function childEnv(dir: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('VSCODE_') || k === 'PORT' || k === 'NODE_OPTIONS' || k.startsWith('ELECTRON_')) continue;
    env[k] = v;
  }
  Object.assign(env, { XDG_CONFIG_HOME: join(dir, 'xdg-config'), XDG_DATA_HOME: join(dir, 'xdg-data') }, extra);
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return env;
}

/** `code-server --install-extension` into `extensionsDir` (the server need not run). */
export async function installExtension(
  e: E2EEnv,
  vsix: string,
  dirs: { dir: string; userDataDir: string; extensionsDir: string },
): Promise<string> {
  const args = [
    e.codeServer,
    '--config', join(dirs.dir, 'config.yaml'),
    '--user-data-dir', dirs.userDataDir,
    '--extensions-dir', dirs.extensionsDir,
    '--force',
    '--install-extension', vsix,
  ];
  const { stdout, stderr } = await execFileAsync(e.node, args, { env: childEnv(dirs.dir), timeout: 120_000 });
  const out = `${stdout}${stderr}`;
  if (!/successfully installed/i.test(out)) throw new Error(`installing ${vsix} failed:\n${out}`);
  return out;
}

export async function startCodeServer(opts: CodeServerOptions = {}): Promise<CodeServer> {
  const e = loadE2EEnv();
  const dir = mkdtempSync(join(tmpdir(), 'floorline-e2e-'));
  const userDataDir = join(dir, 'user-data');
  const extensionsDir = join(dir, 'extensions');
  const logFile = join(dir, 'code-server.log');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  // An explicit (empty) config keeps code-server from writing ~/.config/code-server/config.yaml.
  writeFileSync(join(dir, 'config.yaml'), '');
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...BASE_SETTINGS, ...opts.settings }, null, 2),
  );
  const dirs = { dir, userDataDir, extensionsDir };
  const cleanupDir = (): void => {
    if (!process.env.FLOORLINE_E2E_KEEP) rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const vsix of opts.vsix ?? []) await installExtension(e, vsix, dirs);
  } catch (err) {
    cleanupDir();
    throw err;
  }

  installExitHook();
  const port = await freePort();
  const args = [
    e.codeServer,
    '--config', join(dir, 'config.yaml'),
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--idle-timeout-seconds', String(opts.idleTimeoutSeconds ?? 900),
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    ...(opts.disableWorkspaceTrust ? ['--disable-workspace-trust'] : []),
    ...(opts.vscodeOptions ?? []).flatMap((o) => ['--vscode-option', o]),
  ];
  const logFd = openSync(logFile, 'a');
  // detached: code-server leads its own process group, so stop() reaches its extension host,
  // pty host and file watchers with one kill, and a Ctrl-C in the terminal does not race us.
  const child = spawn(e.node, args, { env: childEnv(dir, opts.env), detached: true, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  live.add(child);
  let exited = false;
  child.once('exit', () => {
    exited = true;
    live.delete(child);
  });

  const url = `http://127.0.0.1:${port}`;
  const logTail = (lines = 40): string => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      const pid = child.pid!;
      const tree = descendants(pid); // before killing: orphans would be re-parented and lost
      if (!exited) {
        killGroup(pid, 'SIGTERM');
        const deadline = Date.now() + 5000;
        while (!exited && Date.now() < deadline) await sleep(100);
      }
      killGroup(pid, 'SIGKILL');
      // A child that made its own session (node-pty's shells) is outside the group.
      for (const p of tree) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      // Killed processes linger as zombies until reaped; wait so callers can assert they are gone.
      const gone = Date.now() + 5000;
      while ([pid, ...tree].some(isAlive) && Date.now() < gone) await sleep(50);
      live.delete(child);
      cleanupDir();
    })());

  const server: CodeServer = {
    port,
    url,
    pid: child.pid!,
    dir,
    userDataDir,
    extensionsDir,
    logFile,
    folderUrl(folder, payload) {
      const q = new URLSearchParams({ folder });
      if (payload) q.set('payload', JSON.stringify(payload));
      return `${url}/?${q.toString()}`;
    },
    remoteUri(path) {
      return `vscode-remote://127.0.0.1:${port}${path}`;
    },
    logTail,
    stop,
  };

  // Ready when it answers HTTP; give up early if it died.
  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  for (;;) {
    if (exited) {
      const tail = logTail();
      await stop();
      throw new Error(`code-server exited during start:\n${tail}`);
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      const tail = logTail();
      await stop();
      throw new Error(`code-server did not answer on ${url} in time:\n${tail}`);
    }
    await sleep(200);
  }
  return server;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
