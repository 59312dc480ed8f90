// The run as one line of text: a redrawn bar on a terminal, periodic plain lines in CI.
import type { DispatcherSnapshot, RunSnapshot } from '../core/dispatch/snapshot';
import { tightestTokenDimension, DIMENSION_LABELS } from '../core/dispatch/tightest-dimension';
import { formatCount, formatDuration, formatUsd, plural } from '../core/format';
import { batchAlternative, type PreflightEstimate } from '../core/preflight';
import { describeDuration } from '../core/preflight-duration';
import { stateWords } from '../core/dispatch/state-words';

// Re-exported: callers imported it from here before the table moved to core.

function bar(done: number, total: number, width: number): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return '█'.repeat(filled) + '░'.repeat(Math.max(0, width - filled));
}

function parts(snapshot: DispatcherSnapshot, run: RunSnapshot): string[] {
  const out: string[] = [];
  const finished = run.succeeded + run.errored;
  out.push(`${finished}/${run.total}${run.errored ? ` (${run.errored} errored)` : ''}`);
  out.push(`${snapshot.inFlight}/${snapshot.ceiling} in flight`);
  const tight = tightestTokenDimension(snapshot);
  // With several model classes, the tightest class's bucket, named.
  const whose = snapshot.classes.length > 1 && snapshot.tightestClass ? `${snapshot.tightestClass} ` : '';
  if (tight) out.push(`${formatCount(tight.view.remaining)}/${formatCount(tight.view.limit)} ${whose}${DIMENSION_LABELS[tight.dimension]} left`);
  const spend = run.spend;
  out.push(spend.capUsd !== undefined ? `${formatUsd(spend.spentUsd)}/${formatUsd(spend.capUsd)}` : formatUsd(spend.spentUsd));
  out.push(`${run.requestsPerSecond.toFixed(1)}/s`);
  if (run.endedAt === undefined) out.push(`ETA ${formatDuration(run.etaSeconds)}`);
  if (run.rateLimited || run.retries) out.push(`${run.rateLimited}×429, ${plural(run.retries, 'retry')}`);
  if (run.state !== 'running') out.push(stateWords(run.state));
  return out;
}

/** For a terminal, redrawn in place (fits `columns`). */
export function progressBar(snapshot: DispatcherSnapshot, run: RunSnapshot, columns: number): string {
  const text = parts(snapshot, run).join(' · ');
  const width = Math.max(10, Math.min(30, columns - text.length - 3));
  return `${bar(run.succeeded + run.errored, run.total, width)} ${text}`.slice(0, Math.max(20, columns - 1));
}

/** For logs and CI: a plain line, printed every few seconds. */
export function progressLine(snapshot: DispatcherSnapshot, run: RunSnapshot): string {
  return `floorline: ${parts(snapshot, run).join(', ')}`;
}

/** Each model class's buckets as the run ended, when it used more than one. */
function classLines(snapshot: DispatcherSnapshot): string[] {
  if (snapshot.classes.length < 2) return [];
  return snapshot.classes.map((c) => {
    const buckets = (['requests', 'inputTokens', 'outputTokens'] as const)
      .map((d) => c.dimensions[d] && `${formatCount(c.dimensions[d].remaining)}/${formatCount(c.dimensions[d].limit)} ${DIMENSION_LABELS[d]}`)
      .filter(Boolean);
    return `  ${c.modelClass}: ${buckets.length ? `${buckets.join(', ')} left` : 'no limits seen'}`;
  });
}

export function summaryLines(run: RunSnapshot, resultsPath: string, elapsedSeconds: number, dispatcher?: DispatcherSnapshot): string[] {
  const lines = [
    `${stateWords(run.state)}: ${run.succeeded} succeeded, ${run.errored} errored, ${run.unsent} unsent` +
      (run.resumed ? ` (${run.resumed} already done before this run)` : ''),
    `spent ${formatUsd(run.spend.spentUsd)}${run.spend.capUsd !== undefined ? ` of ${formatUsd(run.spend.capUsd)} cap` : ''} · ` +
      `${run.rateLimited} answered 429 · ${plural(run.retries, 'retry')} · ${formatDuration(elapsedSeconds)}`,
    ...(run.fallbacks ? [`fallbacks: ${Object.entries(run.fallbacks).map(([moved, n]) => `${n} ${moved}`).join(', ')}`] : []),
    ...(dispatcher && dispatcher.classes.length > 1 ? ['buckets per model class at the end:', ...classLines(dispatcher)] : []),
    `results: ${resultsPath}`,
  ];
  if (run.detail) lines.splice(1, 0, run.detail);
  return lines;
}

/** The pre-flight estimate in one line, printed before the first request. */
export function preflightLine(e: PreflightEstimate, tier: string | undefined): string {
  const parts = [
    `${e.requests} requests`,
    `~${formatCount(e.inputTokens)} input tokens`,
    e.worstCaseUsd === null ? `no price for ${e.unpricedModels.join(', ')}` : `worst case ${formatUsd(e.worstCaseUsd)}`,
  ];
  if (e.expectedUsd !== null) parts.push(`expected ~${formatUsd(e.expectedUsd)} (if replies use ${Math.round(e.outputShare * 100)}% of max_tokens)`);
  parts.push(
    e.duration
      ? `${describeDuration(e.duration)} at ${tier}-tier limits`
      : 'duration unknown until the first reply brings the limits (--tier start|build|scale estimates it)',
  );
  return parts.join(' · ');
}

/** The other way to send the same file, with numbers, so the choice is made knowingly. */
export function batchOptionLine(e: PreflightEstimate): string | undefined {
  const batch = batchAlternative(e);
  if (batch.expectedUsd === null) return undefined;
  return `or as a Message Batch (floorline batch submit FILE): expected ~${formatUsd(batch.expectedUsd)}, half the price, its own rate-limit pool; ${batch.typically}`;
}
