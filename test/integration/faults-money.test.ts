// Fault injection against the spend cap: the built `floorline` command is killed (SIGKILL), stopped
// (one SIGINT) or aborted (two SIGINTs) at random moments, over and over, and resumed each time.
// Money is checked at the server's books — the mock bills every request it generated a reply
// for, including those whose client had died, as the real API does — never at ours alone.
//
// The kill schedule comes from a seeded PRNG; the seed is printed. To replay a failure:
//   FLOORLINE_FAULT_SEED=<seed> npx mocha --timeout 300000 test/integration/faults-money.test.ts
// (FLOORLINE_FAULT_TRACE=1 also prints each cycle: fault, exit, reservations left open, billed so far.)
// Timing is the machine's, so a seed replays the schedule of faults, not every race inside it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMockServer, type MockServer, type MockRequestBody } from '../../src/simulator/mock-server';
import { readSpendJournal, spendJournalPath } from '../../src/core/spend/spend-journal';
import { tempDir } from '../helpers/jsonl';
import { startCli, until, ROOT, type CliProcess, type Finished } from '../helpers/cli-process';

const API_KEY = 'test-key';
const MANY = 1_000_000_000;
const OPEN_LIMITS = { requestsPerMinute: MANY, inputTokensPerMinute: MANY, outputTokensPerMinute: MANY };
const MODELS = ['claude-haiku-4-5', 'claude-sonnet-4-6', 'claude-opus-4-7'] as const;
/** Float sums in two processes (ours and the server's) may differ in their last bits. */
const EPS = 1e-9;

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedFor(test: string): number {
  const given = process.env.FLOORLINE_FAULT_SEED;
  const seed = given !== undefined && given !== '' ? Number(given) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
  console.log(`      [${test}] seed ${seed} (replay: FLOORLINE_FAULT_SEED=${seed})`);
  return seed;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A long system block per model, marked for prompt caching: what estimate.ts's `promptCacheTtl` detects. */
function cachedSystem(model: string): unknown[] {
  const text = `You are a careful assistant for ${model}. ` + 'Answer briefly, cite nothing, never apologise. '.repeat(30);
  return [{ type: 'text', text, cache_control: { type: 'ephemeral' } }];
}

interface Line {
  id: string;
  model: string;
  maxTokens: number;
  cached: boolean;
}

/** Writes the input; each request's `metadata.user_id` is its custom_id, so the mock counts per id. */
function writeMixedJob(path: string, lines: Line[]): string[] {
  const text = lines.map((l, i) =>
    JSON.stringify({
      custom_id: l.id,
      params: {
        model: l.model,
        max_tokens: l.maxTokens,
        metadata: { user_id: l.id },
        ...(l.cached ? { system: cachedSystem(l.model) } : {}),
        messages: [{ role: 'user', content: `Question ${i} (${l.id}): say something short about the number ${i}.` }],
      },
    }),
  );
  writeFileSync(path, text.join('\n') + '\n');
  return lines.map((l) => l.id);
}

/** What the results file holds; every id at most once, no line twice. */
function checkResultsFile(path: string, ids: readonly string[], seed: number): { lines: number; ids: Set<string> } {
  if (!existsSync(path)) return { lines: 0, ids: new Set() };
  const raw = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  assert.equal(new Set(raw).size, raw.length, `seed ${seed}: a line appears twice in ${path}`);
  const seen = new Map<string, number>();
  for (const line of raw) {
    const id = (JSON.parse(line) as { custom_id: string }).custom_id;
    seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  const twice = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  assert.deepEqual(twice, [], `seed ${seed}: custom_ids written more than once`);
  const known = new Set(ids);
  const strangers = [...seen.keys()].filter((id) => !known.has(id));
  assert.deepEqual(strangers, [], `seed ${seed}: ids that are not in the input`);
  return { lines: raw.length, ids: new Set(seen.keys()) };
}

/** The closing summary's `spent $X of $Y cap`. */
function summarySpend(stdout: string): { spent: number; cap: number } {
  const m = /spent \$([\d.]+) of \$([\d.]+) cap/.exec(stdout);
  assert.ok(m, `no spend line in the summary:\n${stdout}`);
  return { spent: Number(m[1]), cap: Number(m[2]) };
}

function describeJournal(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '(no journal)';
}

type Fault = 'SIGKILL' | 'SIGINT' | 'SIGINT×2';

describe('the spend cap across crashes (fault injection against the mock API)', function () {
  this.timeout(300_000);
  let dir: string;
  let cleanup: () => void;
  let server: MockServer | undefined;
  let running: CliProcess | undefined;

  before(() => execFileSync(process.execPath, [join(ROOT, 'esbuild.mjs')], { cwd: ROOT }));
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(async () => {
    if (running && running.child.exitCode === null && running.child.signalCode === null) {
      running.child.kill('SIGKILL');
      await running.done;
    }
    running = undefined;
    await server?.close();
    server = undefined;
    cleanup();
  });

  function start(args: string[]): CliProcess {
    running = startCli(args, { ANTHROPIC_API_KEY: API_KEY });
    return running;
  }

  /** Replies take as many output tokens as max_tokens allows, so a request's worst case is close to its bill. */
  async function mock(latency: { baseMs: number; perOutputTokenMs: number; jitter: number }): Promise<MockServer> {
    server = await startMockServer({
      apiKey: API_KEY,
      limits: OPEN_LIMITS,
      latency,
      outputTokens: (body: MockRequestBody) => body.max_tokens,
    });
    return server;
  }

  /** Everything the server started has finished (and been billed), including replies nobody was left to read. */
  async function serverSettled(s: MockServer): Promise<void> {
    await until(() => s.stats().inFlight === 0, 60_000);
  }

  it('20 random kills, stops and aborts under a tight cap: the server never bills more than the cap', async () => {
    const seed = seedFor('kill-and-resume');
    const random = prng(seed);
    // Replies of ~450–750 ms; four in flight at a time.
    const s = await mock({ baseMs: 350, perOutputTokenMs: 1, jitter: 0.2 });
    const input = join(dir, 'job.jsonl');
    const results = join(dir, 'job.results.jsonl');
    const journal = spendJournalPath(results);
    const lines: Line[] = Array.from({ length: 150 }, (_, i) => ({
      id: `line-${String(i).padStart(4, '0')}`,
      model: MODELS[i % 3]!,
      maxTokens: 150 + ((i * 37) % 200),
      cached: i % 4 === 0,
    }));
    const ids = writeMixedJob(input, lines);
    // The whole file bills ~$0.58 (output-bound: replies use all of max_tokens); the cap is under half of it.
    const cap = 0.25;
    const args = ['run', input, '--base-url', s.url, '--max-spend-usd', String(cap), '--max-in-flight', '4'];

    const cycles: Array<{ fault: Fault | 'none'; afterMs: number; code: number | null; signal: string | null; unsettled: number; billed: number }> = [];
    for (let cycle = 0; cycle < 20; cycle++) {
      const roll = random();
      // The first cycle always kills a run with requests in flight: once the cap is reached every
      // later run ends at once, and a seed that rolled only Ctrl-Cs before that would prove nothing
      // (seed 1225612149: 4 handled Ctrl-Cs, then 16 runs that ended before their fault).
      const first = cycle === 0;
      const fault: Fault = first ? 'SIGKILL' : roll < 0.4 ? 'SIGKILL' : roll < 0.7 ? 'SIGINT' : 'SIGINT×2';
      const afterMs = Math.round(200 + random() * 1300);
      const secondAfterMs = Math.round(30 + random() * 300);
      const received = s.stats().received;
      const p = start(args);
      const inFlight = first ? until(() => s.stats().inFlight > 0 && s.stats().received >= received + 2, 30_000).then(() => sleep(afterMs % 300), () => undefined) : sleep(afterMs);
      const endedFirst = await Promise.race([p.done.then(() => true), inFlight.then(() => false)]);
      if (!endedFirst) {
        if (fault === 'SIGKILL') p.child.kill('SIGKILL');
        else {
          p.child.kill('SIGINT');
          if (fault === 'SIGINT×2') {
            const endedBetween = await Promise.race([p.done.then(() => true), sleep(secondAfterMs).then(() => false)]);
            if (!endedBetween) p.child.kill('SIGINT');
          }
        }
      }
      const r: Finished = await p.done;
      const reading = await readSpendJournal(journal);
      const billed = s.stats().billedUsd;
      cycles.push({ fault: endedFirst ? 'none' : fault, afterMs, code: r.code, signal: r.signal, unsettled: reading.unsettled, billed });
      const where = `seed ${seed}, cycle ${cycle + 1} (${fault} after ${afterMs} ms; exit ${r.code ?? r.signal})`;
      if (process.env.FLOORLINE_FAULT_TRACE) console.log(`        ${where}${endedFirst ? ', ended before the fault' : ''}: ${reading.unsettled} open, billed $${billed.toFixed(4)}`);
      // Only a death by signal may end a run; anything else is a run that failed on its own.
      assert.ok(r.signal !== null || [0, 3, 130].includes(r.code!), `${where}: unexpected exit\n${r.stderr}`);
      // A Ctrl-C that was handled (exit 130) lets in-flight requests settle — answered, or aborted at
      // their worst case — so only a death leaves reservations open.
      if (r.code === 130) assert.equal(reading.unsettled, 0, `${where}: a handled stop left reservations open\n${describeJournal(journal)}`);
      // Monotonic: above the cap now means above it for good.
      assert.ok(billed <= cap + EPS, `${where}: the server has billed $${billed} against a $${cap} cap\njournal:\n${describeJournal(journal)}`);
      checkResultsFile(results, ids, seed);
    }

    const last = await start(args).done;
    await serverSettled(s);
    const stats = s.stats();
    const books = await readSpendJournal(journal);
    const summary = summarySpend(last.stdout);
    const done = checkResultsFile(results, ids, seed);
    const killedWithOpen = cycles.filter((c) => c.unsettled > 0);
    console.log(
      `      ${cycles.length} cycles: ` +
        (['SIGKILL', 'SIGINT', 'SIGINT×2', 'none'] as const).map((f) => `${cycles.filter((c) => c.fault === f).length} ${f}`).join(', ') +
        `; ${killedWithOpen.length} left requests in flight (${killedWithOpen.reduce((n, c) => n + c.unsettled, 0)} in all)`,
    );
    console.log(
      `      billed $${stats.billedUsd.toFixed(6)} of the $${cap} cap (${stats.abandoned} replies billed after their client was gone); ` +
        `our books $${books.carriedUsd.toFixed(6)}; summary "spent $${summary.spent} of $${summary.cap}"; ${done.lines} of ${ids.length} lines answered; final exit ${last.code}`,
    );

    const where = `seed ${seed}, final run`;
    assert.equal(last.code, 3, `${where}: the cap binds, so the job ends at the budget\n${last.stderr}`);
    assert.match(last.stdout, /budget reached/, where);
    assert.ok(stats.billedUsd <= cap + EPS, `${where}: the server billed $${stats.billedUsd} against a $${cap} cap\njournal:\n${describeJournal(journal)}`);
    assert.ok(summary.spent <= cap, `${where}: the summary says spent $${summary.spent} of a $${cap} cap`);
    assert.equal(summary.cap, cap);
    // Our books never count less than the server billed: an under-count is how a cap gets crossed.
    assert.ok(books.carriedUsd >= stats.billedUsd - EPS, `${where}: the journal counts $${books.carriedUsd}, the server billed $${stats.billedUsd}`);
    assert.ok(books.carriedUsd <= cap + EPS, `${where}: the journal counts $${books.carriedUsd} against a $${cap} cap`);
    assert.ok(done.lines < ids.length, `${where}: the cap left lines unanswered`);
    // The scenario did what it is for: the server billed replies no run lived to record.
    assert.ok(stats.abandoned > 0, `${where}: no kill or abort caught a request in flight; the test proved nothing`);
  });

  it('kills with many slow requests in flight: the re-run counts them at their worst case, and the cap holds', async () => {
    const seed = seedFor('slow-in-flight');
    const random = prng(seed);
    // One line in four asks for 1,500 tokens and takes ~1.7 s to answer; the rest ~0.3–0.5 s.
    const s = await mock({ baseMs: 150, perOutputTokenMs: 1, jitter: 0.1 });
    const input = join(dir, 'slow.jsonl');
    const results = join(dir, 'slow.results.jsonl');
    const journal = spendJournalPath(results);
    const lines: Line[] = Array.from({ length: 100 }, (_, i) => ({
      id: `slow-${String(i).padStart(4, '0')}`,
      // The slow ones on Haiku, so that a kill's worst cases do not eat the cap at once.
      model: i % 4 === 1 ? 'claude-haiku-4-5' : MODELS[i % 3]!,
      maxTokens: i % 4 === 1 ? 1_500 : 150 + ((i * 37) % 200),
      cached: i % 5 === 0,
    }));
    const ids = writeMixedJob(input, lines);
    // ~$0.49 for the whole file; the cap is about 40% of it.
    const cap = 0.2;
    const args = ['run', input, '--base-url', s.url, '--max-spend-usd', String(cap), '--max-in-flight', '6'];

    let previousUnsettled = 0;
    let kills = 0;
    let abandonedAtKills = 0;
    const perKill: string[] = [];
    const checkAnnounced = (stderr: string, where: string) => {
      const m = /counting (\d+) requests? in flight when a run ended at its worst case/.exec(stderr);
      if (previousUnsettled === 0) assert.equal(m, null, `${where}: announces requests in flight though the last run left none\n${stderr}`);
      else {
        assert.ok(m, `${where}: does not name the ${previousUnsettled} requests in flight when the last run ended\n${stderr}`);
        assert.equal(Number(m[1]), previousUnsettled, `${where}: names ${m[1]} requests in flight; the journal held ${previousUnsettled} open`);
      }
    };

    for (let cycle = 0; cycle < 6; cycle++) {
      const where = `seed ${seed}, cycle ${cycle + 1}`;
      const abandonedBefore = s.stats().abandoned;
      const p = start(args);
      let ended = false;
      void p.done.then(() => (ended = true));
      // Killed once several requests are at the server, a little later by a random amount.
      await until(() => ended || s.stats().inFlight >= 4, 60_000);
      if (!ended) await sleep(Math.round(random() * 400));
      if (!ended) p.child.kill('SIGKILL');
      const r = await p.done;
      checkAnnounced(r.stderr, where);
      // Every reply the server generates for the dead run is billed before we look.
      await serverSettled(s);
      const abandoned = s.stats().abandoned - abandonedBefore;
      const reading = await readSpendJournal(journal);
      if (r.signal === 'SIGKILL') {
        kills++;
        abandonedAtKills += abandoned;
        perKill.push(`${reading.unsettled} open/${abandoned} billed unread`);
        // The server's own count of replies it billed to a dead client: each had a reservation that never settled.
        assert.ok(reading.unsettled >= abandoned, `${where}: the server billed ${abandoned} replies nobody read, the journal holds ${reading.unsettled} open\n${describeJournal(journal)}`);
      } else {
        assert.ok([0, 3].includes(r.code!), `${where}: unexpected exit ${r.code ?? r.signal}\n${r.stderr}`);
        assert.equal(reading.unsettled, 0, `${where}: a run that ended on its own left reservations open`);
      }
      previousUnsettled = reading.unsettled;
      assert.ok(s.stats().billedUsd <= cap + EPS, `${where}: the server has billed $${s.stats().billedUsd} against a $${cap} cap\njournal:\n${describeJournal(journal)}`);
      checkResultsFile(results, ids, seed);
    }

    const last = await start(args).done;
    checkAnnounced(last.stderr, `seed ${seed}, final run`);
    await serverSettled(s);
    const stats = s.stats();
    const books = await readSpendJournal(journal);
    const done = checkResultsFile(results, ids, seed);
    console.log(`      ${kills} kills (${perKill.join(', ')}); ${abandonedAtKills} replies billed after their client died`);
    console.log(
      `      billed $${stats.billedUsd.toFixed(6)} of the $${cap} cap; our books $${books.carriedUsd.toFixed(6)}; ` +
        `${done.lines} of ${ids.length} lines answered; final exit ${last.code}`,
    );

    const where = `seed ${seed}, final run`;
    assert.ok([0, 3].includes(last.code!), `${where}: exit ${last.code}\n${last.stderr}`);
    assert.ok(stats.billedUsd <= cap + EPS, `${where}: the server billed $${stats.billedUsd} against a $${cap} cap\njournal:\n${describeJournal(journal)}`);
    assert.ok(summarySpend(last.stdout).spent <= cap, `${where}: ${last.stdout}`);
    assert.ok(books.carriedUsd >= stats.billedUsd - EPS, `${where}: the journal counts $${books.carriedUsd}, the server billed $${stats.billedUsd}`);
    // Many were in flight at the kills: slow replies outlive the random delay, so most kills catch some.
    assert.ok(kills >= 1, `${where}: no run was killed`);
    assert.ok(abandonedAtKills >= kills, `${where}: ${abandonedAtKills} replies billed to dead clients over ${kills} kills`);
  });
});
