// The public shapes of the library: what a program passes in and what it gets back. Kept apart from
// the code so `index.ts` can export them and a reader sees the whole contract in one place.
import type Anthropic from '@anthropic-ai/sdk';
import type { Message, MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages';
import type { FloorlineConfigInput } from '../core/config';
import type { DispatcherSnapshot, Priority, RunState } from '../core/dispatch/snapshot';
import type { RunSummary } from '../core/dispatch/run-api';
import type { LogEntry, RetryEvent } from '../core/dispatch/dispatcher-api';
import type { ResultError, Usage } from '../core/types';
import type { TierName } from '../core/tiers';

export type { Message, MessageCreateParamsNonStreaming, DispatcherSnapshot, Priority, RunState, RunSummary, LogEntry, RetryEvent, ResultError, Usage, TierName };

/**
 * What `new Floorline(...)` takes: every option of the CLI and the settings (core/config.ts, with
 * the same defaults and rules), plus where requests go. `apiKey` and `baseURL` default as the
 * Anthropic SDK's do (`ANTHROPIC_API_KEY`, `ANTHROPIC_BASE_URL`).
 */
export type FloorlineOptions = Omit<FloorlineConfigInput, 'baseUrl'> & {
  apiKey?: string;
  baseURL?: string;
  /** A rehearsal against the built-in simulated API at this tier's limits: no key, no cost. */
  simulate?: TierName;
  /** For tests and proxies: the client's fetch. */
  fetch?: typeof fetch;
  /**
   * For tests and proxies: an `Anthropic` client you built (its base URL, headers, auth), used as it
   * is. Its own retries are not used: Floorline owns retries. `apiKey` is then not needed.
   */
  client?: Anthropic;
};

/** One request for `dispatch`: the Batches shape (`custom_id` optional: `item-<n>`, 1-based), or a bare `messages.create` body. */
export type RequestItem = { custom_id?: string; params: MessageCreateParamsNonStreaming } | MessageCreateParamsNonStreaming;

/** How one `dispatch` call runs. */
export interface DispatchOptions {
  /** Its share of the limits against other runs on the same dispatcher (default: the config's `priority`). */
  priority?: Priority;
  /** Spend cap for this call, USD; never crossed (default: the config's `maxSpendUsd`, lowered by `workspaceMaxSpendUsd`). */
  maxSpendUsd?: number;
  /** Aborts the run: requests in flight are cancelled, nothing more is sent. */
  signal?: AbortSignal;
  /** Shown in logs and snapshots (default `dispatch`). */
  label?: string;
}

/** How one `messages.create` call runs. */
export interface CreateOptions {
  priority?: Priority;
  /** Cancels the request (waiting or in flight): the call throws the SDK's `APIUserAbortError`. */
  signal?: AbortSignal;
}

/** One finished request: the facts of a results-file line (core/types.ts `ResultLine`), named for a program. */
export interface DispatchResult {
  type: 'result';
  customId: string;
  /** Present when it succeeded. */
  message?: Message;
  /** Present when it failed for good: the API's error envelope (or Floorline's, for a request it refused to send). */
  error?: ResultError;
  /** The model it went to (a fallback chain's, when it moved). */
  model: string;
  /** Its own model, when a fallback chain sent it to `model` instead. */
  fallbackFrom?: string;
  /** From its first attempt out to its answer, retries included; null when it was never answered. */
  latencyMs: number | null;
  attempts: number;
  /** What it cost; null when its model has no known price. */
  costUsd: number | null;
  usage: Usage | null;
}

/** Why a `dispatch` ended. `stopped`: `stop()` (or a `break` out of the loop) asked it to. */
export type EndReason = 'done' | 'budget-reached' | 'stopped-by-api' | 'aborted' | 'stopped';

/** The last item of every `dispatch`: why it ended, and its books. */
export interface DispatchEnd {
  type: 'end';
  reason: EndReason;
  /** Requests read from the input but never answered (the input past them was not read). */
  unsent: number;
  /** Items refused before sending (each already yielded as an errored result). */
  invalid: number;
  summary: RunSummary;
}

/** What `Floorline` tells its listeners. */
export type FloorlineEvents = {
  /** The dispatcher's picture of itself and its runs, a few times a second while anything changes. */
  snapshot: [DispatcherSnapshot];
  log: [LogEntry];
  retry: [RetryEvent];
  /** A run is held back by the limits (its soft floor, hard floor, or a pause after a 429/529). */
  hold: [HoldEvent];
  /** A request finished, in any `dispatch` or `messages.create` of this instance. */
  result: [DispatchResult];
};

/** A run held by the limits, and why (a sentence for people). */
export interface HoldEvent {
  runId: string;
  state: RunState;
  detail: string | undefined;
}

/** `fl.runFile(path, options)`: as `floorline run FILE`'s flags. */
export interface FileRunOptions {
  /** Where the results go. Default: `<name>.results.jsonl` beside the input (`.simulated.results.jsonl` for a rehearsal). */
  out?: string;
  priority?: Priority;
  /** This run's cap in USD (earlier runs of the same file count toward it); it can only lower the instance's. */
  maxSpendUsd?: number;
  /** Send again the lines whose request changed since their answer was recorded (old answers set aside). */
  resendChanged?: boolean;
  /** Aborts the run: requests in flight are cancelled, their worst case stays counted. */
  signal?: AbortSignal;
  /** Shown in logs and snapshots. Default: the path. */
  label?: string;
}

/** What a file run did: its summary, where its results are, and what an earlier run had done already. */
export interface FileRunOutcome {
  summary: RunSummary;
  resultsPath: string;
  /** Lines already answered by earlier runs of this file (resumed, not sent again). */
  alreadyDone: number;
  /** Warnings about the input (`file:line: warning: …`); the run went ahead. */
  warnings: string[];
}
