// The npm package as a program meets it: `npm pack` the repo, install the tarball into a fresh
// project outside the repo, and use the library through its `exports` map — ESM `import`, CommonJS
// `require` and TypeScript's view of the declarations — against the mock API on 127.0.0.1.
// What is tested is the tarball's contents and its package.json (exports, types, dependencies), not
// the source tree: the consumer project cannot see src/ or the repo's own node_modules.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startMockServer, type MockServer } from '../../src/simulator/mock-server';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');
const TSC = join(ROOT, 'node_modules/.bin/tsc');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string> };
const API_KEY = 'consumer-test-key';
const MANY = 1_000_000_000;
const COUNT = 1_000;

/** The names src/lib/index.ts exports, values and types: the consumer's TypeScript must use each. */
function exportedNames(): string[] {
  const source = readFileSync(join(ROOT, 'src/lib/index.ts'), 'utf8');
  const names: string[] = [];
  for (const [, list] of source.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const part of list!.split(',')) {
      const name = part.trim().split(/\s+as\s+/).pop()!.trim();
      if (name) names.push(name);
    }
  }
  return names;
}

const ESM_CONSUMER = `
import { Floorline } from '${PKG.name}';
const fl = new Floorline({ apiKey: process.env.MOCK_KEY, baseURL: process.env.MOCK_URL, maxInFlight: 100 });
const requests = Array.from({ length: ${COUNT} }, (_, i) => ({
  custom_id: 'r-' + i,
  params: { model: 'claude-haiku-4-5', max_tokens: 5 + (i % 20), messages: [{ role: 'user', content: 'Hello ' + i }] },
}));
const ids = [];
let end;
for await (const out of fl.dispatch(requests)) {
  if (out.type === 'result') { if (out.message) ids.push(out.customId); }
  else end = out;
}
await fl.close();
console.log(JSON.stringify({ count: ids.length, unique: new Set(ids).size, reason: end?.reason, succeeded: end?.summary.succeeded }));
`;

const CJS_CONSUMER = `
const { Floorline, ConfigError } = require('${PKG.name}');
(async () => {
  const fl = new Floorline({ apiKey: process.env.MOCK_KEY, baseURL: process.env.MOCK_URL });
  const message = await fl.messages.create({ model: 'claude-haiku-4-5', max_tokens: 7, messages: [{ role: 'user', content: 'Hi' }] });
  await fl.close();
  let configError = false;
  try { new Floorline({ simulate: 'no-such-tier' }); } catch (err) { configError = err instanceof ConfigError; }
  console.log(JSON.stringify({ type: message.type, model: message.model, outputTokens: message.usage.output_tokens, configError }));
})().catch((err) => { console.error(err); process.exit(1); });
`;

/** Every export of src/lib/index.ts, used as a program would; checked, never run. */
const TS_CONSUMER = `
import {
  ConfigError,
  Floorline,
  InputFileError,
  type CreateOptions,
  type DispatchEnd,
  type DispatchOptions,
  type DispatchResult,
  type DispatcherSnapshot,
  type EndReason,
  type FileRunOptions,
  type FileRunOutcome,
  type FloorlineEvents,
  type FloorlineOptions,
  type HoldEvent,
  type LogEntry,
  type Message,
  type MessageCreateParamsNonStreaming,
  type Priority,
  type RequestItem,
  type ResultError,
  type RetryEvent,
  type RunState,
  type RunSummary,
  type TierName,
  type Usage,
} from '${PKG.name}';

export async function main(): Promise<void> {
  const tier: TierName = 'build';
  const options: FloorlineOptions = { simulate: tier, maxSpendUsd: 5, maxInFlight: 10 };
  const fl = new Floorline(options);
  const params: MessageCreateParamsNonStreaming = { model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] };
  const items: RequestItem[] = [params, { custom_id: 'a', params }];
  const priority: Priority = 'high';
  const dispatchOptions: DispatchOptions = { priority, maxSpendUsd: 1, signal: new AbortController().signal, label: 'typed' };
  fl.on('log', (entry: LogEntry) => void entry.message);
  fl.on('retry', (event: RetryEvent) => void event);
  fl.on('hold', (event: HoldEvent) => {
    const state: RunState = event.state;
    void state;
  });
  fl.on('snapshot', (snapshot: DispatcherSnapshot) => void snapshot.runs.length);
  const events: keyof FloorlineEvents = 'result';
  fl.on(events, (result: DispatchResult) => void result.customId);
  for await (const out of fl.dispatch(items, dispatchOptions)) {
    if (out.type === 'result') {
      const error: ResultError | undefined = out.error;
      const usage: Usage | null = out.usage;
      const message: Message | undefined = out.message;
      void [error, usage, message];
    } else {
      const end: DispatchEnd = out;
      const reason: EndReason = end.reason;
      const summary: RunSummary = end.summary;
      void [reason, summary];
    }
  }
  const createOptions: CreateOptions = { priority: 'background' };
  const message: Message = await fl.messages.create(params, createOptions);
  void message.content;
  // @ts-expect-error a reason that does not exist: the types are real, not \`any\`
  const bad: EndReason = 'finished';
  void bad;
  const fileOptions: FileRunOptions = { out: 'jobs.results.jsonl', maxSpendUsd: 1, resendChanged: false };
  try {
    const outcome: FileRunOutcome = await fl.runFile('jobs.jsonl', fileOptions);
    void [outcome.summary.succeeded, outcome.resultsPath, outcome.alreadyDone, outcome.warnings];
  } catch (err) {
    if (err instanceof InputFileError) console.log(err.problems.join('\\n'));
  }
  await fl.close();
  try {
    new Floorline({ simulate: 'build', maxInFlightCap: -1 });
  } catch (err) {
    if (err instanceof ConfigError) console.log(err.message);
  }
}
`;

