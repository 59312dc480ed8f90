// Real crashes: a child process is SIGKILLed while it writes, then the file must still resume.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { prepareResume, resumeTempPath, ResultsWriter } from '../../src/core/results';
import type { ResultLine } from '../../src/core/types';

const ROOT = path.resolve(__dirname, '../..');
const RESULTS_MODULE = path.join(ROOT, 'src/core/results/index.ts');

/**
 * Runs `script` in a child (`node -r tsx/cjs -e`, so it can require the .ts sources), feeds each
 * stdout line to `onLine`, and SIGKILLs the child when `onLine` returns true.
 */
function runAndKill(script: string, onLine: (line: string) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'tsx/cjs', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let buffered = '';
    let killed = false;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const l of lines) {
        if (!killed && onLine(l)) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`child exited without being killed (${String(_code)}): ${stderr}`));
    });
  });
}

/** Every line of the file, each of which must be JSON. */
function allLines(file: string): ResultLine[] {
  const text = fs.readFileSync(file, 'utf8');
  assert.ok(text === '' || text.endsWith('\n'));
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as ResultLine);
}

describe('results: crash safety (SIGKILL)', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floorline-crash-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a child killed while appending in a tight loop leaves a file that resumes with nothing lost', async () => {
    const file = path.join(dir, 'jobs.results.jsonl');
    // Some lines are large (300 KB) so the kill has a real chance of landing inside a write.
    const script = `
      const { ResultsWriter } = require(${JSON.stringify(RESULTS_MODULE)});
      (async () => {
        const w = await ResultsWriter.open(${JSON.stringify(file)});
        for (let i = 0; ; i++) {
          const id = 'id-' + i;
          const text = i % 7 === 3 ? 'x'.repeat(300000) : 'short';
          w.append({ custom_id: id,
            result: i % 5 === 4 ? { type: 'errored', error: { type: 'error', error: { type: 'api_error', message: 'boom' } } }
                                : { type: 'succeeded', message: { content: [{ type: 'text', text }] } },
            model: 'm', latency_ms: 1, attempts: 1, cost_usd: 0.001, usage: null });
          // Reported only after append returned: the file must then hold this line.
          if (i % 25 === 0) process.stdout.write(i + '\\n');
        }
      })();`;

    let tornSeen = 0;
    for (let round = 0; round < 3; round++) {
      // The child always starts at id-0: resume must make the re-written ids appear once, not twice.
      let lastReported = -1;
      await prepareResume(file);
      await runAndKill(script, (l) => {
        lastReported = Number(l);
        return lastReported >= 400 + round * 137;
      });
      assert.ok(lastReported >= 400);

      const raw = fs.readFileSync(file);
      const completeLines = raw.subarray(0, raw.lastIndexOf(0x0a) + 1).toString('utf8').split('\n').length - 1;
      if (raw.length > 0 && raw[raw.length - 1] !== 0x0a) tornSeen++;

      const state = await prepareResume(file);
      const lines = allLines(file);
      assert.equal(lines.length, state.keptLines);
      assert.equal(new Set(lines.map((l) => l.custom_id)).size, lines.length, 'every custom_id once');
      assert.ok(lines.every((l) => l.result.type === 'succeeded'));
      // Nothing lost: every succeeded line the child had reported as appended is there.
      for (let i = 0; i <= lastReported; i++) {
        if (i % 5 !== 4) assert.ok(state.succeeded.has(`id-${i}`), `id-${i} lost (round ${round})`);
      }
      assert.ok(completeLines > lastReported, 'every reported append is a whole line on disk');
    }
    console.log(`      torn tails produced by the kills: ${tornSeen}/3`);

    // And the writer carries on from there.
    const before = allLines(file).length;
    const w = await ResultsWriter.open(file);
    w.append({ custom_id: 'after', result: { type: 'succeeded', message: {} }, model: 'm', latency_ms: 1, attempts: 1, cost_usd: 0, usage: null });
    w.close();
    assert.equal(allLines(file).length, before + 1);
  });

  it('a child killed during the rewrite leaves either the old file or the new one', async () => {
    const file = path.join(dir, 'jobs.results.jsonl');
    const chunks: string[] = [];
    const keep: string[] = [];
    for (let i = 0; i < 40_000; i++) {
      const text = JSON.stringify({
        custom_id: `id-${i}`,
        result: i % 3 === 0 ? { type: 'errored', error: { type: 'error', error: { type: 'api_error', message: 'x' } } } : { type: 'succeeded', message: { t: 'y'.repeat(400) } },
        model: 'm', latency_ms: 1, attempts: 1, cost_usd: 0, usage: null,
      }) + '\n';
      chunks.push(text);
      if (i % 3 !== 0) keep.push(text);
    }
    const oldContent = chunks.join('');
    const newContent = keep.join('');
    const script = `
      const { prepareResume } = require(${JSON.stringify(RESULTS_MODULE)});
      process.stdout.write('go\\n');
      prepareResume(${JSON.stringify(file)}).then(() => { process.stdout.write('done\\n'); setInterval(() => {}, 1000); });`;

    const outcomes = { old: 0, new: 0 };
    // Kill once the temp file appears (the rewrite has begun), then a little later each round.
    for (const delayMs of [0, 50, 100, 150, 250, 500]) {
      fs.writeFileSync(file, oldContent);
      await runAndKill(script, (l) => {
        if (l === 'done') return true;
        if (l !== 'go') return false;
        // Busy waits on purpose: they keep the moment of the kill exact.
        const giveUp = Date.now() + 5_000;
        while (!fs.existsSync(resumeTempPath(file)) && Date.now() < giveUp) { /* poll */ }
        const until = Date.now() + delayMs;
        while (Date.now() < until) { /* wait */ }
        return true;
      });
      const now = fs.readFileSync(file, 'utf8');
      assert.ok(now === oldContent || now === newContent, `a mix after a kill at ${delayMs} ms`);
      outcomes[now === oldContent ? 'old' : 'new']++;
      const state = await prepareResume(file);
      assert.equal(fs.existsSync(resumeTempPath(file)), false);
      assert.equal(state.keptLines, keep.length);
      assert.equal(fs.readFileSync(file, 'utf8'), newContent);
    }
    console.log(`      kills during rewrite left: old file ${outcomes.old}x, new file ${outcomes.new}x`);
  });
});
