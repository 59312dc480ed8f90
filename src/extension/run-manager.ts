// Owns what is running: one dispatcher per API key (one org quota) shared by every run on it, a
// simulated one for rehearsals, each key's daily budgets, and the list of runs VS Code should offer
// to resume if it closes mid-run. Everything it dispatches is the core's; this is bookkeeping.
import * as vscode from 'vscode';
import { connectRedisCoordinator, type RedisCoordinator } from '../core/coordination';
import { Dispatcher, type LogEntry } from '../core/dispatch/dispatcher';
import type { Run } from '../core/dispatch/run';
import type { DispatcherSnapshot } from '../core/dispatch/snapshot';
import { createSdkMessagesClient } from '../core/client/messages-client';
import { DailyBudget, type DailyUsage } from '../core/spend/daily-budget';
import { systemClock } from '../core/types';
import { TIERS, type TierName } from '../core/tiers';
import { startMockServer, limitsForTier, REALISTIC_LATENCY, type MockServer } from '../core/simulator/mock-server';
import { prepareRunFile, startRunFile, type PreparedRun, type RunFileOptions } from '../core/run-file';
import type { RunAction } from './protocol';
import type { DashboardInput } from './view-model/dashboard-model';
import { HistoryBuffer } from './view-model/dashboard-model';
import { ContextKey } from './command-ids';
import type { FloorlineSettings } from './settings';
import type { ResolvedKey } from './api-key';

interface DispatcherEntry {
  id: string;
  /** For people: never the key itself. */
  label: string;
  dispatcher: Dispatcher;
  daily: DailyBudget | undefined;
  simulation: MockServer | undefined;
  /** Shares the key's quota through Redis, when `floorline.redisUrl` is set. */
  coordinator: RedisCoordinator | undefined;
  latest: DispatcherSnapshot;
}

export interface ManagedRun {
  run: Run;
  uri: vscode.Uri;
  dispatcherId: string;
  simulated: boolean;
  finished: Promise<unknown>;
}

interface InterruptedRun {
  uri: string;
  simulated: boolean;
}

const INTERRUPTED_KEY = 'floorline.interruptedRuns';
const DAILY_PREFIX = 'floorline.daily.';
const SIMULATED_KEY = 'simulated-key';

export class RunManager implements vscode.Disposable {
  private readonly dispatchers = new Map<string, DispatcherEntry>();
  private readonly runs = new Map<string, ManagedRun>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly history = new HistoryBuffer();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  // ── Dispatchers ──────────────────────────────────────────────────────────

  /** The dispatcher for this key (created on first use), or the simulated one. */
  async dispatcherFor(target: { key: ResolvedKey } | { simulate: TierName }, settings: FloorlineSettings): Promise<DispatcherEntry> {
    const id = 'key' in target ? `key:${target.key.id}` : `simulated:${target.simulate}`;
    const existing = this.dispatchers.get(id);
    if (existing) return existing;

    let simulation: MockServer | undefined;
    let client;
    if ('key' in target) {
      client = createSdkMessagesClient({ apiKey: target.key.key, ...(settings.baseUrl ? { baseURL: settings.baseUrl } : {}) });
    } else {
      simulation = await startMockServer({ apiKey: SIMULATED_KEY, limits: limitsForTier(target.simulate), latency: REALISTIC_LATENCY });
      client = createSdkMessagesClient({ apiKey: SIMULATED_KEY, baseURL: simulation.url });
    }
    const label = 'key' in target ? `API key #${target.key.id.slice(0, 6)}` : `simulated (${target.simulate} tier)`;
    // Only a real key's quota is shared; a simulation is this window's own.
    const coordinator = 'key' in target && settings.redisUrl
      ? await connectRedisCoordinator({
          url: settings.redisUrl,
          apiKey: target.key.key,
          softFloor: settings.softFloor,
          hardFloor: settings.hardFloor,
          ...(settings.dailyBudgetUsd !== undefined ? { dailyBudgetUsd: settings.dailyBudgetUsd } : {}),
          ...(settings.dailyTokenBudget !== undefined ? { dailyTokenBudget: settings.dailyTokenBudget } : {}),
          fallback: settings.redisFallback,
          onLog: (level, message) => this.writeLog(label, { level, message }),
        })
      : undefined;
    const dispatcher = new Dispatcher({
      client,
      ...(coordinator ? { coordinator } : {}),
      maxInFlight: settings.maxInFlight,
      maxInFlightCap: settings.maxInFlightCap,
      softFloor: settings.softFloor,
      hardFloor: settings.hardFloor,
      ...(settings.tier ? { initialLimits: TIERS[settings.tier] } : {}),
      maxAttempts: settings.maxAttempts,
      retryBudgetPerMinute: settings.retryBudgetPerMinute,
    });
    const daily = 'key' in target ? this.dailyBudget(target.key.id, settings) : undefined;
    const entry: DispatcherEntry = { id, label, dispatcher, daily, simulation, coordinator, latest: dispatcher.snapshot() };
    dispatcher.on('log', (e) => this.writeLog(label, e));
    dispatcher.on('snapshot', (snapshot) => {
      entry.latest = snapshot;
      this.history.record(this.snapshots(), snapshot.at);
      this.updateContext();
      this.changed.fire();
    });
    this.dispatchers.set(id, entry);
    return entry;
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
    const simulated = entry.simulation !== undefined;
    const started = await startRunFile(entry.dispatcher, { ...options, ...(entry.daily ? { sharedBudgets: entry.daily.sharedBudgets() } : {}) }, prepared);
    const managed: ManagedRun = { run: started.run, uri, dispatcherId: entry.id, simulated, finished: started.finished };
    this.runs.set(started.run.id, managed);
    await this.rememberInterrupted(uri, simulated, true);
    void started.finished.then(async (summary) => {
      await this.rememberInterrupted(uri, simulated, false);
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

  snapshots(): DispatcherSnapshot[] {
    return [...this.dispatchers.values()].map((e) => e.latest);
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
      snapshots: [...this.dispatchers.values()].map((e) => ({ key: e.label, snapshot: e.latest })),
      daily: {
        spentUsd: daily.spentUsd,
        tokens: daily.tokens,
        ...(daily.budgetUsd !== undefined ? { budgetUsd: daily.budgetUsd } : {}),
        ...(daily.tokenBudget !== undefined ? { tokenBudget: daily.tokenBudget } : {}),
      },
      history: this.history.toArray(Date.now()),
      now: Date.now(),
    };
  }

  private updateContext(): void {
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
    for (const e of this.dispatchers.values()) {
      e.daily?.flush();
      e.dispatcher.abort();
      void e.simulation?.close();
      void e.coordinator?.close();
    }
    this.changed.dispose();
  }
}
