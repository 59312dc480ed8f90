import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { firstInvalidUtf8, type Line, readLineBatches, readLines } from '../../src/core/input/line-reader';

describe('input: line reader', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floorline-lines-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (content: string | Buffer): string => {
    const file = path.join(dir, 'in.jsonl');
    fs.writeFileSync(file, content);
    return file;
  };
  const collect = async (file: string, chunkSize?: number): Promise<Line[]> => {
    const out: Line[] = [];
    for await (const l of readLines(file, chunkSize ? { chunkSize } : {})) out.push(l);
    return out;
  };
  const texts = async (file: string, chunkSize?: number): Promise<string[]> => (await collect(file, chunkSize)).map((l) => l.text);

  it('numbers lines from 1, counting blank ones', async () => {
    const lines = await collect(write('a\n\n  \nb\n'));
    assert.deepEqual(lines, [
      { line: 1, text: 'a' },
      { line: 2, text: '' },
      { line: 3, text: '  ' },
      { line: 4, text: 'b' },
    ]);
  });

  it('reads a last line that has no newline', async () => {
    assert.deepEqual(await texts(write('a\nb')), ['a', 'b']);
  });

  it('reads nothing from an empty file, and one blank line from a lone newline', async () => {
    assert.deepEqual(await texts(write('')), []);
    assert.deepEqual(await texts(write('\n')), ['']);
  });

  it('strips CRLF line endings, including a CR and LF split across chunks', async () => {
    const file = write('ab\r\ncd\r\n\r\nef');
    for (const chunkSize of [1, 2, 3, 64 * 1024]) {
      assert.deepEqual(await texts(file, chunkSize), ['ab', 'cd', '', 'ef'], `chunkSize ${chunkSize}`);
    }
  });

  it('drops a UTF-8 byte-order mark on line 1 only', async () => {
    const bom = '\uFEFF';
    assert.deepEqual(await texts(write(`${bom}{"a":1}\n${bom}x\n`)), ['{"a":1}', `${bom}x`]);
    assert.deepEqual(await texts(write(`${bom}only`), 2), ['only']);
  });

  it('keeps multi-byte characters whole at every chunk boundary', async () => {
    const content = 'héllo wörld 👋\n日本語\n€\n';
    const file = write(content);
    for (let chunkSize = 1; chunkSize <= 8; chunkSize++) {
      assert.deepEqual(await texts(file, chunkSize), ['héllo wörld 👋', '日本語', '€'], `chunkSize ${chunkSize}`);
    }
  });

  it('reads a line far longer than a chunk', async () => {
    const long = 'x'.repeat(300_000);
    assert.deepEqual(await texts(write(`a\n${long}\nb`), 1024), ['a', long, 'b']);
  });

  it('reports invalid UTF-8 on the line it is on, with the byte, and reads the other lines normally', async () => {
    const file = write(Buffer.concat([Buffer.from('ok\ncaf'), Buffer.from([0xe9]), Buffer.from(' au lait\r\nfine\n')]));
    const lines = await collect(file);
    assert.equal(lines.length, 3);
    assert.deepEqual(lines[0], { line: 1, text: 'ok' });
    assert.equal(lines[1]!.line, 2);
    assert.match(lines[1]!.encodingError ?? '', /not valid UTF-8: byte 0xE9 at byte 4 of the line — save the file as UTF-8/);
    assert.equal(lines[1]!.text, 'caf\uFFFD au lait');
    assert.deepEqual(lines[2], { line: 3, text: 'fine' });
  });

  it('reports invalid UTF-8 on a last line without newline', async () => {
    const lines = await collect(write(Buffer.concat([Buffer.from('a\nb'), Buffer.from([0xff])])));
    assert.equal(lines[1]!.line, 2);
    assert.match(lines[1]!.encodingError ?? '', /byte 0xFF at byte 2/);
  });

  it('does not mistake a U+FFFD that is really in the file for invalid UTF-8', async () => {
    assert.deepEqual(await collect(write('a\uFFFDb\n')), [{ line: 1, text: 'a\uFFFDb' }]);
  });

  it('names a UTF-16 file as such instead of reporting every line', async () => {
    const file = write(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"a":1}\n{"b":2}\n', 'utf16le')]));
    const lines = await collect(file);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.line, 1);
    assert.match(lines[0]!.encodingError ?? '', /UTF-16.*save the file as UTF-8/);
  });

  it('gives batches with the bytes read so far', async () => {
    const file = write('aaaa\nbbbb\ncccc\n');
    const seen: Array<[number, number]> = [];
    for await (const batch of readLineBatches(file, { chunkSize: 5 })) seen.push([batch.lines.length, batch.bytesRead]);
    assert.deepEqual(seen, [[1, 5], [1, 10], [1, 15]]);
  });

  it('stops reading when the consumer stops early', async () => {
    const file = write('a\nb\nc\n');
    for await (const l of readLines(file)) {
      assert.equal(l.text, 'a');
      break;
    }
  });

  it('rejects for a missing file', async () => {
    await assert.rejects(collect(path.join(dir, 'missing.jsonl')), /ENOENT/);
  });

  describe('firstInvalidUtf8', () => {
    const at = (...bytes: number[]): number => firstInvalidUtf8(Uint8Array.from(bytes));
    it('accepts valid 1- to 4-byte sequences', () => {
      assert.equal(firstInvalidUtf8(Buffer.from('aé€😀')), -1);
    });
    it('finds stray, truncated, overlong, surrogate and out-of-range sequences', () => {
      assert.equal(at(0x61, 0x80), 1); // a continuation byte on its own
      assert.equal(at(0x61, 0xe2, 0x82), 1); // truncated €
      assert.equal(at(0xc0, 0xaf), 0); // overlong '/'
      assert.equal(at(0xe0, 0x80, 0xaf), 0); // overlong 3-byte
      assert.equal(at(0xed, 0xa0, 0x80), 0); // UTF-16 surrogate
      assert.equal(at(0xf4, 0x90, 0x80, 0x80), 0); // past U+10FFFF
      assert.equal(at(0x61, 0xf5), 1);
    });
  });
});
