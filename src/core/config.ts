// Every option Floorline has, once: its type, its rule and its default. The CLI's flags and the
// extension's settings are adapters into this; the dispatcher's defaults are read from it; a test
// holds `package.json`'s contributed settings and the CLI's help to it.
//
// Values that arrive from a settings file are read leniently (`readConfig`: a bad value falls back
// to its default and is reported once); the CLI refuses a bad flag outright, with its own wording,
// before it gets here.
// zod/mini: the same schemas as zod's chained API, written as functions, so the bundle carries only
// the rules used here (~30 KB, not ~750 KB). The full API cost the CLI ~6 MB of its peak memory on a
// million-line file, against a 100 MB goal (bench/memory.ts).
import * as z from 'zod/mini';
import { parseFloor, type FloorSpec } from './limits/floors';
import { TIERS, type TierName } from './tiers';
import { redactUrl } from './redact';

/**
 * Where a setting may be set in VS Code. `application`: the user's own settings only — where the
 * key is sent and how much may be spent must not be decided by a workspace someone else wrote.
 */
export type SettingScope = 'application' | 'window' | 'resource';

const floor = z.union([
  z.strictObject({ percent: z.number().check(z.minimum(0), z.maximum(100)) }),
  z.strictObject({ tokens: z.int().check(z.minimum(0)) }),
  z.pipe(
    z.string(),
    z.transform((text, ctx): FloorSpec => {
      try {
        return parseFloor(text);
      } catch (err) {
        ctx.issues.push({ code: 'custom', message: (err as Error).message, input: text });
        return z.NEVER;
      }
    }),
  ),
]);

const amountUsd = z.number().check(z.positive());
const httpUrl = z.string().check(
  z.trim(),
  z.refine((text) => /^https?:\/\//i.test(text), 'must be an http:// or https:// URL'),
  z.refine((text) => URL.canParse(text), 'is not a URL'),
  z.refine((text) => {
    // Every check runs, this one also on text the one before refused.
    const url = URL.canParse(text) ? new URL(text) : undefined;
    return !url?.username && !url?.password;
  }, 'must not carry credentials (user:password@host); the key lives in SecretStorage or ANTHROPIC_API_KEY'),
);
const redisUrl = z.string().check(z.trim(), z.regex(/^rediss?:\/\//i, 'must be a redis:// or rediss:// URL'));

interface OptionMeta {
  scope: SettingScope;
  description: string;
}
const optionMeta = z.registry<OptionMeta>();

function option<T extends z.ZodMiniType>(schema: T, scope: SettingScope, description: string): T {
  optionMeta.add(schema, { scope, description });
  return schema;
}

const configSchema = z.object({
  baseUrl: option(z.optional(httpUrl), 'application', 'Where requests (and the API key) are sent. Unset: ANTHROPIC_BASE_URL, else the public API.'),
  redisUrl: option(z.optional(redisUrl), 'application', 'Share one quota with other runs and machines through this Redis.'),
  redisFallback: option(z._default(z.enum(['hold', 'local']), 'hold'), 'application', 'If Redis cannot be reached: hold new requests, or run on local limits with a warning.'),
  participant: option(
    z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(100))),
    'application',
    'Who this is among those sharing a quota through Redis (unset: user@host). Runs held to a share (maxShare) hold it under this name together, across processes and machines.',
  ),
  model: option(z.optional(z.string().check(z.trim(), z.minLength(1))), 'resource', 'Model for lines that do not name one.'),
  maxTokens: option(z._default(z.int().check(z.minimum(1)), 1_024), 'resource', 'max_tokens for lines that do not set it.'),
  maxInFlight: option(
    z._default(
      z.union(
        [z.literal('auto'), z.int().check(z.minimum(1)), z.pipe(z.string().check(z.trim(), z.regex(/^\d+$/)), z.pipe(z.transform(Number), z.int().check(z.minimum(1))))],
        { error: 'must be a positive whole number or auto' },
      ),
      'auto',
    ),
    'window',
    "Concurrent requests: a number, or auto (Little's law: the rate the quota allows × the observed latency).",
  ),
  // One request in flight costs the client ~60 KB (its socket, buffers and the SDK's promise chain;
  // `node --expose-gc --import tsx bench/in-flight-memory.ts`), so 1,000 in flight is ~60 MB: what
  // 5 s replies at 200 req/s need, and within the 1,024 file descriptors most systems give a process.
  maxInFlightCap: option(z._default(z.int().check(z.minimum(1)), 1_000), 'window', "The most 'auto' may choose."),
  softFloor: option(z._default(floor, { percent: 10 }), 'window', 'Hold new requests while a token bucket would fall under this.'),
  hardFloor: option(z._default(floor, { percent: 2 }), 'window', 'Full stop under this, until the bucket refills past the soft floor.'),
  maxSpendUsd: option(z.optional(amountUsd), 'application', 'Spend cap per run, in USD; never crossed.'),
  workspaceMaxSpendUsd: option(z.optional(amountUsd), 'resource', 'A lower spend cap per run for this workspace; it can only lower maxSpendUsd.'),
  dailyBudgetUsd: option(z.optional(amountUsd), 'application', 'Spend budget per API key per UTC day, across runs and restarts.'),
  dailyTokenBudget: option(z.optional(z.int().check(z.positive())), 'application', 'Token budget per API key per UTC day, across runs and restarts.'),
  confirmAboveUsd: option(z._default(z.number().check(z.minimum(0)), 1), 'application', 'Ask before a run whose expected cost is above this (USD).'),
  tier: option(z.optional(z.enum(Object.keys(TIERS) as [TierName, ...TierName[]])), 'window', 'First guess at the limits, until a response tells.'),
  priority: option(z._default(z.enum(['high', 'normal', 'background']), 'normal'), 'resource', 'Share of the limits against other runs on the same key.'),
  maxAttempts: option(z._default(z.int().check(z.minimum(1)), 5), 'window', 'Attempts per request before it is recorded as errored.'),
  retryBudgetPerMinute: option(z._default(z.int().check(z.minimum(0)), 30), 'window', 'Retries per minute for the whole run, whatever the traffic.'),
  maxShare: option(
    z.optional(z.number().check(z.gt(0), z.maximum(100))),
    'resource',
    "Hold each run to this share (percent) of each model class's limits, whoever else uses the key. Unset: no limit of its own.",
  ),
  fallback: option(
    z._default(z.record(z.string().check(z.minLength(1)), z.array(z.string().check(z.trim(), z.minLength(1)))), {}),
    'application',
    'Fallback chains: a model, and the models its lines may go to when its own class is held back (e.g. {"claude-opus-4-7": ["claude-sonnet-4-6"]}). Empty: no line ever changes model.',
  ),
  fallbackAfterSeconds: option(z._default(z.number().check(z.minimum(0)), 5), 'window', "How long a model class holds lines back before they may go to their fallback."),
  retryBudgetRatio: option(z._default(z.number().check(z.minimum(0), z.maximum(1)), 0.2), 'window', 'Retries earned per fresh request, on top of the per-minute floor.'),
});

export type FloorlineConfig = z.output<typeof configSchema>;
/** A config as a program may write it (floors as text or objects, every option optional): what `parseConfig` takes. */
export type FloorlineConfigInput = z.input<typeof configSchema>;
export type ConfigKey = keyof FloorlineConfig;

/** Every default, from the schema. */
export const DEFAULTS: Readonly<FloorlineConfig> = Object.freeze(z.parse(configSchema, {}));

export const CONFIG_KEYS = Object.keys(configSchema.shape) as ConfigKey[];

export function scopeOf(key: ConfigKey): SettingScope {
  return optionMeta.get(configSchema.shape[key])!.scope;
}

/**
 * A config from values read out of a settings store, one key at a time: a value that breaks its
 * rule is reported (`floorline.key: why; using the default`) and the default used, so one typo does
 * not stop every run. Unset values (undefined, null, '') take the default.
 */
export function readConfig(raw: Readonly<Partial<Record<ConfigKey, unknown>>>): { config: FloorlineConfig; problems: string[] } {
  const problems: string[] = [];
  const config: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const value = raw[key];
    const unset = value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
    const parsed = z.safeParse(configSchema.shape[key], unset ? undefined : value);
    if (parsed.success) {
      config[key] = parsed.data;
    } else {
      const fallback = DEFAULTS[key];
      // A URL may carry a password: never echoed as it was given.
      const shown = JSON.stringify(typeof value === 'string' && value.includes('://') ? redactUrl(value) : value);
      problems.push(`floorline.${key}: ${shown} ${parsed.error.issues[0]?.message ?? 'is not valid'}; using ${fallback === undefined ? 'none' : JSON.stringify(fallback)}`);
      config[key] = fallback;
    }
  }
  return { config: config as FloorlineConfig, problems };
}

