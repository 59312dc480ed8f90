// The pre-pass over the input file, run before anything is sent: every problem with its
// file:line, and the totals the front ends show. Streams the file; the only memory that grows with
// it is what duplicate detection needs (~11 bytes per explicit custom_id, one bit per implicit `line-<n>` id).
import { inputBytesOf, promptCacheTtl } from './estimate';
import { FirstLines } from './first-lines';
import { LineFile } from './line-file';
import { readLineBatches } from './line-reader';
import type { Problem } from './problems';
import { type InputDefaults, isBlankLine, parseLine, unknownModelMessage } from './validate-line';
import type { MessageParams } from '../types';

export interface ScanTotals {
  /** Sum of `inputBytesOf` over the valid requests: an upper bound on their input tokens. */
  inputBytes: number;
  /** Sum of `max_tokens` over the valid requests. */
  maxTokens: number;
  /** Valid requests per model (the first line of each is `perModel[model].firstLine`). */
  byModel: Record<string, number>;
  /** Valid requests that ask for prompt caching anywhere. */
  usesCache: number;
  /** The same sums per model, for cost estimates (prices are per model). */
  perModel: Record<string, ModelTotals>;
}

export interface ModelTotals {
  /** The first line (1-based) with a valid request for this model: where a problem with the model points. */
  firstLine: number;
  requests: number;
  inputBytes: number;
  maxTokens: number;
  usesCache: number;
  /** Of those, the ones asking for the 1-hour TTL (dearer cache writes). */
  usesCache1h: number;
}

export interface ScanReport {
  file: string;
  /** Lines read, blank ones included. */
  lines: number;
  /** Valid lines: the requests a run would send. */
  requests: number;
  /** The first `maxProblems` problems, in file order. */
  problems: Problem[];
  /** All problems found, including those past the cap. */
  problemCount: number;
  errorCount: number;
  warningCount: number;
  /** Any error anywhere (even past the cap): the run must not start. */
  hasErrors: boolean;
  totals: ScanTotals;
}

export interface ScanProgress {
  lines: number;
  bytesRead: number;
}

export interface ScanOptions {
  /** How many problems to keep for display (default 1000); all are counted. */
  maxProblems?: number;
  /** Called after each chunk of the file (every ~64 KiB), e.g. for a progress bar. */
  onProgress?: (progress: ScanProgress) => void;
}

export async function scanFile(path: string, defaults: InputDefaults = {}, options: ScanOptions = {}): Promise<ScanReport> {
  const maxProblems = options.maxProblems ?? 1000;
  const report: ScanReport = {
    file: path,
    lines: 0,
    requests: 0,
    problems: [],
    problemCount: 0,
    errorCount: 0,
    warningCount: 0,
    hasErrors: false,
    totals: { inputBytes: 0, maxTokens: 0, byModel: {}, usesCache: 0, perModel: {} },
  };
  const add = (p: Problem): void => {
    report.problemCount++;
    if (p.severity === 'error') report.errorCount++;
    else report.warningCount++;
    if (report.problems.length < maxProblems) report.problems.push(p);
  };
  const ids = new IdRegistry(path, defaults);
  const models = new ModelTally(defaults.isKnownModel);
  // Models are checked here, once per model, rather than by parseLine on every line.
  const lineDefaults: InputDefaults = { model: defaults.model, maxTokens: defaults.maxTokens };
  const totals = new TotalsBuilder();

  for await (const batch of readLineBatches(path)) {
    for (const { line, text, encodingError } of batch.lines) {
      report.lines = line;
      if (encodingError !== undefined) {
        add({ file: path, line, message: encodingError, severity: 'error' });
        continue;
      }
      if (isBlankLine(text)) continue;
      const parsed = parseLine(text, line, lineDefaults, path);
      if (!('request' in parsed)) {
        parsed.problems.forEach(add);
        continue;
      }
      const { customId, params } = parsed.request;
      const first = ids.claim(customId, line);
      if (first !== undefined) {
        add({ file: path, line, message: duplicateMessage(customId, line, first), severity: 'error' });
        continue;
      }
      const warning = models.count(params.model, path, line);
      if (warning) add(warning);
      report.requests++;
      totals.add(params, line);
    }
    options.onProgress?.({ lines: report.lines, bytesRead: batch.bytesRead });
  }

  models.finish();
  report.totals = totals.build();
  report.hasErrors = report.errorCount > 0;
  return report;
}

/** Sums requests for estimates, per model and overall: one definition for the scan and a resume's count of what is left. */
export class TotalsBuilder {
  private readonly totals: ScanTotals = { inputBytes: 0, maxTokens: 0, byModel: {}, usesCache: 0, perModel: {} };
  private readonly perModel = new Map<string, ModelTotals>();

