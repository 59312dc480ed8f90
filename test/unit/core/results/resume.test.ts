import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as sinon from 'sinon';
import { prepareResume, recordedFingerprints, resumeTempPath, ResultsWriter } from '../../../../src/core/results';
import { FingerprintDigest } from '../../../../src/core/input/fingerprint';
import type { ResultLine } from '../../../../src/core/types';

type Kind = 'succeeded' | 'errored' | 'canceled' | 'expired';

function line(id: string, kind: Kind = 'succeeded', extra: Partial<ResultLine> = {}): ResultLine {
  const result: ResultLine['result'] =
    kind === 'succeeded'
      ? { type: 'succeeded', message: { content: [{ type: 'text', text: `answer ${id}` }] } }
      : kind === 'errored'
        ? { type: 'errored', error: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }
        : { type: kind };
  return { custom_id: id, result, model: 'claude-haiku-4-5', latency_ms: 10, attempts: 1, cost_usd: 0.25, usage: null, ...extra };
}

const jsonl = (...lines: ResultLine[]): string => lines.map((l) => `${JSON.stringify(l)}\n`).join('');

describe('results: prepareResume', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floorline-resume-'));
    file = path.join(dir, 'jobs.results.jsonl');
  });
  afterEach(() => {
    sinon.restore();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const ids = (): string[] =>
    fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as ResultLine).custom_id);
  const onlyFile = (): void => assert.deepEqual(fs.readdirSync(dir), ['jobs.results.jsonl'], 'no temp file left behind');

  it('returns an empty state for a missing file, without creating it', async () => {
    const state = await prepareResume(file);
    assert.equal(state.succeeded.size, 0);
    assert.equal(state.keptLines, 0);
    assert.equal(state.spentUsd, 0);
    assert.equal(state.tornTailRepaired, false);
    assert.equal(fs.existsSync(file), false);
  });

  it('accepts an empty file', async () => {
    fs.writeFileSync(file, '');
    const state = await prepareResume(file);
    assert.equal(state.keptLines, 0);
    assert.equal(state.rewritten, false);
  });

  it('keeps a clean file untouched (same inode, same bytes) and reports what is done', async () => {
    const content = jsonl(line('a'), line('b', 'succeeded', { cost_usd: 0.5 }), line('c', 'succeeded', { cost_usd: null }));
    fs.writeFileSync(file, content);
    const ino = fs.statSync(file).ino;
    const state = await prepareResume(file);
    assert.deepEqual([...state.succeeded], ['a', 'b', 'c']);
    assert.equal(state.keptLines, 3);
    assert.equal(state.spentUsd, 0.75);
    assert.equal(state.erroredDropped, 0);
    assert.equal(state.duplicatesDropped, 0);
    assert.equal(state.rewritten, false);
    assert.equal(fs.statSync(file).ino, ino);
    assert.equal(fs.readFileSync(file, 'utf8'), content);
    onlyFile();
  });

  it('drops errored/canceled/expired lines with an atomic rewrite (new inode, no temp left)', async () => {
    fs.writeFileSync(
      file,
      jsonl(line('a'), line('b', 'errored'), line('c'), line('d', 'canceled'), line('e', 'expired'), line('f', 'errored', { cost_usd: 9 })),
    );
    fs.chmodSync(file, 0o640);
    const ino = fs.statSync(file).ino;
    const state = await prepareResume(file);
    assert.deepEqual([...state.succeeded], ['a', 'c']);
    assert.equal(state.erroredDropped, 4);
    assert.equal(state.keptLines, 2);
    assert.equal(state.spentUsd, 0.5, 'only kept lines count');
    assert.equal(state.rewritten, true);
    assert.deepEqual(ids(), ['a', 'c']);
    assert.equal(fs.readFileSync(file, 'utf8'), jsonl(line('a'), line('c')), 'kept lines are copied byte for byte');
    assert.notEqual(fs.statSync(file).ino, ino, 'replaced by rename, not edited in place');
    assert.equal(fs.statSync(file).mode & 0o777, 0o640, 'permissions kept');
    onlyFile();

    const again = await prepareResume(file);
    assert.equal(again.rewritten, false, 'a second resume has nothing to do');
    assert.equal(again.keptLines, 2);
  });

  it('leaves the old file whole (and no temp file) when the rewrite fails before its rename', async () => {
    const content = jsonl(line('a'), line('b', 'errored'));
    fs.writeFileSync(file, content);
    // The real module object, so the stub reaches resume.ts.
    const realFs = require('node:fs') as typeof fs;
    sinon.stub(realFs.promises, 'rename').rejects(Object.assign(new Error('EIO: simulated'), { code: 'EIO' }));
    await assert.rejects(prepareResume(file), /EIO/);
    assert.equal(fs.readFileSync(file, 'utf8'), content);
    onlyFile();
  });

  it('an errored request retried later to success ends up exactly once', async () => {
    fs.writeFileSync(file, jsonl(line('a', 'errored'), line('b')));
    await prepareResume(file);
    const writer = await ResultsWriter.open(file);
    writer.append(line('a'));
    writer.close();
    const state = await prepareResume(file);
    assert.deepEqual([...state.succeeded].sort(), ['a', 'b']);
    assert.deepEqual(ids(), ['b', 'a']);
  });

  it('keeps the first succeeded line of an id and drops later ones', async () => {
    fs.writeFileSync(
      file,
      jsonl(line('a', 'succeeded', { latency_ms: 1 }), line('b'), line('a', 'succeeded', { latency_ms: 2 }), line('a', 'errored')),
    );
    const state = await prepareResume(file);
    assert.equal(state.duplicatesDropped, 1);
    assert.equal(state.erroredDropped, 1);
    assert.equal(state.keptLines, 2);
    assert.equal(state.spentUsd, 0.5);
    assert.deepEqual(ids(), ['a', 'b']);
    const first = JSON.parse(fs.readFileSync(file, 'utf8').split('\n')[0] ?? '') as ResultLine;
    assert.equal(first.latency_ms, 1);
    onlyFile();
  });

  it('cuts a torn partial last line and the next append starts on a fresh line', async () => {
    const good = jsonl(line('a'), line('b'));
    const partial = JSON.stringify(line('c')).slice(0, 40);
    fs.writeFileSync(file, good + partial);
    const ino = fs.statSync(file).ino;
    const state = await prepareResume(file);
    assert.equal(state.tornTailRepaired, true);
    assert.equal(state.tornBytesDropped, Buffer.byteLength(partial));
    assert.equal(state.keptLines, 2);
    assert.equal(state.rewritten, false);
    assert.equal(fs.readFileSync(file, 'utf8'), good);
    assert.equal(fs.statSync(file).ino, ino, 'repaired in place: nothing whole is at risk');

    const writer = await ResultsWriter.open(file);
    writer.append(line('c'));
    writer.close();
    assert.deepEqual(ids(), ['a', 'b', 'c']);
  });

  it('keeps a whole last line that only misses its newline, and adds the newline', async () => {
    const content = jsonl(line('a'), line('b'));
    fs.writeFileSync(file, content.slice(0, -1));
    const state = await prepareResume(file);
    assert.equal(state.tornTailRepaired, true);
    assert.equal(state.tornBytesDropped, 0);
    assert.deepEqual([...state.succeeded], ['a', 'b']);
    assert.equal(fs.readFileSync(file, 'utf8'), content);
  });

  it('treats a last line of garbage as a torn tail even when it ends with a newline (e.g. zeroed blocks)', async () => {
    const good = jsonl(line('a'));
    fs.writeFileSync(file, Buffer.concat([Buffer.from(good), Buffer.alloc(300), Buffer.from('\n')]));
    const state = await prepareResume(file);
    assert.equal(state.tornTailRepaired, true);
    assert.equal(state.tornBytesDropped, 301);
    assert.equal(fs.readFileSync(file, 'utf8'), good);
  });

  it('never cuts a last line Floorline did not write: a note after results, or a file that was never ours', async () => {
    const cases: Array<[string, string]> = [
      ['a note after results, no newline', jsonl(line('a')) + 'remember to check the refunds'],
      ['a note after results, with newline', jsonl(line('a')) + 'remember to check the refunds\n'],
      ['a one-line text file given as --out', 'my shopping list'],
      ['a one-line text file with newline', 'my shopping list\n'],
    ];
    for (const [what, content] of cases) {
      fs.writeFileSync(file, content);
      await assert.rejects(prepareResume(file), /the last line is not a Floorline results line nor the torn start of one/, what);
      assert.equal(fs.readFileSync(file, 'utf8'), content, `${what}: unchanged`);
    }
  });

  it('cuts only what a crash leaves: the start of one of our lines, however short', async () => {
    for (const fragment of ['{', '{"cus', '{"custom_id":', '{"custom_id":"c","resu']) {
      fs.writeFileSync(file, jsonl(line('a')) + fragment);
      const state = await prepareResume(file);
      assert.equal(state.tornTailRepaired, true, fragment);
      assert.equal(fs.readFileSync(file, 'utf8'), jsonl(line('a')));
    }
  });

  it('refuses a results path that is a symbolic link, leaving its target alone', async () => {
    const target = path.join(dir, 'notes.txt');
    fs.writeFileSync(target, 'mine');
    fs.symlinkSync(target, file);
    await assert.rejects(prepareResume(file), /symbolic link/);
    assert.equal(fs.readFileSync(target, 'utf8'), 'mine');
  });

  it('reports each kept line\'s request fingerprint, and which lines were a rehearsal\'s', async () => {
    fs.writeFileSync(file, jsonl(
      line('a', 'succeeded', { fingerprint: 'sha256:00000000000001ff' }),
      line('b', 'succeeded', { simulated: true }),
      line('c'),
    ));
    const state = await prepareResume(file);
    const recorded = await recordedFingerprints(file);
    assert.deepEqual([...recorded], ['a', 'b', 'c']);
    assert.deepEqual([...recorded.numbers()], [['a', 0]]);
    // The digest covers the one line with a fingerprint, as the input's over the same pair does.
    const input = new FingerprintDigest();
    input.add('a', 0);
    assert.ok(state.fingerprintDigest.equals(input));
    assert.deepEqual([state.simulatedLines, state.firstSimulatedLine, state.realLines, state.firstRealLine], [1, 2, 2, 1]);
  });

  it('knows exactly which of thousands of ids succeeded, and each one\'s fingerprint (ids are kept compactly, not as strings)', async () => {
    // Even lines succeeded, odd ones errored; some ids are not ASCII; near-misses must not count.
    const idOf = (i: number): string => (i % 500 === 0 ? `é-${i}` : `id-${i}`);
    const lines: ResultLine[] = [];
    for (let i = 0; i < 6000; i++) {
      lines.push(i % 2 === 0 ? line(idOf(i), 'succeeded', { fingerprint: `sha256:${i.toString(16).padStart(13, '0')}abc` }) : line(idOf(i), 'errored'));
    }
    fs.writeFileSync(file, jsonl(...lines));
    const state = await prepareResume(file);
    const recorded = (await recordedFingerprints(file)).numbers();
    assert.equal(state.succeeded.size, 3000);
    assert.equal(recorded.size, 3000);
    const input = new FingerprintDigest();
    for (let i = 0; i < 6000; i++) {
      assert.equal(state.succeeded.has(idOf(i)), i % 2 === 0, idOf(i));
      assert.equal(recorded.get(idOf(i)), i % 2 === 0 ? i : undefined, idOf(i));
      if (i % 2 === 0) input.add(idOf(i), i);
    }
    assert.ok(state.fingerprintDigest.equals(input));
    for (const absent of ['id-6000', 'id-0', 'e-0', 'é-0 ', 'id-02', 'ID-2']) assert.equal(state.succeeded.has(absent), false, absent);
    assert.deepEqual([...state.succeeded].slice(0, 3), ['é-0', 'id-2', 'id-4']);
  });

  it('refuses to repair a file it cannot write, before changing anything', async function () {
    if (process.getuid?.() === 0) this.skip(); // root writes anyway
    const content = jsonl(line('a')) + '{"custom_id":"b';
    fs.writeFileSync(file, content);
    fs.chmodSync(file, 0o444);
    await assert.rejects(prepareResume(file), new RegExp(`${escape(file)}: the results file cannot be written`));
    assert.equal(fs.readFileSync(file, 'utf8'), content);
  });

  it('dropRetryable false (batches): keeps errored lines and names every id the file answers, so nobody reads it again', async () => {
    fs.writeFileSync(file, jsonl(line('a'), line('b', 'errored'), line('c', 'expired')) + '{"custom_id":"d","res');
    const state = await prepareResume(file, { dropRetryable: false });
    assert.deepEqual(ids(), ['a', 'b', 'c'], 'errored and expired lines stay; the torn tail goes');
    assert.deepEqual([...state.succeeded], ['a']);
    assert.deepEqual([...state.retained].sort(), ['b', 'c']);
    assert.equal(state.retained.has('d'), false);
    // The default drops them, and retains nothing.
    const again = await prepareResume(file);
    assert.deepEqual(ids(), ['a']);
    assert.equal(again.retained.size, 0);
  });

  it('repairs a torn tail and drops errored lines in the same run', async () => {
    fs.writeFileSync(file, jsonl(line('a'), line('b', 'errored')) + '{"custom_id":"c","resu');
    const state = await prepareResume(file);
    assert.equal(state.tornTailRepaired, true);
    assert.equal(state.erroredDropped, 1);
    assert.deepEqual(ids(), ['a']);
    assert.ok(fs.readFileSync(file, 'utf8').endsWith('\n'));
    onlyFile();
  });

  it('refuses an invalid line in the middle, naming path:line, and leaves the file alone', async () => {
    const content = `${jsonl(line('a'))}{not json}\n${jsonl(line('b', 'errored'), line('c'))}`;
    fs.writeFileSync(file, content);
    await assert.rejects(prepareResume(file), (err: Error) => {
      assert.ok(err.message.includes(`${file}:2`), err.message);
      assert.match(err.message, /not valid JSON/);
      assert.match(err.message, /Fix or remove that line/);
      return true;
    });
    assert.equal(fs.readFileSync(file, 'utf8'), content);
    onlyFile();
  });

  it('refuses a JSON line that is not a results line, even as the last line', async () => {
    fs.writeFileSync(file, `${jsonl(line('a'))}{"custom_id":"x","result":{"type":"weird"}}\n`);
    await assert.rejects(prepareResume(file), new RegExp(`${escape(file)}:2: .*"result\\.type" is "weird"`));
    fs.writeFileSync(file, `${jsonl(line('a'))}[1,2]\n${jsonl(line('b'))}`);
    await assert.rejects(prepareResume(file), new RegExp(`${escape(file)}:2: .*not a JSON object`));
    fs.writeFileSync(file, `{"result":{"type":"succeeded"}}\n`);
    await assert.rejects(prepareResume(file), new RegExp(`${escape(file)}:1: .*custom_id`));
  });

  it('tolerates blank lines and CRLF line ends', async () => {
    fs.writeFileSync(file, `${JSON.stringify(line('a'))}\r\n\n  \n${JSON.stringify(line('b'))}\r\n`);
    const state = await prepareResume(file);
    assert.deepEqual([...state.succeeded], ['a', 'b']);
    assert.equal(state.rewritten, false);
  });

  it('removes a temp file left by a crash during an earlier rewrite', async () => {
    fs.writeFileSync(file, jsonl(line('a')));
    fs.writeFileSync(resumeTempPath(file), '{"custom_id":"half-writ');
    const state = await prepareResume(file);
    assert.equal(state.keptLines, 1);
    onlyFile();
  });

  it('handles lines larger than the read chunk and many lines across chunks', async () => {
    const huge = line('huge', 'succeeded', { result: { type: 'succeeded', message: { text: 'x'.repeat(3_500_000) } } });
    const many: ResultLine[] = [];
    for (let i = 0; i < 20_000; i++) many.push(line(`m${i}`, i % 10 === 0 ? 'errored' : 'succeeded'));
    fs.writeFileSync(file, jsonl(line('first'), huge, ...many, line('last')));
    const state = await prepareResume(file);
    assert.equal(state.keptLines, 2 + 1 + 18_000);
    assert.equal(state.erroredDropped, 2_000);
    assert.ok(state.succeeded.has('huge') && state.succeeded.has('last') && state.succeeded.has('m1'));
    const kept = ids();
    assert.equal(kept.length, state.keptLines);
    assert.equal(kept[1], 'huge');
    // Byte for byte the lines kept, in order: the rewrite copies each read's lines out before the
    // scanner reads into the same buffer again.
    assert.equal(fs.readFileSync(file, 'utf8'), jsonl(line('first'), huge, ...many.filter((_, i) => i % 10 !== 0), line('last')));
    onlyFile();
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
