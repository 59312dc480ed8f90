// `floorline.*` settings, read into one typed object. Where the key is sent and how much may be
// spent are application-scoped in the manifest, so VS Code itself ignores them in a workspace's
// .vscode/settings.json; a workspace may only *lower* the per-run cap, through its own setting.
import { DEFAULT_MAX_IN_FLIGHT_CAP } from '../core/dispatch/dispatcher';
import * as vscode from 'vscode';
import { parseFloor, type FloorSpec, DEFAULT_HARD_FLOOR, DEFAULT_SOFT_FLOOR } from '../core/limits/floors';
import { isTierName, type TierName } from '../core/tiers';
import type { Priority } from '../core/dispatch/snapshot';

export interface FloorlineSettings {
  baseUrl: string | undefined;
  /** Redis that coordinates the key's quota with other windows, CLI runs and machines. */
  redisUrl: string | undefined;
  redisFallback: 'hold' | 'local';
  model: string | undefined;
  maxTokens: number;
  maxInFlight: number | 'auto';
  maxInFlightCap: number;
  softFloor: FloorSpec;
  hardFloor: FloorSpec;
  maxSpendUsd: number | undefined;
  dailyBudgetUsd: number | undefined;
  dailyTokenBudget: number | undefined;
  confirmAboveUsd: number;
  tier: TierName | undefined;
  priority: Priority;
  maxAttempts: number;
  retryBudgetPerMinute: number;
  /** Settings that could not be used, with why (shown once in the log). */
  problems: string[];
}

function positiveOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function lowerOf(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

/**
 * Application-scoped values, read from the user's (global) settings only. VS Code already ignores
 * them in workspace settings; reading `globalValue` says so in code as well.
 */
function applicationValue<T>(config: vscode.WorkspaceConfiguration, key: string): T | undefined {
  const inspected = config.inspect<T>(key);
  return inspected?.globalValue ?? inspected?.defaultValue;
}

export function readSettings(scope?: vscode.Uri): FloorlineSettings {
  const config = vscode.workspace.getConfiguration('floorline', scope);
  const problems: string[] = [];
  const floor = (key: string, fallback: FloorSpec): FloorSpec => {
    const text = config.get<string>(key);
    if (!text) return fallback;
    try {
      return parseFloor(text);
    } catch (err) {
      problems.push(`floorline.${key}: ${(err as Error).message}; using ${JSON.stringify(fallback)}`);
      return fallback;
    }
  };
  const inFlight = config.get<string | number>('maxInFlight', 'auto');
  const tier = config.get<string>('tier', '');
  const priority = config.get<string>('priority', 'normal');
  const baseUrl = applicationValue<string>(config, 'baseUrl')?.trim();
  const redisUrl = applicationValue<string>(config, 'redisUrl')?.trim();

  return {
    baseUrl: baseUrl ? baseUrl : undefined,
    redisUrl: redisUrl ? redisUrl : undefined,
    redisFallback: applicationValue<string>(config, 'redisFallback') === 'local' ? 'local' : 'hold',
    model: config.get<string>('model')?.trim() || undefined,
    maxTokens: Math.max(1, Math.floor(config.get<number>('maxTokens', 1024))),
    maxInFlight: typeof inFlight === 'number' && inFlight >= 1 ? Math.floor(inFlight) : Number(inFlight) >= 1 ? Math.floor(Number(inFlight)) : 'auto',
    maxInFlightCap: Math.max(1, Math.floor(config.get<number>('maxInFlightCap', DEFAULT_MAX_IN_FLIGHT_CAP))),
    softFloor: floor('softFloor', DEFAULT_SOFT_FLOOR),
    hardFloor: floor('hardFloor', DEFAULT_HARD_FLOOR),
    maxSpendUsd: lowerOf(positiveOrUndefined(applicationValue(config, 'maxSpendUsd')), positiveOrUndefined(config.get('workspaceMaxSpendUsd'))),
    dailyBudgetUsd: positiveOrUndefined(applicationValue(config, 'dailyBudgetUsd')),
    dailyTokenBudget: positiveOrUndefined(applicationValue(config, 'dailyTokenBudget')),
    confirmAboveUsd: positiveOrUndefined(applicationValue(config, 'confirmAboveUsd')) ?? 1,
    tier: isTierName(tier) ? tier : undefined,
    priority: priority === 'high' || priority === 'background' ? priority : 'normal',
    maxAttempts: Math.max(1, Math.floor(config.get<number>('maxAttempts', 5))),
    retryBudgetPerMinute: Math.max(0, Math.floor(config.get<number>('retryBudgetPerMinute', 30))),
    problems,
  };
}
