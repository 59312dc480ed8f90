// Cheap per-request figures the dispatcher needs before sending: called once per request, so one
// JSON.stringify at most and no deep walks beyond the content blocks.
import type { MessageParams } from '../types';

/**
 * UTF-8 bytes of the prompt (system, messages, tools) as JSON. A token is at least one byte of
 * that text, so this is an upper bound on input tokens (before the API's fixed per-request overhead).
 */
export function inputBytesOf(params: MessageParams): number {
  return Buffer.byteLength(JSON.stringify({ system: params.system, messages: params.messages, tools: params.tools }), 'utf8');
}

/**
 * Whether the request asks for prompt caching anywhere: top-level `cache_control`, or on a system
 * block, a message content block (including blocks inside a tool_result) or a tool. A request that
 * caches may pay the cache-write rate for its input, so the spend cap must reserve that.
 */
export function usesPromptCache(params: MessageParams): boolean {
  if (params.cache_control != null) return true;
  if (Array.isArray(params.system) && params.system.some(hasCacheControl)) return true;
  if (Array.isArray(params.tools) && params.tools.some(hasCacheControl)) return true;
  for (const message of params.messages) {
    const content: unknown = message.content;
    if (Array.isArray(content) && content.some(blockUsesCache)) return true;
  }
  return false;
}

function blockUsesCache(block: unknown): boolean {
  if (hasCacheControl(block)) return true;
  const nested = (block as { content?: unknown } | null)?.content;
  return Array.isArray(nested) && nested.some(hasCacheControl);
}

/** `cache_control: null` is the API's "no breakpoint", so only a non-null value counts. */
function hasCacheControl(block: unknown): boolean {
  return typeof block === 'object' && block !== null && (block as { cache_control?: unknown }).cache_control != null;
}
