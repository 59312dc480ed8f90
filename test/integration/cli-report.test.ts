// `floorline report` as a whole process: the built CLI on a results file, as text and as JSON.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/jsonl';
import { ROOT, startCli } from '../helpers/cli-process';
import { jsonl, resultLine } from '../helpers/result-lines';

describe('floorline report (a real process)', function () {
  this.timeout(60_000);
  let dir: string;
  let cleanup: () => void;

  before(() => execFileSync(process.execPath, [join(ROOT, 'esbuild.mjs')], { cwd: ROOT }));
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());

  it('reports the results of an input file, and exits 2 naming a missing one', async () => {
    const input = join(dir, 'jobs.jsonl');
    const results = join(dir, 'jobs.results.jsonl');
    writeFileSync(input, '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}\n');
    const missing = await startCli(['report', input], {}).done;
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, new RegExp(`${results.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} does not exist`));

    writeFileSync(results, jsonl([resultLine('line-1', { cost: 0.5, latency: 200 }), resultLine('x', { kind: 'errored', errorType: 'overloaded_error', message: 'Overloaded', cost: 0 })]));
    const text = await startCli(['report', input], {}).done;
    assert.equal(text.code, 0, text.stderr);
    assert.ok(text.stderr.includes(`reading ${results}`), text.stderr);
    assert.ok(text.stdout.includes('2 lines: 1 succeeded (50.0%), 1 errored (50.0%)'), text.stdout);
    assert.ok(text.stdout.includes('line 2  x  Overloaded'), text.stdout);

    const json = await startCli(['report', results, '--json'], {}).done;
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout);
    assert.equal(report.totals.rows, 2);
    assert.equal(report.totals.costUsd, 0.5);
  });
});
