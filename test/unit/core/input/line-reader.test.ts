import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { firstInvalidUtf8, type Line, readLineBatches, readLines } from '../../../../src/core/input/line-reader';

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

  it('marks the last batch when the last line has no line break (a torn tail), and only then', async () => {
    const flags = async (content: string, chunkSize?: number): Promise<Array<boolean | undefined>> => {
      const out: Array<boolean | undefined> = [];
      for await (const batch of readLineBatches(write(content), chunkSize ? { chunkSize } : {})) out.push(batch.unterminated);
      return out;
    };
    assert.deepEqual(await flags('a\nb\n'), [undefined]);
    assert.deepEqual(await flags('a\nb'), [undefined, true]);
    assert.deepEqual(await flags('a\r\nb\r'), [undefined, true]);
    assert.deepEqual(await flags('aaaa\nbb', 5), [undefined, true]);
    assert.deepEqual(await flags('aaaa\nbbbb\n', 5), [undefined, undefined]);
    assert.deepEqual(await flags(''), []);
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

  describe('lines longer than a request may be', () => {
    const MAX = 32_000_000;
    const tooLong = (line: number, bytes: number): Line => ({
      line,
      text: '',
      encodingError: `the line is ${bytes.toLocaleString('en-US')} bytes: the API accepts at most 32 MB per request (32,000,000 bytes) — make the request smaller`,
    });

    it('reports a line over 32 MB by its size, without its text, and reads the lines around it', async function () {
      this.timeout(30_000);
      // 1 MiB chunks: the first long line passes the limit in the chunk holding its end, the second
      // (5 MiB over) long before it, so both ways of finding out are exercised; CRLF is not counted.
      const file = write(`a\n${'x'.repeat(MAX + 1)}\r\nb\n${'y'.repeat(MAX + 5 * 1024 * 1024)}\nc\n`);
      for (const chunkSize of [1024 * 1024, 64 * 1024]) {
        const lines = await collect(file, chunkSize);
        assert.deepEqual(lines, [{ line: 1, text: 'a' }, tooLong(2, MAX + 1), { line: 3, text: 'b' }, tooLong(4, MAX + 5 * 1024 * 1024), { line: 5, text: 'c' }], `chunkSize ${chunkSize}`);
      }
    });

    it('still reads a line of exactly 32,000,000 bytes', async function () {
      this.timeout(30_000);
      const lines = await collect(write(`${'x'.repeat(MAX)}\nb`), 1024 * 1024);
      assert.equal(lines.length, 2);
      assert.equal(lines[0]!.text.length, MAX);
      assert.equal(lines[0]!.encodingError, undefined);
      assert.deepEqual(lines[1], { line: 2, text: 'b' });
    });

    it('reports a too-long last line without a line break, and a too-long first line without its byte-order mark', async function () {
      this.timeout(30_000);
      assert.deepEqual(await collect(write(`a\n${'x'.repeat(MAX + 7)}\r`), 1024 * 1024), [{ line: 1, text: 'a' }, tooLong(2, MAX + 7)]);
      assert.deepEqual(await collect(write(`\uFEFF${'x'.repeat(MAX + 7)}\nb\n`), 1024 * 1024), [tooLong(1, MAX + 7), { line: 2, text: 'b' }]);
    });

    it('does not count the CR of a CRLF split across chunks', async function () {
      this.timeout(30_000);
      // The CR is the last byte of the 31st 1 MiB chunk, the LF the first of the 32nd.
      const length = 31 * 1024 * 1024 - 1;
      assert.deepEqual(await collect(write(`${'x'.repeat(length)}\r\nb`), 1024 * 1024), [tooLong(1, length), { line: 2, text: 'b' }]);
    });

    it('still names a UTF-16 file whose first line is too long', async function () {
      this.timeout(30_000);
      const lines = await collect(write(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.alloc(MAX + 10, 0x41)])), 1024 * 1024);
      assert.equal(lines.length, 1);
      assert.match(lines[0]!.encodingError ?? '', /UTF-16/);
    });

    it("reads a line longer than V8's largest string without holding it (it used to crash)", async function () {
      this.timeout(120_000);
      // A sparse file: 540 MB of zero bytes and no line break, past the 536,870,888 characters a
      // string may have — holding the line and decoding it threw "Cannot create a string longer…".
      const file = path.join(dir, 'huge.jsonl');
      const size = 540 * 1024 * 1024;
      fs.writeFileSync(file, '');
      fs.truncateSync(file, size);
      const before = process.memoryUsage().arrayBuffers;
      let peak = 0;
      const lines: Line[] = [];
      for await (const batch of readLineBatches(file, { chunkSize: 1024 * 1024 })) {
        peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
        lines.push(...batch.lines);
      }
      assert.deepEqual(lines, [tooLong(1, size)]);
      // One held line (at most the limit) and a few chunks, not the 540 MB.
      assert.ok(peak < 100 * 1024 * 1024, `buffers grew by ${peak} bytes`);
    });
  });

  describe('inputs that are not regular files', () => {
    const saveFirst = /not a regular file: Floorline reads its input twice \(to check every line, then to send\) and resumes by line number, which a pipe or device cannot give — save the input to a file first/;

    it('refuses a named pipe, naming it, without waiting for a writer', async function () {
      if (process.platform === 'win32') this.skip();
      const fifo = path.join(dir, 'pipe.jsonl');
      execFileSync('mkfifo', [fifo]);
      await assert.rejects(collect(fifo), (err: Error) => {
        assert.equal(err.name, 'NotAFileError');
        assert.ok(err.message.startsWith(`${fifo} is a pipe, not a regular file`), err.message);
        assert.match(err.message, saveFirst);
        return true;
      });
    });

    it('refuses a pipe reached through a link, as /dev/stdin is', async function () {
      if (process.platform === 'win32') this.skip();
      const fifo = path.join(dir, 'pipe');
      execFileSync('mkfifo', [fifo]);
      const link = path.join(dir, 'stdin');
      fs.symlinkSync(fifo, link);
      await assert.rejects(collect(link), (err: Error) => err.message.startsWith(`${link} is a pipe, not a regular file`));
    });

    it('refuses a character device and a socket', async function () {
      if (process.platform === 'win32') this.skip();
      await assert.rejects(collect('/dev/null'), (err: Error) => err.message.startsWith('/dev/null is a character device (a terminal, or a device such as /dev/null), not a regular file') && saveFirst.test(err.message));
      const socket = path.join(dir, 'sock');
      const server = net.createServer().listen(socket);
      await once(server, 'listening');
      try {
        await assert.rejects(collect(socket), (err: Error) => err.message.startsWith(`${socket} is a socket, not a regular file`));
      } finally {
        server.close();
      }
    });

    it('names a directory instead of failing with EISDIR', async () => {
      await assert.rejects(collect(dir), (err: Error) => err.message === `${dir} is a directory, not a JSONL file`);
    });

    it('reads a regular file reached through a link', async () => {
      const file = write('a\nb\n');
      const link = path.join(dir, 'link.jsonl');
      fs.symlinkSync(file, link);
      assert.deepEqual(await texts(link), ['a', 'b']);
    });
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
