// The JSONL job of a scenario, and what each of its lines consumes when it succeeds — computed with
// the mock's own token counting, so the quota bound is exact, not estimated.
import { writeFileSync } from 'node:fs';
import { analyzePrompt } from '../src/simulator/tokens';
import { Pricing } from '../src/core/pricing/pricing';
import type { JobSpec } from './scenarios';

export interface JobLine {
  custom_id: string;
  params: {
    model: string;
    max_tokens: number;
    metadata: { user_id: string };
    system?: Array<{ type: 'text'; text: string; cache_control?: { type: 'ephemeral' } }>;
    messages: Array<{ role: 'user'; content: string }>;
  };
}

interface LineCost {
  /** Input tokens of the whole prompt. */
  input: number;
  /** Of those, the cacheable prefix (read from the cache once it is written). */
  cacheable: number;
  output: number;
  /** USD when the prefix is read from the cache (or there is none). */
  usd: number;
}

export interface Job {
  spec: JobSpec;
  lines: JobLine[];
  /** By custom_id. */
  costs: Map<string, LineCost>;
  /** Output tokens the mock gives each line, by custom_id (its `outputTokens` option). */
  outputOf: (customId: string) => number;
  expectedUsd: number;
  path: string;
}

const WORDS = 'the quarterly report shows revenue growth in three regions while costs stayed flat and the team asks for a short summary of risks and next steps'.split(' ');

/** A deterministic number in [0, 1) for line i and a salt (mulberry32). */
function unit(i: number, salt: number): number {
  let t = (i * 0x9e3779b1 + salt * 0x85ebca6b) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** A value in [lo, hi] for line i: uniform, or with `skew` = p > 0 as lo + (hi − lo)·u^p (mean lo + (hi − lo)/(p + 1): many short, a long tail). */
function spread([lo, hi]: [number, number], i: number, salt: number, skew?: number): number {
  const u = unit(i, salt);
  return Math.round(lo + (hi - lo) * (skew === undefined ? u : u ** skew));
}

function text(chars: number, seed: number): string {
  const out: string[] = [];
  let size = 0;
  for (let k = 0; size < chars; k++) {
    const w = WORDS[(seed + k * 7) % WORDS.length]!;
    out.push(w);
    size += w.length + 1;
  }
  return out.join(' ').slice(0, chars);
}

export function buildJob(spec: JobSpec, path: string): Job {
  const pricing = new Pricing();
  const price = pricing.priceOf(spec.model)!;
  const system = spec.system
    ? [{ type: 'text' as const, text: `You are a careful analyst. ${text(spec.system.chars, 3)}`, ...(spec.system.cached ? { cache_control: { type: 'ephemeral' as const } } : {}) }]
    : undefined;
  const lines: JobLine[] = [];
  const costs = new Map<string, LineCost>();
  const outputs = new Map<string, number>();
  for (let i = 0; i < spec.lines; i++) {
    const id = `l-${String(i).padStart(7, '0')}`;
    const content = `Item ${i}: ${text(spread(spec.promptChars, i, 1), i)}`;
    const params: JobLine['params'] = {
      model: spec.model,
      max_tokens: spec.maxTokens,
      metadata: { user_id: id },
      ...(system ? { system } : {}),
      messages: [{ role: 'user', content }],
    };
    const output = Math.min(spec.maxTokens, spread(spec.outputTokens, i, 2, spec.outputSkew));
    const prompt = analyzePrompt(params);
    const cacheable = prompt.cacheable?.tokens ?? 0;
    const fresh = prompt.inputTokens - cacheable;
    const usd = fresh * price.input + cacheable * price.cacheRead + output * price.output;
    lines.push({ custom_id: id, params });
    costs.set(id, { input: prompt.inputTokens, cacheable, output, usd });
    outputs.set(id, output);
  }
  writeFileSync(path, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  // One cache write for the whole job (at the write price instead of the read price).
  const firstCacheable = costs.values().next().value?.cacheable ?? 0;
  const expectedUsd = [...costs.values()].reduce((s, c) => s + c.usd, 0) + firstCacheable * (price.cacheWrite5m - price.cacheRead);
  return { spec, lines, costs, outputOf: (id) => outputs.get(id) ?? spec.outputTokens[0], expectedUsd, path };
}

/** What the job (or the part of it in `done`) consumes of each bucket in the best case: the cache prefix written once. */
export function consumption(job: Job, done?: Iterable<string>): { requests: number; input: number; output: number; lines: number; longestOutput: number } {
  let requests = 0;
  let longestOutput = 0;
  let input = 0;
  let output = 0;
  let firstPrefix = 0;
  for (const id of done ?? job.costs.keys()) {
    const c = job.costs.get(id);
    if (!c) continue;
    requests++;
    input += c.input - c.cacheable;
    output += c.output;
    longestOutput = Math.max(longestOutput, c.output);
    firstPrefix = Math.max(firstPrefix, c.cacheable);
  }
  return { requests, input: input + firstPrefix, output, lines: requests, longestOutput };
}