describe('the npm package: installed from its tarball into a fresh project', function () {
  this.timeout(300_000);
  let work: string;
  let project: string;
  let server: MockServer | undefined;
  const env = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, MOCK_URL: server!.url, MOCK_KEY: API_KEY });

  before(async () => {
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
    work = mkdtempSync(join(tmpdir(), 'floorline-consumer-'));
    const packDir = join(work, 'pack');
    mkdirSync(packDir);
    execFileSync('npm', ['pack', '--pack-destination', packDir], { cwd: ROOT, stdio: 'ignore' });
    const tarballs = readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
    assert.equal(tarballs.length, 1, `one tarball: ${tarballs.join(', ')}`);
    const tarball = join(packDir, tarballs[0]!);

    project = join(work, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'commonjs' }));
    try {
      await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: project, timeout: 120_000 });
    } catch {
      // Offline, npm resolves the package's dependencies only from its cache, which a fresh machine
      // (and this one) need not hold. The point is the tarball's contents and its exports map, not
      // the registry: so install it as npm lays it out (the tarball unpacked into
      // node_modules/<name>), and give it its declared `dependencies` (read from the packed
      // package.json, so a dependency missing there still fails) as links to the repo's installed
      // copies, which resolve their own dependencies where they really live.
      rmSync(join(project, 'node_modules'), { recursive: true, force: true });
      const target = join(project, 'node_modules', PKG.name);
      mkdirSync(target, { recursive: true });
      execFileSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
      const packed = JSON.parse(readFileSync(join(target, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
      for (const dep of Object.keys(packed.dependencies ?? {})) linkFromRepo(dep);
    }
    // The TypeScript consumer's own devDependency: the declarations use Node's types (EventEmitter, http).
    linkFromRepo('@types/node');
    assert.ok(existsSync(join(project, 'node_modules', PKG.name, 'package.json')), 'installed');

    server = await startMockServer({
      apiKey: API_KEY,
      limits: { requestsPerMinute: MANY, inputTokensPerMinute: MANY, outputTokensPerMinute: MANY },
      latency: { baseMs: 2, perOutputTokenMs: 0.2, jitter: 0.5 },
    });
  });

  function linkFromRepo(dep: string): void {
    const link = join(project, 'node_modules', dep);
    if (existsSync(link)) return;
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(realpathSync(join(ROOT, 'node_modules', dep)), link, 'dir');
  }

  after(async () => {
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('holds the library, the CLI and the docs, and no sources or tests', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const files = (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
    for (const f of ['package.json', 'README.md', 'LICENSE', 'dist/cli.js', 'dist/lib/index.mjs', 'dist/lib/index.cjs', 'dist/lib/types/lib/index.d.ts']) {
      assert.ok(files.includes(f), `${f} is packed`);
    }
    const stray = files.filter((f) => /^(src|test|bench|media|examples|node_modules)\//.test(f) || f.endsWith('.map'));
    assert.deepEqual(stray, []);
    // Redis is an optional peer: a program that never shares a quota installs nothing for it (and
    // the installed copy below has no ioredis, yet dispatches).
    const installed = JSON.parse(readFileSync(join(project, 'node_modules', PKG.name, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; peerDependenciesMeta?: Record<string, { optional?: boolean }> };
    assert.equal(installed.dependencies?.ioredis, undefined);
    assert.equal(installed.peerDependenciesMeta?.ioredis?.optional, true);
    assert.equal(existsSync(join(project, 'node_modules', 'ioredis')), false);
  });

  it(`ESM: import { Floorline } dispatches ${COUNT} requests, each answered once, and ends "done"`, async () => {
    writeFileSync(join(project, 'consumer.mjs'), ESM_CONSUMER);
    const { stdout } = await run(process.execPath, ['consumer.mjs'], { cwd: project, env: env(), timeout: 120_000 });
    assert.deepEqual(JSON.parse(stdout.trim()), { count: COUNT, unique: COUNT, reason: 'done', succeeded: COUNT });
  });

  it('CommonJS: require() gives messages.create and the ConfigError class', async () => {
    writeFileSync(join(project, 'consumer.cjs'), CJS_CONSUMER);
    const { stdout } = await run(process.execPath, ['consumer.cjs'], { cwd: project, env: env(), timeout: 60_000 });
    const out = JSON.parse(stdout.trim()) as { type: string; model: string; outputTokens: number; configError: boolean };
    assert.equal(out.type, 'message');
    assert.equal(out.model, 'claude-haiku-4-5');
    assert.ok(out.outputTokens >= 1 && out.outputTokens <= 7, String(out.outputTokens));
    assert.equal(out.configError, true);
  });

  it('TypeScript: every export type-checks from the declarations, as CommonJS and as ESM', async () => {
    const used = TS_CONSUMER;
    const missing = exportedNames().filter((name) => !new RegExp(`\\b${name}\\b`).test(used));
    assert.deepEqual(missing, [], 'consumer.ts uses every export of src/lib/index.ts');
    writeFileSync(join(project, 'consumer.ts'), TS_CONSUMER);
    writeFileSync(join(project, 'consumer-esm.mts'), TS_CONSUMER);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: ['node'], skipLibCheck: false },
        files: ['consumer.ts', 'consumer-esm.mts'],
      }),
    );
    try {
      await run(TSC, ['--noEmit', '-p', 'tsconfig.json'], { cwd: project, timeout: 120_000 });
    } catch (err) {
      const x = err as { stdout?: string; stderr?: string };
      assert.fail(`tsc failed:\n${x.stdout ?? ''}${x.stderr ?? ''}`);
    }
  });
});
