// `floorline batch submit|status|results|cancel FILE [options]`: the Message Batches commands.
import { type Command, Option } from 'commander';
import type { PriceTable } from '../core/pricing/price-table';

export type BatchAction = 'submit' | 'status' | 'results' | 'cancel';
export const BATCH_ACTIONS: readonly BatchAction[] = ['submit', 'status', 'results', 'cancel'];

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

/** What `run` and `batch` have in common, handed over by args.ts (which imports this file). */
export interface SharedOptions {
  out: () => Option;
  model: () => Option;
  maxTokens: () => Option;
  price: (description: string) => Option;
  baseUrl: () => Option;
  positiveInt: (flag: string) => (text: string) => number;
}

interface BatchOptions {
  out?: string;
  model?: string;
  maxTokens?: number;
  price?: PriceTable;
  baseUrl?: string;
  wait?: boolean;
  pollSeconds?: number;
}

const BATCH_HELP_AFTER = `
The API key is read from ANTHROPIC_API_KEY.

Exit codes:
  0  done
  1  some results errored, were canceled or expired
  2  invalid input or usage
  5  batches still processing (status; results --no-wait)`;

export function defineBatchCommands(program: Command, shared: SharedOptions, env: NodeJS.ProcessEnv, done: (args: BatchArgs) => void): void {
  const batch = program
    .command('batch')
    .summary('send FILE through the Message Batches API: half price, done within 24 hours')
    .description(
      'Sends FILE through the Message Batches API instead: half the price, its own rate-limit pool, done ' +
        'within 24 hours (most batches end within an hour). The batch ids are kept in FILE\'s .batches.json, ' +
        'so every command can be run again after an interruption; results go to the same .results.jsonl a ' +
        'live run writes.',
    )
    .addHelpText('afterAll', BATCH_HELP_AFTER);

  // The lines' defaults and prices matter where requests are read: submitting, and pricing the results.
  const requestOptions = (cmd: Command) =>
    cmd
      .addOption(shared.model())
      .addOption(shared.maxTokens())
      .addOption(shared.price('USD per million tokens for a model not in the table, at list price (batches bill half; repeatable); PRICES is IN,OUT[,W5M,W1H,READ]'));

  // [action, its line in `floorline batch --help`, its own help, its options]
  const actions: Array<[BatchAction, string, string, (cmd: Command) => Command]> = [
    [
      'submit',
      'validate FILE, then submit what has not succeeded yet',
      'Validates FILE, then submits every line that has not succeeded yet and is not already waiting in a batch ' +
        '(split at 100,000 requests / 256 MB per batch).',
      requestOptions,
    ],
    ['status', 'where each batch stands', "Shows where each of FILE's batches stands: counts per state, expiry.", (cmd) => cmd],
    [
      'results',
      'wait for the batches to end, then write their results',
      "Waits for every one of FILE's batches to end (polling with backoff), then writes their results.",
      (cmd) =>
        requestOptions(cmd)
          .addOption(new Option('--no-wait', 'write what has ended and return, without waiting for batches still processing'))
          .addOption(new Option('--poll-seconds <N>', 'first poll interval; grows ×1.5 up to 60').default(5).argParser(shared.positiveInt('--poll-seconds'))),
    ],
    ['cancel', 'cancel the batches still processing', "Cancels FILE's batches still processing; what they finished keeps its results.", (cmd) => cmd],
  ];

  for (const [action, summary, description, options] of actions) {
    const cmd = batch.command(action).summary(summary).description(description).argument('<FILE>', 'the JSONL file of requests').addOption(shared.out());
    options(cmd)
      .addOption(shared.baseUrl())
      .action((file: string, o: BatchOptions) =>
        done({
          action,
          file,
          out: o.out,
          model: o.model,
          maxTokens: o.maxTokens,
          prices: o.price ?? {},
          baseUrl: o.baseUrl ?? env.ANTHROPIC_BASE_URL,
          wait: o.wait ?? true,
          pollSeconds: o.pollSeconds ?? 5,
        }),
      );
  }
}
