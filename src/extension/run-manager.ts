// Owns what is running: one dispatcher per API key (one org quota) shared by every run on it, a
// simulated one for rehearsals, each key's daily budgets, and the list of runs VS Code should offer
// to resume if it closes mid-run. Everything it dispatches is the core's; this is bookkeeping.
import * as vscode from 'vscode';
import { createHash } from 'node:crypto';
import type { Dispatcher, LogEntry } from '../core/dispatch/dispatcher';
import type { Run } from '../core/dispatch/run';
import type { DispatcherSnapshot, RunState } from '../core/dispatch/snapshot';
import { DailyBudget, type DailyUsage } from '../core/spend/daily-budget';
import { systemClock } from '../core/types';
import type { TierName } from '../core/tiers';
import { assemble, type Assembly } from '../runtime/assemble';
import { prepareRunFile, startRunFile, type PreparedRun, type RunFileOptions } from '../core/run-file';
import type { RunAction } from './protocol';
import type { DashboardInput } from './view-model/dashboard-model';
import type { PastRunCardInput } from './view-model/run-card';
import type { TotalsCache } from './totals-cache';
import { HistoryBuffer } from './view-model/history';
import { ContextKey } from './command-ids';
import type { FloorlineSettings } from './settings';
import type { ResolvedKey } from './api-key';

interface DispatcherEntry {
  id: string;
  /** For people: never the key itself. */
  label: string;
  dispatcher: Dispatcher;
  daily: DailyBudget | undefined;
  /** The client, the simulation of a rehearsal, the Redis coordinator when `floorline.redisUrl` is set. */
  assembly: Assembly;
  simulated: boolean;
  /** The settings it was assembled with: changed ones give the next run a new one. */
  settings: string;
  latest: DispatcherSnapshot;
}

export interface ManagedRun {
  run: Run;
  uri: vscode.Uri;
  dispatcherId: string;
  simulated: boolean;
  /** Where its results go (a rehearsal's are `*.simulated.results.jsonl`). */
  resultsPath: string;
  finished: Promise<unknown>;
}

interface InterruptedRun {
  uri: string;
  simulated: boolean;
}

/** A run started in this workspace, remembered so the dashboard still shows it after a reload. */
interface RecentRun {
  uri: string;
  resultsPath: string;
  simulated: boolean;
  /** The state it ended in (finished, stopped, budget reached…); absent while it runs, or if VS Code closed first. */
  ended?: RunState;
  /** Lines it had to answer, once known: "412 of 1,000 results" for a run that did not finish. */
  total?: number;
}

const INTERRUPTED_KEY = 'floorline.interruptedRuns';
const RECENT_KEY = 'floorline.recentRuns';
/** Files remembered, most recent first: enough for the dashboard, bounded for workspaceState. */
const RECENT_MAX = 20;
const DAILY_PREFIX = 'floorline.daily.';

