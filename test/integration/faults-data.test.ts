// Fault injection against the data promises: the built `floorline` command as a whole process
// against the mock API, with the faults a real job meets — a second run of the same file, a run
// killed with -9, files that are not ours, an input edited between runs or under a run, a rehearsal's
// results, a pipe, a server that lies, waits for ever or asks for years. What a server received is
// read from the mock's own counters (`receivedByKey`: every arrival, whatever the answer).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requestKey, startMockServer, type MalformedReply, type MockServer, type MockServerOptions } from '../../src/simulator/mock-server';
import { fingerprintOf } from '../../src/core/input/fingerprint';
import { lockPathFor } from '../../src/core/results/results-lock';
import { readSpendJournal, spendJournalPath } from '../../src/core/spend/spend-journal';
import { Pricing } from '../../src/core/pricing/pricing';
import { readResults, tempDir, writeJob } from '../helpers/jsonl';
import { CLI, ROOT, lineCount, startCli, until, type CliProcess, type Finished } from '../helpers/cli-process';

const API_KEY = 'test-key';
const MANY = 1_000_000_000;
const OPEN_LIMITS = { requestsPerMinute: MANY, inputTokensPerMinute: MANY, outputTokensPerMinute: MANY };
const MODEL = 'claude-haiku-4-5';

function start(args: string[], env: Record<string, string | undefined> = {}): CliProcess {
  return startCli(args, { ANTHROPIC_API_KEY: API_KEY, ...env });
}

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** No uncaught exception reached the terminal. */
const NO_STACK = /^\s+at .+\(.+:\d+:\d+\)$|^\s+at .+:\d+:\d+$|Uncaught|UnhandledPromiseRejection|TypeError|ReferenceError/m;

/** A file of bare messages.create bodies (ids `line-<n>`), one distinct prompt per entry. */
function writeBareBodies(path: string, prompts: string[]): Array<Record<string, unknown>> {
  const bodies = prompts.map((p) => ({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: p }] }));
  writeFileSync(path, bodies.map((b) => JSON.stringify(b)).join('\n') + '\n');
  return bodies;
}

/** The request keys the mock received more than once. */
function sentTwice(s: MockServer): string[] {
  return Object.entries(s.stats().receivedByKey).filter(([, n]) => n > 1).map(([k]) => k);
}

/** The `spent $X` of the summary, as a number; fails on `$NaN` or a negative amount. */
function summarySpent(stdout: string): number {
  const match = /spent (-?)\$([^\s]+)/.exec(stdout);
  assert.ok(match, `a "spent $…" summary line: ${stdout}`);
  assert.equal(match[1], '', `spent is not negative: ${match[0]}`);
  const usd = Number(match[2]);
  assert.ok(Number.isFinite(usd) && usd >= 0, `spent is a finite amount ≥ 0: ${match[0]}`);
  return usd;
}

/** Ctrl-C, and again if it has not ended a second later (a second one aborts what is in flight); resolves with how long it took to end. */
async function interruptTwice(p: CliProcess): Promise<{ r: Finished; ms: number }> {
  const t0 = Date.now();
  p.child.kill('SIGINT');
  await Promise.race([p.done, sleep(1_000)]);
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGINT');
  const r = await Promise.race([p.done, sleep(15_000).then(() => undefined)]);
  if (!r) {
    p.child.kill('SIGKILL');
    assert.fail(`still running 15 s after Ctrl-C twice:\n${p.stderr()}`);
  }
  return { r, ms: Date.now() - t0 };
}

