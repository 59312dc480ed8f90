// The `floorline` command as a whole process, against the mock API: exit codes, kill -9 and resume.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMockServer, type MockServer, type MockServerOptions } from '../../src/simulator/mock-server';
import { readResults, tempDir, writeJob } from '../helpers/jsonl';
import { startCli, lineCount, until, ROOT, type CliProcess } from '../helpers/cli-process';

const API_KEY = 'test-key';
const MANY = 1_000_000_000;
const OPEN_LIMITS = { requestsPerMinute: MANY, inputTokensPerMinute: MANY, outputTokensPerMinute: MANY };

function start(args: string[], env: Record<string, string | undefined> = {}): CliProcess {
  return startCli(args, { ANTHROPIC_API_KEY: API_KEY, ...env });
}

describe('floorline CLI (a real process against the mock API)', function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => void;
  let server: MockServer | undefined;

  before(() => execFileSync(process.execPath, [join(ROOT, 'esbuild.mjs')], { cwd: ROOT }));
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(async () => {
    await server?.close();
    server = undefined;
    cleanup();
  });

  async function mock(options: Partial<MockServerOptions> = {}): Promise<MockServer> {
    server = await startMockServer({ apiKey: API_KEY, limits: OPEN_LIMITS, latency: { baseMs: 150, perOutputTokenMs: 1, jitter: 0.2 }, outputTokens: 20, ...options });
    return server;
  }

  it('--fallback: a job whose class is throttled to a quarter finishes sooner, every result naming the model that answered', async () => {
    // Opus's output bucket a quarter of Sonnet's, both drained; 100 output tokens a reply.
    const throttled = () => mock({
      limits: { requestsPerMinute: MANY, inputTokensPerMinute: MANY, outputTokensPerMinute: 300_000 },
      classLimits: { opus: { outputTokensPerMinute: 75_000 } },
      initial: 'drained',
      outputTokens: 100,
    });
    const timed = async (name: string, extra: string[]) => {
      const s = await throttled();
      const input = join(dir, `${name}.jsonl`);
      writeJob(input, { count: 200, model: 'claude-opus-4-7' });
      const started = Date.now();
      const r = await start(['run', input, '--base-url', s.url, ...extra]).done;
      assert.equal(r.code, 0, r.stderr);
      await s.close();
      server = undefined;
      return { seconds: (Date.now() - started) / 1000, r, lines: readResults(join(dir, `${name}.results.jsonl`)) };
    };
    const alone = await timed('alone', []);
    const chained = await timed('chained', ['--fallback', 'claude-opus-4-7=claude-sonnet-4-6', '--fallback-after', '2s']);
    console.log(`      --fallback: ${chained.seconds.toFixed(1)} s with the chain, ${alone.seconds.toFixed(1)} s without`);
    assert.ok(chained.seconds < 0.75 * alone.seconds, `${chained.seconds.toFixed(1)} s with the chain, ${alone.seconds.toFixed(1)} s without`);
    assert.ok(alone.lines.every((l) => l.model === 'claude-opus-4-7' && l.fallback_from === undefined));
    const moved = chained.lines.filter((l) => l.fallback_from === 'claude-opus-4-7');
    assert.ok(moved.length > 20, `${moved.length} lines fell back`);
    for (const l of chained.lines) {
      assert.equal(l.model, (l.result as { message: { model: string } }).message.model, 'the model named is the one that answered');
    }
    assert.match(chained.r.stdout, new RegExp(`^fallbacks: ${moved.length} claude-opus-4-7 → claude-sonnet-4-6$`, 'm'));
  });

  it('resumes a run killed with SIGKILL: every id exactly once, nothing lost', async () => {
    const s = await mock();
    const input = join(dir, 'job.jsonl');
    const ids = writeJob(input, { count: 400 });
    const results = join(dir, 'job.results.jsonl');

    const first = start(['run', input, '--base-url', s.url, '--max-in-flight', '8']);
    await until(() => lineCount(results) >= 60);
    first.child.kill('SIGKILL');
    const killed = await first.done;
    assert.equal(killed.signal, 'SIGKILL');
    const before = lineCount(results);
    assert.ok(before < 400, 'killed mid-run');

    const second = await start(['run', input, '--base-url', s.url, '--max-in-flight', '8']).done;
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /resuming/);
    const lines = readResults(results);
    assert.equal(lines.length, 400);
    assert.deepEqual(lines.map((l) => l.custom_id).sort(), ids);
    assert.ok(lines.every((l) => l.result.type === 'succeeded'));
    // Only what was in flight at the kill can have been answered twice by the server.
    const answeredTwice = Object.values(s.stats().completionsByKey).filter((n) => n > 1).length;
    assert.ok(answeredTwice <= 8, `${answeredTwice} ids answered twice`);
    console.log(`      killed after ${before} lines; resumed to 400; ${answeredTwice} requests were in flight at the kill`);
  });

  it('exits 2 and sends nothing when a line is bad, naming file:line', async () => {
    const s = await mock();
    const input = join(dir, 'bad.jsonl');
    writeJob(input, { count: 3 });
    appendFileSync(input, '{"custom_id": "ok-but-broken", "params": {"model": "claude-haiku-4-5", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}\n');
    const r = await start(['run', input, '--base-url', s.url]).done;
    assert.equal(r.code, 2);
    assert.ok(r.stderr.includes(`${input}:4: `), r.stderr);
    assert.match(r.stderr, /nothing was sent/);
    assert.equal(s.stats().received, 0);
    assert.equal(existsSync(join(dir, 'bad.results.jsonl')), false, 'no results file is created');
  });

  it('exits 2 on an empty or blank-only file, saying it has no requests (not "already succeeded")', async () => {
    const s = await mock();
    for (const [name, content] of [['empty.jsonl', ''], ['blank.jsonl', '\n   \n\t\n']] as const) {
      const input = join(dir, name);
      writeFileSync(input, content);
      const r = await start(['run', input, '--base-url', s.url]).done;
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trim(), `floorline: ${input} has no requests (empty or only blank lines); nothing to do`);
      assert.equal(r.stdout, '', 'no "nothing to do — every line already succeeded"');
      assert.equal(existsSync(input.replace(/\.jsonl$/, '.results.jsonl')), false, 'no results file is created');
    }
    assert.equal(s.stats().received, 0);
  });

  it('exits 2 without a key, and suggests --simulate', async () => {
    const input = join(dir, 'job.jsonl');
    writeJob(input, { count: 1 });
    const r = await start(['run', input], { ANTHROPIC_API_KEY: undefined }).done;
    assert.equal(r.code, 2);
    assert.match(r.stderr, /ANTHROPIC_API_KEY is not set.*--simulate/);
  });

  it('exits 1 when some lines errored, and records them', async () => {
    const s = await mock({ knownModels: ['claude-haiku-4-5'] });
    const input = join(dir, 'job.jsonl');
    writeJob(input, { count: 5 });
    appendFileSync(input, JSON.stringify({ custom_id: 'unknown-model', params: { model: 'claude-nonexistent-1', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] } }) + '\n');
    const r = await start(['run', input, '--base-url', s.url]).done;
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /warning: unknown model 'claude-nonexistent-1'/);
    const errored = readResults(join(dir, 'job.results.jsonl')).filter((l) => l.result.type === 'errored');
    assert.equal(errored.length, 1);
    assert.equal(errored[0]!.custom_id, 'unknown-model');
  });

  it('exits 3 at the spend cap, with the server billing no more than the cap', async () => {
    const s = await mock({ outputTokens: 900 });
    const input = join(dir, 'job.jsonl');
    writeJob(input, { count: 100, maxTokens: 1000 });
    const r = await start(['run', input, '--base-url', s.url, '--max-spend-usd', '0.1']).done;
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /budget reached/);
    assert.ok(s.stats().billedUsd <= 0.1, `billed ${s.stats().billedUsd}`);
  });

  it('exits 4 when the API refuses the key, after one request', async () => {
    const s = await mock();
    const input = join(dir, 'job.jsonl');
    writeJob(input, { count: 50 });
    const r = await start(['run', input, '--base-url', s.url], { ANTHROPIC_API_KEY: 'wrong-key' }).done;
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /rejected the API key/);
    assert.equal(s.stats().received, 1);
    assert.ok(!r.stderr.includes('wrong-key') && !r.stdout.includes('wrong-key'), 'the key is never printed');
  });

  it('Ctrl-C stops gracefully (exit 130) and a re-run finishes the job', async () => {
    const s = await mock({ latency: { baseMs: 400, perOutputTokenMs: 1, jitter: 0 } });
    const input = join(dir, 'job.jsonl');
    const ids = writeJob(input, { count: 200 });
    const results = join(dir, 'job.results.jsonl');
    const first = start(['run', input, '--base-url', s.url, '--max-in-flight', '4']);
    await until(() => lineCount(results) >= 10);
    first.child.kill('SIGINT');
    const r = await first.done;
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /stopping/);
    const afterStop = readResults(results);
    assert.equal(s.stats().succeeded, afterStop.length, 'in-flight requests finished and were recorded');
    const again = await start(['run', input, '--base-url', s.url]).done;
    assert.equal(again.code, 0);
    assert.deepEqual(readResults(results).map((l) => l.custom_id).sort(), ids);
  });

  it('--simulate runs the quick-start example with no key and writes simulated results apart', async () => {
    const r = await start(['run', join(ROOT, 'examples/quickstart.jsonl'), '--simulate', '--out', join(dir, 'sim.jsonl')], { ANTHROPIC_API_KEY: undefined }).done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /finished: 20 succeeded/);
    assert.equal(readResults(join(dir, 'sim.jsonl')).length, 20);
    // CI is set (non-TTY): info lines print, but the in-flight ceiling's arithmetic is --verbose only.
    assert.doesNotMatch(r.stderr, /in-flight ceiling|headroom/);
    // cost_usd is written rounded to 1e-10 USD: no 0.00033299999999999996.
    const costs = readFileSync(join(dir, 'sim.jsonl'), 'utf8').match(/"cost_usd":[^,}]*/g) ?? [];
    assert.equal(costs.length, 20);
    for (const c of costs) assert.match(c, /^"cost_usd":0\.\d{1,10}$/);
  });
});
