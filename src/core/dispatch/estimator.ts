// Learns, from the `usage` of finished requests, how much the next ones will consume, so the
// quota model charges close to the truth: tokens per byte of prompt, the share of input served
// from the prompt cache (cache reads do not count toward ITPM), and output per `max_tokens`.
//
// Two things keep one early sample from ruling for long. Averages start as plain means (weight 1/n
// for the n-th sample) and only then become moving ones. And a cache write is learned apart from
// the per-byte rate, per request: a shared cached prefix is written once and read after, so the
// first reply (4,000 tokens written of a 4,000-token system prompt) said "a request costs 4,000
// ITPM" for some thirty replies, and a cached job ran at a tenth of its pace meanwhile.
//
// A prefix many requests share (a cached system prompt) is tracked by identity: once the API has
// written it (a reply shows a cache write or read), the next requests are expected to read it —
// no ITPM — and until then each is expected to write it. Its writes stay out of the per-request
// average: they are the prefix's, paid once, not every request's.
import type { Usage } from '../types';
import type { Consumption } from '../limits/quota-model';
import type { SharedPrefix } from '../spend/prompt-bound';

export interface RequestShape {
  /** Bytes of the prompt (system, messages, tools): also an upper bound on its tokens. */
  inputBytes: number;
  maxTokens: number;
  /** The cached prefix it shares with other requests, if any. */
  sharedPrefix?: SharedPrefix | undefined;
}

const ALPHA = 0.1;
/** Before any usage is seen: a conservative ~3 bytes per token (English prose runs near 4). */
const INITIAL_TOKENS_PER_BYTE = 1 / 3;
/** Output is reserved above its average so that variance rarely overshoots. */
const OUTPUT_MARGIN = 1.25;

/** A mean over the first 1/ALPHA samples, a moving average after: `n` is this sample's number (1, 2, …). */
function ewma(previous: number | undefined, sample: number, n: number): number {
  return previous === undefined ? sample : previous + Math.max(ALPHA, 1 / n) * (sample - previous);
}

export class ConsumptionEstimator {
  private samples = 0;
  /** ITPM per prompt byte, cache writes apart. */
  private chargedPerByte: number | undefined;
  /** Tokens written to the cache per request. */
  private writtenPerRequest: number | undefined;
  private totalPerByte: number | undefined;
  private readPerByte: number | undefined;
  private outputShare: number | undefined;
  private averageInput: number | undefined;
  private averageOutput: number | undefined;
  /** Shared prefixes a reply showed in the cache. A WeakSet: the prefix objects belong to PromptBounds. */
  private readonly written = new WeakSet<SharedPrefix>();

  /** Expected ITPM charge and output of a request not yet sent. */
  estimate(shape: RequestShape): Consumption {
    const write = shape.sharedPrefix
      ? this.written.has(shape.sharedPrefix)
        ? 0
        : shape.sharedPrefix.bytes * (this.totalPerByte ?? INITIAL_TOKENS_PER_BYTE)
      : (this.writtenPerRequest ?? 0);
    const inputTokens = Math.ceil(shape.inputBytes * (this.chargedPerByte ?? INITIAL_TOKENS_PER_BYTE) + write);
    // Until a completion is seen, assume the worst: the whole of max_tokens.
    const outputTokens =
      this.outputShare === undefined ? shape.maxTokens : Math.min(shape.maxTokens, Math.ceil(shape.maxTokens * this.outputShare * OUTPUT_MARGIN));
    return { inputTokens: Math.min(inputTokens, shape.inputBytes), outputTokens: Math.max(1, outputTokens) };
  }

  learn(shape: RequestShape, usage: Usage): void {
    const n = ++this.samples;
    const written = usage.cache_creation_input_tokens ?? 0;
    const read = usage.cache_read_input_tokens ?? 0;
    const total = usage.input_tokens + written + read;
    if (shape.sharedPrefix && written + read > 0) this.written.add(shape.sharedPrefix);
    // A shared prefix's write is the prefix's, once; a request's own breakpoints write every time.
    const perRequestWrite = shape.sharedPrefix ? 0 : written;
    const charged = usage.input_tokens + perRequestWrite;
    if (shape.inputBytes > 0) {
      this.chargedPerByte = ewma(this.chargedPerByte, usage.input_tokens / shape.inputBytes, n);
      this.totalPerByte = ewma(this.totalPerByte, total / shape.inputBytes, n);
      this.readPerByte = ewma(this.readPerByte, read / shape.inputBytes, n);
    }
    if (!shape.sharedPrefix) this.writtenPerRequest = ewma(this.writtenPerRequest, written, n);
    if (shape.maxTokens > 0) this.outputShare = ewma(this.outputShare, usage.output_tokens / shape.maxTokens, n);
    this.averageInput = ewma(this.averageInput, charged, n);
    this.averageOutput = ewma(this.averageOutput, usage.output_tokens, n);
  }

  /** The ITPM charge of a finished request, as the quota model counts it. */
  static charged(usage: Usage): Consumption {
    return { inputTokens: usage.input_tokens + (usage.cache_creation_input_tokens ?? 0), outputTokens: usage.output_tokens };
  }

  /** Average consumption per request so far, for Little's law; undefined until something finished. */
  get average(): Consumption | undefined {
    if (this.averageInput === undefined || this.averageOutput === undefined) return undefined;
    return { inputTokens: this.averageInput, outputTokens: this.averageOutput };
  }

  /** Share of prompt tokens served from the cache (0..1), for the log and the pre-flight estimate. */
  get cacheReadShare(): number | undefined {
    if (this.readPerByte === undefined || !this.totalPerByte) return undefined;
    return Math.min(1, this.readPerByte / this.totalPerByte);
  }
}