describe('the data promises under fault injection (a real process against the mock API)', function () {
  this.timeout(60_000);
  let dir: string;
  let cleanup: () => void;
  let server: MockServer | undefined;
  const children: CliProcess[] = [];

  before(() => execFileSync(process.execPath, [join(ROOT, 'esbuild.mjs')], { cwd: ROOT }));
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(async () => {
    // A failed assertion must not leave a CLI running against a closed port.
    for (const c of children.splice(0)) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await server?.close();
    server = undefined;
    cleanup();
  });

  async function mock(options: Partial<MockServerOptions> = {}): Promise<MockServer> {
    server = await startMockServer({ apiKey: API_KEY, limits: OPEN_LIMITS, latency: { baseMs: 50, perOutputTokenMs: 0, jitter: 0.2 }, outputTokens: 20, ...options });
    return server;
  }
  function run(args: string[], env: Record<string, string | undefined> = {}): CliProcess {
    const p = start(args, env);
    children.push(p);
    return p;
  }

  describe('one writer per results file', () => {
    it('two runs of one file started together: one exits 2 naming the other; each id is sent and recorded once; batch submit is refused too', async () => {
      const s = await mock({ latency: { baseMs: 200, perOutputTokenMs: 0, jitter: 0.2 } });
      const input = join(dir, 'job.jsonl');
      const results = join(dir, 'job.results.jsonl');
      const ids = writeJob(input, { count: 300 });
      const args = ['run', input, '--base-url', s.url, '--max-in-flight', '8'];
      const a = run(args);
      const b = run(args);
      const first = await Promise.race([a.done.then((r) => ({ r, loser: a, survivor: b })), b.done.then((r) => ({ r, loser: b, survivor: a }))]);
      const { loser, survivor } = first;
      assert.equal(first.r.code, 2, `the first to end is the refused one:\n${first.r.stderr}`);
      assert.ok(
        first.r.stderr.includes(`${results} is in use by another Floorline run (floorline run, pid ${survivor.child.pid} `),
        `names the other run and its pid (${survivor.child.pid}):\n${first.r.stderr}`,
      );
      assert.equal(loser.child.exitCode, 2);

      // While the survivor holds the file: a batch submit of the same file is refused, naming it.
      assert.equal(survivor.child.exitCode, null, 'the survivor is still running');
      const submit = await run(['batch', 'submit', input, '--base-url', s.url]).done;
      assert.equal(survivor.child.exitCode, null, 'the survivor was still running when the submit was refused');
      assert.notEqual(submit.code, 0, submit.stderr);
      assert.ok(submit.stderr.includes(`is in use by another Floorline run (floorline run, pid ${survivor.child.pid} `), submit.stderr);
      assert.equal(s.stats().batchesCreated, 0, 'no batch was created');

      const done = await survivor.done;
      assert.equal(done.code, 0, done.stderr);
      const byKey = s.stats().receivedByKey;
      assert.deepEqual(Object.keys(byKey).sort(), ids, 'the mock saw exactly the file\'s ids');
      assert.deepEqual(Object.entries(byKey).filter(([, n]) => n !== 1), [], 'each custom_id reached the server once in total');
      const lines = readResults(results);
      assert.equal(lines.length, 300);
      assert.deepEqual(lines.map((l) => l.custom_id).sort(), ids, 'each id exactly once in the results');
      assert.equal(existsSync(lockPathFor(results)), false, 'the lock is gone after the run');
    });

    it('a lock left by kill -9 (same host, dead pid) is taken over by the next run, which finishes', async () => {
      const s = await mock({ latency: { baseMs: 200, perOutputTokenMs: 0, jitter: 0.2 } });
      const input = join(dir, 'job.jsonl');
      const results = join(dir, 'job.results.jsonl');
      const ids = writeJob(input, { count: 120 });
      const first = run(['run', input, '--base-url', s.url, '--max-in-flight', '4']);
      await until(() => lineCount(results) >= 10);
      first.child.kill('SIGKILL');
      assert.equal((await first.done).signal, 'SIGKILL');
      const lock = JSON.parse(readFileSync(lockPathFor(results), 'utf8')) as { pid: number; by: string };
      assert.equal(lock.pid, first.child.pid, 'kill -9 left its lock behind');

      const second = await run(['run', input, '--base-url', s.url, '--max-in-flight', '8']).done;
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stderr, /resuming/);
      assert.doesNotMatch(second.stderr, /in use by another/);
      assert.deepEqual(readResults(results).map((l) => l.custom_id).sort(), ids, 'every id exactly once');
      assert.equal(existsSync(lockPathFor(results)), false);
      // Only what was in flight at the kill (at most 4) can have reached the server twice.
      assert.ok(sentTwice(s).length <= 4, `sent twice: ${sentTwice(s).join(', ')}`);
    });
  });

  describe('files that are not ours are never changed', () => {
    async function refused(s: MockServer, input: string, out: string, watched: string, expected: RegExp): Promise<void> {
      const before = sha256(watched);
      const listing = readdirSync(dir).sort();
      const r = await run(['run', input, '--base-url', s.url, '--out', out]).done;
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, expected);
      assert.doesNotMatch(r.stderr, NO_STACK);
      assert.equal(sha256(watched), before, `${watched} is byte for byte as it was`);
      assert.deepEqual(readdirSync(dir).sort(), listing, 'no file was created or left beside it (lock, journal, temp)');
      assert.equal(s.stats().received, 0, 'nothing was sent');
    }

    it('--out a one-line text note, with and without its trailing newline: exit 2 naming path:1', async () => {
      const s = await mock();
      const input = join(dir, 'job.jsonl');
      writeJob(input, { count: 3 });
      for (const [name, text] of [['notes.txt', 'call Alice about the Q3 numbers\n'], ['notes2.txt', 'call Alice about the Q3 numbers']] as const) {
        const notes = join(dir, name);
        writeFileSync(notes, text);
        const path = notes.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        await refused(s, input, notes, notes, new RegExp(`${path}:1: the last line is not a Floorline results line`));
      }
    });

    it('a results file whose last line is a hand-written note: exit 2 naming path:line, nothing dropped', async () => {
      const s = await mock();
      const input = join(dir, 'job.jsonl');
      const results = join(dir, 'job.results.jsonl');
      writeJob(input, { count: 5 });
      const ok = await run(['run', input, '--base-url', s.url]).done;
      assert.equal(ok.code, 0, ok.stderr);
      // A sixth line to do, so the re-run has something to send if it went ahead.
      appendFileSync(input, JSON.stringify({ custom_id: 'req-extra', params: { model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: 'one more' }] } }) + '\n');
      appendFileSync(results, 'checked these by hand on Monday — Bob\n');
      s.resetStats();
      await refused(s, input, results, results, new RegExp(`job\\.results\\.jsonl:6: the last line is not a Floorline results line`));
    });

    it('a results path that is a symlink to a text file: refused, the target unchanged', async () => {
      const s = await mock();
      const input = join(dir, 'job.jsonl');
      writeJob(input, { count: 3 });
      const target = join(dir, 'diary.txt');
      writeFileSync(target, 'dear diary\n');
      const link = join(dir, 'out.jsonl');
      symlinkSync(target, link);
      await refused(s, input, link, target, /out\.jsonl is a symbolic link; Floorline does not write through links/);
    });
  });

  it('resume trusts fingerprints, not ids: a line inserted at the top is refused, then --resend-changed sends what changed', async () => {
    const s = await mock();
    const input = join(dir, 'bare.jsonl');
    const results = join(dir, 'bare.results.jsonl');
    const prompts = Array.from({ length: 5 }, (_, i) => `Original question number ${i + 1}?`);
    writeBareBodies(input, prompts);
    const first = await run(['run', input, '--base-url', s.url]).done;
    assert.equal(first.code, 0, first.stderr);
    const oldAnswers = readFileSync(results, 'utf8');

    const newPrompts = ['A brand new first question?', ...prompts];
    const bodies = writeBareBodies(input, newPrompts);
    s.resetStats();
    const resultsBefore = sha256(results);
    const refusedRun = await run(['run', input, '--base-url', s.url]).done;
    assert.equal(refusedRun.code, 2, refusedRun.stderr);
    for (let line = 1; line <= 5; line++) {
      assert.ok(refusedRun.stderr.includes(`${input}:${line}: 'line-${line}' is not the request whose answer bare.results.jsonl holds`), `names line ${line}:\n${refusedRun.stderr}`);
    }
    assert.ok(!refusedRun.stderr.includes(`${input}:6:`), 'line 6 is new, not changed');
    assert.match(refusedRun.stderr, /--resend-changed/);
    assert.equal(s.stats().received, 0, 'nothing was sent');
    assert.equal(sha256(results), resultsBefore, 'the results are untouched');

    const resend = await run(['run', input, '--base-url', s.url, '--resend-changed']).done;
    assert.equal(resend.code, 0, resend.stderr);
    assert.equal(s.stats().received, 6, 'the 5 changed lines and the new one');
    const promptKey = (p: string) => requestKey({ messages: [{ role: 'user', content: p }] });
    assert.deepEqual(s.stats().receivedByKey, Object.fromEntries(newPrompts.map((p) => [promptKey(p), 1])), 'each prompt of the edited file once');
    const replaced = join(dir, 'bare.results.replaced.jsonl');
    assert.equal(readFileSync(replaced, 'utf8'), oldAnswers, 'the old answers are set aside, as they were');
    const lines = readResults(results);
    assert.deepEqual(lines.map((l) => l.custom_id).sort(), ['line-1', 'line-2', 'line-3', 'line-4', 'line-5', 'line-6']);
    for (const l of lines) {
      const n = Number(l.custom_id.slice('line-'.length));
      assert.equal((l as unknown as { fingerprint: string }).fingerprint, fingerprintOf(bodies[n - 1]!), `${l.custom_id} records the request on line ${n}`);
      assert.equal(l.result.type, 'succeeded');
    }
  });

  it('a rehearsal never passes for real results: a real run into --simulate output exits 2 and sends nothing', async function () {
    this.timeout(90_000);
    const s = await mock();
    const input = join(dir, 'job.jsonl');
    const out = join(dir, 'X.jsonl');
    writeJob(input, { count: 5 });
    const sim = await run(['run', input, '--simulate', '--out', out], { ANTHROPIC_API_KEY: undefined }).done;
    assert.equal(sim.code, 0, sim.stderr);
    const simulated = readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { simulated?: unknown });
    assert.equal(simulated.length, 5);
    assert.ok(simulated.every((l) => l.simulated === true), 'every simulated line says so');

    const before = sha256(out);
    const real = await run(['run', input, '--base-url', s.url, '--out', out]).done;
    assert.equal(real.code, 2, real.stderr);
    assert.ok(real.stderr.includes(`${out}:1: holds 5 results from a rehearsal (--simulate)`), real.stderr);
    assert.equal(s.stats().received, 0, 'nothing was sent');
    assert.equal(sha256(out), before);
  });

  it('piped input (run /dev/stdin): exit 2, "not a regular file", nothing sent', async () => {
    const s = await mock();
    const lines = join(dir, 'lines.jsonl');
    writeBareBodies(lines, Array.from({ length: 5 }, (_, i) => `piped ${i}`));
    // A shell pipe, as a user would write it (node's own 'pipe' stdio is a socket pair).
    const child = spawn('/bin/sh', ['-c', 'cat "$1" | "$2" "$3" run /dev/stdin --base-url "$4"', 'sh', lines, process.execPath, CLI, s.url], {
      env: { PATH: process.env.PATH, CI: 'true', ANTHROPIC_API_KEY: API_KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: dir,
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.resume();
    const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
    assert.equal(code, 2, stderr);
    assert.match(stderr, /\/dev\/stdin is a pipe, not a regular file: .*save the input to a file first/);
    assert.doesNotMatch(stderr, NO_STACK);
    assert.equal(s.stats().received, 0);
    assert.deepEqual(readdirSync(dir), ['lines.jsonl'], 'no results file beside it');
  });

  describe('a server that lies', () => {
    const LIES = ['no-usage', 'usage-null', 'negative-usage', 'garbage-body'] as const;
    const MAX_TOKENS = 1_000;

    /** 10 lines, one at a time; the first requests are answered by `lies`, whichever lines they are. */
    async function lyingRun(lies: readonly MalformedReply[], extra: string[]): Promise<{ s: MockServer; r: Finished; results: string }> {
      const s = await mock();
      const input = join(dir, 'job.jsonl');
      writeJob(input, { count: 10, maxTokens: MAX_TOKENS });
      s.injectErrors(lies.map((malformed) => ({ malformed })));
      const r = await run(['run', input, '--base-url', s.url, '--max-in-flight', '1', ...extra]).done;
      return { s, r, results: join(dir, 'job.results.jsonl') };
    }

    it('all four lies in one run: no crash, each such line errored and not retried, spent finite and ≥ 0, exit 1', async () => {
      const { s, r, results } = await lyingRun(LIES, []);
      assert.equal(s.stats().malformedReplies, 4);
      assert.equal(r.code, 1, r.stderr);
      assert.doesNotMatch(r.stderr, NO_STACK, 'no stack trace');
      assert.match(r.stdout, /finished: 6 succeeded, 4 errored, 0 unsent/);
      const lines = readResults(results);
      assert.equal(lines.length, 10);
      assert.equal(lines.filter((l) => l.result.type === 'errored').length, 4);
      assert.equal(s.stats().received, 10, 'not retried (a retry would pay again)');
      summarySpent(r.stdout);
      assert.doesNotMatch(r.stdout + r.stderr, /NaN/);
    });

    for (const lie of LIES) {
      it(`${lie}: recorded as invalid_response, and under --max-spend-usd its worst case is kept`, async () => {
        const { s, r, results } = await lyingRun([lie], ['--max-spend-usd', '5']);
        assert.equal(s.stats().malformedReplies, 1);
        assert.equal(r.code, 1, r.stderr);
        assert.doesNotMatch(r.stderr, NO_STACK);
        const lines = readResults(results);
        const errored = lines.filter((l) => l.result.type === 'errored');
        assert.equal(errored.length, 1);
        const { error } = errored[0]!.result as { error: { error: { type: string; message: string } } };
        // The worst case is at least max_tokens of output at the model's price.
        const succeededUsd = lines.filter((l) => l.result.type === 'succeeded').reduce((sum, l) => sum + (l.cost_usd ?? 0), 0);
        const floor = succeededUsd + new Pricing().worstCaseCost(MODEL, 0, MAX_TOKENS, undefined)!;
        const spent = summarySpent(r.stdout);
        const journal = (await readSpendJournal(spendJournalPath(results))).carriedUsd;
        // Every broken promise at once, so a failure says all of what is wrong.
        const wrong: string[] = [];
        if (error.error.type !== 'invalid_response') wrong.push(`recorded as ${error.error.type}, not invalid_response: ${JSON.stringify(error)}`);
        if (!/the API answered 200 but .*worst case .* stays counted against the spend cap/.test(error.error.message)) wrong.push(`the message does not say the worst case is kept: "${error.error.message}"`);
        // The summary rounds to 3 significant digits; the journal is exact.
        if (!(spent >= floor * 0.99)) wrong.push(`summary spent $${spent} < $${floor.toFixed(6)} (succeeded $${succeededUsd.toFixed(6)} + the lie's worst case)`);
        if (!(journal >= floor)) wrong.push(`the journal carries $${journal.toFixed(6)} < $${floor.toFixed(6)} into the next run`);
        assert.deepEqual(wrong, []);
      });
    }
  });

  it('hostile model names (toString, constructor, valueOf, hasOwnProperty, __proto__) under a cap: exit 2, nothing sent', async () => {
    const s = await mock();
    const input = join(dir, 'job.jsonl');
    const names = ['toString', 'constructor', 'valueOf', 'hasOwnProperty', '__proto__'];
    writeFileSync(input, names.map((model, i) => JSON.stringify({ custom_id: `m-${i}`, params: { model, max_tokens: 50, messages: [{ role: 'user', content: `hi ${i}` }] } })).join('\n') + '\n');
    const r = await run(['run', input, '--base-url', s.url, '--max-spend-usd', '0.5']).done;
    assert.equal(r.code, 2, r.stderr);
    for (const [i, model] of names.entries()) {
      assert.ok(r.stderr.includes(`${input}:${i + 1}: model '${model}' has no known price`), `line ${i + 1} (${model}):\n${r.stderr}`);
    }
    assert.doesNotMatch(r.stderr, NO_STACK);
    assert.equal(s.stats().received, 0);
  });

  it('retry-after: 99999999 is capped at 10 min, said on stderr; Ctrl-C (twice if need be) ends it within 10 s (exit 130)', async () => {
    const s = await mock();
    const input = join(dir, 'job.jsonl');
    writeJob(input, { count: 20 });
    s.injectErrors([{ status: 429, type: 'rate_limit_error', message: 'slow down', retryAfterSec: 99_999_999 }]);
    const p = run(['run', input, '--base-url', s.url]);
    await until(() => /waiting 10 min at most/.test(p.stderr()), 20_000);
    assert.match(p.stderr(), /all new requests wait 600\.0 s \(the API asked for a wait of 3\.2 years; waiting 10 min at most\)/);
    const { r, ms } = await interruptTwice(p);
    assert.equal(r.code, 130, r.stderr);
    assert.ok(ms < 10_000, `ended ${ms} ms after the first Ctrl-C`);
    assert.equal(s.stats().received, 1, 'nothing was sent during the wait');
  });

  it('a server that accepts and never answers: Ctrl-C, Ctrl-C ends within 10 s (exit 130); a re-run completes each id once', async () => {
    const s = await mock();
    const input = join(dir, 'job.jsonl');
    const results = join(dir, 'job.results.jsonl');
    const ids = writeJob(input, { count: 40 });
    const hangs = 4;
    s.configure({ latency: { baseMs: 100 } });
    const p = run(['run', input, '--base-url', s.url, '--max-in-flight', String(hangs)]);
    await until(() => lineCount(results) >= 5);
    s.injectErrors(Array.from({ length: hangs }, () => ({ hang: true })));
    // Every slot ends up held by a request the server never answers.
    await until(() => s.stats().hung === hangs && s.stats().inFlight === hangs, 20_000);
    const recorded = lineCount(results);
    p.child.kill('SIGINT');
    await sleep(1_000);
    assert.equal(p.child.exitCode, null, 'the first Ctrl-C waits for in-flight requests');
    const t0 = Date.now();
    p.child.kill('SIGINT');
    const r = await Promise.race([p.done, sleep(15_000).then(() => undefined)]);
    assert.ok(r, `still running 15 s after the second Ctrl-C:\n${p.stderr()}`);
    assert.equal(r.code, 130, r.stderr);
    assert.ok(Date.now() - t0 < 10_000, `ended ${Date.now() - t0} ms after the second Ctrl-C`);
    assert.equal(lineCount(results), recorded, 'the aborted requests are not recorded');
    await until(() => s.stats().inFlight === 0, 5_000); // the server saw the client go

    const again = await run(['run', input, '--base-url', s.url]).done;
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(readResults(results).map((l) => l.custom_id).sort(), ids, 'every id exactly once');
    assert.ok(readResults(results).every((l) => l.result.type === 'succeeded'));
  });

  it('the input edited mid-run (an invalid line appended): exit 6, "the file changed", what was answered is in the results', async () => {
    const s = await mock({ latency: { baseMs: 100, perOutputTokenMs: 0, jitter: 0.2 } });
    const input = join(dir, 'job.jsonl');
    const results = join(dir, 'job.results.jsonl');
    // 4 KB lines, 1.2 MB: far more than the reader holds ahead of the dispatch (64 lines, 64 KiB chunks).
    writeJob(input, { count: 300, prompt: (i) => `Question ${i}: ${'pad '.repeat(1_000)}` });
    const p = run(['run', input, '--base-url', s.url, '--max-in-flight', '8']);
    await until(() => lineCount(results) >= 5);
    appendFileSync(input, '{"custom_id": "broken", "params": \n');
    const r = await p.done;
    assert.equal(r.code, 6, r.stderr);
    assert.ok(r.stderr.includes(`${input}:301: the file changed after it was checked and this line is now invalid`), r.stderr);
    assert.doesNotMatch(r.stderr, NO_STACK);
    assert.match(r.stdout, /^failed: \d+ succeeded, 0 errored, \d+ unsent/m);
    const lines = readResults(results);
    assert.ok(lines.length < 300, 'it stopped: it did not send the rest');
    assert.equal(lines.length, s.stats().succeeded, 'every answer the server gave is recorded');
    assert.ok(lines.every((l) => l.result.type === 'succeeded'));
    assert.equal(new Set(lines.map((l) => l.custom_id)).size, lines.length);
  });
});
