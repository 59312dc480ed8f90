// Deterministic input-token counting for a Messages request body, and the prompt-cache prefixes
// it asks for. Not the real tokenizer: about one token per 4 UTF-8 bytes of content plus a small
// overhead per message and per block, which is close enough to rehearse rate limits and cost.
//
// Contract the dispatcher relies on: for ANY body, the count is at most
// Buffer.byteLength(JSON.stringify({ system, messages, tools })), so a byte count is always a safe
// upper bound. It holds by construction: every element's tokens are capped at the byte length of
// that element's own JSON, and those JSON texts are disjoint parts of the whole. A final clamp makes
// the contract unconditional even for shapes nobody anticipated.
import { createHash, type Hash } from 'node:crypto';

const BYTES_PER_TOKEN = 4;
const MESSAGE_OVERHEAD = 3;
const BLOCK_OVERHEAD = 1;
const TOOL_OVERHEAD = 2;
/** What the API charges for a full-size image; smaller (tiny) images cost at most their bytes. */
export const IMAGE_TOKENS = 1600;

export type CacheTtl = '5m' | '1h';

/** A prompt prefix that ends at a `cache_control` marker. */
export interface CacheBreakpoint {
  /** Input tokens from the start of the prompt up to and including the marked block. */
  tokens: number;
  /** Identifies the prefix content (model included; the markers themselves are not). */
  hash: string;
  ttl: CacheTtl;
}

export interface PromptAnalysis {
  /** Total input tokens of the prompt (tools, system and messages). */
  inputTokens: number;
  /** Every cache breakpoint in prompt order (tools → system → messages). */
  breakpoints: CacheBreakpoint[];
  /** The last breakpoint: the longest cacheable prefix, or null when the request asks for no caching. */
  cacheable: CacheBreakpoint | null;
}

/** The part of a body that is counted; anything else is ignored. */
export interface PromptBody {
  model?: unknown;
  system?: unknown;
  messages?: unknown;
  tools?: unknown;
  cache_control?: unknown;
}

/** The byte length that always bounds `countInputTokens` from above. */
export function inputByteUpperBound(body: PromptBody): number {
  return jsonBytes({ system: body.system, messages: body.messages, tools: body.tools });
}

export function countInputTokens(body: PromptBody): number {
  return analyzePrompt(body).inputTokens;
}

/** A stable hash of what the model sees (model, system, messages, tools): the seed for fake replies. */
export function promptHash(body: PromptBody): string {
  return createHash('sha256')
    .update(JSON.stringify({ model: body.model, system: body.system, messages: body.messages, tools: body.tools }) ?? '')
    .digest('hex');
}

export function analyzePrompt(body: PromptBody): PromptAnalysis {
  const walker = new PrefixWalker(typeof body.model === 'string' ? body.model : '');

  if (Array.isArray(body.tools)) {
    for (const tool of body.tools) walker.add(Math.min(jsonBytes(tool), TOOL_OVERHEAD + textTokens(JSON.stringify(stripCacheControl(tool)))), tool);
  } else walker.add(genericTokens(body.tools), body.tools);

  if (typeof body.system === 'string') walker.add(textTokens(body.system), body.system);
  else if (Array.isArray(body.system)) for (const block of body.system) walker.add(blockTokens(block), block);
  else walker.add(genericTokens(body.system), body.system);

  if (Array.isArray(body.messages)) {
    for (const message of body.messages) addMessage(walker, message);
  } else walker.add(genericTokens(body.messages), body.messages);

  const automatic = cacheTtlOf(body.cache_control);
  if (automatic) walker.markEnd(automatic);

  // Belt and braces for the byte-bound contract (see the header comment).
  const bound = inputByteUpperBound(body);
  const inputTokens = Math.min(walker.total, bound);
  const breakpoints = walker.breakpoints.map((b) => ({ ...b, tokens: Math.min(b.tokens, inputTokens) }));
  return { inputTokens, breakpoints, cacheable: breakpoints[breakpoints.length - 1] ?? null };
}

