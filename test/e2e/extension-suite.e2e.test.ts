// The extension-host suite (test/extension) inside code-server's real VS Code 1.139 extension host:
// @vscode/test-electron cannot download VS Code here, code-server runs the same suite.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { runExtensionTests } from './extension-tests';

const ROOT = resolve(__dirname, '../..');

describe('test/extension in code-server\'s extension host', function () {
  this.timeout(600_000);

  it('passes', async () => {
    execFileSync(process.execPath, ['esbuild.mjs', '--tests'], { cwd: ROOT, stdio: 'inherit' });
    const result = await runExtensionTests({
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: resolve(ROOT, 'out/test/extension/index.js'),
      workspace: resolve(ROOT, 'test/extension/fixture-workspace'),
      server: { disableWorkspaceTrust: true, env: { ANTHROPIC_API_KEY: undefined } },
    });
    // Mocha's report from the extension host; the workbench's own noise (offline gallery lookups) left out.
    const report = result.output.filter((line) => !/^\s+at |gallery|open-vsx|Failed to fetch|Socket|socket|connection token|AgentHost|AccountPolicyGate|Service Worker/i.test(line));
    console.log(report.map((line) => `      | ${line}`).join('\n'));
    assert.equal(result.code, 0, 'the extension-host suite failed (its report is above)');
  });
});
