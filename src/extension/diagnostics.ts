// Bad input lines become entries in the Problems panel, on their line, before anything is sent.
import * as vscode from 'vscode';
import type { Problem } from '../core/input/problems';

export class InputDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('floorline');

  show(uri: vscode.Uri, problems: readonly Problem[]): void {
    this.collection.set(
      uri,
      problems.map((p) => {
        // Line 0 is a whole-file problem (e.g. a model with no price under a cap): put it on line 1.
        const line = Math.max(0, p.line - 1);
        const d = new vscode.Diagnostic(
          new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER),
          p.message,
          p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
        );
        d.source = 'floorline';
        return d;
      }),
    );
  }

  clear(uri: vscode.Uri): void {
    this.collection.delete(uri);
  }

  dispose(): void {
    this.collection.dispose();
  }
}
