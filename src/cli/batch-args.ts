// `floorline batch submit|status|results|cancel FILE [options]`: the Message Batches commands.
import { parseArgs } from 'node:util';
import type { PriceTable } from '../core/pricing/price-table';

export const BATCH_USAGE = `Usage: floorline batch submit|status|results|cancel FILE [options]

Sends FILE through the Message Batches API instead: half the price, its own rate-limit pool, done
within 24 hours (most batches end within an hour). The batch ids are kept in FILE's .batches.json,
so every command can be run again after an interruption; results go to the same .results.jsonl a
live run writes.

  submit    validate FILE, then submit every line that has not succeeded yet and is not already
            waiting in a batch (split at 100,000 requests / 256 MB per batch)
  status    where each batch stands: counts per state, expiry
  results   wait for every batch to end (polling with backoff), then write their results
            (--no-wait: write what has ended and return)
  cancel    cancel the batches still processing; what they finished keeps its results

Options:
  --out F          results file (default: <name>.results.jsonl beside FILE)
  --model M        model for lines that do not name one
  --max-tokens N   max_tokens for lines that do not set it
  --price MODEL=IN,OUT[,W5M,W1H,READ]  USD per million tokens (list prices; batches bill half)
  --base-url URL   API endpoint (default: $ANTHROPIC_BASE_URL, else the public API)
  --no-wait        results: do not wait for batches still processing
  --poll-seconds N results: first poll interval (default 5; grows ×1.5 to 60)

The API key is read from ANTHROPIC_API_KEY.
Exit codes: 0 done, 1 some results errored/canceled/expired, 2 invalid input or usage, 5 batches
still processing (results --no-wait, status).`;

export type BatchAction = 'submit' | 'status' | 'results' | 'cancel';

export interface BatchArgs {
  action: BatchAction;
  file: string;
  out: string | undefined;
  model: string | undefined;
  maxTokens: number | undefined;
  prices: PriceTable;
  baseUrl: string | undefined;
  wait: boolean;
  pollSeconds: number;
}

export function parseBatchArgs(
  argv: string[],
  env: NodeJS.ProcessEnv,
  helpers: { positiveInt: (name: string, text: string | undefined) => number | undefined; parsePrice: (text: string) => [string, PriceTable[string]] },
): BatchArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: 'string' },
      model: { type: 'string' },
      'max-tokens': { type: 'string' },
      price: { type: 'string', multiple: true },
      'base-url': { type: 'string' },
      'no-wait': { type: 'boolean' },
      'poll-seconds': { type: 'string' },
    },
  });
  const [action, file, ...rest] = positionals;
  if (action !== 'submit' && action !== 'status' && action !== 'results' && action !== 'cancel') {
    throw new Error(`floorline batch needs submit, status, results or cancel, got '${action ?? ''}'`);
  }
  if (!file) throw new Error(`floorline batch ${action} needs a FILE`);
  if (rest.length) throw new Error(`unexpected argument '${rest[0]}'`);
  return {
    action,
    file,
    out: values.out,
    model: values.model,
    maxTokens: helpers.positiveInt('--max-tokens', values['max-tokens']),
    prices: Object.fromEntries((values.price ?? []).map(helpers.parsePrice)),
    baseUrl: values['base-url'] ?? env.ANTHROPIC_BASE_URL,
    wait: !values['no-wait'],
    pollSeconds: helpers.positiveInt('--poll-seconds', values['poll-seconds']) ?? 5,
  };
}
