// What a user sees when the command line is wrong: one line naming the problem, one pointing at the
// help — never the whole help — and the help itself when asked for.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorText, helpText, parseCommand, type ParsedCommand } from '../../../src/cli/args';
import { batchCommand } from '../../../src/cli/batch-command';
import { runCommand, type Terminal } from '../../../src/cli/run-command';
import { version } from '../../../package.json';

function error(argv: string[], env: NodeJS.ProcessEnv = {}): Extract<ParsedCommand, { kind: 'error' }> {
  const c = parseCommand(argv, env);
  assert.equal(c.kind, 'error', `${argv.join(' ')} → ${JSON.stringify(c)}`);
  return c as Extract<ParsedCommand, { kind: 'error' }>;
}

/** The two lines main.ts prints for this command line. */
function printed(argv: string[], env: NodeJS.ProcessEnv = {}): string[] {
  return errorText(error(argv, env)).split('\n');
}

const RUN_POINTER = "Run 'floorline run --help' for usage.";

describe('CLI usage errors', () => {
  it('suggests the option meant for a mistyped one', () => {
    assert.deepEqual(printed(['run', 'x.jsonl', '--simulat']), ["floorline: error: unknown option '--simulat' (Did you mean --simulate?)", RUN_POINTER]);
    assert.deepEqual(printed(['run', '--max-atempts', '5', 'x.jsonl']), ["floorline: error: unknown option '--max-atempts' (Did you mean --max-attempts?)", RUN_POINTER]);
  });

  it('names the tiers when --simulate is given something else', () => {
    const expected = ["floorline: error: --simulate takes start, build or scale, got 'mega'", RUN_POINTER];
    assert.deepEqual(printed(['run', 'x.jsonl', '--simulate', 'mega']), expected);
    assert.deepEqual(printed(['run', '--simulate', 'mega', 'x.jsonl']), expected);
    assert.deepEqual(printed(['run', 'x.jsonl', '--simulate=mega']), expected);
    // A second file is not a mistyped tier.
    assert.match(error(['run', '--simulate', 'a.jsonl', 'b.jsonl']).message, /^too many arguments for 'run'/);
    assert.match(error(['run', 'a.jsonl', 'b.jsonl']).message, /^too many arguments for 'run'/);
  });

  it('names the option and the value for every bad value, a negative one included', () => {
    const cases: Array<[string[], string]> = [
      [['--max-spend-usd', '-5'], "--max-spend-usd must be a positive amount in USD, got '-5'"],
      [['--max-spend-usd', '0'], "--max-spend-usd must be a positive amount in USD, got '0'"],
      [['--max-spend-usd', '5usd'], "--max-spend-usd must be a positive amount in USD, got '5usd'"],
      [['--max-tokens', '-1'], "--max-tokens must be a positive whole number, got '-1'"],
      [['--max-tokens', '1.5'], "--max-tokens must be a positive whole number, got '1.5'"],
      [['--max-attempts', '0'], "--max-attempts must be a positive whole number, got '0'"],
      [['--max-in-flight-cap', 'lots'], "--max-in-flight-cap must be a positive whole number, got 'lots'"],
      [['--max-in-flight', '-3'], "--max-in-flight must be a positive whole number or auto, got '-3'"],
      [['--retry-budget-per-minute', '-1'], "--retry-budget-per-minute must be a whole number, 0 or more, got '-1'"],
      [['--soft-floor', 'lots'], "--soft-floor 'lots' is neither a token count (e.g. 20000 or 20k) nor a percentage (e.g. 10%)"],
      [['--hard-floor', '150%'], "--hard-floor '150%' is over 100%"],
      [['--priority', 'urgent'], "--priority takes high, normal or background, got 'urgent'"],
      [['--tier', 'mega'], "--tier takes start, build or scale, got 'mega'"],
      [['--redis-fallback', 'maybe'], "--redis-fallback takes hold or local, got 'maybe'"],
      [['--price', 'x=1'], "--price takes MODEL=INPUT,OUTPUT[,CACHE_WRITE_5M,CACHE_WRITE_1H,CACHE_READ] in USD per million tokens, got 'x=1'"],
      [['--price', 'x=1,-2'], "--price takes MODEL=INPUT,OUTPUT[,CACHE_WRITE_5M,CACHE_WRITE_1H,CACHE_READ] in USD per million tokens, got 'x=1,-2'"],
    ];
    for (const [options, message] of cases) {
      assert.deepEqual(printed(['run', 'a.jsonl', ...options]), [`floorline: error: ${message}`, RUN_POINTER], options.join(' '));
    }
    assert.equal(error(['batch', 'results', 'a.jsonl', '--poll-seconds', '-2']).message, "--poll-seconds must be a positive whole number, got '-2'");
  });

  it('never echoes a Redis password, from the flag or the environment', () => {
    assert.equal(error(['run', 'a.jsonl', '--redis', 'http://:s3cret@cache:6379']).message, "--redis must be a redis:// or rediss:// URL, got 'http://:***@cache:6379'");
    const fromEnv = error(['run', 'a.jsonl'], { FLOORLINE_REDIS_URL: 'cache:6379' });
    assert.match(fromEnv.message, /^\$FLOORLINE_REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/);
  });

  it('reports a missing FILE, an unknown command and a stray argument the same way', () => {
    assert.deepEqual(printed(['run']), ["floorline: error: missing required argument 'FILE'", RUN_POINTER]);
    assert.deepEqual(printed(['run', '--simulate']), ["floorline: error: missing required argument 'FILE'", RUN_POINTER]);
    assert.deepEqual(printed(['runn', 'x.jsonl']), ["floorline: error: unknown command 'runn' (Did you mean run?)", "Run 'floorline --help' for usage."]);
    assert.deepEqual(printed(['batch', 'sumbit', 'x.jsonl']), [
      "floorline: error: floorline batch takes submit, status, results or cancel, got 'sumbit' (Did you mean submit?)",
      "Run 'floorline batch --help' for usage.",
    ]);
    assert.deepEqual(printed(['batch', 'status']), ["floorline: error: missing required argument 'FILE'", "Run 'floorline batch status --help' for usage."]);
    assert.deepEqual(printed(['run', 'x.jsonl', '--out']), ["floorline: error: option '--out <FILE>' argument missing", RUN_POINTER]);
    assert.equal(error(['batch', 'submit', 'x.jsonl', '--simulate']).message, "unknown option '--simulate'");
  });

  it('parses without printing or exiting', () => {
    const { write: out } = process.stdout;
    const { write: err } = process.stderr;
    const { exit } = process;
    const written: string[] = [];
    process.stdout.write = process.stderr.write = ((text: string) => written.push(text) > 0) as typeof process.stdout.write;
    process.exit = ((code?: number) => {
      throw new Error(`exit ${code}`);
    }) as typeof process.exit;
    try {
      for (const argv of [[], ['--help'], ['-V'], ['run'], ['run', '--help'], ['run', 'a', '--bogus'], ['batch'], ['batch', 'submit', '--help'], ['help', 'batch']]) parseCommand(argv, {});
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
      process.exit = exit;
    }
    assert.deepEqual(written, []);
  });
});

