// The most input tokens a request can be charged for: what the spend cap reserves before it is
// sent. Without a tokenizer the only hard bound is bytes (a token is at least one byte), and for a
// request that caches a long system prompt that bound is ~4× the real count — priced at the
// cache-write rate, ~30× what a cache read costs. Under a tight cap that left a run holding a few
// requests in flight. So the shared prefix a request caches (its system prompt and tools) is
// counted once with the free `count_tokens` endpoint, and the bound is that count (plus a margin:
// the endpoint is documented as an estimate) and the bytes of the rest.
import type { MessageParams } from '../types';
import { inputBytesOf, promptCacheTtl } from '../input/estimate';

export interface TokenCounter {
  /** Input tokens of a request with these fields, as `count_tokens` answers (uncached). */
  countTokens(params: { model: string; system?: unknown; tools?: unknown[]; messages: MessageParams['messages'] }): Promise<number>;
}

/** The API's fixed per-request framing, on top of the prompt's own tokens. */
const BASE_OVERHEAD_TOKENS = 50;
/** Tool definitions bring a system prompt of their own (a few hundred tokens) that the bytes do not show. */
const TOOLS_OVERHEAD_TOKENS = 1_000;
/** `count_tokens` is an estimate of what a request is billed: this much on top, and a little more. */
const COUNT_MARGIN = 0.05;
const COUNT_SLACK_TOKENS = 16;
/** The one-token message a prefix is counted with (`count_tokens` needs a message). */
const PROBE_MESSAGES: MessageParams['messages'] = [{ role: 'user', content: '.' }];

/** A cached prefix many requests share: one object per distinct (model, prefix), so identity compares. */
export interface SharedPrefix {
  /** Its bytes (system and tools as JSON): the most tokens it can be. */
  readonly bytes: number;
}

/** What PromptBounds keeps of a prefix: its count, once asked for. */
interface Prefix extends SharedPrefix {
  count?: Promise<number | undefined>;
}

/**
 * Distinct prefixes remembered (and counted). A job shares a handful; one whose every line caches a
 * prompt of its own shares none, and past this many a new prefix is treated as not shared — learned
 * per request, bounded by its bytes — rather than held in memory for the whole run.
 */
const MAX_SHARED_PREFIXES = 1_000;

export class PromptBounds {
  /** One entry per distinct (model, prefix), shared by every run on the dispatcher. */
  private readonly prefixes = new Map<string, Prefix>();

  constructor(private readonly counter?: TokenCounter) {}

  /** The bytes bound: always safe, and what is used where no count applies. */
  static bytesBound(params: MessageParams): number {
    const hasTools = Array.isArray(params.tools) && params.tools.length > 0;
    return inputBytesOf(params) + BASE_OVERHEAD_TOKENS + (hasTools ? TOOLS_OVERHEAD_TOKENS : 0);
  }

  /**
   * The cached prefix this request shares with others (see `cachedPrefix`), if any. The estimator
   * expects a prefix the API has written to be read, not written again: its tokens then cost no
   * ITPM, where a per-request average of writes would charge every request for the first one's.
   */
  sharedPrefix(params: MessageParams): SharedPrefix | undefined {
    const prefix = cachedPrefix(params);
    if (prefix === undefined) return undefined;
    const key = `${params.model}\n${prefix}`;
    let shared = this.prefixes.get(key);
    if (!shared && this.prefixes.size < MAX_SHARED_PREFIXES) this.prefixes.set(key, (shared = { bytes: Buffer.byteLength(prefix, 'utf8') }));
    return shared;
  }

  /**
   * Upper bound on the request's input tokens, never more than `bytes` (its bytes bound). A number
   * at once where nothing is counted (most requests: no await on the hot path), else a promise.
   * `shared`: the request's `sharedPrefix`, when the caller has it already.
   */
  inputTokensUpperBound(params: MessageParams, bytes = PromptBounds.bytesBound(params), shared = this.sharedPrefix(params)): number | Promise<number> {
    if (!this.counter || !shared) return bytes;
    const prefix = shared as Prefix;
    // A count that fails (rate-limited, an old server) leaves the bytes bound: slower, never unsafe.
    prefix.count ??= this.counter
      .countTokens({ model: params.model, system: params.system, ...(params.tools ? { tools: params.tools } : {}), messages: PROBE_MESSAGES })
      .then((n) => (Number.isFinite(n) && n >= 0 ? n : undefined))
      .catch(() => undefined);
    return prefix.count.then((prefixTokens) => {
      if (prefixTokens === undefined) return bytes;
      const rest = Buffer.byteLength(JSON.stringify(params.messages), 'utf8');
      return Math.min(bytes, Math.ceil(prefixTokens * (1 + COUNT_MARGIN)) + COUNT_SLACK_TOKENS + rest);
    });
  }
}

/**
 * The system prompt and tools as one string, when the request caches them and nothing in its
 * messages: the prefix many lines share. A breakpoint inside the messages (or a top-level
 * `cache_control`, which caches the whole prompt) leaves nothing shared worth counting.
 */
function cachedPrefix(params: MessageParams): string | undefined {
  if (promptCacheTtl(params) === undefined || (params as { cache_control?: unknown }).cache_control) return undefined;
  if (promptCacheTtl({ ...params, system: undefined, tools: undefined }) !== undefined) return undefined;
  return JSON.stringify({ system: params.system, tools: params.tools });
}
