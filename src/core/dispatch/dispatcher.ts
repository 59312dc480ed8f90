// The floor-aware dispatcher: one per API key (one org quota), shared by every run on that key.
//
// It sends a request only when its model class's buckets all stay above their soft floors after it,
// the class's in-flight ceiling has room, no 429 cool-down is in force, the retry budget allows (a
// retry) and the run's spend cap holds its worst case. Otherwise it waits, for a timer at the moment
// the hold clears or for a completion, instead of retrying into the wall.
//
// Read it top to bottom: construction; control; the admission loop (`pump` → `dispatchWhilePossible`:
// the run whose turn it is admits its next line, or the pass names what holds it); one request sent
// (`dispatch`; its flight and its answer are request-lifecycle.ts); the runs' states. What it decides
// with lives beside it, one file per idea (docs/architecture.md lists them).
import type { Clock } from '../types';
import type { SharedCoordinator } from '../coordination/coordinator';
import type { Consumption } from '../limits/quota-model';
import { PromptBounds, type TokenCounter } from '../spend/prompt-bound';
import { ClassLanes, type ClassLane } from './class-lane';
import { withDefaults, type DispatcherEvents, type DispatcherOptions, type LogLevel } from './dispatcher-api';
import { FallbackRouter } from './fallback';
import { holdLevel, type Hold } from './hold';
import { ApiStop } from './api-stop';
import { LaneGate } from './lane-gate';
import { AdmissionPass } from './admission-pass';
import { JournaledSends } from './journaled-sends';
import { HoldWatch } from './news';
import * as say from './messages';
import type { StopCause } from './retry-policy';
import { RequestLifecycle } from './request-lifecycle';
import { RetryBudget } from './retry-budget';
import { Run } from './run';
import type { RunOptions } from './run-api';
import { modelOf, type PendingItem } from './run-queue';
import { nextRunStep } from './run-states';
import type { GrantAnswer } from './shared-grant';
import type { DispatcherSnapshot, RunState } from './snapshot';
import { buildSnapshot, SnapshotThrottle } from './snapshots';
import { hasDueRetry, nextRetryDue, StrideSchedule } from './stride';
import { TypedEmitter } from './typed-emitter';
import { WakeTimer } from './wake-timer';

export type { DispatcherEvents, DispatcherOptions, LogEntry, LogLevel } from './dispatcher-api';

const HOLD_REFRESH_MS = 1_000;

export class Dispatcher extends TypedEmitter<DispatcherEvents> {
  private readonly clock: Clock;
  /** Per model class: its buckets, its estimate, its in-flight ceiling, its pause after a push-back. */
  private readonly lanes: ClassLanes;
  private readonly promptBounds: PromptBounds;
  private readonly retryBudget: RetryBudget;
  private readonly coordinator: SharedCoordinator | undefined;
  /** Fallback chains (opt-in): where a held line may go instead. */
  private readonly fallback: FallbackRouter | undefined;
  private readonly runs = new Set<Run>();
  private readonly schedule = new StrideSchedule();
  private readonly wake: WakeTimer;
  private readonly snapshots: SnapshotThrottle;
  private readonly holds = new HoldWatch();
  /** An attempt's call to the API and what its answer does (settle, retry, push back, give up). */
  private readonly lifecycle: RequestLifecycle;

  private paused = false;
  /** What held each run in the last pass (its next line's model class). */
  private runHolds = new Map<Run, Hold>();
  private readonly apiStop: ApiStop;
  /** Whether a class may send now (its ceiling, its pause, the shared quota, its floors). */
  private readonly gate: LaneGate;

  private pumping = false;
  private pumpAgain = false;
  /** Requests admitted in this pass, sent once their spend journals are flushed (one flush per pass, not per request). */
  private readonly admitted = new JournaledSends<Run>();

