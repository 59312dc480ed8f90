// A run's face to its callers: what it is built from (through the dispatcher's `addRun`) and what
// it hands back when it ends. Types only, apart from the Run, as dispatcher-api.ts is from the dispatcher.
import type { InputRequest, ResultLine } from '../types';
import type { Pricing } from '../pricing/pricing';
import type { SpendRecorder } from '../spend/spend-ledger';
import type { SharedBudget } from '../spend/budgets';
import type { PromptBounds } from '../spend/prompt-bound';
import type { Priority, RunState } from './snapshot';

export interface RunOptions {
  /** Shown in the UI and logs (usually the file name). */
  label: string;
  requests: AsyncIterable<InputRequest>;
  /**
   * How many requests `requests` will yield. Absent (a library caller's stream, whose length is
   * not known up front): the requests read so far, so "unsent" counts those read and not sent.
   */
  total?: number;
  /** Lines already done by an earlier run of the same file. */
  resumed?: number;
  priority?: Priority;
  maxSpendUsd?: number;
  /** Counted toward the cap (what the earlier, resumed run spent). */
  alreadySpentUsd?: number;
  /** Budgets shared with other runs on the same key (daily spend and tokens). */
  sharedBudgets?: readonly SharedBudget[];
  pricing: Pricing;
  /** Called once per finished request, in completion order (write it to the results file here). */
  onResult: (line: ResultLine, request: InputRequest) => void;
  /**
   * Where the spend cap's reservations and settlements outlive the process (the spend journal):
   * `flush` is called before the requests it reserved for go out.
   */
  journal?: SpendRecorder & { flush(): void };
  /** Tighter input bounds for cached prompts (shared by the runs of one dispatcher). */
  promptBounds?: PromptBounds;
  /** At most this share (0..1] of each model class's refill (share.ts). Absent: no limit of its own. */
  maxShare?: number;
}

export interface RunSummary {
  state: RunState;
  detail: string | undefined;
  total: number;
  succeeded: number;
  errored: number;
  resumed: number;
  unsent: number;
  spentUsd: number;
  rateLimited: number;
  retries: number;
}
