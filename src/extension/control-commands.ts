// Pause, Resume, Stop and Cancel from the palette. With one run they act on it; with several they
// ask which (or all). From the Runs view they are given the run's id and act on that run alone.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { stateWords } from '../core/dispatch/state-words';
import type { RunManager, ManagedRun } from './run-manager';

export type ControlAction = 'pause' | 'resume' | 'stop' | 'cancel';

const APPLIES: Record<ControlAction, (m: ManagedRun) => boolean> = {
  pause: (m) => !m.run.paused && !m.run.stopping,
  resume: (m) => m.run.paused,
  stop: (m) => !m.run.stopping,
  cancel: () => true,
};

const VERB: Record<ControlAction, string> = { pause: 'Pause', resume: 'Resume', stop: 'Stop', cancel: 'Cancel' };

export async function controlCommand(manager: RunManager, action: ControlAction, runId?: string): Promise<void> {
  if (runId !== undefined) {
    const managed = manager.find(runId);
    // The item may be a moment old: the run may have ended or changed state since it was drawn.
    if (managed && !managed.run.isTerminal && APPLIES[action](managed)) manager.control(runId, action);
    return;
  }
  const candidates = manager.active.filter(APPLIES[action]);
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage(`Floorline: no run to ${action}.`);
    return;
  }
  let targets = candidates;
  if (candidates.length > 1) {
    type Item = vscode.QuickPickItem & { targets: ManagedRun[] };
    const items: Item[] = [
      { label: `All ${candidates.length} runs`, targets: candidates },
      ...candidates.map((m) => ({ label: basename(m.uri.fsPath), description: `${stateWords(m.run.state)} · ${m.run.finishedCount}/${m.run.total}`, targets: [m] })),
    ];
    const picked = await vscode.window.showQuickPick(items, { title: `Floorline: ${VERB[action]}`, placeHolder: `${VERB[action]} which run?` });
    if (!picked) return;
    targets = picked.targets;
  }
  for (const m of targets) manager.control(m.run.id, action);
}
