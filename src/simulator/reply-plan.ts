// How a request is answered, live or in a batch: its prompt, what the prompt cache gives it, and
// the output length (the option, else one fixed per prompt), decided before it is admitted; then the
// Message itself once generation is done.
import type { CacheLookup, PromptCache } from './prompt-cache';
import { buildMessage, capOutput, defaultOutputTokens, messageId, type MockMessage, type StopReason } from './replies';
import { analyzePrompt, promptHash, type PromptAnalysis } from './tokens';
import type { MockRequestBody, OutputTokensOption } from './types';

/** How a request will be answered: fixed by its prompt, the prompt cache and the output option. */
export interface ReplyPlan {
  body: MockRequestBody;
  prompt: PromptAnalysis;
  cache: CacheLookup;
  hash: string;
  outputTokens: number;
  stopReason: StopReason;
  /** Input charged to the ITPM bucket: cache reads do not count, fresh input and cache writes do. */
  chargedInput: number;
}

/** What a request will get, from its prompt, the cache as of `t` and the output option. May throw
 *  (a user `outputTokens` function). */
export function planReply(body: MockRequestBody, t: number, cache: PromptCache, option: OutputTokensOption | undefined): ReplyPlan {
  const prompt = analyzePrompt(body);
  const lookup = cache.lookup(prompt.breakpoints, t);
  const hash = promptHash(body);
  const wanted = typeof option === 'function' ? option(body)
    : typeof option === 'number' ? option
    : defaultOutputTokens(hash);
  const { outputTokens, stopReason } = capOutput(wanted, body.max_tokens);
  return { body, prompt, cache: lookup, hash, outputTokens, stopReason, chargedInput: prompt.inputTokens - lookup.read };
}

/** The reply, generated at `t`; `sequence` numbers its id. */
export function generateReply(plan: ReplyPlan, t: number, sequence: number, cache: PromptCache): MockMessage {
  const { prompt, cache: lookup } = plan;
  // The entry exists once the reply does: identical requests sent together all write, as with the real API.
  cache.commit(prompt.breakpoints, lookup.hitIndex, t);
  return buildMessage({
    id: messageId(plan.hash, sequence),
    model: plan.body.model,
    hashHex: plan.hash,
    outputTokens: plan.outputTokens,
    stopReason: plan.stopReason,
    inputTokens: prompt.inputTokens - lookup.read - lookup.write5m - lookup.write1h,
    cacheRead: lookup.read,
    cacheWrite5m: lookup.write5m,
    cacheWrite1h: lookup.write1h,
  });
}