  constructor(options: DispatcherOptions) {
    super();
    const o = withDefaults(options);
    this.promptBounds = new PromptBounds(options.client.countTokens ? (options.client as TokenCounter) : undefined);
    this.clock = o.clock;
    this.coordinator = options.coordinator;
    this.lanes = new ClassLanes({
      softFloor: o.softFloor, hardFloor: o.hardFloor, maxInFlight: o.maxInFlight, maxInFlightCap: o.maxInFlightCap,
      initialLimits: options.initialLimits, clock: this.clock, random: o.random, coordinator: this.coordinator,
    }, options.modelClasses);
    this.apiStop = new ApiStop(this.coordinator);
    this.gate = new LaneGate(this.lanes, this.coordinator, (lane, decision) => {
      // Debug only: the ceiling moves with every completion while ramping, and its reason is arithmetic
      // that asks nothing of the user (a push-back that lowers it is already a warning).
      this.log('debug', `${this.lanes.size > 1 ? `${lane.modelClass}: ` : ''}in-flight ceiling ${decision.reason}`);
      this.emit('ceiling', decision);
    });
    this.fallback = options.fallback && new FallbackRouter(options.fallback, this.lanes, (lane, consumption, now) => this.gate.holdOf(lane, consumption, now) !== undefined);
    this.wake = new WakeTimer(this.clock, () => this.pump());
    this.snapshots = new SnapshotThrottle(this.clock, o.snapshotIntervalMs, () => this.emit('snapshot', this.snapshot()));
    this.retryBudget = new RetryBudget({ perMinute: o.retryBudgetPerMinute, ratio: o.retryBudgetRatio }, this.clock);
    // Only what an attempt's answer may touch, and the few things only the dispatcher can do.
    this.lifecycle = new RequestLifecycle({
      client: options.client, timeoutMs: o.timeoutMs, maxAttempts: o.maxAttempts, clock: this.clock, random: o.random,
      coordinator: this.coordinator, retried: (event) => this.emit('retry', event), log: (level, message, runId) => this.log(level, message, runId),
      stopForApi: (cause, explanation, apiMessage) => this.stopForApi(cause, explanation, apiMessage),
      lookAgain: () => this.pump(), failLoudly: (run, err) => this.failLoudly(run, err),
    });
    this.log('info', say.startupMessage(o));
  }

  /** Start dispatching a file's requests on this dispatcher's quota. */
  addRun(options: RunOptions): Run {
    const run = new Run({ promptBounds: this.promptBounds, ...options }, this.clock.now());
    this.schedule.join(run, this.runs);
    this.runs.add(run);
    this.log('info', say.runAddedMessage(run, options.maxSpendUsd), run.id);
    if (this.apiStop.liftIfUnreachable(this.activeRuns.length === 1)) for (const lane of this.lanes.all()) lane.cooldown.forgetUnreachable();
    if (this.apiStop.stopped) this.endRun(run, 'api-stopped', this.apiStop.explanation);
    this.readAhead(run);
    this.pump();
    return run;
  }

  /** Drop an ended run (a library making a run per call does, or its runs would pile up; the dashboard keeps them). */
  forget(run: Run): void {
    if (!run.isTerminal) throw new Error(`${run.label}: a run is forgotten only once it has ended`);
    this.runs.delete(run);
    this.schedule.leave(run);
    this.runHolds.delete(run);
  }

  // ── Control ──────────────────────────────────────────────────────────────

  /** No new dispatches (all runs, or one); in-flight requests finish. */
  pause(run?: Run): void {
    this.setPaused(true, run, run ? `${run.label}: paused` : 'paused: no new requests; in-flight ones finish');
  }

  resume(run?: Run): void {
    this.setPaused(false, run, run ? `${run.label}: resumed` : 'resumed');
  }

  /** One run, or all of them and the dispatcher itself (and, through the coordinator, every participant of a shared quota). */
  private setPaused(paused: boolean, run: Run | undefined, message: string): void {
    for (const r of run ? [run] : this.runs) {
      if (paused) r.pause();
      else r.resume();
    }
    if (!run) {
      this.paused = paused;
      void this.coordinator?.setPaused(paused);
    }
    this.log('info', message, run?.id);
    this.pump();
  }

  /** Graceful stop: nothing new goes out; in-flight requests finish and are recorded. */
  stop(run?: Run): void {
    for (const r of run ? [run] : this.runs) r.stop();
    this.pump();
  }

