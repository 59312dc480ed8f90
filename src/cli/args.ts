// `floorline run FILE [options]`: the command line, parsed and checked before anything runs.
import { parseArgs } from 'node:util';
import { parseFloor, type FloorSpec } from '../core/limits/floors';
import { isTierName, type TierName } from '../core/tiers';
import type { Priority } from '../core/dispatch/snapshot';
import type { PriceTable } from '../core/pricing/price-table';
import { parseBatchArgs, type BatchArgs } from './batch-args';

export const USAGE = `Usage: floorline run FILE [options]
       floorline batch submit|status|results|cancel FILE   (the Message Batches API: floorline batch --help)

Runs a JSONL file of Claude Messages API requests (one per line: a messages.create body, or the
Message Batches shape {"custom_id", "params"}) without burning the organisation's rate limits or budget.
Results are appended to FILE's .results.jsonl as they arrive; a re-run resumes where the last one stopped.

Options:
  --out F                      results file (default: <name>.results.jsonl beside FILE)
  --model M                    model for lines that do not name one
  --max-tokens N               max_tokens for lines that do not set it
  --max-in-flight N|auto       concurrent requests (default auto: Little's law, ramped)
  --max-in-flight-cap N        the most 'auto' may choose (default 64)
  --soft-floor N|P%            hold new requests under this remaining (default 10%)
  --hard-floor N|P%            full stop under this remaining (default 2%)
  --max-spend-usd X            spend cap for this file; never crossed
  --max-attempts N             attempts per request (default 5)
  --retry-budget-per-minute N  retries per minute for the whole run (default 30)
  --priority P                 high | normal | background (default normal)
  --tier T                     start | build | scale: first guess at the limits before a response
  --price MODEL=IN,OUT[,W5M,W1H,READ]  USD per million tokens, for models not in the table
  --simulate [TIER]            rehearse against a built-in simulation of the API (no key, no cost;
                               default tier: start); results go to <name>.simulated.results.jsonl
  --base-url URL               API endpoint (default: $ANTHROPIC_BASE_URL, else the public API)
  --redis URL                  share one quota with other runs, windows and machines through this
                               Redis (default: $FLOORLINE_REDIS_URL); its password is never printed
  --redis-fallback hold|local  if Redis cannot be reached: hold new requests (default) or run on
                               this process's own limits with a warning
  --verbose                    log every retry and ceiling change
  -h, --help                   this help

The API key is read from ANTHROPIC_API_KEY.
Exit codes: 0 all succeeded, 1 some lines errored, 2 invalid input or usage (nothing sent),
3 stopped by the spend cap, 4 stopped by the API (key, org spend limit), 130 interrupted.
With --redis and the default fallback, an unreachable Redis at start is a usage error (2).`;

export interface RunArgs {
  file: string;
  out: string | undefined;
  model: string | undefined;
  maxTokens: number | undefined;
  maxInFlight: number | 'auto';
  maxInFlightCap: number;
  softFloor: FloorSpec | undefined;
  hardFloor: FloorSpec | undefined;
  maxSpendUsd: number | undefined;
  maxAttempts: number;
  retryBudgetPerMinute: number;
  priority: Priority;
  tier: TierName | undefined;
  prices: PriceTable;
  simulate: TierName | undefined;
  baseUrl: string | undefined;
  /** Share the quota with every other participant through this Redis (redis:// or rediss://). */
  redisUrl: string | undefined;
  /** When Redis cannot be reached: hold (default) or carry on under local limits with a warning. */
  redisFallback: 'hold' | 'local';
  verbose: boolean;
}

export type ParsedCommand =
  | { kind: 'help'; topic?: 'batch' }
  | { kind: 'run'; args: RunArgs }
  | { kind: 'batch'; args: BatchArgs }
  | { kind: 'error'; message: string; topic?: 'batch' };

export class UsageError extends Error {}

