// The house rule that keeps the core shareable: src/core never touches the editor.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('architecture', () => {
  const core = resolve(__dirname, '../../src/core');
  it('src/core imports neither vscode nor the fronts', () => {
    const offenders = files(core).filter((f) => /from ['"](vscode|\.\.\/(\.\.\/)*(cli|extension)\/)/.test(readFileSync(f, 'utf8')) || /require\(['"]vscode['"]\)/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders, []);
  });

  it('src/core reaches up neither to the composition root nor to the simulator (a test double)', () => {
    const offenders = files(core).filter((f) => /from ['"](\.\.\/)+(runtime|simulator)\//.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders, []);
  });

  it('only the composition root (src/runtime) assembles a dispatcher, a client or a simulation', () => {
    const src = resolve(__dirname, '../../src');
    const runtime = resolve(src, 'runtime');
    const offenders = files(src)
      .filter((f) => !f.startsWith(runtime))
      .filter((f) => /new Dispatcher\(|createSdkMessagesClient\(\{|await startMockServer\(/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders, []);
  });

  it('the view-models and the webview protocol run in plain Node (no vscode)', () => {
    const pure = [...files(resolve(__dirname, '../../src/extension/view-model')), resolve(__dirname, '../../src/extension/protocol.ts')];
    const offenders = pure.filter((f) => /from ['"]vscode['"]/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders, []);
  });
});
