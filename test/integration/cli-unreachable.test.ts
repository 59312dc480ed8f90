// The `floorline` command against an API it cannot reach: attempts that never left the machine
// cost nothing under the spend cap, no line is marked errored (a resume sends them all), the run
// stops within seconds saying why, and a credential in the base URL is printed and written nowhere.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readResults, tempDir, writeJob } from '../helpers/jsonl';
import { startCli, ROOT } from '../helpers/cli-process';
import { closedPort } from '../helpers/ports';


describe('floorline CLI against an unreachable API', function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => void;

  before(() => execFileSync(process.execPath, [join(ROOT, 'esbuild.mjs')], { cwd: ROOT }));
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());

  /**
   * Five lines of 20,000 max_tokens of Haiku, $0.10 worst case each, two attempts apiece: were
   * refused attempts counted, the ten of them would be $1, and a $0.50 cap would end the run.
   */
  // Through ANTHROPIC_BASE_URL: the --base-url flag refuses a URL with credentials up front.
  async function runAgainst(baseUrl: string, extra: string[] = []) {
    const input = join(dir, 'job.jsonl');
    writeJob(input, { count: 5, maxTokens: 20_000 });
    const r = await startCli(['run', input, '--max-spend-usd', '0.5', '--max-attempts', '2', ...extra], { ANTHROPIC_API_KEY: 'x', ANTHROPIC_BASE_URL: baseUrl }).done;
    const resultsPath = join(dir, 'job.results.jsonl');
    return { ...r, resultsPath, results: existsSync(resultsPath) ? readResults(resultsPath) : [] };
  }

  it('a closed port: stopped within seconds, every line unsent, spent $0.00, not "budget reached"', async () => {
    const started = Date.now();
    const r = await runAgainst(`http://127.0.0.1:${await closedPort()}`);
    assert.equal(r.code, 4, r.stderr);
    assert.ok(Date.now() - started < 60_000, 'a wrong base URL is said within seconds');
    assert.match(r.stdout, /spent \$0\.00 of \$0\.500 cap/, r.stdout);
    assert.match(r.stderr, /The API could not be reached for \d+ s: no connection could be made\. Nothing was billed .* \(last error: connect ECONNREFUSED 127\.0\.0\.1:\d+/, r.stderr);
    assert.match(r.stderr, /0 succeeded, 0 errored, 5 unsent, \$0\.00/, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /budget.reached/i);
    assert.equal(r.results.length, 0, 'no line is marked errored: a resume sends every one');
    // One attempt per pause (1, 2, 4 s, jittered), not one per line per millisecond.
    const pauses = r.stderr.match(/no connection to the API: all new requests wait/g) ?? [];
    assert.ok(pauses.length >= 3 && pauses.length <= 5, r.stderr);
  });

  it('a base URL with user-info: the secret is in neither stderr nor stdout nor any file', async () => {
    const r = await runAgainst(`http://floorline-s3cret@127.0.0.1:${await closedPort()}/`, ['--verbose']);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stdout, /spent \$0\.00 of \$0\.500 cap/, r.stdout);
    // The URL does appear, masked: fetch names it when it refuses one with user-info.
    assert.match(r.stderr, /http:\/\/\*\*\*@127\.0\.0\.1:\d+\/v1\/messages/);
    const written = existsSync(r.resultsPath) ? readFileSync(r.resultsPath, 'utf8') : '';
    for (const [where, text] of [['stderr', r.stderr], ['stdout', r.stdout], ['results', written]] as const) {
      assert.doesNotMatch(text, /floorline-s3cret/, where);
    }
  });

  it('--base-url with credentials is refused before anything runs, without echoing them', async () => {
    const input = join(dir, 'job.jsonl');
    writeJob(input, { count: 2 });
    const r = await startCli(['run', input, '--base-url', 'http://user:floorline-s3cret@127.0.0.1:9/'], { ANTHROPIC_API_KEY: 'x' }).done;
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--base-url must not carry credentials/);
    assert.doesNotMatch(r.stderr + r.stdout, /floorline-s3cret/);
  });
});
