import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatResultsReport, reportResults } from '../../../../src/core/results';
import { jsonl, resultLine } from '../../../helpers/result-lines';

describe('reportResults', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floorline-results-report-'));
    file = path.join(dir, 'jobs.results.jsonl');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function write(simulated = false): void {
    const lines = [
      ...[1, 2, 3, 4].map((k) => resultLine(`ok-${k}`, { model: k % 2 ? 'claude-haiku-4-5' : 'claude-sonnet-4-6', cost: k / 10, latency: k * 100, input: 10 * k, output: k, cacheRead: 5, cacheWrite: k === 4 ? 7 : 0, simulated })),
      ...Array.from({ length: 11 }, (_, k) => resultLine(`over-${k}`, { kind: 'errored', errorType: 'overloaded_error', message: `Overloaded\n\u001b[31mnow ${k}`, cost: 0, latency: 1000 + k })),
      resultLine('bad', { kind: 'errored', errorType: 'invalid_request_error', message: 'max_tokens: too large', cost: 0, latency: 50 }),
      resultLine('gone', { kind: 'canceled', cost: null, latency: null }),
    ];
    fs.writeFileSync(file, jsonl(lines) + 'garbage\n');
  }

  it('sums counts, spend, tokens and latency as computed by hand (nearest-rank percentiles)', async () => {
    write();
    const { totals, errors, path: read } = await reportResults(file);
    assert.equal(read, file);
    assert.deepEqual(
      [totals.rows, totals.succeeded, totals.errored, totals.canceled, totals.expired, totals.unreadable, totals.simulatedRows],
      [17, 4, 12, 1, 0, 1, 0],
    );
    assert.equal(Math.round(totals.costUsd * 1e9), 1e9); // 0.1 + 0.2 + 0.3 + 0.4
    assert.deepEqual([totals.inputTokens, totals.outputTokens, totals.cacheReadTokens, totals.cacheWriteTokens], [100, 10, 20, 7]);
    // 16 latencies, sorted: 50, 100, 200, 300, 400, 1000…1010. p50: rank ceil(0.5·16) = 8 → 1002;
    // p95: rank ceil(0.95·16) = 16 → 1010.
    assert.equal(totals.latencyP50Ms, 1002);
    assert.equal(totals.latencyP95Ms, 1010);
    assert.deepEqual(totals.models, [{ model: 'claude-haiku-4-5', rows: 15 }, { model: 'claude-sonnet-4-6', rows: 2 }]);
    assert.deepEqual(errors.map((g) => [g.type, g.count, g.examples.length]), [['overloaded_error', 11, 10], ['invalid_request_error', 1, 1]]);
    assert.deepEqual(errors[1]!.examples, [{ line: 16, customId: 'bad', message: 'max_tokens: too large' }]);
  });

  it('formats the report for a terminal: errors by type with their lines, then how many more', async () => {
    write();
    const text = formatResultsReport(await reportResults(file));
    const lines = text.split('\n');
    assert.equal(lines[0], file);
    assert.ok(lines.includes('  results   17 lines: 4 succeeded (23.5%), 12 errored (70.6%), 1 canceled, 0 expired'), text);
    assert.ok(lines.includes('  spend     $1.00'), text);
    assert.ok(lines.includes('  tokens    input 100, output 10, cache read 20, cache write 7'), text);
    assert.ok(lines.includes('  latency   p50 1.0 s, p95 1.0 s'), text);
    assert.ok(lines.includes('  models    claude-haiku-4-5 15, claude-sonnet-4-6 2'), text);
    assert.ok(lines.includes('  unreadable 1 line, not results lines: line 18'), text);
    assert.ok(lines.includes('  overloaded_error: 11'), text);
    assert.ok(lines.includes('    line 5  over-0  Overloaded [31mnow 0'), text);
    assert.equal(lines.filter((l) => l.startsWith('    line ')).length, 11);
    assert.ok(lines.includes('    and 1 more'), text);
    assert.ok(lines.includes('  invalid_request_error: 1'), text);
    assert.ok(!text.includes('\u001b'), 'no escape sequence from the file reaches the terminal');
    assert.ok(!text.includes('simulated'));
  });

  it('marks simulated spend as not real money', async () => {
    write(true);
    const report = await reportResults(file);
    assert.equal(report.totals.simulatedRows, 4);
    assert.ok(formatResultsReport(report).includes('  spend     $1.00 (4 lines simulated — not real money)'));
  });

  it('reports an empty file', async () => {
    fs.writeFileSync(file, '');
    const report = await reportResults(file);
    assert.equal(report.totals.latencyP50Ms, null);
    assert.equal(formatResultsReport(report), `${file}\n  no results yet`);
  });
});
