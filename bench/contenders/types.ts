// One interface for every contender: run(job, mockUrl, options) → ContenderResult.
// A contender runs in its own child process (bench/child.ts), so its CPU figures are its own and,
// in a time-compressed scenario, its timers and clock are the simulated ones (bench/preload.cjs).
import type { MockLimits } from '../../src/simulator/mock-server';

export interface ContenderJob {
  /** The JSONL file (Batches shape: custom_id + params). */
  path: string;
  lines: number;
}

export interface ContenderOptions {
  apiKey: string;
  /** The published limits, as the static limiters are configured. */
  limits: MockLimits;
  /** Same for everyone; undefined when the scenario has none. */
  capUsd: number | undefined;
  /** Stop at this (simulated) epoch ms: abort what is in flight and return partial figures. */
  deadline: number;
  /** Naive workers. */
  workers: number;
  /** The semaphore's cap. */
  semaphore: number;
  /** Scratch directory of this run (results files, reports). */
  dir: string;
  /** Absolute path of the bundled CLI. */
  cliPath: string;
  /** Absolute path of bench/preload.cjs. */
  preloadPath: string;
  timeScale: number;
  timeOrigin: number;
  /**
   * Fallback chains for the Floorline contenders (the scenario's `fallback`): model → the models its
   * lines may go to, after its class has held lines back `afterSec` (simulated) seconds. The others ignore it.
   */
  fallback?: { chains: Record<string, string[]>; afterSec: number };
}

export interface ContenderResult {
  /** Lines with a successful result. */
  succeeded: number;
  /** Lines recorded as failed for good. */
  errored: number;
  stoppedBy: 'finished' | 'deadline' | 'cap' | 'error';
  detail?: string;
  /** Simulated epoch ms. */
  startedAt: number;
  endedAt: number;
  /** CPU of the process that did the work (user + system), µs. Filled by the child for in-process contenders. */
  cpuUs?: number;
  peakRssMb?: number;
  /** Floorline only: time the dispatcher's `hold` was 'soft' or 'hard', and 'cooldown' (simulated ms). */
  floorHoldMs?: number;
  cooldownMs?: number;
  /** What the contender's own books say it spent. */
  ownSpendUsd?: number;
  /** Lines answered, by the model that answered (a Floorline results line's `model`; the reply's own `model` for the others). */
  answeredBy?: Record<string, number>;
  /** Floorline only: result lines that name no answering model; lines answered by a fallback (`fallback_from`); lines whose `model` is not the reply's `message.model`. */
  unnamedModel?: number;
  fallbackLines?: number;
  modelMismatch?: number;
}

export interface Contender {
  name: string;
  label: string;
  /** How it is set up, for the report. */
  describe(options: Pick<ContenderOptions, 'limits' | 'workers' | 'semaphore' | 'fallback'>): string;
  run(job: ContenderJob, mockUrl: string, options: ContenderOptions): Promise<ContenderResult>;
}