function addMessage(walker: PrefixWalker, message: unknown): void {
  const content = isRecord(message) ? message.content : undefined;
  const role = isRecord(message) ? message.role : undefined;
  const perBlock = Array.isArray(content) ? content.map(blockTokens) : null;
  const contentTokens =
    perBlock ? perBlock.reduce((sum, n) => sum + n, 0)
    : typeof content === 'string' ? textTokens(content)
    : genericTokens(content);
  // The overhead is capped so the message never costs more than its own JSON.
  const overhead = Math.max(0, Math.min(MESSAGE_OVERHEAD, jsonBytes(message) - contentTokens));
  walker.add(overhead, { role });
  if (perBlock && Array.isArray(content)) content.forEach((block, i) => walker.add(perBlock[i] ?? 0, block));
  else walker.add(contentTokens, content);
}

/** Tokens of one content block, never more than the bytes of its JSON. */
function blockTokens(block: unknown): number {
  const bytes = jsonBytes(block);
  if (!isRecord(block)) return Math.min(bytes, genericTokens(block));
  let tokens: number;
  switch (block.type) {
    case 'text':
      tokens = BLOCK_OVERHEAD + textTokens(typeof block.text === 'string' ? block.text : JSON.stringify(block.text));
      break;
    case 'image':
      // A real base64 image is thousands of bytes, so it costs the fixed amount. A tiny image, or one
      // given by URL, costs what its JSON would: the byte-bound contract outranks realism here.
      tokens = Math.min(IMAGE_TOKENS, BLOCK_OVERHEAD + genericTokens(stripCacheControl(block)));
      break;
    case 'tool_use':
      tokens = BLOCK_OVERHEAD + textTokens(String(block.name ?? '')) + textTokens(JSON.stringify(block.input));
      break;
    case 'tool_result': {
      const content = block.content;
      tokens =
        BLOCK_OVERHEAD +
        (typeof content === 'string' ? textTokens(content)
        : Array.isArray(content) ? content.reduce<number>((sum, b) => sum + blockTokens(b), 0)
        : genericTokens(content));
      break;
    }
    default:
      tokens = BLOCK_OVERHEAD + genericTokens(stripCacheControl(block));
  }
  return Math.min(bytes, tokens);
}

/** Accumulates tokens in prompt order and records a hash of the prefix at every cache marker. */
class PrefixWalker {
  total = 0;
  readonly breakpoints: CacheBreakpoint[] = [];
  private readonly hash: Hash;
  private lastMarkedAt = -1;
  private parts = 0;

  constructor(model: string) {
    this.hash = createHash('sha256').update(model);
  }

  add(tokens: number, element: unknown): void {
    this.total += tokens;
    this.parts += 1;
    // Separator so that ["ab"] and ["a","b"] hash differently.
    this.hash.update('\u0000').update(JSON.stringify(stripCacheControl(element)) ?? 'undefined');
    const ttl = isRecord(element) ? cacheTtlOf(element.cache_control) : null;
    if (ttl) this.mark(ttl);
  }

  /** Automatic caching: the whole prompt so far is a prefix (unless its last part is already marked). */
  markEnd(ttl: CacheTtl): void {
    if (this.lastMarkedAt !== this.parts) this.mark(ttl);
  }

  private mark(ttl: CacheTtl): void {
    this.lastMarkedAt = this.parts;
    this.breakpoints.push({ tokens: this.total, hash: this.hash.copy().digest('hex'), ttl });
  }
}

function cacheTtlOf(cacheControl: unknown): CacheTtl | null {
  if (!isRecord(cacheControl)) return null;
  return cacheControl.ttl === '1h' ? '1h' : '5m';
}

function stripCacheControl(value: unknown): unknown {
  if (!isRecord(value) || !('cache_control' in value)) return value;
  const { cache_control: _ignored, ...rest } = value;
  return rest;
}

function textTokens(text: string | undefined): number {
  return Math.ceil(Buffer.byteLength(text ?? '') / BYTES_PER_TOKEN);
}

/** Any other value: its JSON, at 4 bytes a token (absent → 0). */
function genericTokens(value: unknown): number {
  return Math.ceil(jsonBytes(value) / BYTES_PER_TOKEN);
}

function jsonBytes(value: unknown): number {
  const json = JSON.stringify(value);
  return json === undefined ? 0 : Buffer.byteLength(json);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