  /** Stop now: in-flight requests are cancelled (not recorded; a resume sends them again). */
  abort(run?: Run): void {
    for (const r of run ? [run] : this.runs) r.abort();
    this.pump();
  }

  get activeRuns(): Run[] {
    return [...this.runs].filter((r) => !r.isTerminal);
  }

  // ── The admission loop ───────────────────────────────────────────────────

  /** The run reads on in its file; a line that went bad since the scan stops it. */
  private readAhead(run: Run): void {
    run.readAhead(() => this.pump(), (err) => this.failLoudly(run, err));
  }

  /** Look at everything again. Re-entrant calls are folded into one more pass. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        this.dispatchWhilePossible();
        this.settleRunStates();
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
    // Only now, with each run's spend journal durable, do the requests this pass admitted leave.
    this.admitted.release();
    this.snapshots.changed();
  }

  /**
   * Send what may go now, in schedule order. A line whose model class cannot take it (its ceiling,
   * its pause, its floors) waits and the next line of another class goes past it; the first hold
   * met is the one told, and a timer is set for the earliest end of any.
   */
  private dispatchWhilePossible(): void {
    const now = this.clock.now();
    const pass = new AdmissionPass(now, this.lanes, this.fallback);
    for (;;) {
      if (this.apiStop.stopped || this.paused || pass.everyClassHeld) break;
      const retriesAllowed = this.retryBudget.msUntilAvailable() === 0;
      const candidate = this.schedule.next(this.runs, now, retriesAllowed, pass.accept(), pass.someClassFree, pass.shareHeld);
      if (!candidate) {
        if (!retriesAllowed && hasDueRetry(this.runs, now)) {
          const waitMs = this.retryBudget.msUntilAvailable();
          pass.met({ kind: 'retry-budget', waitMs }, now + waitMs);
        }
        break;
      }
      const { run, item } = candidate;
      let lane = this.lanes.of(item);
      let consumption = lane.estimator.estimate(item.shape);
      let undoMove: (() => void) | undefined;
      const laneHold = this.gate.holdOf(lane, consumption, now);
      if (laneHold) {
        pass.classHeld(lane, laneHold);
        const fallback = laneHold.hold && this.fallback?.find(run, item, lane, laneHold.hold, now);
        if (!fallback) {
          pass.noFallbackFor(item.request.params.model);
          continue;
        }
        ({ lane, consumption, undo: undoMove } = fallback);
      }
      const shareWait = run.shareWait(lane.modelClass, consumption, lane.quota, now);
      if (shareWait) {
        undoMove?.();
        pass.shareHold(run, this.lanes.named({ kind: 'share', share: run.maxShare!, ...shareWait }, lane), now + shareWait.waitMs);
        continue;
      }
      if (!this.reserveSpend(run, item)) {
        undoMove?.();
        continue; // this run waits or ended; others may go
      }
      run.queue.take(item);
      if (lane.grants) {
        // This class waits for the answer: one ask at a time per class, in schedule order.
        const mayGo = () => !(this.apiStop.stopped || this.paused || run.paused || run.stopping);
        const asking = lane;
        lane.grants.ask(run, item, consumption, mayGo, (answer) => this.onGrant(asking, run, item, consumption, answer), () => this.pump());
        pass.awaitingAnswer(lane);
        continue;
      }
      this.dispatch(lane, run, item, consumption, now, undefined);
    }

    this.runHolds = pass.finish(this.runs);
    const news = this.holds.update(pass.hold, pass.wakeAt - now);
    if (news) this.log(news.level, news.message);
    let wakeAt = Math.min(pass.wakeAt, nextRetryDue(this.runs));
    // While holding, the buckets keep refilling and the hold's countdown runs: look again (and so
    // emit a fresh snapshot) at least every second, or a status bar would show a stale floor for
    // as long as a 60-second retry-after lasts.
    if (holdLevel(pass.hold) && this.activeRuns.length > 0) wakeAt = Math.min(wakeAt, now + HOLD_REFRESH_MS);
    this.wake.arm(wakeAt, now);
  }

