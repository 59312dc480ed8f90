import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { helpText, parseCommand } from '../../../src/cli/args';
import { reportCommand } from '../../../src/cli/report-command';
import type { Terminal } from '../../../src/cli/run-command';
import { jsonl, resultLine } from '../../helpers/result-lines';

describe('floorline report: arguments', () => {
  it('parses FILE and --json', () => {
    assert.deepEqual(parseCommand(['report', 'jobs.jsonl'], {}), { kind: 'report', args: { file: 'jobs.jsonl', json: false } });
    assert.deepEqual(parseCommand(['report', '--json', 'a.results.jsonl'], {}), { kind: 'report', args: { file: 'a.results.jsonl', json: true } });
  });

  it('refuses a missing FILE or an unknown option, pointing to its help', () => {
    assert.deepEqual(parseCommand(['report'], {}), { kind: 'error', message: "missing required argument 'FILE'", topic: 'report' });
    const c = parseCommand(['report', 'a.jsonl', '--csv'], {});
    assert.ok(c.kind === 'error' && c.topic === 'report' && c.message.includes('--csv'));
  });

  it('has help, listed in the commands', () => {
    assert.deepEqual(parseCommand(['report', '--help'], {}), { kind: 'help', topic: 'report' });
    const text = helpText('report');
    assert.ok(text.includes('Usage: floorline report [options] <FILE>'), text);
    assert.ok(text.includes('--json'));
    assert.ok(text.includes('Exit codes:'));
    assert.ok(helpText(undefined).includes('report'));
  });
});

describe('floorline report: the command', () => {
  let dir: string;
  let out: string[];
  let err: string[];
  let term: Terminal;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floorline-cli-report-'));
    out = [];
    err = [];
    term = { out: (t) => out.push(t), err: (t) => err.push(t), interactive: false, columns: 100, env: {}, onInterrupt: () => () => {} };
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const input = () => path.join(dir, 'jobs.jsonl');
  const results = () => path.join(dir, 'jobs.results.jsonl');

  it('reads the results of an input file, saying which file it read', async () => {
    fs.writeFileSync(input(), '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}\n');
    fs.writeFileSync(results(), jsonl([resultLine('line-1', { cost: 0.25 })]));
    assert.equal(await reportCommand({ file: input(), json: false }, term), 0);
    assert.deepEqual(err, [`floorline: reading ${results()} (the results of ${input()})`]);
    assert.ok(out[0]!.includes('spend     $0.250'), out[0]);
  });

  it('reads a results file given itself, under any name, and prints JSON with --json', async () => {
    const custom = path.join(dir, 'mine.jsonl');
    fs.writeFileSync(custom, jsonl([resultLine('a'), resultLine('b', { kind: 'errored' })]));
    assert.equal(await reportCommand({ file: custom, json: true }, term), 0);
    assert.deepEqual(err, [`floorline: reading ${custom}`]);
    const report = JSON.parse(out[0]!);
    assert.equal(report.path, custom);
    assert.equal(report.totals.rows, 2);
    assert.deepEqual(report.errors.map((g: { type: string }) => g.type), ['overloaded_error']);
  });

  it("falls back to the rehearsal's results, and says so", async () => {
    fs.writeFileSync(input(), '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}\n');
    const simulated = path.join(dir, 'jobs.simulated.results.jsonl');
    fs.writeFileSync(simulated, jsonl([resultLine('line-1', { simulated: true })]));
    assert.equal(await reportCommand({ file: input(), json: false }, term), 0);
    assert.ok(err[0]!.includes(`reading ${simulated}`) && err[0]!.includes('rehearsal'), err[0]);
    assert.ok(out[0]!.includes('simulated — not real money'));
  });

  it('names the missing file: FILE itself, or the results file of an input', async () => {
    assert.equal(await reportCommand({ file: input(), json: false }, term), 2);
    assert.deepEqual(err, [`floorline: ${input()}: no such file`]);
    err.length = 0;
    fs.writeFileSync(input(), '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}\n');
    assert.equal(await reportCommand({ file: input(), json: false }, term), 2);
    assert.equal(err.length, 1);
    assert.ok(err[0]!.includes(`${results()} does not exist`), err[0]);
    err.length = 0;
    assert.equal(await reportCommand({ file: dir, json: false }, term), 2);
    assert.deepEqual(err, [`floorline: ${dir}: is a directory, not a JSONL file`]);
    assert.deepEqual(out, []);
  });
});
