import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputChangedError, readRequests, scanFile } from '../../../../src/core/input';
import { FingerprintDigest, fingerprintOf } from '../../../../src/core/input/fingerprint';
import type { InputRequest } from '../../../../src/core/types';

const body = (text: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  model: 'claude-haiku-4-5',
  max_tokens: 100,
  messages: [{ role: 'user', content: text }],
  ...extra,
});

describe('input: readRequests', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floorline-read-'));
    file = path.join(dir, 'in.jsonl');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (lines: string[], eol = '\n'): void => fs.writeFileSync(file, lines.join(eol));
  const readAll = async (...args: Parameters<typeof readRequests> extends [string, ...infer R] ? R : never): Promise<InputRequest[]> => {
    const out: InputRequest[] = [];
    for await (const r of readRequests(file, ...args)) out.push(r);
    return out;
  };

  it('yields the valid requests of both shapes in file order, with ids and line numbers, skipping blank lines', async () => {
    write([JSON.stringify({ custom_id: 'a', params: body('one') }), '', JSON.stringify(body('two')), '  '], '\r\n');
    const requests = await readAll();
    assert.deepEqual(requests, [
      { customId: 'a', line: 1, params: body('one'), fingerprint: fingerprintOf(body('one')) },
      { customId: 'line-3', line: 3, params: body('two'), fingerprint: fingerprintOf(body('two')) },
    ]);
  });

  it('fingerprints the request as sent: the same params give the same hash whatever the spacing or id, other params another', async () => {
    write([JSON.stringify({ custom_id: 'a', params: body('one') }), JSON.stringify(body('one'), null, 0).replace(/,/g, ', '), JSON.stringify(body('two'))]);
    const [a, b, c] = await readAll();
    assert.match(a!.fingerprint!, /^sha256:[0-9a-f]{16}$/);
    assert.equal(a!.fingerprint, b!.fingerprint);
    assert.notEqual(a!.fingerprint, c!.fingerprint);
  });

  it('applies the defaults', async () => {
    write([JSON.stringify({ messages: [{ role: 'user', content: 'x' }] })]);
    const [request] = await readAll({ model: 'claude-opus-5', maxTokens: 64 });
    assert.equal(request?.params.model, 'claude-opus-5');
    assert.equal(request?.params.max_tokens, 64);
  });

  it('does not yield the lines skip() returns true for', async () => {
    write(['a', 'b', 'c'].map((id) => JSON.stringify({ custom_id: id, params: body(id) })).concat(JSON.stringify(body('d'))));
    const asked: string[] = [];
    const requests = await readAll({}, { skip: (id) => (asked.push(id), id === 'b' || id === 'line-4') });
    assert.deepEqual(requests.map((r) => r.customId), ['a', 'c']);
    assert.deepEqual(asked, ['a', 'b', 'c', 'line-4']);
  });

  it('passes unknown models (the scan warned about them)', async () => {
    write([JSON.stringify(body('x', { model: 'mystery' }))]);
    assert.equal((await readAll({ isKnownModel: () => false })).length, 1);
  });

  it('throws, naming file:line, when a line became invalid after the scan, having yielded only valid lines', async () => {
    write([JSON.stringify(body('ok')), JSON.stringify(body('fine'))]);
    assert.equal((await scanFile(file)).hasErrors, false);
    write([JSON.stringify(body('ok')), JSON.stringify(body('edited', { top_k: 5 }))]);
    const yielded: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const r of readRequests(file)) yielded.push(r.customId);
      })(),
      (err: unknown) => {
        assert.ok(err instanceof InputChangedError);
        assert.equal(
          err.message,
          `${file}:2: the file changed after it was checked and this line is now invalid: top_k was removed in the Messages API 1.x; the API rejects it — remove it`,
        );
        assert.deepEqual([err.problem.file, err.problem.line], [file, 2]);
        return true;
      },
    );
    assert.deepEqual(yielded, ['line-1']);
  });

  it('throws on a line that is no longer valid UTF-8', async () => {
    fs.writeFileSync(file, Buffer.concat([Buffer.from('{"a": "'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]));
    await assert.rejects(readAll(), new RegExp(`^InputChangedError: .*in.jsonl:1: .*not valid UTF-8`));
  });

  it('can be abandoned part way', async () => {
    write(Array.from({ length: 5000 }, (_, i) => JSON.stringify(body(`q${i}`))));
    let n = 0;
    for await (const _ of readRequests(file)) if (++n === 3) break;
    assert.equal(n, 3);
  });

  describe('FingerprintDigest', () => {
    const digestOf = (pairs: [string, number][]): FingerprintDigest => {
      const d = new FingerprintDigest();
      for (const [id, key] of pairs) d.add(id, key);
      return d;
    };

    it('is the same for the same (id, fingerprint) pairs in any order', () => {
      const pairs: [string, number][] = Array.from({ length: 1000 }, (_, i) => [`id-${i}`, (i * 2654435761) % 2 ** 52]);
      assert.ok(digestOf(pairs).equals(digestOf([...pairs].reverse())));
    });

    it('differs when one fingerprint changes by any single bit, when an id is missing or extra, and when two ids swap fingerprints', () => {
      const pairs: [string, number][] = Array.from({ length: 100 }, (_, i) => [`line-${i + 1}`, 2 ** 51 + i * 977]);
      const base = digestOf(pairs);
      for (let bit = 0; bit < 52; bit++) {
        const flipped = (n: number): number => (Math.floor(n / 2 ** bit) % 2 === 0 ? n + 2 ** bit : n - 2 ** bit);
        const changed = pairs.map(([id, key], i): [string, number] => [id, i === 42 ? flipped(key) : key]);
        assert.equal(base.equals(digestOf(changed)), false, `bit ${bit}`);
      }
      assert.equal(base.equals(digestOf(pairs.slice(1))), false);
      assert.equal(base.equals(digestOf([...pairs, ['line-101', 0]])), false);
      const swapped = pairs.map(([id], i): [string, number] => [id, pairs[i === 0 ? 1 : i === 1 ? 0 : i]![1]]);
      assert.equal(base.equals(digestOf(swapped)), false);
    });
  });
});
