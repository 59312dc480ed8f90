// The chart's geometry: throughput and the tightest token bucket over the last minutes, as line
// segments in 0..1 that the page scales to its own size.
import type { DispatcherSnapshot } from '../../core/dispatch/snapshot';
import { tightestTokenDimension } from '../../core/dispatch/tightest-dimension';
import type { ChartModel } from '../protocol';
import { CHART_WINDOW_MS, type HistorySample } from './history';

/** A gap this long between two samples breaks the chart's line instead of bridging it. */
const CHART_GAP_MS = 15_000;

/** 1, 2 or 5 × 10ⁿ at or above `x`: an axis top people can read. */
export function niceCeil(x: number): number {
  if (!(x > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(x));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= x) return step * magnitude;
  return 10 * magnitude;
}

function segments(samples: HistorySample[], from: number, pick: (s: HistorySample) => number | undefined): Array<Array<[number, number]>> {
  const out: Array<Array<[number, number]>> = [];
  let current: Array<[number, number]> = [];
  let lastAt = Number.NEGATIVE_INFINITY;
  for (const s of samples) {
    const y = pick(s);
    if (y === undefined || !Number.isFinite(y) || s.at - lastAt > CHART_GAP_MS) {
      if (current.length) out.push(current);
      current = [];
    }
    if (y !== undefined && Number.isFinite(y)) {
      const x = Math.round(((s.at - from) / CHART_WINDOW_MS) * 1000) / 1000;
      current.push([x, Math.round(Math.min(1, Math.max(0, y)) * 1000) / 1000]);
    }
    lastAt = s.at;
  }
  if (current.length) out.push(current);
  return out;
}

/** The tightest token bucket across dispatchers: its remaining share and where its soft floor sits. */
function tightestShare(snapshots: readonly DispatcherSnapshot[]): { share: number; soft: number } | undefined {
  let tightest: { share: number; soft: number } | undefined;
  for (const snapshot of snapshots) {
    const t = tightestTokenDimension(snapshot);
    if (!t || !(t.view.limit > 0)) continue;
    const share = t.view.remaining / t.view.limit;
    if (!tightest || share < tightest.share) tightest = { share, soft: t.view.softFloor / t.view.limit };
  }
  return tightest;
}

export function chartModel(history: readonly HistorySample[], snapshots: readonly DispatcherSnapshot[], now: number): ChartModel {
  const from = now - CHART_WINDOW_MS;
  const samples = history.filter((s) => s.at >= from && s.at <= now).sort((a, b) => a.at - b.at);
  const top = niceCeil(Math.max(0, ...samples.map((s) => s.requestsPerSecond)));
  const last = samples[samples.length - 1];
  const tightest = tightestShare(snapshots);
  const rpsNowText = last ? `${last.requestsPerSecond.toFixed(1)} req/s` : '–';
  const shareNowText = last?.remainingShare !== undefined ? `${Math.round(last.remainingShare * 100)}% left` : '–';
  return {
    windowText: `${Math.round(CHART_WINDOW_MS / 60_000)} min ago`,
    rps: segments(samples, from, (s) => s.requestsPerSecond / top),
    share: segments(samples, from, (s) => s.remainingShare),
    softFloorY: tightest && Math.round(tightest.soft * 1000) / 1000,
    rpsScaleText: `${top} req/s`,
    rpsNowText,
    shareNowText,
    summary: samples.length
      ? `Throughput now ${rpsNowText}, peak ${Math.max(...samples.map((s) => s.requestsPerSecond)).toFixed(1)} req/s; tightest token bucket ${shareNowText}.`
      : 'No throughput recorded yet.',
  };
}