describe('CLI help and version', () => {
  it('prints the package version for --version and -V', () => {
    assert.deepEqual(parseCommand(['--version'], {}), { kind: 'version', version });
    assert.deepEqual(parseCommand(['-V'], {}), { kind: 'version', version });
  });

  it('shows help unasked (a usage error) for a bare command, and asked for --help', () => {
    assert.deepEqual(parseCommand([], {}), { kind: 'help', unasked: true });
    assert.deepEqual(parseCommand(['batch'], {}), { kind: 'help', topic: 'batch', unasked: true });
    assert.deepEqual(parseCommand(['--help'], {}), { kind: 'help' });
    assert.deepEqual(parseCommand(['run', 'x.jsonl', '--bogus', '--help'], {}), { kind: 'help', topic: 'run' });
  });

  it('lists the commands and where the key comes from', () => {
    const text = helpText(undefined);
    assert.match(text, /^Usage: floorline /);
    assert.match(text, /^ {2}run \[options\] <FILE> /m);
    assert.match(text, /^ {2}batch /m);
    assert.match(text, /ANTHROPIC_API_KEY/);
  });

  it('shows run with its choices, its defaults, the key and the exit codes', () => {
    const text = helpText('run');
    assert.ok(text.split('\n').every((line) => line.length <= 100), 'wrapped to the width');
    assert.match(text, /^Usage: floorline run \[options\] <FILE>/);
    assert.match(text, /Exit codes:\n {2}0 [^]* 3 {4}stopped by the spend cap[^]*130 {2}interrupted$/);
    const unwrapped = text.replace(/\s+/g, ' ');
    for (const shown of [
      /--priority <P>[^(]*\(choices: "high", "normal", "background", default: "normal"/,
      /--tier <TIER>[^(]*\(choices: "start", "build", "scale"/,
      /--redis-fallback <MODE>[^(]*\(choices: "hold", "local", default: "hold"/,
      /--max-in-flight <N\|auto>[^(]*\(default: "auto"/,
      /--max-in-flight-cap <N>[^(]*\(default: 1000/,
      /--soft-floor <N\|P%>[^(]*\(default: 10%/,
      /--hard-floor <N\|P%>[^(]*\(default: 2%/,
      /--max-attempts <N>[^(]*\(default: 5/,
      /--retry-budget-per-minute <N>[^(]*\(default: 30/,
      /--simulate \[TIER\]/,
      /\$ANTHROPIC_BASE_URL/,
      /\$FLOORLINE_REDIS_URL/,
      /The API key is read from ANTHROPIC_API_KEY/,
    ]) {
      assert.match(unwrapped, shown);
    }
  });

  it('shows batch and each batch action with the batch exit codes', () => {
    assert.match(helpText('batch'), /submit \[options\] <FILE>[^]*status[^]*results[^]*cancel[^]*5 {2}batches still processing/);
    const submit = helpText('batch submit');
    assert.match(submit, /^Usage: floorline batch submit \[options\] <FILE>/);
    assert.match(submit, /--price <MODEL=PRICES>/);
    assert.match(submit, /Exit codes:[^]*5 {2}batches still processing/);
    assert.doesNotMatch(submit, /^ +--no-wait/m);
    assert.match(helpText('batch results'), /^ +--no-wait [^]*--poll-seconds <N>[^(]*\(default: 5\)/m);
  });
});

describe('CLI input file', () => {
  let dir: string;
  const errors: string[] = [];
  const term: Terminal = {
    out: () => {},
    err: (text) => errors.push(text),
    interactive: false,
    columns: 100,
    env: { ANTHROPIC_API_KEY: 'unused' },
    onInterrupt: () => () => {},
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'floorline-cli-usage-'));
    errors.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function runArgs(file: string) {
    const c = parseCommand(['run', file, '--simulate'], {});
    assert.ok(c.kind === 'run');
    return c.args;
  }
  function batchArgs(file: string) {
    const c = parseCommand(['batch', 'submit', file], {});
    assert.ok(c.kind === 'batch');
    return c.args;
  }

  it('refuses a directory, naming it, before anything runs', async () => {
    assert.equal(await runCommand(runArgs(dir), term), 2);
    assert.equal(await batchCommand(batchArgs(dir), term), 2);
    assert.deepEqual(errors, [`floorline: ${dir}: is a directory, not a JSONL file`, `floorline: ${dir}: is a directory, not a JSONL file`]);
  });

  it('refuses a missing file, naming it', async () => {
    const missing = join(dir, 'x.jsonl');
    assert.equal(await runCommand(runArgs(missing), term), 2);
    assert.equal(await batchCommand(batchArgs(missing), term), 2);
    assert.deepEqual(errors, [`floorline: ${missing}: no such file`, `floorline: ${missing}: no such file`]);
  });

  it('lets a file through to the next check', async () => {
    const file = join(dir, 'a.jsonl');
    writeFileSync(file, '');
    await batchCommand(batchArgs(file), { ...term, env: {} });
    assert.deepEqual(errors, ['floorline: ANTHROPIC_API_KEY is not set.']);
  });
});
