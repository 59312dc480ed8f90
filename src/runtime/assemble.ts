// The one place a dispatcher is put together: the client (the real API, or the simulator for a
// rehearsal), the shared-quota coordinator when Redis is configured, and the dispatcher itself, all
// from one `FloorlineConfig`. The CLI, the extension and the bench call this; none builds its own.
//
// Above core and the simulator on purpose: core stays a library of parts with no opinion on how
// they are wired, and the simulator (a test double) is never reachable from core.
import { createSdkMessagesClient, type MessagesClient, type SdkTransport } from '../core/client/messages-client';
import type { FloorlineConfig } from '../core/config';
import { connectRedisCoordinator, type RedisCoordinator } from '../core/coordination';
import { Dispatcher } from '../core/dispatch/dispatcher';
import { defaultResultsPath, simulatedResultsPath } from '../core/results';
import { TIERS, type TierName } from '../core/tiers';
import type { MockServer } from '../simulator/mock-server';
import { REALISTIC_LATENCY } from '../simulator/latency';

/** What a run talks to: a real key, or the built-in simulation at a tier's limits (no key, no cost). */
export type Target = { apiKey: string } | { simulate: TierName };

export interface AssembleOptions {
  config: FloorlineConfig;
  target: Target;
  /** The coordinator's own messages (Redis lost, found again). */
  onLog?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** For tests and proxies: the client's fetch. */
  fetch?: typeof fetch;
  /** For tests and proxies: an SDK client the caller built, used as it is (not for a rehearsal). */
  client?: SdkTransport;
}

export interface Assembly {
  dispatcher: Dispatcher;
  client: MessagesClient;
  /** Present when `redisUrl` is set: the key's quota shared with every other participant. */
  coordinator: RedisCoordinator | undefined;
  /** The simulated API of a rehearsal. */
  simulation: MockServer | undefined;
  /** Ends what the assembly started (the simulation, the Redis connection); runs must be over. */
  close(): Promise<void>;
}

/** The key a rehearsal's client sends to its simulator: never a real one. */
const SIMULATED_KEY = 'simulated-key';

function isSimulated(target: Target): target is { simulate: TierName } {
  return 'simulate' in target;
}

/**
 * Where a run's results go unless told: beside the input, and for a rehearsal under its own name,
 * so a later real run never resumes from simulated answers.
 */
export function resultsPathFor(inputPath: string, target: Target): string {
  const path = defaultResultsPath(inputPath);
  return isSimulated(target) ? simulatedResultsPath(path) : path;
}

/** The limits to plan with before the first response: the simulated tier's, else the configured tier's. */
export function plannedTier(config: FloorlineConfig, target: Target): TierName | undefined {
  return isSimulated(target) ? target.simulate : config.tier;
}

export async function assemble(options: AssembleOptions): Promise<Assembly> {
  const { config, target } = options;
  // The simulator (an HTTP server) is loaded only for a rehearsal: a real run does not pay its memory.
  // (`require`, not `import()`: the bundle and the tests both run as CommonJS, and a dynamic import
  // would go through Node's ESM resolver, which does not know the TypeScript sources.)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const simulator = isSimulated(target) ? (require('../simulator/mock-server') as typeof import('../simulator/mock-server')) : undefined;
  const { startMockServer, limitsForTier } = simulator ?? {};
  const simulation = isSimulated(target) && startMockServer && limitsForTier
    ? await startMockServer({ apiKey: SIMULATED_KEY, limits: limitsForTier(target.simulate), latency: REALISTIC_LATENCY })
    : undefined;
  const client = simulation
    ? createSdkMessagesClient({ apiKey: SIMULATED_KEY, baseURL: simulation.url })
    : createSdkMessagesClient({
        apiKey: (target as { apiKey: string }).apiKey,
        ...(config.baseUrl ? { baseURL: config.baseUrl } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...(options.client ? { client: options.client } : {}),
      });

  let coordinator: RedisCoordinator | undefined;
  if (config.redisUrl) {
    try {
      coordinator = await connectRedisCoordinator({
        url: config.redisUrl,
        // A rehearsal shares a simulated quota (other rehearsals at that tier), never a real key's.
        apiKey: isSimulated(target) ? `simulated:${target.simulate}` : target.apiKey,
        softFloor: config.softFloor,
        hardFloor: config.hardFloor,
        ...(config.dailyBudgetUsd !== undefined ? { dailyBudgetUsd: config.dailyBudgetUsd } : {}),
        ...(config.dailyTokenBudget !== undefined ? { dailyTokenBudget: config.dailyTokenBudget } : {}),
        fallback: config.redisFallback,
        ...(config.participant ? { participant: config.participant } : {}),
        ...(options.onLog ? { onLog: options.onLog } : {}),
      });
    } catch (err) {
      await simulation?.close();
      throw err;
    }
  }

  const dispatcher = new Dispatcher({
    client,
    ...(coordinator ? { coordinator } : {}),
    maxInFlight: config.maxInFlight,
    maxInFlightCap: config.maxInFlightCap,
    softFloor: config.softFloor,
    hardFloor: config.hardFloor,
    // A tier the user names is a first guess at a real key's limits; a simulation's are known
    // from its first response like any other's.
    ...(config.tier ? { initialLimits: TIERS[config.tier] } : {}),
    maxAttempts: config.maxAttempts,
    retryBudgetPerMinute: config.retryBudgetPerMinute,
    retryBudgetRatio: config.retryBudgetRatio,
    ...(Object.keys(config.fallback).length > 0
      ? { fallback: { chains: new Map(Object.entries(config.fallback)), afterMs: config.fallbackAfterSeconds * 1000 } }
      : {}),
  });

  return {
    dispatcher,
    client,
    coordinator,
    simulation,
    async close() {
      await coordinator?.close();
      await simulation?.close();
    },
  };
}
