// The largest `max_tokens` each model accepts, as data. A line asking for more is refused before
// anything is sent: the API would answer 400 for it, and a huge value does harm before that — the
// request timeout grows with max_tokens, and the spend accounting counts max_tokens × the output
// price for a request in flight (a line with `max_tokens: 1e12` made a run report $25,000,000 spent).
// Source: the models overview (max output per model). Dated ids (`claude-haiku-4-5-20251001`)
// follow their alias, as in lifecycle.ts.
import { Pricing } from '../pricing/pricing';

/**
 * What any model is allowed, including models this table does not know (a newer model, or one the
 * user priced with --price). No Claude model publishes more than 128,000 output tokens for a
 * Messages request, so 1,000,000 leaves room for models newer than this table while still refusing
 * values that can only be mistakes (`1e12`): those would overflow the request timeout and turn the
 * spend reservation into nonsense.
 */
export const MAX_TOKENS_SANITY_CEILING = 1_000_000;

/**
 * No output limit is published in our references for the 5.x models. 128,000 is the largest
 * published for their predecessors (Opus 4.6–4.8, Sonnet 4.6); it is an assumption, to be replaced
 * by the published figure. Too low refuses lines the API would take; the API is the judge past it.
 */
const UNPUBLISHED_5X = 128_000;

const MAX_OUTPUT_TOKENS: ReadonlyMap<string, number> = new Map([
  ['claude-opus-4-8', 128_000],
  ['claude-opus-4-7', 128_000],
  ['claude-opus-4-6', 128_000],
  ['claude-sonnet-4-6', 128_000],
  ['claude-opus-4-5', 64_000],
  ['claude-sonnet-4-5', 64_000],
  ['claude-haiku-4-5', 64_000],
  ['claude-opus-5', UNPUBLISHED_5X],
  ['claude-opus-5-5', UNPUBLISHED_5X],
  ['claude-sonnet-5', UNPUBLISHED_5X],
  ['claude-sonnet-5-5', UNPUBLISHED_5X],
  ['claude-haiku-5-5', UNPUBLISHED_5X],
  ['claude-fable-5', UNPUBLISHED_5X],
  ['claude-mythos-5', UNPUBLISHED_5X],
]);

/** The model's own maximum `max_tokens`, or undefined when the table does not know the model. */
export function maxOutputTokens(model: string): number | undefined {
  // A Map, not an object: a model named `constructor` must not find a prototype property.
  return MAX_OUTPUT_TOKENS.get(model) ?? MAX_OUTPUT_TOKENS.get(Pricing.aliasOf(model));
}

/** The largest `max_tokens` a line for `model` may ask for: the model's own, else the sanity ceiling. */
export function maxTokensCeiling(model: string): number {
  return maxOutputTokens(model) ?? MAX_TOKENS_SANITY_CEILING;
}
