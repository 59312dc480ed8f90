// The `floorline` command against an API it cannot reach: attempts that never left the machine
// cost nothing under the spend cap, and a credential in the base URL is printed and written nowhere.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
    return { ...r, resultsPath, results: readResults(resultsPath) };
  }

  it('a closed port: every line errored, spent $0.00, not "budget reached"', async () => {
    const r = await runAgainst(`http://127.0.0.1:${await closedPort()}`);
    assert.equal(r.code, 1, r.stderr);
    // The closing summary (stdout) and the run's last log line (stderr) both say what was spent.
    assert.match(r.stdout, /spent \$0\.00 of \$0\.500 cap/, r.stdout);
    assert.match(r.stderr, /finished \(0 succeeded, 5 errored, 0 unsent, \$0\.00\)/, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /budget.reached/i);
    assert.equal(r.results.length, 5);
    for (const line of r.results) {
      assert.ok(line.result.type === 'errored', JSON.stringify(line));
      assert.match(line.result.error.error.message, /^gave up after 2 attempts: connect ECONNREFUSED 127\.0\.0\.1:\d+ \(never reached the API, so nothing was billed\)$/);
    }
  });

  it('a base URL with user-info: the secret is in neither stderr nor the results file', async () => {
    const r = await runAgainst(`http://floorline-s3cret@127.0.0.1:${await closedPort()}/`, ['--verbose']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /spent \$0\.00 of \$0\.500 cap/, r.stdout);
    const written = readFileSync(r.resultsPath, 'utf8');
    // The URL does appear, masked: fetch names it when it refuses a URL with user-info.
    assert.match(written, /http:\/\/\*\*\*@127\.0\.0\.1:\d+\/v1\/messages/);
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
