// What reading a results file gives: one compact row per result line, the file's totals, and the
// query (sort, filter, search) a viewer or a report asks of them. Plain data, shared by the index
// (results-index.ts), the CLI's report, the extension's results editor and its Runs view.
import type { ResultLine } from '../types';

export type ResultStatus = 'succeeded' | 'errored' | 'canceled' | 'expired';

export const RESULT_STATUSES: readonly ResultStatus[] = ['succeeded', 'errored', 'canceled', 'expired'];

/** The columns a view can be sorted by. `row` is the file's own order (the order results arrived). */
export type ResultsColumn = 'row' | 'customId' | 'status' | 'model' | 'inputTokens' | 'outputTokens' | 'costUsd' | 'latencyMs' | 'attempts';

export const RESULTS_COLUMNS: readonly ResultsColumn[] = ['row', 'customId', 'status', 'model', 'inputTokens', 'outputTokens', 'costUsd', 'latencyMs', 'attempts'];

export interface ResultsQuery {
  sort: ResultsColumn;
  descending: boolean;
  /** Only these statuses; empty means all. */
  statuses: ResultStatus[];
  /** Only these models; empty means all. */
  models: string[];
  /** Case-insensitive substring of the custom_id, the reply's text or the error message; '' means no search. */
  search: string;
}

export const DEFAULT_RESULTS_QUERY: ResultsQuery = { sort: 'row', descending: false, statuses: [], models: [], search: '' };

/** One result line as a table row: raw values (the front ends format them). */
export interface ResultRow {
  /** 0-based position among the file's result lines: the row's identity while the file only grows. */
  row: number;
  /** 1-based line in the results file. */
  line: number;
  customId: string;
  status: ResultStatus;
  model: string;
  /** The line's own model when a fallback chain sent it to `model`. */
  fallbackFrom: string | undefined;
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheWriteTokens: number | null;
  costUsd: number | null;
  latencyMs: number | null;
  attempts: number;
  /** The error's `type` for an errored line (e.g. `rate_limit_error`, `invalid_request_error`). */
  errorType: string | undefined;
  /** The first line of the reply's first text block, or the error message; at most ~200 characters. */
  preview: string;
  simulated: boolean;
}

/** A row with everything its line holds, for a detail pane. */
export interface ResultDetail {
  row: ResultRow;
  result: ResultLine;
}

export interface ResultsTotals {
  rows: number;
  succeeded: number;
  errored: number;
  canceled: number;
  expired: number;
  /** Sum of cost_usd (lines without one count 0). */
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Over lines with a latency; null when none has one. */
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  /** Each model with its row count, most rows first. */
  models: Array<{ model: string; rows: number }>;
  /** Rows written by a rehearsal (`"simulated": true`): their cost is not real money. */
  simulatedRows: number;
  /** Non-blank lines that are not result lines (not JSON, or not the shape); the first few line numbers. */
  unreadable: number;
  unreadableLines: number[];
  /** The last line has no newline yet: a run is writing it, or one crashed mid-line. Not counted as a row. */
  partialTail: boolean;
  /** Bytes indexed (up to the end of the last complete line). */
  bytes: number;
}

/** Errored lines grouped by error type, for a report. */
export interface ErrorGroup {
  type: string;
  count: number;
  /** The first lines (1-based, in the results file) and their custom_ids, up to a limit. */
  examples: Array<{ line: number; customId: string; message: string }>;
}
