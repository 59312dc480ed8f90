// Learns, from the `usage` of finished requests, how much the next ones will consume, so the
// quota model charges close to the truth: tokens per byte of prompt, the share of input served
// from the prompt cache (cache reads do not count toward ITPM), and output per `max_tokens`.
import type { Usage } from '../types';
import type { Consumption } from '../limits/quota-model';

export interface RequestShape {
  /** Bytes of the prompt (system, messages, tools): also an upper bound on its tokens. */
  inputBytes: number;
  maxTokens: number;
}

const ALPHA = 0.1;
/** Before any usage is seen: a conservative ~3 bytes per token (English prose runs near 4). */
const INITIAL_TOKENS_PER_BYTE = 1 / 3;
/** Output is reserved above its average so that variance rarely overshoots. */
const OUTPUT_MARGIN = 1.25;

function ewma(previous: number | undefined, sample: number): number {
  return previous === undefined ? sample : previous + ALPHA * (sample - previous);
}

export class ConsumptionEstimator {
  private chargedPerByte: number | undefined;
  private totalPerByte: number | undefined;
  private outputShare: number | undefined;
  private averageInput: number | undefined;
  private averageOutput: number | undefined;

  /** Expected ITPM charge and output of a request not yet sent. */
  estimate(shape: RequestShape): Consumption {
    const inputTokens = Math.ceil(shape.inputBytes * (this.chargedPerByte ?? INITIAL_TOKENS_PER_BYTE));
    // Until a completion is seen, assume the worst: the whole of max_tokens.
    const outputTokens =
      this.outputShare === undefined ? shape.maxTokens : Math.min(shape.maxTokens, Math.ceil(shape.maxTokens * this.outputShare * OUTPUT_MARGIN));
    return { inputTokens: Math.min(inputTokens, shape.inputBytes), outputTokens: Math.max(1, outputTokens) };
  }

  learn(shape: RequestShape, usage: Usage): void {
    const charged = usage.input_tokens + (usage.cache_creation_input_tokens ?? 0);
    const total = charged + (usage.cache_read_input_tokens ?? 0);
    if (shape.inputBytes > 0) {
      this.chargedPerByte = ewma(this.chargedPerByte, charged / shape.inputBytes);
      this.totalPerByte = ewma(this.totalPerByte, total / shape.inputBytes);
    }
    if (shape.maxTokens > 0) this.outputShare = ewma(this.outputShare, usage.output_tokens / shape.maxTokens);
    this.averageInput = ewma(this.averageInput, charged);
    this.averageOutput = ewma(this.averageOutput, usage.output_tokens);
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
    if (this.chargedPerByte === undefined || !this.totalPerByte) return undefined;
    return Math.max(0, 1 - this.chargedPerByte / this.totalPerByte);
  }
}