/** An option that breaks its rule, named (`maxInFlight: must be a positive whole number or auto`). */
export class ConfigError extends Error {
  constructor(readonly option: string, message: string) {
    super(`floorline option '${option}': ${message}`);
    this.name = 'ConfigError';
  }
}

const KNOWN_KEYS: ReadonlySet<string> = new Set(CONFIG_KEYS);

/**
 * A config from values a program passes (the library): strict where `readConfig` is lenient — a
 * program can be told at once, and a typo silently replaced by a default would spend differently
 * than its author meant. Unset (undefined) values take the default; an unknown key is refused.
 */
export function parseConfig(raw: Readonly<Record<string, unknown>>): FloorlineConfig {
  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.has(key)) throw new ConfigError(key, `is not an option (the options are ${CONFIG_KEYS.join(', ')})`);
  }
  const config: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const value = raw[key];
    const parsed = z.safeParse(configSchema.shape[key], value);
    if (!parsed.success) {
      const shown = JSON.stringify(typeof value === 'string' && value.includes('://') ? redactUrl(value) : value);
      throw new ConfigError(key, `${shown} ${parsed.error.issues[0]?.message ?? 'is not valid'}`);
    }
    config[key] = parsed.data;
  }
  return config as FloorlineConfig;
}

/**
 * The spend cap a run gets: the user's own cap, lowered (never raised) by the workspace's. A
 * workspace is a folder someone else may have written: it may make a run safer, not costlier.
 */
export function effectiveSpendCap(config: Pick<FloorlineConfig, 'maxSpendUsd' | 'workspaceMaxSpendUsd'>): number | undefined {
  const { maxSpendUsd: user, workspaceMaxSpendUsd: workspace } = config;
  if (user === undefined) return workspace;
  if (workspace === undefined) return user;
  return Math.min(user, workspace);
}
