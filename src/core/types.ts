// Shapes shared across the core. Kept free of any front end (no `vscode`, no terminal) so the CLI,
// the extension and the tests all speak the same language.

/** A `messages.create` body as read from the input file (validated, defaults applied). */
export interface MessageParams {
  model: string;
  max_tokens: number;
  messages: Array<{ role: 'user' | 'assistant'; content: unknown }>;
  system?: unknown;
  tools?: unknown[];
  [key: string]: unknown;
}

/** One validated line of the input file. */
export interface InputRequest {
  /** The Batches `custom_id`, or `line-<n>` for a bare body. */
  customId: string;
  /** 1-based line number in the input file (for error reports and "open at line"). */
  line: number;
  params: MessageParams;
  /** A hash of `params` (see input/fingerprint.ts), set by the dispatch pass: what a result line answers. */
  fingerprint?: string;
}

/** `usage` as the Messages API reports it. Optional fields are absent on older models. */
export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation?: { ephemeral_5m_input_tokens?: number; ephemeral_1h_input_tokens?: number } | null;
  service_tier?: string | null;
  [key: string]: unknown;
}

/** The `error` object inside the API's error body. */
interface ApiErrorBody {
  type: string;
  message: string;
  details?: { error_code?: string };
}

/**
 * An errored result, in the API's error envelope as the Batches API reports it:
 * `{"type":"error","error":{"type","message"},"request_id"}`. Transport failures that never reached the
 * API use Floorline's own `error.type` (`connection_error`, `timeout_error`).
 */
export interface ResultError {
  type: 'error';
  error: ApiErrorBody;
  request_id?: string | null;
}

/** One line of `<name>.results.jsonl`: the Batches result shape plus Floorline's own fields. */
export interface ResultLine {
  custom_id: string;
  result:
    | { type: 'succeeded'; message: unknown }
    | { type: 'errored'; error: ResultError }
    | { type: 'canceled' }
    | { type: 'expired' };
  /** The model the request went to. */
  model: string;
  /** The line's own model, when a fallback chain sent it to `model` instead. */
  fallback_from?: string;
  latency_ms: number | null;
  attempts: number;
  cost_usd: number | null;
  usage: Usage | null;
  /** The request this answers (`sha256:…` of its params): a resume checks it before trusting the line. */
  fingerprint?: string;
  /** Written by a rehearsal (`--simulate`): never counted as done by a real run. */
  simulated?: true;
}

/** Time, injected so every timing rule can be driven by sinon fake timers. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock. Reads the globals at call time so `sinon.useFakeTimers()` also governs it. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Prompt-cache lifetimes the API offers; a cache write is billed by its TTL. */
export type CacheTtl = '5m' | '1h';