  add(params: MessageParams, line: number): void {
    const bytes = inputBytesOf(params);
    const ttl = promptCacheTtl(params);
    const caches = ttl ? 1 : 0;
    this.totals.inputBytes += bytes;
    this.totals.maxTokens += params.max_tokens;
    this.totals.usesCache += caches;
    let m = this.perModel.get(params.model);
    if (!m) this.perModel.set(params.model, (m = { firstLine: line, requests: 0, inputBytes: 0, maxTokens: 0, usesCache: 0, usesCache1h: 0 }));
    m.requests++;
    m.inputBytes += bytes;
    m.maxTokens += params.max_tokens;
    m.usesCache += caches;
    if (ttl === '1h') m.usesCache1h++;
  }

  build(): ScanTotals {
    // fromEntries defines own properties, so a model named '__proto__' stays a plain key.
    return {
      ...this.totals,
      perModel: Object.fromEntries(this.perModel),
      byModel: Object.fromEntries([...this.perModel].map(([model, m]) => [model, m.requests])),
    };
  }
}

function duplicateMessage(id: string, line: number, first: number): string {
  const implicit = `line-${line}` === id || `line-${first}` === id;
  const why = implicit ? " (a line without custom_id gets the id 'line-<n>')" : '';
  return `duplicate custom_id '${id}' (first on line ${first})${why} — every request needs its own custom_id`;
}

const IMPLICIT_ID = /^line-([1-9]\d*)$/;

/**
 * Which custom_ids are taken, and where first. A bare body's id `line-<n>` can only clash with an
 * explicit custom_id, so bare lines cost one bit each. Explicit ids cost ~11 bytes each (part
 * of a hash and the line, see FirstLines) instead of ~75 as strings in a Map; an id whose hash was
 * seen before is confirmed by reading that earlier line again, so the answer stays exact.
 */
class IdRegistry {
  private readonly explicit: FirstLines;
  private implicitLines = new Uint8Array(1 << 13);

  constructor(path: string, defaults: InputDefaults) {
    const file = new LineFile(path);
    // The id as the scan derived it: parsed with the same defaults (a missing model must not make
    // the line unreadable here), without the per-model check.
    const lineDefaults: InputDefaults = { model: defaults.model, maxTokens: defaults.maxTokens };
    this.explicit = new FirstLines({
      idOfLine: (line) => {
        const text = file.text(line);
        if (text === undefined) return undefined;
        const parsed = parseLine(text, line, lineDefaults, path);
        return 'request' in parsed ? parsed.request.customId : undefined;
      },
    });
  }

  /** The line that already has `id`; otherwise undefined, and `id` is now taken by `line`. */
  claim(id: string, line: number): number | undefined {
    const earlier = this.explicit.lookup(id);
    if (earlier !== undefined) return earlier;
    const match = IMPLICIT_ID.exec(id);
    if (match) {
      const n = Number(match[1]);
      if (n === line) {
        this.markImplicit(line);
        return undefined;
      }
      if (n < line && this.isImplicit(n)) return n;
    }
    this.explicit.add(id, line);
    return undefined;
  }

  private markImplicit(line: number): void {
    const i = line >>> 3;
    if (i >= this.implicitLines.length) {
      const grown = new Uint8Array(Math.max(this.implicitLines.length * 2, i + 1));
      grown.set(this.implicitLines);
      this.implicitLines = grown;
    }
    this.implicitLines[i]! |= 1 << (line & 7);
  }

  private isImplicit(line: number): boolean {
    return (((this.implicitLines[line >>> 3] ?? 0) >> (line & 7)) & 1) === 1;
  }
}

/**
 * Requests per model, and one warning per unknown model (on its first line, with the number of
 * lines using it added at the end) instead of the same warning on every line.
 */
class ModelTally {
  private readonly counts = new Map<string, number>();
  private readonly unknown = new Map<string, Problem>();

  constructor(private readonly isKnownModel: ((model: string) => boolean) | undefined) {}

  /** Counts a request; returns the warning to report when its model is unknown and new. */
  count(model: string, file: string, line: number): Problem | undefined {
    const seen = this.counts.get(model);
    this.counts.set(model, (seen ?? 0) + 1);
    if (seen !== undefined || !this.isKnownModel || this.isKnownModel(model)) return undefined;
    const warning: Problem = { file, line, message: unknownModelMessage(model), severity: 'warning' };
    this.unknown.set(model, warning);
    return warning;
  }

  finish(): void {
    for (const [model, warning] of this.unknown) {
      const lines = this.counts.get(model) ?? 1;
      if (lines > 1) warning.message += ` (${lines.toLocaleString('en-US')} lines use it)`;
    }
  }
}
