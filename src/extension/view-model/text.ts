// Small print for the dashboard: how numbers, shares and times read. Shared by every section so a
// count or a percentage never reads two ways on one page.
import { formatDuration } from '../../core/format';

/** Exact counts with thousands separators, independent of the machine's locale. */
export { formatInteger as exact } from '../../core/format';

/** A share as a gauge position: 0..100, one decimal, never NaN. */
export function percentOf(value: number, limit: number): number {
  if (!(limit > 0) || !Number.isFinite(value)) return 0;
  return Math.round(Math.min(100, Math.max(0, (value / limit) * 100)) * 10) / 10;
}

/** When a bucket is full again: "full" once it is, else "full in 23s". */
export function untilText(at: number, now: number): string {
  const seconds = (at - now) / 1000;
  return seconds < 1 ? 'full' : `full in ${formatDuration(seconds)}`;
}

/** The parts that say something, joined by " · ". */
export function sentence(parts: Array<string | undefined | false>): string {
  return parts.filter((p): p is string => typeof p === 'string' && p.length > 0).join(' · ');
}

/** The last part of a path, either separator (labels may come from Windows or POSIX paths). */
export function fileName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}
