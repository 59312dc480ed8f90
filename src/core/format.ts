// Numbers as people read them, shared by the terminal and the extension.

export function formatCount(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e6) return `${trim(n / 1e6)}M`;
  if (abs >= 1e3) return `${trim(n / 1e3)}k`;
  return String(Math.round(n));
}

function trim(x: number): string {
  return Math.abs(x) >= 100 ? String(Math.round(x)) : x.toFixed(1).replace(/\.0$/, '');
}

/**
 * Money, one rule everywhere (CLI, pre-flight, dashboard, status bar): from $1 up, dollars and
 * cents (`$3.20`, `$15.00`); below $1, three significant digits (`$0.500`, `$0.0129`, `$0.0100`,
 * `$0.000420`), so a fraction of a cent never rounds to `$0.00` and two small amounts shown side by
 * side carry the same relative precision instead of one reading `$0.0129` and the next `$0.01`.
 * Zero is `$0.00`.
 */
export function formatUsd(usd: number): string {
  if (usd === 0 || !Number.isFinite(usd)) return `$${usd === 0 ? '0.00' : String(usd)}`;
  const abs = Math.abs(usd);
  const sign = usd < 0 ? '-' : '';
  if (abs >= 1) return `${sign}$${abs.toFixed(2)}`;
  // Round to three significant digits first, so 0.009996 counts its digits from $0.0100 and 0.9996,
  // which rounds to a dollar, takes the dollars-and-cents form.
  const rounded = Number(abs.toPrecision(3));
  if (rounded >= 1) return `${sign}$${rounded.toFixed(2)}`;
  // toFixed, not toPrecision: never an exponent ("1.00e-7") in a sum of money.
  return `${sign}$${rounded.toFixed(2 - Math.floor(Math.log10(rounded)))}`;
}

/**
 * A count with its noun, singular for exactly one: `plural(1, 'request')` → `1 request`,
 * `plural(3, 'retry')` → `3 retries`, `plural(2, 'batch')` → `2 batches`. `many` overrides the
 * plural form; `format` how the number is written (e.g. `formatCount`).
 */
export function plural(n: number, word: string, options: { many?: string; format?: (n: number) => string } = {}): string {
  const shown = (options.format ?? String)(n);
  return `${shown} ${Math.abs(n) === 1 ? word : (options.many ?? pluralOf(word))}`;
}

function pluralOf(word: string): string {
  if (/[^aeiou]y$/i.test(word)) return `${word.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/i.test(word)) return `${word}es`;
  return `${word}s`;
}

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h${String(m % 60).padStart(2, '0')}m`;
}

/** A whole number as written for people: `20000` → `20,000`. */
export function formatInteger(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A reply's latency: `840 ms`, `2.8 s`, then minutes; `–` when unknown (null, negative, not finite). */
export function formatLatency(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  return formatDuration(ms / 1_000);
}
