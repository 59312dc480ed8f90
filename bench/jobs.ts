// The JSONL job of a scenario, and what each of its lines consumes when it succeeds — computed with
// the mock's own token counting, so the quota bound is exact, not estimated.
import { writeFileSync } from 'node:fs';
import { analyzePrompt } from '../src/simulator/tokens';
import { Pricing } from '../src/core/pricing/pricing';
import { ModelClasses, type ModelClass } from '../src/core/models/model-class';
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
  /** The model the line asks for, and its class (whose buckets it draws on at the API). */
  model: string;
  modelClass: ModelClass;
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

/** The model line i asks for: `models` cycled, else `model`. */
function modelOfLine(spec: JobSpec, i: number): string {
  return spec.models?.length ? spec.models[i % spec.models.length]! : spec.model;
}

const CLASSES = new ModelClasses();

/** The model class a model draws on (core's table, which the mock uses too). */
export function classOf(model: string): ModelClass {
  return CLASSES.classOf(model);
}

/** The classes the job's lines draw on, in order of first appearance. */
export function jobClasses(job: Job): ModelClass[] {
  return [...new Set([...job.costs.values()].map((c) => c.modelClass))];
}

export function buildJob(spec: JobSpec, path: string): Job {
  const pricing = new Pricing();
  const system = spec.system
    ? [{ type: 'text' as const, text: `You are a careful analyst. ${text(spec.system.chars, 3)}`, ...(spec.system.cached ? { cache_control: { type: 'ephemeral' as const } } : {}) }]
    : undefined;
  const lines: JobLine[] = [];
  const costs = new Map<string, LineCost>();
  const outputs = new Map<string, number>();
  for (let i = 0; i < spec.lines; i++) {
    const id = `l-${String(i).padStart(7, '0')}`;
    const content = `Item ${i}: ${text(spread(spec.promptChars, i, 1), i)}`;
    const model = modelOfLine(spec, i);
    const price = pricing.priceOf(model)!;
    const params: JobLine['params'] = {
      model,
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
    costs.set(id, { model, modelClass: classOf(model), input: prompt.inputTokens, cacheable, output, usd });
    outputs.set(id, output);
  }
  writeFileSync(path, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  // One cache write for the whole job (at the write price instead of the read price) — per model:
  // the cache is the model's own.
  const firstCacheable = new Map<string, number>();
  for (const c of costs.values()) if (!firstCacheable.has(c.model)) firstCacheable.set(c.model, c.cacheable);
  const writes = [...firstCacheable].reduce((sum, [model, tokens]) => {
    const price = pricing.priceOf(model)!;
    return sum + tokens * (price.cacheWrite5m - price.cacheRead);
  }, 0);
  const expectedUsd = [...costs.values()].reduce((s, c) => s + c.usd, 0) + writes;
  return { spec, lines, costs, outputOf: (id) => outputs.get(id) ?? spec.outputTokens[0], expectedUsd, path };
}

export interface Consumption {
  requests: number;
  input: number;
  output: number;
  lines: number;
  longestOutput: number;
}

/**
 * What the job (or the part of it in `done`; only the lines of `modelClass`, when given) consumes of
 * each bucket in the best case: the cache prefix written once per model. Each model class has its own
 * buckets at the API, so a bound takes each class's consumption apart.
 */
export function consumption(job: Job, done?: Iterable<string>, modelClass?: ModelClass): Consumption {
  let requests = 0;
  let longestOutput = 0;
  let input = 0;
  let output = 0;
  const firstPrefix = new Map<string, number>();
  for (const id of done ?? job.costs.keys()) {
    const c = job.costs.get(id);
    if (!c || (modelClass !== undefined && c.modelClass !== modelClass)) continue;
    requests++;
    input += c.input - c.cacheable;
    output += c.output;
    longestOutput = Math.max(longestOutput, c.output);
    firstPrefix.set(c.model, Math.max(firstPrefix.get(c.model) ?? 0, c.cacheable));
  }
  const prefixes = [...firstPrefix.values()].reduce((a, b) => a + b, 0);
  return { requests, input: input + prefixes, output, lines: requests, longestOutput };
}
