import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RequestIndex } from '../../../../src/core/input';

const body = (text: string, extra: Record<string, unknown> = {}) => ({ model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: text }], ...extra });

describe('RequestIndex', () => {
  let dir: string;
  let input: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floorline-request-index-'));
    input = path.join(dir, 'jobs.jsonl');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('finds a request by its custom_id, and a bare body by line-<n>, as a run names them', async () => {
    const lines = [
      JSON.stringify({ custom_id: 'first', params: body('one') }),
      '',
      JSON.stringify(body('bare, line 3')),
      JSON.stringify({ params: body('batches shape without an id, line 4') }),
      JSON.stringify({ custom_id: 'no-model', params: { max_tokens: 5, messages: [{ role: 'user', content: 'the run gave the model' }] } }),
      'not json',
      JSON.stringify({ custom_id: 'first', params: body('a duplicate') }),
      JSON.stringify(body('last, no newline')),
    ];
    fs.writeFileSync(input, lines.join('\r\n'));
    const index = await RequestIndex.build(input);
    assert.deepEqual(await index.lookup('first'), { line: 1, text: lines[0] });
    assert.deepEqual(await index.lookup('line-3'), { line: 3, text: lines[2] });
    assert.deepEqual(await index.lookup('line-4'), { line: 4, text: lines[3] });
    assert.deepEqual(await index.lookup('no-model'), { line: 5, text: lines[4] });
    assert.deepEqual(await index.lookup('line-8'), { line: 8, text: lines[7] });
    assert.equal(await index.lookup('line-6'), undefined, 'a line a run refuses never ran');
    assert.equal(await index.lookup('line-2'), undefined);
    assert.equal(await index.lookup('nope'), undefined);
    assert.equal(await index.lookup('__proto__'), undefined);
  });

  it('rebuilds when the input changed since', async () => {
    fs.writeFileSync(input, [JSON.stringify({ custom_id: 'a', params: body('1') }), JSON.stringify({ custom_id: 'b', params: body('2') })].join('\n') + '\n');
    const index = await RequestIndex.build(input);
    assert.equal((await index.lookup('b'))?.line, 2);
    const moved = [JSON.stringify({ custom_id: 'c', params: body('new first line') }), JSON.stringify({ custom_id: 'a', params: body('1') }), JSON.stringify({ custom_id: 'b', params: body('2') })];
    fs.writeFileSync(input, moved.join('\n') + '\n');
    assert.deepEqual(await index.lookup('b'), { line: 3, text: moved[2] });
    assert.deepEqual(await index.lookup('c'), { line: 1, text: moved[0] });
    // Same size and time: the line read back no longer carries the id, so the index is rebuilt.
    const stat = fs.statSync(input);
    const swapped = [moved[1], moved[0], moved[2]].join('\n') + '\n';
    fs.writeFileSync(input, swapped);
    fs.utimesSync(input, stat.atime, stat.mtime);
    assert.deepEqual(await index.lookup('a'), { line: 1, text: moved[1] });
  });

  it('indexes a large input and reads any line back', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => JSON.stringify(i % 3 === 0 ? body(`bare ${i}`) : { custom_id: `id-${i}`, params: body(`text ${i}`) }));
    fs.writeFileSync(input, lines.join('\n') + '\n');
    const index = await RequestIndex.build(input);
    for (const i of [0, 1, 31, 32, 33, 2500, 4998, 4999]) {
      const id = i % 3 === 0 ? `line-${i + 1}` : `id-${i}`;
      assert.deepEqual(await index.lookup(id), { line: i + 1, text: lines[i] }, id);
    }
  });
});
