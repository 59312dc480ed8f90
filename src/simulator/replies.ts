// Deterministic fake replies in the exact shape of the API's `Message`. Everything is derived from
// a hash of the prompt, so a rehearsal gives the same output lengths (and so the same costs and
// rate-limit pressure) every time.

export type StopReason = 'end_turn' | 'max_tokens';

// A type alias, not an interface, so it is assignable to the core's index-signed `Usage`.
export type MockUsage = {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  /** 'batch' for Message Batches results, as the API reports the tier a request used. */
  service_tier: 'standard' | 'batch';
};

export interface MockMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: Array<{ type: 'text'; text: string }>;
  stop_reason: StopReason;
  stop_sequence: null;
  // Present (as null) on every real response; the SDK's types declare them.
  stop_details: null;
  container: null;
  usage: MockUsage;
}

export const MIN_DEFAULT_OUTPUT_TOKENS = 20;
export const MAX_DEFAULT_OUTPUT_TOKENS = 220;
const CHARS_PER_TOKEN = 4;

/** A number in [0, 1) taken from the `slot`-th 8 hex digits of a hex hash (slots wrap around). */
export function hashFraction(hashHex: string, slot: number): number {
  const chunks = Math.max(1, Math.floor(hashHex.length / 8));
  const start = (slot % chunks) * 8;
  const value = Number.parseInt(hashHex.slice(start, start + 8) || '0', 16);
  return (Number.isFinite(value) ? value : 0) / 0x1_0000_0000;
}

/** The output length a prompt gets when nobody asked for one: 20..220, fixed per prompt. */
export function defaultOutputTokens(hashHex: string): number {
  const span = MAX_DEFAULT_OUTPUT_TOKENS - MIN_DEFAULT_OUTPUT_TOKENS + 1;
  return MIN_DEFAULT_OUTPUT_TOKENS + Math.floor(hashFraction(hashHex, 0) * span);
}

/** Cap a wanted length at `max_tokens`; a capped reply stops with 'max_tokens', as the API's would. */
export function capOutput(wanted: number, maxTokens: number): { outputTokens: number; stopReason: StopReason } {
  const tokens = Math.max(1, Math.round(Number.isFinite(wanted) ? wanted : MIN_DEFAULT_OUTPUT_TOKENS));
  if (tokens > maxTokens) return { outputTokens: maxTokens, stopReason: 'max_tokens' };
  return { outputTokens: tokens, stopReason: 'end_turn' };
}

const WORDS = [
  'the', 'rate', 'limit', 'bucket', 'refills', 'steadily', 'while', 'requests', 'wait', 'their', 'turn',
  'tokens', 'flow', 'in', 'and', 'out', 'of', 'a', 'calm', 'queue', 'every', 'reply', 'is', 'simulated',
  'here', 'so', 'nothing', 'costs', 'money', 'floor', 'line', 'holds', 'under', 'load', 'cache', 'prefix',
];

/** About 4 characters per output token of plausible filler, fixed per prompt. */
function replyText(hashHex: string, outputTokens: number): string {
  const length = Math.max(1, outputTokens * CHARS_PER_TOKEN);
  let state = Math.floor(hashFraction(hashHex, 1) * 0x1_0000_0000) >>> 0 || 1;
  const words: string[] = [];
  let size = -1; // the joined length: n words need n - 1 separators
  while (size < length) {
    // xorshift32: cheap, deterministic, good enough to vary the words.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    const word = WORDS[state % WORDS.length] ?? 'token';
    words.push(word);
    size += word.length + 1;
  }
  const text = words.join(' ').slice(0, length);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export interface ReplyParts {
  id: string;
  model: string;
  hashHex: string;
  outputTokens: number;
  stopReason: StopReason;
  inputTokens: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
}

export function buildMessage(parts: ReplyParts): MockMessage {
  return {
    id: parts.id,
    type: 'message',
    role: 'assistant',
    model: parts.model,
    content: [{ type: 'text', text: replyText(parts.hashHex, parts.outputTokens) }],
    stop_reason: parts.stopReason,
    stop_sequence: null,
    stop_details: null,
    container: null,
    usage: {
      input_tokens: parts.inputTokens,
      output_tokens: parts.outputTokens,
      cache_creation_input_tokens: parts.cacheWrite5m + parts.cacheWrite1h,
      cache_read_input_tokens: parts.cacheRead,
      cache_creation: { ephemeral_5m_input_tokens: parts.cacheWrite5m, ephemeral_1h_input_tokens: parts.cacheWrite1h },
      service_tier: 'standard',
    },
  };
}

/** An id shaped like the API's (`msg_` + 24 base62-ish characters), unique per request number. */
export function messageId(hashHex: string, sequence: number): string {
  return `msg_mock${sequence.toString(36).padStart(6, '0')}${hashHex.slice(0, 14)}`;
}
