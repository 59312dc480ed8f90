// `floorline.*` settings, read into the one configuration (core/config.ts), which holds every rule
// and default. Where the key is sent and how much may be spent are application-scoped in the
// manifest, so VS Code itself ignores them in a workspace's .vscode/settings.json, and they are read
// here from the user's own settings only; a workspace may only *lower* the per-run cap, through its
// own setting (`effectiveSpendCap`).
import * as vscode from 'vscode';
import { CONFIG_KEYS, effectiveSpendCap, readConfig, scopeOf, type ConfigKey, type FloorlineConfig } from '../core/config';

export interface FloorlineSettings extends Omit<FloorlineConfig, 'workspaceMaxSpendUsd'> {
  /** The cap a run gets: the user's, lowered (never raised) by the workspace's. */
  maxSpendUsd: number | undefined;
  /** Settings that could not be used, with why (shown once in the log). */
  problems: string[];
}

export function readSettings(scope?: vscode.Uri): FloorlineSettings {
  const config = vscode.workspace.getConfiguration('floorline', scope);
  const raw: Partial<Record<ConfigKey, unknown>> = {};
  for (const key of CONFIG_KEYS) {
    const inspected = config.inspect(key);
    // Not contributed (a config-only option): the schema's default.
    if (!inspected) continue;
    // Application-scoped values come from the user's (global) settings only. VS Code already
    // ignores them in workspace settings; reading `globalValue` says so in code as well.
    raw[key] = scopeOf(key) === 'application' ? inspected.globalValue : config.get(key);
  }
  const { config: read, problems } = readConfig(raw);
  const { workspaceMaxSpendUsd: _workspace, ...rest } = read;
  return { ...rest, maxSpendUsd: effectiveSpendCap(read), problems };
}
