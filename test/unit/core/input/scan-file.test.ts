import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { formatProblem, inputBytesOf, scanFile, type ScanProgress } from '../../../../src/core/input';
import type { MessageParams } from '../../../../src/core/types';

const body = (text: string, extra: Record<string, unknown> = {}): MessageParams => ({
  model: 'claude-haiku-4-5',
  max_tokens: 100,
  messages: [{ role: 'user', content: text }],
  ...extra,
});
const batch = (id: string, params: unknown = body(id)): string => JSON.stringify({ custom_id: id, params });
const bare = (text: string, extra: Record<string, unknown> = {}): string => JSON.stringify(body(text, extra));
const isKnownModel = (m: string): boolean => m.startsWith('claude-');

describe('input: scanFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floorline-scan-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (lines: string[], eol = '\n'): string => {
    const file = path.join(dir, 'in.jsonl');
    fs.writeFileSync(file, lines.join(eol) + eol);
    return file;
  };
  const formatted = (problems: Parameters<typeof formatProblem>[0][]): string[] => problems.map(formatProblem);

  it('counts the requests and totals of a clean file in both shapes, skipping blank lines', async () => {
    const cached = body('c', { system: [{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral' } }], model: 'claude-sonnet-4-6', max_tokens: 50 });
    const file = write([batch('a'), '', '   ', bare('b'), JSON.stringify({ custom_id: 'c', params: cached })]);
    const report = await scanFile(file, { isKnownModel });
    assert.equal(report.file, file);
    assert.equal(report.lines, 5);
    assert.equal(report.requests, 3);
    assert.deepEqual(report.problems, []);
    assert.equal(report.problemCount, 0);
    assert.equal(report.hasErrors, false);
    assert.deepEqual(report.totals, {
      inputBytes: inputBytesOf(body('a')) + inputBytesOf(body('b')) + inputBytesOf(cached),
      maxTokens: 250,
      byModel: { 'claude-haiku-4-5': 2, 'claude-sonnet-4-6': 1 },
      usesCache: 1,
      perModel: {
        'claude-haiku-4-5': { firstLine: 1, requests: 2, inputBytes: inputBytesOf(body('a')) + inputBytesOf(body('b')), maxTokens: 200, usesCache: 0, usesCache1h: 0 },
        'claude-sonnet-4-6': { firstLine: 5, requests: 1, inputBytes: inputBytesOf(cached), maxTokens: 50, usesCache: 1, usesCache1h: 0 },
      },
    });
  });

  it('reports problems as file:line with the real line numbers, and counts only valid lines', async () => {
    const file = write([bare('ok'), '', '{"model": ', bare('x', { temperature: 1 }), '[]']);
    const report = await scanFile(file);
    assert.equal(report.requests, 1);
    assert.equal(report.hasErrors, true);
    assert.equal(report.errorCount, 3);
    const lines = formatted(report.problems);
    assert.equal(lines.length, 3);
    assert.match(lines[0]!, new RegExp(`^${escape(file)}:3: invalid JSON at column 11`));
    assert.equal(lines[1], `${file}:4: temperature was removed in the Messages API 1.x; the API rejects it — remove it`);
    assert.match(lines[2]!, new RegExp(`^${escape(file)}:5: the line must be a JSON object`));
  });

  it('reads CRLF files and a UTF-8 byte-order mark', async () => {
    const file = path.join(dir, 'crlf.jsonl');
    fs.writeFileSync(file, `\uFEFF${batch('a')}\r\n\r\n${batch('b')}\r\n`);
    const report = await scanFile(file);
    assert.deepEqual([report.requests, report.lines, report.problemCount], [2, 3, 0]);
  });

  it('reports a line that is not valid UTF-8', async () => {
    const file = path.join(dir, 'latin1.jsonl');
    fs.writeFileSync(file, Buffer.concat([Buffer.from(`${bare('a')}\n{"x": "caf`), Buffer.from([0xe9]), Buffer.from('"}\n')]));
    const report = await scanFile(file);
    assert.equal(report.requests, 1);
    assert.match(formatted(report.problems)[0]!, /:2: the line is not valid UTF-8: byte 0xE9 at byte 11 of the line/);
  });

  it('applies the defaults', async () => {
    const file = write([JSON.stringify({ messages: [{ role: 'user', content: 'x' }] })]);
    const without = await scanFile(file);
    assert.deepEqual(formatted(without.problems), [
      `${file}:1: model is missing (set it on the line or pass --model)`,
      `${file}:1: max_tokens is missing (set it on the line or pass --max-tokens)`,
    ]);
    const withDefaults = await scanFile(file, { model: 'claude-opus-5', maxTokens: 300 });
    assert.equal(withDefaults.hasErrors, false);
    assert.deepEqual(withDefaults.totals.byModel, { 'claude-opus-5': 1 });
    assert.equal(withDefaults.totals.maxTokens, 300);
  });

  describe('duplicate custom_ids', () => {
    it('reports each later occurrence with the line of the first', async () => {
      const file = write([batch('a'), batch('b'), batch('a'), batch('a')]);
      const report = await scanFile(file);
      assert.deepEqual(formatted(report.problems), [
        `${file}:3: duplicate custom_id 'a' (first on line 1) — every request needs its own custom_id`,
        `${file}:4: duplicate custom_id 'a' (first on line 1) — every request needs its own custom_id`,
      ]);
      assert.equal(report.requests, 2);
    });

    it("catches a custom_id 'line-<n>' clashing with the implicit id of a bare line, either way round", async () => {
      const file = write([batch('line-3'), bare('x'), bare('y'), batch('line-2')]);
      const report = await scanFile(file);
      assert.deepEqual(formatted(report.problems), [
        `${file}:3: duplicate custom_id 'line-3' (first on line 1) (a line without custom_id gets the id 'line-<n>') — every request needs its own custom_id`,
        `${file}:4: duplicate custom_id 'line-2' (first on line 2) (a line without custom_id gets the id 'line-<n>') — every request needs its own custom_id`,
      ]);
    });

    it("does not confuse other ids with implicit ones, nor count blank lines as having one", async () => {
      // Line 5 is blank, so it has no id and 'line-5' on line 7 is free.
      const file = write([bare('x'), batch('line-1x'), batch('line-01'), batch('line-9'), '', bare('y'), batch('line-5')]);
      const report = await scanFile(file);
      assert.equal(report.problemCount, 0, formatted(report.problems).join('\n'));
      assert.equal(report.requests, 6);
    });

    it('accepts a Batches line whose custom_id is its own implicit id', async () => {
      const report = await scanFile(write([bare('x'), batch('line-2')]));
      assert.equal(report.problemCount, 0);
    });

    it('finds every duplicate among thousands of ids, reading the first lines again as written (BOM, CRLF, a default model)', async () => {
      // A duplicate is confirmed by reading its first line again: that line must be found and
      // parsed exactly as the scan read it, or a duplicate would be missed.
      const count = 3000;
      const line = (id: string): string => JSON.stringify({ custom_id: id, params: { max_tokens: 10, messages: [{ role: 'user', content: id }] } });
      const again = Array.from({ length: 500 }, (_, k) => (k * 7919) % count); // 500 distinct ids, scrambled, item-0 first
      const lines = [...Array.from({ length: count }, (_, i) => line(`item-${i}`)), ...again.map((i) => line(`item-${i}`))];
      const file = path.join(dir, 'dups.jsonl');
      fs.writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${lines.join('\r\n')}\r\n`)]));
      const report = await scanFile(file, { model: 'claude-haiku-4-5' });
      assert.equal(report.requests, count);
      assert.deepEqual(
        report.problems.map((p) => `${p.line}: ${p.message}`),
        again.map((i, k) => `${count + k + 1}: duplicate custom_id 'item-${i}' (first on line ${i + 1}) — every request needs its own custom_id`),
      );
    });
  });

  describe('unknown models', () => {
    it('warns once per model, on its first line, with how many lines use it; warnings alone are not errors', async () => {
      const file = write([bare('a', { model: 'gpt-9' }), bare('b'), bare('c', { model: 'gpt-9' }), bare('d', { model: 'gpt-9' }), bare('e', { model: 'llama' })]);
      const report = await scanFile(file, { isKnownModel });
      assert.deepEqual(formatted(report.problems), [
        `${file}:1: warning: unknown model 'gpt-9': no price is known, its cost will not count toward the spend cap — give a price with --price (3 lines use it)`,
        `${file}:5: warning: unknown model 'llama': no price is known, its cost will not count toward the spend cap — give a price with --price`,
      ]);
      assert.deepEqual([report.warningCount, report.errorCount, report.hasErrors, report.requests], [2, 0, false, 5]);
    });

    it("records each model's first valid line, past blank, invalid and duplicate lines", async () => {
      const file = write(['', '{', batch('dup'), batch('dup', body('again', { model: 'gpt-9' })), bare('x', { model: 'gpt-9' }), bare('y'), bare('z', { model: 'gpt-9' })]);
      const report = await scanFile(file, { isKnownModel });
      assert.deepEqual(
        Object.fromEntries(Object.entries(report.totals.perModel).map(([m, t]) => [m, [t.firstLine, t.requests]])),
        { 'claude-haiku-4-5': [3, 2], 'gpt-9': [5, 2] },
      );
    });

    it('asks isKnownModel once per model', async () => {
      const asked: string[] = [];
      await scanFile(write([bare('a'), bare('b'), bare('c', { model: 'x' })]), { isKnownModel: (m) => (asked.push(m), true) });
      assert.deepEqual(asked, ['claude-haiku-4-5', 'x']);
    });
  });

  it('keeps at most maxProblems problems but counts them all, and hasErrors holds past the cap', async () => {
    const lines = [bare('w', { model: 'odd' }), ...Array.from({ length: 20 }, () => '{'), bare('fine')];
    const report = await scanFile(write(lines), { isKnownModel }, { maxProblems: 5 });
    assert.equal(report.problems.length, 5);
    assert.equal(report.problemCount, 21);
    assert.equal(report.errorCount, 20);
    assert.equal(report.warningCount, 1);
    assert.equal(report.hasErrors, true);
    assert.deepEqual(report.problems.map((p) => p.line), [1, 2, 3, 4, 5]);
    assert.equal(report.requests, 2);
  });

  it('keeps 1000 problems by default', async () => {
    const report = await scanFile(write(Array.from({ length: 1200 }, () => '[]')));
    assert.deepEqual([report.problems.length, report.problemCount], [1000, 1200]);
  });

  it('reports progress after each chunk', async () => {
    // ~720 KB: more than two reads of the default size.
    const file = write(Array.from({ length: 6000 }, (_, i) => batch(`r${i}`)));
    const seen: ScanProgress[] = [];
    await scanFile(file, {}, { onProgress: (p) => seen.push(p) });
    assert.ok(seen.length > 1);
    assert.deepEqual(seen.at(-1), { lines: 6000, bytesRead: fs.statSync(file).size });
  });

  it('rejects when the file cannot be read', async () => {
    await assert.rejects(scanFile(path.join(dir, 'missing.jsonl')), /ENOENT/);
  });

  describe('hostile input: lines that can never succeed', () => {
    it('refuses a huge max_tokens, a line over 32 MB and 10,000-deep nesting, each on its own line, and counts only the good one', async function () {
      this.timeout(30_000);
      const deep = `{"model":"claude-haiku-4-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"metadata":{"x":${'['.repeat(10_000)}${']'.repeat(10_000)}}}`;
      const file = write([bare('a', { max_tokens: 1e12 }), bare('x'.repeat(33_000_000)), deep, bare('fine')]);
      const report = await scanFile(file, { isKnownModel });
      assert.deepEqual(formatted(report.problems), [
        `${file}:1: max_tokens is 1000000000000, more than 'claude-haiku-4-5' can produce: its maximum is 64,000 — lower max_tokens`,
        `${file}:2: the line is ${(33_000_000 + bare('').length).toLocaleString('en-US')} bytes: the API accepts at most 32 MB per request (32,000,000 bytes) — make the request smaller`,
        `${file}:3: the line nests arrays and objects more than 512 levels deep (at column ${deep.indexOf('[[') + 511}): Floorline refuses deeper nesting, which would overflow the call stack when the request is serialised for sending — flatten the data`,
      ]);
      assert.deepEqual([report.requests, report.errorCount, report.hasErrors, report.lines], [1, 3, true, 4]);
      assert.equal(report.totals.maxTokens, 100);
    });

    it('refuses a pipe such as /dev/stdin, naming it, since the run reads the input a second time', async function () {
      if (process.platform === 'win32') this.skip();
      const fifo = path.join(dir, 'in.jsonl');
      execFileSync('mkfifo', [fifo]);
      await assert.rejects(scanFile(fifo), (err: Error) => {
        assert.match(err.message, new RegExp(`^${escape(fifo)} is a pipe, not a regular file: Floorline reads its input twice .* save the input to a file first`));
        return true;
      });
    });

    it('names a directory', async () => {
      await assert.rejects(scanFile(dir), (err: Error) => err.message === `${dir} is a directory, not a JSONL file`);
    });
  });

  it('scans 1,000,000 lines in bounded memory', async function () {
    this.timeout(300_000);
    const file = path.join(dir, 'million.jsonl');
    const count = 1_000_000;
    writeLines(file, count, (i) => `{"model":"claude-haiku-4-5","max_tokens":64,"messages":[{"role":"user","content":"Summarise catalogue item ${i} in one sentence."}]}`);
    const fileBytes = fs.statSync(file).size;

    // Live heap (after a full GC) sampled every 100,000 lines: what the scan holds on to, not garbage.
    const gc = exposeGc();
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peakGrowth = 0;
    let nextSample = 100_000;
    const started = performance.now();
    const report = await scanFile(file, { isKnownModel }, {
      onProgress: ({ lines }) => {
        if (lines < nextSample) return;
        nextSample += 100_000;
        gc();
        peakGrowth = Math.max(peakGrowth, process.memoryUsage().heapUsed - baseline);
      },
    });
    const seconds = (performance.now() - started) / 1000;

    assert.equal(report.requests, count);
    assert.equal(report.problemCount, 0);
    // Holding the lines would take more than the file's size (strings are at least 1 byte per
    // character); the scan keeps a bit per line for duplicate detection and one chunk at a time.
    assert.ok(peakGrowth < 16 * 1024 * 1024, `heap grew by ${mb(peakGrowth)} while scanning ${mb(fileBytes)}`);
    assert.ok(peakGrowth < fileBytes / 10);
    console.log(`      scanFile: ${count.toLocaleString('en-US')} lines (${mb(fileBytes)}) in ${seconds.toFixed(1)} s = ` +
      `${Math.round(count / seconds).toLocaleString('en-US')} lines/s (GC pauses included), live heap growth ${mb(peakGrowth)}`);
  });

  it('scans 1,000,000 explicit custom_ids in bounded memory (packed slots, not a Map of strings)', async function () {
    this.timeout(300_000);
    const file = path.join(dir, 'million-ids.jsonl');
    const count = 1_000_000;
    writeLines(file, count, (i) => `{"custom_id":"item-${i}","params":{"model":"claude-haiku-4-5","max_tokens":64,"messages":[{"role":"user","content":"Item ${i}"}]}}`);

    // Heap and array buffers, wherever the id index lives.
    const gc = exposeGc();
    const live = (): number => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const baseline = live();
    let peakGrowth = 0;
    let nextSample = 100_000;
    const report = await scanFile(file, { isKnownModel }, {
      onProgress: ({ lines }) => {
        if (lines < nextSample) return;
        nextSample += 100_000;
        peakGrowth = Math.max(peakGrowth, live() - baseline);
      },
    });

    assert.equal(report.requests, count);
    assert.equal(report.problemCount, 0);
    // A Map of the id strings held ~60 MB here; the index holds ~11.
    assert.ok(peakGrowth < 32 * 1024 * 1024, `live memory grew by ${mb(peakGrowth)}`);
    console.log(`      scanFile: ${count.toLocaleString('en-US')} custom_ids, live memory growth ${mb(peakGrowth)}`);
  });
});

function writeLines(file: string, count: number, line: (i: number) => string): void {
  const fd = fs.openSync(file, 'w');
  try {
    let chunk: string[] = [];
    for (let i = 1; i <= count; i++) {
      chunk.push(line(i));
      if (chunk.length === 10_000 || i === count) {
        fs.writeSync(fd, chunk.join('\n') + '\n');
        chunk = [];
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** `global.gc` without restarting node with --expose-gc. */
function exposeGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
