import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lineChunks, type ScanEnd, scanLines } from '../../../../src/core/files/line-scanner';

describe('files: line scanner', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floorline-scanner-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  type Seen = Array<[number, string, number, number] | [number, 'too long', number]>;
  const scan = async (content: string, options: { readSize?: number; maxLineBytes?: number; from?: number } = {}): Promise<{ seen: Seen; end: ScanEnd }> => {
    const file = path.join(dir, 'lines.jsonl');
    fs.writeFileSync(file, content);
    const handle = await fs.promises.open(file, 'r');
    try {
      const seen: Seen = [];
      const end = await scanLines(
        handle,
        { offset: options.from ?? 0, line: 1 },
        (bytes, start, stop, offset, line, next) => seen.push([line, bytes.toString('utf8', start, stop), offset, next]),
        (line, bytes) => seen.push([line, 'too long', bytes]),
        options,
      );
      return { seen, end };
    } finally {
      await handle.close();
    }
  };

  it('gives each line with its offsets, without CR, LF or byte-order mark, at every read size', async () => {
    for (const readSize of [1, 2, 3, 5, 1024]) {
      const { seen, end } = await scan('\uFEFFab\r\n\ncd\ntail', { readSize });
      assert.deepEqual(seen, [[1, 'ab', 3, 7], [2, '', 7, 8], [3, 'cd', 8, 11]], `readSize ${readSize}`);
      assert.deepEqual(end, { offset: 11, line: 4, partialTail: true });
    }
  });

  it('reports an over-long line by its length (without CR or byte-order mark), without holding it', async () => {
    for (const readSize of [1, 4, 64]) {
      const { seen, end } = await scan(`\uFEFF${'x'.repeat(30)}\r\nok\n${'y'.repeat(10)}\nzz`, { readSize, maxLineBytes: 9 });
      assert.deepEqual(seen, [[1, 'too long', 30], [2, 'ok', 35, 38], [3, 'too long', 10]], `readSize ${readSize}`);
      assert.deepEqual(end, { offset: 49, line: 4, partialTail: true });
    }
  });

  it('starts where it stopped, and ends on the start of an over-long last line', async () => {
    const { seen, end } = await scan(`a\nb\n${'x'.repeat(40)}`, { readSize: 4, maxLineBytes: 8, from: 2 });
    assert.deepEqual(seen, [[1, 'b', 2, 4]]);
    assert.deepEqual(end, { offset: 4, line: 2, partialTail: true });
  });
  it('gives back the room a long line took once it is read, and keeps its usual buffer after', async () => {
    const file = path.join(dir, 'long.jsonl');
    const readSize = 8192;
    fs.writeFileSync(file, `${'x'.repeat(300_000)}\n` + 'short line\n'.repeat(20_000));
    const handle = await fs.promises.open(file, 'r');
    try {
      const held: number[] = [];
      let lines = 0;
      const chunks = lineChunks(handle, { offset: 0, line: 1 }, { readSize, maxLineBytes: 1 << 20 });
      for (let read = await chunks.next(); !read.done; read = await chunks.next()) {
        lines += read.value.count;
        held.push(read.value.bytes.buffer.byteLength);
      }
      assert.equal(lines, 20_001);
      assert.ok(held[0]! >= 300_000, `the long line was held whole (${held[0]} bytes)`);
      assert.ok(held.slice(2).every((bytes) => bytes <= 2 * readSize), `after it: ${Math.max(...held.slice(2))} bytes held`);
    } finally {
      await handle.close();
    }
  });
  it('with lastLine, passes on a last line without a line break, trimmed the same way, in a chunk marked unterminated', async () => {
    const last = async (content: string, readSize: number): Promise<Array<[number, string | number, boolean]>> => {
      const file = path.join(dir, 'last.jsonl');
      fs.writeFileSync(file, content);
      const handle = await fs.promises.open(file, 'r');
      try {
        const seen: Array<[number, string | number, boolean]> = [];
        for await (const chunk of lineChunks(handle, { offset: 0, line: 1 }, { readSize, maxLineBytes: 9, lastLine: true })) {
          for (let i = 0; i < chunk.count; i++) {
            const text = chunk.starts[i] === -1 ? chunk.ends[i]! : chunk.bytes.toString('utf8', chunk.starts[i], chunk.ends[i]);
            seen.push([chunk.line + i, text, chunk.unterminated]);
          }
        }
        return seen;
      } finally {
        await handle.close();
      }
    };
    for (const readSize of [1, 2, 5, 64]) {
      assert.deepEqual(await last('a\nbc\r', readSize), [[1, 'a', false], [2, 'bc', true]], `readSize ${readSize}`);
      assert.deepEqual(await last('\uFEFFonly', readSize), [[1, 'only', true]], `readSize ${readSize}`);
      assert.deepEqual(await last('\uFEFF', readSize), [], `a byte-order mark alone, readSize ${readSize}`);
      assert.deepEqual(await last('ok\n', readSize), [[1, 'ok', false]], `readSize ${readSize}`);
      assert.deepEqual(await last(`ok\n${'x'.repeat(30)}\r`, readSize), [[1, 'ok', false], [2, 30, true]], `too long, readSize ${readSize}`);
      assert.deepEqual(await last(`\uFEFF${'x'.repeat(10)}`, readSize), [[1, 10, true]], `just too long, readSize ${readSize}`);
    }
  });
});
