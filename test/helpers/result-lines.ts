// Results lines for the results viewer's tests: one by hand, or many with varied values.
import type { ResultLine } from '../../src/core/types';

type Kind = 'succeeded' | 'errored' | 'canceled' | 'expired';

export interface LineOptions {
  kind?: Kind;
  model?: string;
  text?: string;
  errorType?: string;
  message?: string;
  cost?: number | null;
  latency?: number | null;
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
  attempts?: number;
  simulated?: boolean;
  fallbackFrom?: string;
}

export function resultLine(id: string, o: LineOptions = {}): ResultLine {
  const kind = o.kind ?? 'succeeded';
  const usage = kind === 'succeeded' ? { input_tokens: o.input ?? 10, output_tokens: o.output ?? 5, cache_read_input_tokens: o.cacheRead ?? 0, cache_creation_input_tokens: o.cacheWrite ?? 0 } : null;
  const result: ResultLine['result'] =
    kind === 'succeeded'
      ? { type: 'succeeded', message: { id: `msg_${id}`, type: 'message', content: [{ type: 'text', text: o.text ?? `answer ${id}` }], usage } }
      : kind === 'errored'
        ? { type: 'errored', error: { type: 'error', error: { type: o.errorType ?? 'overloaded_error', message: o.message ?? 'Overloaded' } } }
        : { type: kind };
  return {
    custom_id: id,
    result,
    model: o.model ?? 'claude-haiku-4-5',
    ...(o.fallbackFrom === undefined ? {} : { fallback_from: o.fallbackFrom }),
    latency_ms: o.latency === undefined ? 100 : o.latency,
    attempts: o.attempts ?? 1,
    cost_usd: o.cost === undefined ? 0.001 : o.cost,
    usage,
    ...(o.simulated ? { simulated: true as const } : {}),
  };
}

export const jsonl = (lines: readonly ResultLine[]): string => lines.map((l) => `${JSON.stringify(l)}\n`).join('');

const MODELS = ['claude-sonnet-4-6', 'claude-haiku-4-5', 'claude-opus-4-7', '__proto__', 'constructor'];
const KINDS: Kind[] = ['succeeded', 'succeeded', 'succeeded', 'errored', 'canceled', 'expired'];

/** `n` lines with values varied by a fixed pseudo-random sequence (ties and absent values included). */
export function manyLines(n: number, seed = 1): ResultLine[] {
  let s = seed;
  const next = (k: number): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % k;
  };
  const lines: ResultLine[] = [];
  for (let i = 0; i < n; i++) {
    const kind = KINDS[next(KINDS.length)]!;
    lines.push(resultLine(`id-${next(n * 4)}-${i}`, {
      kind,
      model: MODELS[next(MODELS.length)],
      text: `reply ${i} word${next(50)} ${next(2) ? 'Needle' : 'hay'}`,
      errorType: next(2) ? 'overloaded_error' : 'invalid_request_error',
      message: `failed ${next(10)}`,
      cost: next(10) === 0 ? null : next(100) / 1000,
      latency: next(10) === 0 ? null : next(1000),
      input: next(500),
      output: next(300),
      attempts: 1 + next(3),
    }));
  }
  return lines;
}
