// Run (or Simulate) a JSONL file: trust, key, validation into the Problems panel, a pre-flight
// summary to confirm when the expected cost is high, then hand it to the run manager.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { Pricing } from '../core/pricing/pricing';
import { batchAlternative, estimatePreflight } from '../core/preflight';
import { describeDuration } from '../core/preflight-duration';
import { REALISTIC_LATENCY, simulatedReplyTimes } from '../simulator/latency';
import { defaultResultsPath, simulatedResultsPath } from '../core/results';
import { formatCount, formatUsd, plural } from '../core/format';
import type { RunFileOptions } from '../core/run-file';
import { noRequestsMessage } from '../core/input/problems';
import type { TierLimits } from '../core/tiers';
import { TIERS } from '../core/tiers';
import type { DispatcherSnapshot } from '../core/dispatch/snapshot';
import { CommandId } from './command-ids';
import { readSettings } from './settings';
import { pickJsonlFile } from './file-picker';
import type { ApiKeyStore } from './api-key';
import type { InputDiagnostics } from './diagnostics';
import type { RunManager, ManagedRun } from './run-manager';

export interface RunCommandDeps {
  manager: RunManager;
  keys: ApiKeyStore;
  diagnostics: InputDiagnostics;
  log: vscode.LogOutputChannel;
  showDashboard: () => void;
}

/** The limits last seen from the API on this dispatcher, for the duration estimate. */
function lastSeenLimits(snapshot: DispatcherSnapshot): TierLimits | undefined {
  const d = snapshot.dimensions;
  if (!d.requests || !d.inputTokens || !d.outputTokens) return undefined;
  return { requestsPerMinute: d.requests.limit, inputTokensPerMinute: d.inputTokens.limit, outputTokensPerMinute: d.outputTokens.limit };
}

/** A trusted workspace and a local .jsonl file (asked for when not given), or undefined with the user told why. */
export async function trustedJsonlFile(uri: vscode.Uri | undefined, title: string): Promise<vscode.Uri | undefined> {
  if (!vscode.workspace.isTrusted) {
    const choice = await vscode.window.showErrorMessage(
      'Floorline: this workspace is not trusted. Running a file sends its prompts to the API and spends money, so it needs a trusted workspace.',
      'Manage Workspace Trust',
    );
    if (choice) await vscode.commands.executeCommand('workbench.trust.manage');
    return undefined;
  }
  uri ??= await pickJsonlFile(title);
  if (!uri) return undefined;
  if (uri.scheme !== 'file') {
    void vscode.window.showErrorMessage(`Floorline: ${uri.toString()} is not a local file.`);
    return undefined;
  }
  return uri;
}

