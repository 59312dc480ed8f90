import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exportResultsCsv, ResultsIndex } from '../../../../src/core/results';
import { DEFAULT_RESULTS_QUERY } from '../../../../src/core/results/result-rows';
import { jsonl, resultLine } from '../../../helpers/result-lines';

const HEADER = 'custom_id,status,model,fallback_from,input_tokens,output_tokens,cache_read_input_tokens,cache_creation_input_tokens,cost_usd,latency_ms,attempts,error_type,preview,line';

describe('exportResultsCsv', () => {
  let dir: string;
  let results: string;
  let out: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floorline-results-csv-'));
    results = path.join(dir, 'jobs.results.jsonl');
    out = path.join(dir, 'export.csv');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('quotes as RFC 4180 says and keeps formulas from running', async () => {
    fs.writeFileSync(results, jsonl([
      resultLine('plain', { text: 'hello', cost: 0.5, latency: 12, input: 3, output: 4, cacheRead: 5, cacheWrite: 6, attempts: 2 }),
      resultLine('comma', { text: 'a, "quoted" word', fallbackFrom: 'claude-opus-4-7' }),
      resultLine('formula', { text: '=HYPERLINK("http://x","y")' }),
      resultLine('-dash', { text: '+1 and @me' }),
      resultLine('tab', { text: '\tindented' }),
      resultLine('err', { kind: 'errored', errorType: 'overloaded_error', message: 'Overloaded', cost: null, latency: null }),
    ]));
    const index = await ResultsIndex.open(results);
    const selection = await index.select(DEFAULT_RESULTS_QUERY);
    assert.equal(await exportResultsCsv(index, selection, out), 6);
    assert.deepEqual(fs.readFileSync(out, 'utf8').split('\r\n'), [
      HEADER,
      'plain,succeeded,claude-haiku-4-5,,3,4,5,6,0.5,12,2,,hello,1',
      'comma,succeeded,claude-haiku-4-5,claude-opus-4-7,10,5,0,0,0.001,100,1,,"a, ""quoted"" word",2',
      `formula,succeeded,claude-haiku-4-5,,10,5,0,0,0.001,100,1,,"'=HYPERLINK(""http://x"",""y"")",3`,
      "'-dash,succeeded,claude-haiku-4-5,,10,5,0,0,0.001,100,1,,'+1 and @me,4",
      "tab,succeeded,claude-haiku-4-5,,10,5,0,0,0.001,100,1,,'\tindented,5",
      'err,errored,claude-haiku-4-5,,,,,,,,1,overloaded_error,overloaded_error: Overloaded,6',
      '',
    ]);
  });

  it("writes the selection's rows in its order, in pages, over an existing export", async () => {
    fs.writeFileSync(results, jsonl(Array.from({ length: 2500 }, (_, i) => resultLine(`id-${i}`, { cost: i }))));
    fs.writeFileSync(out, 'old export');
    const index = await ResultsIndex.open(results);
    const selection = await index.select({ ...DEFAULT_RESULTS_QUERY, sort: 'costUsd', descending: true });
    assert.equal(await exportResultsCsv(index, selection, out), 2500);
    const lines = fs.readFileSync(out, 'utf8').split('\r\n');
    assert.equal(lines.length, 2502);
    assert.ok(lines[1]!.startsWith('id-2499,'));
    assert.ok(lines[2500]!.startsWith('id-0,'));
    assert.ok(!fs.existsSync(`${out}.tmp`));
  });

  it('refuses to write through a symbolic link', async function () {
    if (process.platform === 'win32') this.skip();
    fs.writeFileSync(results, jsonl([resultLine('a')]));
    const target = path.join(dir, 'target.csv');
    fs.writeFileSync(target, 'keep');
    fs.symlinkSync(target, out);
    const index = await ResultsIndex.open(results);
    await assert.rejects(exportResultsCsv(index, await index.select(DEFAULT_RESULTS_QUERY), out), /symbolic link/);
    assert.equal(fs.readFileSync(target, 'utf8'), 'keep');
  });
});
