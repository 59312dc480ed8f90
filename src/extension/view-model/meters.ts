// The gauges: token buckets against their limits with the floors marked, in flight against the
// ceiling, and spend or tokens against a cap.
import type { DispatcherSnapshot } from '../../core/dispatch/snapshot';
import type { DimensionView } from '../../core/limits/quota-model';
import type { Dimension } from '../../core/limits/rate-limit-headers';
import { formatCount } from '../../core/format';
import type { MeterMarker, MeterModel } from '../protocol';
import { dimensionSeverity, spendSeverity } from './severity';
import { percentOf, sentence, untilText } from './text';

const GAUGE_ORDER: Array<{ dimension: Dimension; label: string; unit: string }> = [
  { dimension: 'requests', label: 'Requests', unit: 'requests' },
  { dimension: 'inputTokens', label: 'Input tokens', unit: 'input tokens' },
  { dimension: 'outputTokens', label: 'Output tokens', unit: 'output tokens' },
  { dimension: 'tokens', label: 'Tokens', unit: 'tokens' },
];

function dimensionGauge(dimension: Dimension, label: string, unit: string, view: DimensionView, now: number): MeterModel {
  // Floors hold tokens back; the requests bucket has none worth drawing.
  const tokens = dimension !== 'requests';
  const markers: MeterMarker[] = [];
  if (tokens && view.softFloor > 0) markers.push({ kind: 'soft', percent: percentOf(view.softFloor, view.limit), label: `soft floor ${formatCount(view.softFloor)}` });
  if (tokens && view.hardFloor > 0) markers.push({ kind: 'hard', percent: percentOf(view.hardFloor, view.limit), label: `hard floor ${formatCount(view.hardFloor)}` });
  const reset = untilText(view.resetAt, now);
  const text = `${formatCount(view.remaining)} / ${formatCount(view.limit)}`;
  return {
    id: dimension,
    label,
    text,
    percent: percentOf(view.remaining, view.limit),
    markers,
    caption: sentence([...markers.map((m) => m.label), reset]),
    severity: tokens ? dimensionSeverity(view) : 'ok',
    aria: {
      now: view.remaining,
      min: 0,
      max: view.limit,
      text: `${text} ${unit} remaining${markers.length ? `, ${markers.map((m) => m.label).join(', ')}` : ''}, ${reset}`,
    },
  };
}

/** One gauge per known bucket, always in the order requests, input, output, tokens. */
export function gaugesOf(snapshot: Pick<DispatcherSnapshot, 'dimensions'>, now: number): MeterModel[] {
  const out: MeterModel[] = [];
  for (const { dimension, label, unit } of GAUGE_ORDER) {
    const view = snapshot.dimensions[dimension];
    if (view) out.push(dimensionGauge(dimension, label, unit, view, now));
  }
  return out;
}

export function inFlightMeter(snapshot: Pick<DispatcherSnapshot, 'inFlight' | 'ceiling' | 'ceilingReason'>): MeterModel {
  const text = `${snapshot.inFlight} / ${snapshot.ceiling}`;
  return {
    id: 'inFlight',
    label: 'In flight',
    text,
    percent: percentOf(snapshot.inFlight, snapshot.ceiling),
    markers: [],
    caption: `ceiling: ${snapshot.ceilingReason}`,
    severity: 'ok',
    // A lowered ceiling can leave more in flight than it allows: the range must still hold the value.
    aria: { now: snapshot.inFlight, min: 0, max: Math.max(snapshot.ceiling, snapshot.inFlight), text: `${text} requests in flight` },
  };
}

/** Spend or tokens against an optional cap; `reserved` is held for requests in flight. */
export function capMeter(id: string, label: string, used: number, cap: number | undefined, format: (n: number) => string, reserved = 0): MeterModel {
  // Judged on what is spent plus what is held for requests in flight, as the status bar judges it.
  const severity = spendSeverity(used + reserved, cap);
  const reservedText = reserved > 0 ? `${format(reserved)} reserved in flight` : undefined;
  if (cap === undefined) {
    return {
      id, label, text: format(used), percent: undefined, markers: [], severity,
      caption: sentence(['no cap', reservedText]),
      aria: { now: used, min: 0, max: used, text: `${format(used)} ${label.toLowerCase()}, no cap` },
    };
  }
  const percent = percentOf(used, cap);
  const text = `${format(used)} / ${format(cap)}`;
  return {
    id, label, text, percent, severity,
    extraPercent: reserved > 0 ? Math.max(0, Math.round((percentOf(used + reserved, cap) - percent) * 10) / 10) : undefined,
    markers: [],
    caption: sentence([`${Math.floor(percent)}% of cap`, reservedText]),
    aria: { now: used, min: 0, max: cap, text: `${text} ${label.toLowerCase()}, ${Math.floor(percent)}% of cap` },
  };
}