function positiveInt(name: string, text: string | undefined, fallback: number): number;
function positiveInt(name: string, text: string | undefined, fallback: undefined): number | undefined;
function positiveInt(name: string, text: string | undefined, fallback: number | undefined): number | undefined {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a positive whole number, got '${text}'`);
  return n;
}

function parsePrice(text: string): [string, PriceTable[string]] {
  const match = /^([^=]+)=(.+)$/.exec(text);
  const numbers = match?.[2]?.split(',').map(Number) ?? [];
  if (!match || numbers.length < 2 || numbers.length > 5 || numbers.some((n) => !Number.isFinite(n) || n < 0)) {
    throw new UsageError(`--price takes MODEL=INPUT,OUTPUT[,CACHE_WRITE_5M,CACHE_WRITE_1H,CACHE_READ] in USD per million tokens, got '${text}'`);
  }
  const [input, output, w5 = input! * 1.25, w1 = input! * 2, read = input! * 0.1] = numbers as [number, number, ...number[]];
  return [match[1]!.trim(), { input, output, cacheWrite5m: w5, cacheWrite1h: w1, cacheRead: read }];
}

function tier(name: string, text: string): TierName {
  const t = text.toLowerCase();
  if (!isTierName(t)) throw new UsageError(`${name} must be start, build or scale, got '${text}'`);
  return t;
}

/** `--simulate` takes an optional tier, which parseArgs cannot express: make it explicit first. */
function normaliseSimulate(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg !== '--simulate') {
      out.push(arg);
      continue;
    }
    const next = argv[i + 1];
    if (next !== undefined && isTierName(next.toLowerCase())) {
      out.push(`--simulate=${next}`);
      i++;
    } else out.push('--simulate=start');
  }
  return out;
}

export function parseCommand(argv: string[], env: NodeJS.ProcessEnv): ParsedCommand {
  if (argv[0] === 'batch') {
    if (argv.includes('--help') || argv.includes('-h') || argv.length === 1) return { kind: 'help', topic: 'batch' };
    try {
      return { kind: 'batch', args: parseBatchArgs(argv.slice(1), env, { positiveInt: (n, t) => positiveInt(n, t, undefined), parsePrice }) };
    } catch (err) {
      return { kind: 'error', message: (err as Error).message, topic: 'batch' };
    }
  }
  try {
    const { values, positionals } = parseArgs({
      args: normaliseSimulate(argv),
      allowPositionals: true,
      strict: true,
      options: {
        out: { type: 'string' },
        model: { type: 'string' },
        'max-tokens': { type: 'string' },
        'max-in-flight': { type: 'string' },
        'max-in-flight-cap': { type: 'string' },
        'soft-floor': { type: 'string' },
        'hard-floor': { type: 'string' },
        'max-spend-usd': { type: 'string' },
        'max-attempts': { type: 'string' },
        'retry-budget-per-minute': { type: 'string' },
        priority: { type: 'string' },
        tier: { type: 'string' },
        price: { type: 'string', multiple: true },
        simulate: { type: 'string' },
        'base-url': { type: 'string' },
        redis: { type: 'string' },
        'redis-fallback': { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help || positionals.length === 0) return { kind: 'help' };
    const [command, file, ...rest] = positionals;
    if (command !== 'run') throw new UsageError(`unknown command '${command}' (try: floorline run FILE, or floorline batch submit FILE)`);
    if (!file) throw new UsageError('floorline run needs a FILE');
    if (rest.length) throw new UsageError(`unexpected argument '${rest[0]}'`);

    const maxInFlightText = values['max-in-flight'];
    const spend = values['max-spend-usd'];
    const spendUsd = spend === undefined ? undefined : Number(spend);
    if (spendUsd !== undefined && !(Number.isFinite(spendUsd) && spendUsd > 0)) throw new UsageError(`--max-spend-usd must be a positive amount, got '${spend}'`);
    const priority = values.priority ?? 'normal';
    if (priority !== 'high' && priority !== 'normal' && priority !== 'background') throw new UsageError(`--priority must be high, normal or background, got '${priority}'`);
    const retryBudgetText = values['retry-budget-per-minute'];
    const retryBudget = retryBudgetText === undefined ? 30 : Number(retryBudgetText);
    if (!Number.isInteger(retryBudget) || retryBudget < 0) throw new UsageError(`--retry-budget-per-minute must be a whole number ≥ 0, got '${retryBudgetText}'`);
    const redisUrl = values.redis ?? env.FLOORLINE_REDIS_URL;
    if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) throw new UsageError('--redis must be a redis:// or rediss:// URL');
    const redisFallback = values['redis-fallback'] ?? 'hold';
    if (redisFallback !== 'hold' && redisFallback !== 'local') throw new UsageError(`--redis-fallback must be hold or local, got '${redisFallback}'`);
    const floor = (name: string, text: string | undefined) => {
      if (text === undefined) return undefined;
      try {
        return parseFloor(text);
      } catch (err) {
        throw new UsageError(`${name}: ${(err as Error).message}`);
      }
    };

    return {
      kind: 'run',
      args: {
        file,
        out: values.out,
        model: values.model,
        maxTokens: positiveInt('--max-tokens', values['max-tokens'], undefined),
        maxInFlight: maxInFlightText === undefined || maxInFlightText === 'auto' ? 'auto' : positiveInt('--max-in-flight', maxInFlightText, 1),
        maxInFlightCap: positiveInt('--max-in-flight-cap', values['max-in-flight-cap'], 64),
        softFloor: floor('--soft-floor', values['soft-floor']),
        hardFloor: floor('--hard-floor', values['hard-floor']),
        maxSpendUsd: spendUsd,
        maxAttempts: positiveInt('--max-attempts', values['max-attempts'], 5),
        retryBudgetPerMinute: retryBudget,
        priority,
        tier: values.tier === undefined ? undefined : tier('--tier', values.tier),
        prices: Object.fromEntries((values.price ?? []).map(parsePrice)),
        simulate: values.simulate === undefined ? undefined : tier('--simulate', values.simulate),
        baseUrl: values['base-url'] ?? env.ANTHROPIC_BASE_URL,
        redisUrl,
        redisFallback,
        verbose: values.verbose ?? false,
      },
    };
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  }
}
