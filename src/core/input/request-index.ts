// From a result's custom_id back to the request that produced it: the line in the input file. Built
// once by streaming the input; then each lookup reads that one line again. ~25 bytes an id
// (ExactIdMap: id → line number) plus 8 bytes per 32 lines (LineFile's offsets), so a million-line
// input costs ~25 MB, not the file.
import * as fs from 'node:fs';
import { ExactIdMap } from './id-set';
import { LineFile } from './line-file';
import { readLineBatches } from './line-reader';
import { type InputDefaults, isBlankLine, parseLine } from './validate-line';

/**
 * Stand-ins for the run's own `--model` / `--max-tokens`, which the index cannot know: a line that
 * leaves them to the run still ran, and its id must be found. Only the id is kept, never these.
 */
const PERMISSIVE: InputDefaults = { model: 'any-model', maxTokens: 1 };

/** The id a run gives the line (its custom_id, or `line-<n>` for a bare body); undefined for a line a run would refuse. */
function idOf(text: string, line: number): string | undefined {
  if (isBlankLine(text)) return undefined;
  const parsed = parseLine(text, line, PERMISSIVE);
  return 'request' in parsed ? parsed.request.customId : undefined;
}

interface Stamp {
  size: number;
  mtimeMs: number;
}

export class RequestIndex {
  private constructor(
    readonly inputPath: string,
    private ids: ExactIdMap,
    private lines: LineFile,
    private stamp: Stamp,
  ) {}

  /**
   * Indexes every line a run would send, by the id the run derives (see `parseLine`). A line a run
   * would refuse never produced a result, so it is not indexed; of two lines with one id (which a
   * run refuses too), the first is.
   */
  static async build(inputPath: string): Promise<RequestIndex> {
    const { ids, stamp } = await index(inputPath);
    return new RequestIndex(inputPath, ids, new LineFile(inputPath), stamp);
  }

  /** The request line that `customId` answers, read from the file now; rebuilt first if the file changed. */
  async lookup(customId: string): Promise<{ line: number; text: string } | undefined> {
    if (!sameStamp(this.stamp, await stampOf(this.inputPath))) await this.rebuild();
    const found = this.read(customId);
    if (found !== 'changed') return found;
    // The line no longer carries that id: the file was edited without its size or time changing.
    await this.rebuild();
    const again = this.read(customId);
    return again === 'changed' ? undefined : again;
  }

  private read(customId: string): { line: number; text: string } | undefined | 'changed' {
    const line = this.ids.get(customId);
    if (line === undefined) return undefined;
    const text = this.lines.text(line);
    if (text === undefined || idOf(text, line) !== customId) return 'changed';
    return { line, text };
  }

  private async rebuild(): Promise<void> {
    const { ids, stamp } = await index(this.inputPath);
    this.ids = ids;
    this.stamp = stamp;
    this.lines = new LineFile(this.inputPath);
  }
}

async function index(path: string): Promise<{ ids: ExactIdMap; stamp: Stamp }> {
  // Stamped before reading: an edit during the read makes the next lookup rebuild.
  const stamp = await stampOf(path);
  const ids = new ExactIdMap();
  for await (const batch of readLineBatches(path)) {
    for (const { line, text, encodingError } of batch.lines) {
      if (encodingError !== undefined) continue;
      const id = idOf(text, line);
      if (id !== undefined && !ids.has(id)) ids.set(id, line);
    }
  }
  return { ids, stamp };
}

async function stampOf(path: string): Promise<Stamp> {
  const s = await fs.promises.stat(path);
  return { size: s.size, mtimeMs: s.mtimeMs };
}

const sameStamp = (a: Stamp, b: Stamp): boolean => a.size === b.size && a.mtimeMs === b.mtimeMs;