export class RunManager implements vscode.Disposable {
  private readonly dispatchers = new Map<string, DispatcherEntry>();
  private readonly runs = new Map<string, ManagedRun>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly history = new HistoryBuffer();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    /** Past runs' totals, read from their results files (shared with the Runs view). */
    private readonly totals?: TotalsCache,
  ) {}

  // ── Dispatchers ──────────────────────────────────────────────────────────

  /**
   * The dispatcher for this key (created on first use), or the simulated one. Changed settings
   * apply to the next run: an idle dispatcher assembled with other settings is replaced; one with
   * runs going keeps its settings until they finish (one dispatcher per key owns its quota).
   */
  async dispatcherFor(target: { key: ResolvedKey } | { simulate: TierName }, settings: FloorlineSettings): Promise<DispatcherEntry> {
    const id = 'key' in target ? `key:${target.key.id}` : `simulated:${target.simulate}`;
    const { problems: _problems, ...config } = settings;
    const fingerprint = JSON.stringify(config);
    const existing = this.dispatchers.get(id);
    if (existing) {
      if (existing.settings === fingerprint) return existing;
      if (this.active.some((m) => m.dispatcherId === id)) {
        this.writeLog(existing.label, { level: 'info', message: 'settings changed: they apply to the next run, once the runs going on this key have finished' });
        return existing;
      }
      this.retire(existing);
    }

    const label = 'key' in target ? `API key #${target.key.id.slice(0, 6)}` : `simulated (${target.simulate} tier)`;
    const assembly = await assemble({
      // The workspace's lower cap is already folded into maxSpendUsd (readSettings).
      config: { ...config, workspaceMaxSpendUsd: undefined },
      target: 'key' in target ? { apiKey: target.key.key } : { simulate: target.simulate },
      onLog: (level, message) => this.writeLog(label, { level, message }),
    });
    const { dispatcher } = assembly;
    const daily = 'key' in target ? this.dailyBudget(target.key.id, settings) : undefined;
    const entry: DispatcherEntry = { id, label, dispatcher, daily, assembly, simulated: 'simulate' in target, settings: fingerprint, latest: dispatcher.snapshot() };
    dispatcher.on('log', (e) => this.writeLog(label, e));
    dispatcher.on('snapshot', (snapshot) => {
      // A replaced dispatcher's last words do not overwrite its successor's picture.
      if (this.dispatchers.get(id) !== entry) return;
      entry.latest = snapshot;
      this.history.record(this.snapshots(), snapshot.at);
      this.updateContext();
      this.changed.fire();
    });
    this.dispatchers.set(id, entry);
    return entry;
  }

  /** An idle dispatcher leaves: its budget written, its simulation and Redis connection closed. */
  private retire(entry: DispatcherEntry): void {
    this.dispatchers.delete(entry.id);
    entry.daily?.flush();
    entry.dispatcher.abort();
    void entry.assembly.close();
  }

  private dailyBudget(keyId: string, settings: FloorlineSettings): DailyBudget {
    const storageKey = DAILY_PREFIX + keyId;
    const store = {
      load: () => this.context.globalState.get<DailyUsage>(storageKey),
      save: (usage: DailyUsage) => void this.context.globalState.update(storageKey, usage),
    };
    return new DailyBudget(store, { budgetUsd: settings.dailyBudgetUsd, tokenBudget: settings.dailyTokenBudget }, systemClock);
  }

  /** Settings changed: daily caps apply to every key from the next request on. */
  applySettings(settings: FloorlineSettings): void {
    for (const entry of this.dispatchers.values()) entry.daily?.setLimits({ budgetUsd: settings.dailyBudgetUsd, tokenBudget: settings.dailyTokenBudget });
    this.changed.fire();
  }

  private writeLog(label: string, entry: LogEntry): void {
    const message = `[${label}] ${entry.message}`;
    switch (entry.level) {
      case 'debug':
        return this.log.debug(message);
      case 'info':
        return this.log.info(message);
      case 'warn':
        return this.log.warn(message);
      case 'error':
        return this.log.error(message);
    }
  }

  // ── Runs ─────────────────────────────────────────────────────────────────

  prepare(options: RunFileOptions): Promise<PreparedRun> {
    return prepareRunFile(options);
  }

  async start(
    entry: DispatcherEntry,
    uri: vscode.Uri,
    options: RunFileOptions,
    prepared: Extract<PreparedRun, { ok: true }>,
  ): Promise<ManagedRun> {
    const simulated = entry.simulated;
    const started = await startRunFile(entry.dispatcher, { ...options, ...(entry.daily ? { sharedBudgets: entry.daily.sharedBudgets() } : {}) }, prepared);
    const managed: ManagedRun = { run: started.run, uri, dispatcherId: entry.id, simulated, resultsPath: prepared.outPath, finished: started.finished };
    this.runs.set(started.run.id, managed);
    await this.rememberInterrupted(uri, simulated, true);
    const recent: RecentRun = { uri: uri.toString(), resultsPath: prepared.outPath, simulated };
    await this.rememberRecent(recent);
    void started.finished.then(async (summary) => {
      await this.rememberInterrupted(uri, simulated, false);
      const run = started.run;
      // The file's lines: this run's and those a resume found done earlier.
      await this.rememberRecent({ ...recent, ended: run.state, ...(run.totalKnown ? { total: run.total + run.resumed } : {}) });
      entry.daily?.flush();
      this.updateContext();
      this.changed.fire();
      return summary;
    });
    this.updateContext();
    this.changed.fire();
    return managed;
  }

  get active(): ManagedRun[] {
    return [...this.runs.values()].filter((m) => !m.run.isTerminal);
  }

  get all(): ManagedRun[] {
    return [...this.runs.values()];
  }

  find(runId: string): ManagedRun | undefined {
    return this.runs.get(runId);
  }

  control(runId: string, action: RunAction | 'cancel'): void {
    const managed = this.runs.get(runId);
    if (!managed || managed.run.isTerminal) return;
    const { dispatcher } = this.dispatchers.get(managed.dispatcherId)!;
    if (action === 'pause') dispatcher.pause(managed.run);
    else if (action === 'resume') dispatcher.resume(managed.run);
    else if (action === 'stop') dispatcher.stop(managed.run);
    else dispatcher.abort(managed.run);
    this.updateContext();
    this.changed.fire();
  }

  // ── Views ────────────────────────────────────────────────────────────────

  /** Each dispatcher's latest picture, marked when it is a rehearsal's (its spend is not real). */
  snapshots(): Array<DispatcherSnapshot & { simulated: boolean }> {
    return [...this.dispatchers.values()].map((e) => ({ ...e.latest, simulated: e.simulated }));
  }

  /** Today's usage across every key's daily budget (the status bar's idle text). */
  daily(settings: FloorlineSettings): { spentUsd: number; budgetUsd: number | undefined; tokens: number; tokenBudget: number | undefined } {
    let spentUsd = 0;
    let tokens = 0;
    for (const e of this.dispatchers.values()) {
      const usage = e.daily?.usage();
      spentUsd += usage?.spentUsd ?? 0;
      tokens += usage?.tokens ?? 0;
    }
    // Before any run this session, show what earlier sessions spent today on the stored keys.
    if (this.dispatchers.size === 0) {
      const today = new Date().toISOString().slice(0, 10);
      for (const key of this.context.globalState.keys().filter((k) => k.startsWith(DAILY_PREFIX))) {
        const usage = this.context.globalState.get<DailyUsage>(key);
        if (usage?.day === today) {
          spentUsd += usage.spentUsd;
          tokens += usage.tokens;
        }
      }
    }
    return { spentUsd, budgetUsd: settings.dailyBudgetUsd, tokens, tokenBudget: settings.dailyTokenBudget };
  }

  dashboardInput(settings: FloorlineSettings): DashboardInput {
    const daily = this.daily(settings);
    return {
      snapshots: [...this.dispatchers.values()].map((e) => ({ key: e.label, snapshot: e.latest, simulated: e.simulated })),
      daily: {
        spentUsd: daily.spentUsd,
        tokens: daily.tokens,
        ...(daily.budgetUsd !== undefined ? { budgetUsd: daily.budgetUsd } : {}),
        ...(daily.tokenBudget !== undefined ? { tokenBudget: daily.tokenBudget } : {}),
      },
      history: this.history.toArray(Date.now()),
      pastRuns: this.pastRuns(),
      now: Date.now(),
    };
  }

  // ── Past runs (before a reload) ─────────────────────────────────────────

  private async rememberRecent(run: RecentRun): Promise<void> {
    const list = [run, ...this.recent().filter((r) => r.resultsPath !== run.resultsPath)].slice(0, RECENT_MAX);
    await this.context.workspaceState.update(RECENT_KEY, list);
  }

  private recent(): RecentRun[] {
    return this.context.workspaceState.get<RecentRun[]>(RECENT_KEY, []);
  }

  /**
   * The remembered runs the dashboard does not show as this session's: each as a finished card
   * built from its results file's totals. A run of this session whose dispatcher was replaced
   * (settings changed) is no longer on any dispatcher's card, so it shows here too.
   */
  private pastRuns(): PastRunCardInput[] {
    const shown = new Set<string>();
    for (const m of this.runs.values()) {
      if (this.dispatchers.get(m.dispatcherId)?.latest.runs.some((r) => r.id === m.run.id)) shown.add(m.resultsPath);
    }
    return this.recent()
      .filter((r) => !shown.has(r.resultsPath))
      .map((r) => ({
        id: pastRunId(r.resultsPath),
        label: vscode.workspace.asRelativePath(vscode.Uri.parse(r.uri)),
        simulated: r.simulated,
        ended: r.ended,
        total: r.total,
        totals: this.totals?.get(r.resultsPath) ?? { state: 'counting' },
      }));
  }

  /** The results file of a run the dashboard shows: one of this session's, or a past one. */
  resultsPathOf(runId: string): string | undefined {
    return this.runs.get(runId)?.resultsPath ?? this.recent().find((r) => pastRunId(r.resultsPath) === runId)?.resultsPath;
  }

  private updateContext(): void {
    // From the run's own pause flag, not its state (`controlsFor`): the state catches up at the
    // dispatcher's next step, and the palette must change the moment Pause is chosen.
    const active = this.active;
    const paused = active.filter((m) => m.run.paused);
    void vscode.commands.executeCommand('setContext', ContextKey.running, active.length > 0);
    void vscode.commands.executeCommand('setContext', ContextKey.canPause, active.length > paused.length);
    void vscode.commands.executeCommand('setContext', ContextKey.canResume, paused.length > 0);
  }

  // ── Resume after VS Code closed mid-run ─────────────────────────────────

  private async rememberInterrupted(uri: vscode.Uri, simulated: boolean, running: boolean): Promise<void> {
    const list = this.interrupted().filter((r) => r.uri !== uri.toString() || r.simulated !== simulated);
    if (running) list.push({ uri: uri.toString(), simulated });
    await this.context.globalState.update(INTERRUPTED_KEY, list);
  }

  interrupted(): InterruptedRun[] {
    return this.context.globalState.get<InterruptedRun[]>(INTERRUPTED_KEY, []);
  }

  async forgetInterrupted(): Promise<void> {
    await this.context.globalState.update(INTERRUPTED_KEY, []);
  }

  dispose(): void {
    // A copy: `retire` deletes from the map being walked.
    // oxlint-disable-next-line unicorn/no-useless-spread
    for (const e of [...this.dispatchers.values()]) this.retire(e);
    this.changed.dispose();
  }
}

/** An id the page can send back without ever holding a path (the webview never sends paths). */
function pastRunId(resultsPath: string): string {
  return `past-${createHash('sha256').update(resultsPath).digest('hex').slice(0, 16)}`;
}
