// Floorline: Submit as Message Batch — the same file, validated the same way, sent through the
// Message Batches API at half the price; the tracker polls it and says when it has ended.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { Pricing } from '../core/pricing/pricing';
import { estimatePreflight } from '../core/preflight';
import { defaultResultsPath } from '../core/results';
import { formatCount, formatUsd, plural } from '../core/format';
import { batchStatePath, createSdkBatchesClient, submitBatches, type BatchJobOptions } from '../core/batches';
import { CommandId } from './command-ids';
import { readSettings } from './settings';
import { trustedJsonlFile, type RunCommandDeps } from './run-command';
import type { BatchTracker, TrackedJob } from './batch-tracker';

/** The core's options for a file's batches, with the key from secret storage (never stored anywhere else). */
export async function batchJobOptions(deps: Pick<RunCommandDeps, 'keys'>, job: TrackedJob): Promise<BatchJobOptions | undefined> {
  const key = await deps.keys.get();
  if (!key) return undefined;
  const settings = readSettings(vscode.Uri.file(job.inputPath));
  return {
    owner: 'VS Code',
    inputPath: job.inputPath,
    resultsPath: job.resultsPath,
    statePath: job.statePath,
    client: createSdkBatchesClient({ apiKey: key.key, ...(settings.baseUrl ? { baseURL: settings.baseUrl } : {}) }),
    pricing: new Pricing({ batch: true }),
    defaults: { ...(settings.model ? { model: settings.model } : {}), maxTokens: settings.maxTokens },
  };
}

export async function submitBatchCommand(deps: RunCommandDeps, tracker: BatchTracker, uri: vscode.Uri | undefined): Promise<void> {
  uri = await trustedJsonlFile(uri, 'Submit JSONL File as Message Batch');
  if (!uri) return;
  const key = await deps.keys.get();
  if (!key) {
    const choice = await vscode.window.showWarningMessage('Floorline: no API key is set.', 'Set API Key');
    if (choice) await vscode.commands.executeCommand(CommandId.setApiKey);
    return;
  }
  const name = basename(uri.fsPath);
  const resultsPath = defaultResultsPath(uri.fsPath);
  const job: TrackedJob = { inputPath: uri.fsPath, resultsPath, statePath: batchStatePath(resultsPath) };
  const options = await batchJobOptions(deps, job);
  if (!options) return;

  const prepared = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `Floorline: checking ${name}` },
    () => deps.manager.prepare({ inputPath: uri.fsPath, outPath: resultsPath, pricing: options.pricing, ...(options.defaults ? { defaults: options.defaults } : {}) }),
  );
  deps.diagnostics.show(uri, prepared.ok ? prepared.warnings : prepared.problems);
  if (!prepared.ok) {
    const count = prepared.scan.problemCount || prepared.problems.length;
    const choice = await vscode.window.showErrorMessage(`Floorline: ${name} has ${count} problem${count === 1 ? '' : 's'}; nothing was submitted. Fix them and submit again.`, 'Show Problems');
    if (choice) await vscode.commands.executeCommand('workbench.actions.view.problems');
    return;
  }
  const estimate = estimatePreflight(prepared.scan.totals, options.pricing);
  const detail =
    `${plural(prepared.toSend, 'request', { format: formatCount })} not yet done · expected ~${estimate.expectedUsd === null ? '?' : formatUsd(estimate.expectedUsd)} at batch prices ` +
    `(worst case ${estimate.worstCaseUsd === null ? '?' : formatUsd(estimate.worstCaseUsd)}) · most batches end within an hour, all within 24 h.`;
  const settings = readSettings(uri);
  if (estimate.expectedUsd === null || estimate.expectedUsd > settings.confirmAboveUsd) {
    const go = await vscode.window.showWarningMessage(`Floorline: submit ${name} as a Message Batch?`, { modal: true, detail }, 'Submit');
    if (go !== 'Submit') return;
  }
  try {
    const { submitted, skipped } = await submitBatches(options);
    deps.log.info(`${name}: submitted ${submitted.map((b) => `${b.id} (${b.customIds.length})`).join(', ') || 'nothing new'}; ${skipped} skipped`);
    void vscode.window.showInformationMessage(
      submitted.length
        ? `Floorline: ${name} submitted as ${submitted.length} Message Batch${submitted.length === 1 ? '' : 'es'} (${plural(submitted.reduce((n, b) => n + b.customIds.length, 0), 'request', { format: formatCount })}). You will be told when it ends.`
        : `Floorline: nothing new to submit for ${name}; waiting for its batches.`,
    );
    await tracker.track(job);
  } catch (err) {
    deps.log.error(`${name}: submitting the Message Batch failed: ${(err as Error).message}`);
    void vscode.window.showErrorMessage(`Floorline: submitting ${name} as a Message Batch failed: ${(err as Error).message}`);
  }
}