  /** Reserve the item's worst case on the run's cap and budgets; a throw in the books stops that run. */
  private reserveSpend(run: Run, item: PendingItem): boolean {
    try {
      return run.reserveSpend(item);
    } catch (err) {
      this.failLoudly(run, err);
      return false;
    }
  }

  private dispatch(lane: ClassLane, run: Run, item: PendingItem, consumption: Consumption, now: number, lease: string | undefined): void {
    if (item.attempts === 0) this.retryBudget.recordFresh();
    else if (!item.pushedBack) this.retryBudget.tryTake();
    this.schedule.charge(run);
    run.takeShare(lane.modelClass, consumption, lane.quota, now);
    lane.cooldown.sending(item);
    this.lifecycle.launch(lane, run, item, consumption, now, lease, (send) => this.admitted.add(run, send));
    this.readAhead(run);
  }

  /** The shared quota answered: send, or put the item back (and end the run at a shared budget, or stop everything at a shared stop). */
  private onGrant(lane: ClassLane, run: Run, item: PendingItem, consumption: Consumption, answer: GrantAnswer): void {
    const now = this.clock.now();
    if (answer.go) return this.dispatch(lane, run, item, consumption, now, answer.lease);
    // Not sent: the item goes back where it was, its spend reservation is returned.
    run.queue.requeue(item);
    run.releaseSpend(item);
    if (!answer.refusal) return;
    if (answer.refusal.kind === 'budget-reached') {
      run.reachBudget({ kind: 'spend-cap', label: answer.refusal.label, shared: true, model: modelOf(item), worstCaseUsd: item.worstCaseUsd, worstCaseTokens: item.worstCaseTokens });
    } else if (answer.refusal.kind === 'stopped') this.stopForApi('shared', answer.refusal.explanation, 'stop signalled by another participant of the shared quota');
    const wait = lane.grants?.wait;
    if (wait) this.wake.arm(wait.until, now);
  }

  /** Something no request should meet (the books handed NaN, a result that cannot be written): this run stops, saying why. */
  private failLoudly(run: Run, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    if (run.failed) return;
    this.log('error', `${run.label}: stopped: ${message}`, run.id);
    run.fail(message);
    this.pump();
  }

  private stopForApi(cause: StopCause | 'shared', explanation: string, apiMessage: string): void {
    const news = this.apiStop.stop(cause, explanation, apiMessage);
    if (news === undefined) return;
    this.log('error', news);
    for (const run of this.runs) if (!run.isTerminal) run.stop();
  }

  // ── States ───────────────────────────────────────────────────────────────

  /** Move every run to where it now stands (run-states.ts decides; here it is applied and told). */
  private settleRunStates(): void {
    const situation = { apiStopped: this.apiStop.explanation, runHolds: this.runHolds, granting: this.lanes.grantingRuns() };
    for (const run of this.runs) {
      if (run.isTerminal) continue;
      const step = nextRunStep(run, situation);
      if (step.end) {
        this.endRun(run, step.state, step.detail);
        continue;
      }
      if (run.setState(step.state, step.detail, step.holdCause)) this.emit('state', run.id, step.state, step.detail);
      if (step.state !== 'stopping' && step.state !== 'paused') this.readAhead(run);
    }
    if (this.activeRuns.length === 0) this.wake.cancel();
  }

  private endRun(run: Run, state: RunState, detail: string | undefined): void {
    if (run.isTerminal) return;
    run.end(state, detail, this.clock.now());
    this.log(state === 'finished' ? 'info' : 'warn', say.runEndedMessage(run, state, detail), run.id);
    this.emit('state', run.id, state, detail);
    this.snapshots.sendNow();
  }

  // ── Snapshots and logs ───────────────────────────────────────────────────

  snapshot(): DispatcherSnapshot {
    return buildSnapshot({
      hold: this.holds.hold, holdDetail: this.holds.detail, lanes: this.lanes.all(),
      retryBudget: this.retryBudget, runs: this.runs,
      coordinator: this.coordinator,
    }, this.clock.now());
  }

  private log(level: LogLevel, message: string, runId?: string): void {
    this.emit('log', runId === undefined ? { level, message } : { level, message, runId });
  }
}
