// A 200 from the server is trusted only as far as its `usage` makes sense. A proxy or a broken
// server that answers without `usage`, with `usage: null` or with negative counts would otherwise
// crash the run (and lose everything in flight), book NaN, or book a negative cost that lifts a cap.

const REQUIRED = ['input_tokens', 'output_tokens'] as const;
const OPTIONAL = ['cache_creation_input_tokens', 'cache_read_input_tokens'] as const;

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** Why the message's `usage` cannot be billed from, or undefined when it can. */
export function usageProblem(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) return 'the body is not a JSON object';
  const usage = (message as { usage?: unknown }).usage;
  if (usage === undefined) return 'it has no "usage"';
  if (typeof usage !== 'object' || usage === null || Array.isArray(usage)) return `"usage" is ${JSON.stringify(usage)}`;
  const u = usage as Record<string, unknown>;
  for (const field of REQUIRED) if (!isCount(u[field])) return `usage.${field} is ${JSON.stringify(u[field])}, not a count`;
  for (const field of OPTIONAL) {
    if (u[field] !== undefined && u[field] !== null && !isCount(u[field])) return `usage.${field} is ${JSON.stringify(u[field])}, not a count`;
  }
  const split = u.cache_creation as Record<string, unknown> | null | undefined;
  if (split !== undefined && split !== null) {
    if (typeof split !== 'object') return `usage.cache_creation is ${JSON.stringify(split)}`;
    for (const field of ['ephemeral_5m_input_tokens', 'ephemeral_1h_input_tokens']) {
      if (split[field] !== undefined && !isCount(split[field])) return `usage.cache_creation.${field} is ${JSON.stringify(split[field])}, not a count`;
    }
  }
  return undefined;
}