export async function runFileCommand(deps: RunCommandDeps, uri: vscode.Uri | undefined, simulate: boolean): Promise<ManagedRun | undefined> {
  const verb = simulate ? 'Simulate' : 'Run';
  uri = await trustedJsonlFile(uri, `${verb} JSONL File`);
  if (!uri) return undefined;

  const settings = readSettings(uri);
  for (const problem of settings.problems) deps.log.warn(problem);
  const key = simulate ? undefined : await deps.keys.get();
  if (!simulate && !key) {
    const choice = await vscode.window.showWarningMessage('Floorline: no API key is set.', 'Set API Key', 'Simulate Instead');
    if (choice === 'Set API Key') await vscode.commands.executeCommand(CommandId.setApiKey);
    else if (choice === 'Simulate Instead') return runFileCommand(deps, uri, true);
    return undefined;
  }

  const name = basename(uri.fsPath);
  const pricing = new Pricing();
  const options: RunFileOptions = {
    inputPath: uri.fsPath,
    defaults: { ...(settings.model ? { model: settings.model } : {}), maxTokens: settings.maxTokens },
    pricing,
    priority: settings.priority,
    ...(settings.maxShare !== undefined ? { maxShare: settings.maxShare / 100 } : {}),
    ...(settings.maxSpendUsd !== undefined && !simulate ? { maxSpendUsd: settings.maxSpendUsd } : {}),
    label: vscode.workspace.asRelativePath(uri),
    simulated: simulate,
    owner: 'VS Code',
    // A rehearsal must never be mistaken for real results by a later resume.
    ...(simulate ? { outPath: simulatedResultsPath(defaultResultsPath(uri.fsPath)) } : {}),
  };

  let prepared;
  try {
    prepared = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Floorline: checking ${name}` },
      () => deps.manager.prepare(options),
    );
  } catch (err) {
    // The results file is another run's, not ours to change, or unreadable: nothing was sent.
    deps.log.error((err as Error).message);
    void vscode.window.showErrorMessage(`Floorline: ${(err as Error).message}`);
    return undefined;
  }
  deps.diagnostics.show(uri, prepared.ok ? prepared.warnings : prepared.problems);
  if (!prepared.ok) {
    const count = prepared.scan.problemCount || prepared.problems.length;
    deps.log.warn(`${name}: ${plural(count, 'problem')}; nothing was sent`);
    const choice = await vscode.window.showErrorMessage(`Floorline: ${name} has ${count} problem${count === 1 ? '' : 's'}; nothing was sent. Fix them and run again.`, 'Show Problems');
    if (choice) await vscode.commands.executeCommand('workbench.actions.view.problems');
    return undefined;
  }
  if (prepared.scan.requests === 0) {
    // As the CLI says it (exit 2): an error, not "already done" — no run starts, no results file is named.
    deps.log.warn(noRequestsMessage(name));
    void vscode.window.showErrorMessage(`Floorline: ${noRequestsMessage(name)}.`);
    return undefined;
  }
  if (prepared.toSend === 0) {
    void vscode.window.showInformationMessage(`Floorline: every line of ${name} already succeeded (${basename(prepared.outPath)}).`);
    return undefined;
  }

  const tier = settings.tier ?? 'start';
  let entry;
  try {
    entry = await deps.manager.dispatcherFor(simulate ? { simulate: tier } : { key: key! }, settings);
  } catch (err) {
    // Redis configured but unreachable (and holding was chosen): nothing is sent.
    void vscode.window.showErrorMessage(`Floorline: ${(err as Error).message}. Start Redis, or set "floorline.redisFallback" to "local".`);
    return;
  }
  const limits = lastSeenLimits(entry.latest) ?? (settings.tier || simulate ? TIERS[tier] : undefined);
  // Of the lines left to send, at what the run will use: the settings' ceiling and soft floor, and
  // the simulator's reply times for a rehearsal.
  const estimate = estimatePreflight(prepared.toSendTotals, pricing, {
    ...(limits ? { limits } : {}),
    inFlight: { maxInFlight: settings.maxInFlight, cap: settings.maxInFlightCap },
    softFloor: settings.softFloor,
    ...(simulate ? { replyTimes: simulatedReplyTimes(REALISTIC_LATENCY) } : {}),
  });
  const summary =
    `${plural(prepared.toSend, 'request', { format: formatCount })}${prepared.toSend < prepared.scan.requests ? ` (${formatCount(prepared.scan.requests - prepared.toSend)} already done)` : ''}` +
    ` · ~${formatCount(estimate.inputTokens)} input tokens` +
    ` · expected ~${estimate.expectedUsd === null ? '?' : formatUsd(estimate.expectedUsd)}` +
    ` (worst case ${estimate.worstCaseUsd === null ? `unknown: no price for ${estimate.unpricedModels.join(', ')}` : formatUsd(estimate.worstCaseUsd)})` +
    (estimate.duration
      ? ` · ${describeDuration(estimate.duration)} at the ${lastSeenLimits(entry.latest) ? 'last-seen' : `${tier}-tier`} limits`
      : ' · duration unknown until the API reports the limits (set floorline.tier to estimate it)') +
    (options.maxSpendUsd !== undefined ? ` · capped at ${formatUsd(options.maxSpendUsd)}` : '');
  deps.log.info(`${name}: ${summary}`);
  if (!simulate && (estimate.expectedUsd === null || estimate.expectedUsd > settings.confirmAboveUsd)) {
    // Both ways side by side, with numbers: live now under the limits, or half price within a day.
    const batch = batchAlternative(estimate);
    const detail =
      `Live: ${summary}\n\nAs a Message Batch: expected ~${batch.expectedUsd === null ? '?' : formatUsd(batch.expectedUsd)} ` +
      `(worst case ${batch.worstCaseUsd === null ? '?' : formatUsd(batch.worstCaseUsd)}), half the price, its own rate-limit pool; ${batch.typically}.`;
    const go = await vscode.window.showWarningMessage(`Floorline: run ${name}?`, { modal: true, detail }, 'Run', 'Submit as Message Batch');
    if (go === 'Submit as Message Batch') await vscode.commands.executeCommand(CommandId.submitBatch, uri);
    if (go !== 'Run') return undefined;
  }

  let managed;
  try {
    managed = await deps.manager.start(entry, uri, options, prepared);
  } catch (err) {
    // Another run took the results file while the user was confirming: nothing was sent.
    deps.log.error((err as Error).message);
    void vscode.window.showErrorMessage(`Floorline: ${(err as Error).message}`);
    return undefined;
  }
  deps.showDashboard();
  void managed.finished.then(async () => {
    const s = managed.run.summary();
    const text = `Floorline: ${name} ${s.state.replace('-', ' ')} — ${s.succeeded} succeeded, ${s.errored} errored, ${s.unsent} unsent, ${formatUsd(s.spentUsd)}.`;
    const show = s.state === 'finished' && s.errored === 0 ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
    const choice = await show(text, 'Open Results');
    if (choice) await vscode.commands.executeCommand(CommandId.openResults, vscode.Uri.file(prepared.outPath));
  });
  return managed;
}
