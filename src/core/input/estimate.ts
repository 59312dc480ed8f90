// Cheap per-request figures the dispatcher needs before sending: called once per request, so one
// JSON.stringify at most and no deep walks beyond the content blocks.
import type { CacheTtl, MessageParams } from '../types';

/**
 * UTF-8 bytes of the prompt (system, messages, tools) as JSON. A token is at least one byte of
 * that text, so this is an upper bound on input tokens (before the API's fixed per-request overhead).
 */
export function inputBytesOf(params: MessageParams): number {
  return Buffer.byteLength(JSON.stringify({ system: params.system, messages: params.messages, tools: params.tools }), 'utf8');
}

/**
 * The longest prompt-cache TTL the request asks for anywhere — top-level `cache_control`, or on a
 * system block, a message content block (including blocks inside a tool_result) or a tool — or
 * undefined when it asks for none. A request that caches may pay the cache-write rate of that TTL
 * for its input (5 minutes is the API's default), so the spend cap must reserve it.
 */
export function promptCacheTtl(params: MessageParams): CacheTtl | undefined {
  let ttl: CacheTtl | undefined;
  const see = (block: unknown): void => {
    const control = cacheControlOf(block);
    if (control === undefined) return;
    ttl = control.ttl === '1h' || ttl === '1h' ? '1h' : '5m';
  };
  see(params);
  if (Array.isArray(params.system)) params.system.forEach(see);
  if (Array.isArray(params.tools)) params.tools.forEach(see);
  for (const message of params.messages) {
    const content: unknown = message.content;
    if (!Array.isArray(content)) continue;
    for (const block of content) {
      see(block);
      const nested = (block as { content?: unknown } | null)?.content;
      if (Array.isArray(nested)) nested.forEach(see);
    }
  }
  return ttl;
}

export function usesPromptCache(params: MessageParams): boolean {
  return promptCacheTtl(params) !== undefined;
}

/** `cache_control: null` is the API's "no breakpoint", so only a non-null value counts. */
function cacheControlOf(block: unknown): { ttl?: unknown } | undefined {
  if (typeof block !== 'object' || block === null) return undefined;
  const control = (block as { cache_control?: unknown }).cache_control;
  return typeof control === 'object' && control !== null ? (control as { ttl?: unknown }) : undefined;
}
