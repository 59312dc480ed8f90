// The API key: in SecretStorage (encrypted, never synced), with ANTHROPIC_API_KEY from the
// environment as a fallback. It never goes into settings, logs, results or the webview: everything
// else identifies a key by a short hash.
import * as vscode from 'vscode';
import { keyId } from '../core/key-id';


const SECRET = 'floorline.anthropicApiKey';

export interface ResolvedKey {
  key: string;
  source: 'secret storage' | 'ANTHROPIC_API_KEY';
  /** Stable, non-reversible id: namespaces per-key state (daily budgets, dispatchers). */
  id: string;
}

export class ApiKeyStore {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    secrets.onDidChange((e) => e.key === SECRET && this.changed.fire());
  }

  async get(): Promise<ResolvedKey | undefined> {
    const stored = await this.secrets.get(SECRET);
    if (stored) return { key: stored, source: 'secret storage', id: keyId(stored) };
    const fromEnv = this.env.ANTHROPIC_API_KEY?.trim();
    if (fromEnv) return { key: fromEnv, source: 'ANTHROPIC_API_KEY', id: keyId(fromEnv) };
    return undefined;
  }

  /** Asks for the key in a password box and stores it. Returns false if the user cancelled. */
  async promptAndStore(): Promise<boolean> {
    const key = await vscode.window.showInputBox({
      title: 'Floorline: Anthropic API key',
      prompt: 'Stored encrypted in VS Code\'s secret storage, never in settings.',
      password: true,
      ignoreFocusOut: true,
      placeHolder: 'sk-ant-…',
      validateInput: (value) => (value.trim().length < 8 ? 'That does not look like an API key.' : undefined),
    });
    if (!key) return false;
    await this.secrets.store(SECRET, key.trim());
    return true;
  }

  async clear(): Promise<void> {
    await this.secrets.delete(SECRET);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
