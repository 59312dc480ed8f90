// The values the command line takes, parsed and checked one flag at a time: each parser throws a
// `UsageError` that names the flag as the user typed it.
import { Option } from 'commander';
import { parseFloor, type FloorSpec } from '../core/limits/floors';
import { TIERS, type TierName } from '../core/tiers';
import type { Priority } from '../core/dispatch/snapshot';
import type { PriceTable } from '../core/pricing/price-table';
import { redactUrl } from '../core/redact';

export class UsageError extends Error {}

export const TIER_NAMES = Object.keys(TIERS) as TierName[];
export const PRIORITIES: readonly Priority[] = ['high', 'normal', 'background'];
export const REDIS_FALLBACKS = ['hold', 'local'] as const;

export function orList(words: readonly string[]): string {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

// The validators run as commander argParsers. They throw UsageError rather than commander's
// InvalidArgumentError, which commander would wrap as "option '--x <N>' argument 'y' is invalid. …",
// saying the option and the value twice.

export function positiveInt(flag: string) {
  return (text: string): number => {
    if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${flag} must be a positive whole number, got '${text}'`);
    return Number(text);
  };
}

function oneOf<T extends string>(flag: string, choices: readonly T[]) {
  return (text: string): T => {
    const value = text.toLowerCase() as T;
    if (!choices.includes(value)) throw new UsageError(`${flag} takes ${orList(choices)}, got '${text}'`);
    return value;
  };
}

export function floor(flag: string) {
  return (text: string): FloorSpec => {
    try {
      return parseFloor(text);
    } catch (err) {
      // parseFloor says "floor '…' is …"; the user typed a flag, so name the flag instead.
      const message = (err as Error).message;
      throw new UsageError(message.startsWith('floor ') ? `${flag} ${message.slice('floor '.length)}` : `${flag}: ${message}`);
    }
  };
}

export function priceEntry(text: string, previous: PriceTable | undefined): PriceTable {
  const match = /^([^=]+)=(.+)$/.exec(text);
  const numbers = match?.[2]?.split(',').map((n) => (n.trim() === '' ? NaN : Number(n))) ?? [];
  if (!match || numbers.length < 2 || numbers.length > 5 || numbers.some((n) => !Number.isFinite(n) || n < 0)) {
    throw new UsageError(`--price takes MODEL=INPUT,OUTPUT[,CACHE_WRITE_5M,CACHE_WRITE_1H,CACHE_READ] in USD per million tokens, got '${text}'`);
  }
  const [input, output, w5 = input! * 1.25, w1 = input! * 2, read = input! * 0.1] = numbers as [number, number, ...number[]];
  return { ...previous, [match[1]!.trim()]: { input, output, cacheWrite5m: w5, cacheWrite1h: w1, cacheRead: read } };
}

/**
 * Where the key is sent. Credentials in the URL would be printed in every connection error (and
 * fetch refuses such URLs anyway, so every line would fail): the key belongs in ANTHROPIC_API_KEY.
 */
export function baseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--base-url must be an http:// or https:// URL, got '${redactUrl(text)}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--base-url must be an http:// or https:// URL, got '${redactUrl(text)}'`);
  if (url.username || url.password) {
    throw new UsageError(`--base-url must not carry credentials (user:password@host); the key is read from ANTHROPIC_API_KEY — got '${redactUrl(text)}'`);
  }
  return text;
}

export function choiceOption<T extends string>(flags: string, description: string, choices: readonly T[]): Option {
  const flag = flags.split(' ')[0]!;
  // choices() is for the help; the parser after it replaces commander's check with ours.
  return new Option(flags, description).choices(choices).argParser(oneOf(flag, choices));
}


export function checkRedisUrl(source: string, url: string): string {
  // The value is echoed redacted: a Redis URL may carry its password.
  if (!/^rediss?:\/\//i.test(url)) {
    const shown = redactUrl(url);
    throw new UsageError(`${source} must be a redis:// or rediss:// URL, got ${shown.startsWith('(') ? shown : `'${shown}'`}`);
  }
  return url;
}

/** `--fallback MODEL=M1,M2` (repeatable): the models MODEL's lines may go to, in order. */
export function fallbackEntry(text: string, previous: Record<string, string[]> | undefined): Record<string, string[]> {
  const match = /^([^=\s]+)=(.+)$/.exec(text.trim());
  const chain = match?.[2]?.split(',').map((m) => m.trim()) ?? [];
  if (!match || chain.length === 0 || chain.some((m) => m === '' || m === match[1])) {
    throw new UsageError(`--fallback takes MODEL=FALLBACK[,FALLBACK...] (e.g. claude-opus-4-7=claude-sonnet-4-6,claude-haiku-4-5), got '${text}'`);
  }
  // fromEntries: a model named '__proto__' stays a plain key.
  return Object.fromEntries([...Object.entries(previous ?? {}), [match[1]!, chain]]);
}

/** `--fallback-after 5s`, `500ms`, `1m` or plain seconds. */
export function seconds(flag: string) {
  return (text: string): number => {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
    if (!match) throw new UsageError(`${flag} takes a duration such as 5s, 500ms or 1m, got '${text}'`);
    const n = Number(match[1]);
    return match[2] === 'ms' ? n / 1000 : match[2] === 'm' ? n * 60 : n;
  };
}

/** `--max-share 30%` (or `30`): a percent in (0, 100]. */
export function share(text: string): number {
  const match = /^(\d+(?:\.\d+)?)%?$/.exec(text.trim());
  const percent = match ? Number(match[1]) : NaN;
  if (!(percent > 0 && percent <= 100)) throw new UsageError(`--max-share takes a percent above 0 and at most 100, e.g. 30%, got '${text}'`);
  return percent;
}
