// Floors are given as absolute tokens ("20000") or as a share of the bucket's limit ("10%").

export type FloorSpec = { tokens: number } | { percent: number };

// Their defaults (10% soft, 2% hard) are in core/config.ts with every other default.

export function parseFloor(text: string): FloorSpec {
  const trimmed = text.trim();
  const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(trimmed);
  if (percent) {
    const value = Number(percent[1]);
    if (value > 100) throw new Error(`floor '${text}' is over 100%`);
    return { percent: value };
  }
  const tokens = /^(\d+(?:\.\d+)?)\s*([kKmM]?)$/.exec(trimmed);
  if (tokens) {
    const scale = { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6 }[tokens[2] ?? ''] ?? 1;
    return { tokens: Math.round(Number(tokens[1]) * scale) };
  }
  throw new Error(`floor '${text}' is neither a token count (e.g. 20000 or 20k) nor a percentage (e.g. 10%)`);
}

/** The floor in tokens for a bucket of this limit. Never above the limit itself. */
export function resolveFloor(spec: FloorSpec, limit: number): number {
  const value = 'percent' in spec ? (limit * spec.percent) / 100 : spec.tokens;
  return Math.min(limit, Math.max(0, value));
}

export function formatFloor(spec: FloorSpec): string {
  return 'percent' in spec ? `${spec.percent}%` : `${spec.tokens}`;
}
