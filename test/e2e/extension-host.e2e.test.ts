// Proves that code-server's Node extension host runs a mocha extension-test suite handed over in
// the workbench's `payload` (extensionDevelopmentPath + extensionTestsPath), and that a failing
// suite is reported as a non-zero exit. Needs `bash test/e2e/setup.sh`.
//   npx mocha --timeout 600000 test/e2e/extension-host.e2e.test.ts
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runExtensionTests } from './extension-tests';

/** A dev extension with a command, and a suite that drives it through the `vscode` API. */
function writeProbe(root: string): { ext: string; tests: string; workspace: string } {
  const ext = join(root, 'ext');
  const workspace = join(root, 'workspace');
  mkdirSync(join(ext, 'test'), { recursive: true });
  mkdirSync(workspace);
  writeFileSync(join(workspace, 'sample.jsonl'), '{}\n');
  writeFileSync(
    join(ext, 'package.json'),
    JSON.stringify({
      name: 'probe', publisher: 'floorline-e2e', version: '0.0.1', engines: { vscode: '^1.100.0' },
      main: './extension.js', contributes: { commands: [{ command: 'probe.answer', title: 'Probe: Answer' }] },
    }),
  );
  writeFileSync(
    join(ext, 'extension.js'),
    "exports.activate = (c) => c.subscriptions.push(require('vscode').commands.registerCommand('probe.answer', () => 42));",
  );
  // The repo's mocha (12, ESM) by absolute path: the probe lives outside the repo. Node 24's
  // require() loads ES modules, so the usual test-electron `index.js` shape works unchanged.
  writeFileSync(
    join(ext, 'test', 'index.js'),
    `const path = require('path');
const Mocha = require(${JSON.stringify(require.resolve('mocha'))});
exports.run = async () => {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 20000 });
  mocha.addFile(path.join(__dirname, 'suite.test.js'));
  await mocha.loadFilesAsync();
  await new Promise((ok, fail) => mocha.run((n) => (n ? fail(new Error(n + ' tests failed')) : ok())));
};
`,
  );
  writeFileSync(
    join(ext, 'test', 'suite.test.js'),
    `const assert = require('assert');
const vscode = require('vscode');
describe('probe in the extension host', () => {
  it('runs on Node 24 with the workspace open', () => {
    assert.match(process.version, /^v24\\./);
    assert.equal(vscode.workspace.workspaceFolders[0].name, 'workspace');
  });
  it('calls the development extension through the vscode API', async () => {
    assert.equal(await vscode.commands.executeCommand('probe.answer'), 42);
  });
  it('fails when PROBE_FAIL is set', () => assert.ok(!process.env.PROBE_FAIL, 'PROBE_FAIL is set'));
});
`,
  );
  return { ext, tests: join(ext, 'test', 'index.js'), workspace };
}

describe('e2e: extension-host tests through the code-server payload', function () {
  this.timeout(600_000);
  let root: string;
  let probe: ReturnType<typeof writeProbe>;

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'floorline-exthost-'));
    probe = writeProbe(root);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('runs a passing suite and exits 0', async () => {
    const t0 = Date.now();
    const r = await runExtensionTests({
      extensionDevelopmentPath: probe.ext,
      extensionTestsPath: probe.tests,
      workspace: probe.workspace,
    });
    console.log(`      [timing] passing suite, server start to exit: ${Date.now() - t0} ms`);
    assert.equal(r.code, 0, r.output.join('\n'));
    assert.ok(r.output.some((l) => /3 passing/.test(l)), r.output.join('\n'));
  });

  it('reports a failing suite as exit 1 with mocha output', async () => {
    const r = await runExtensionTests({
      extensionDevelopmentPath: probe.ext,
      extensionTestsPath: probe.tests,
      workspace: probe.workspace,
      server: { env: { PROBE_FAIL: '1' } }, // the extension host inherits code-server's environment
    });
    assert.equal(r.code, 1, r.output.join('\n'));
    assert.ok(r.output.some((l) => /1 failing/.test(l)), r.output.join('\n'));
    assert.ok(r.output.some((l) => /PROBE_FAIL is set/.test(l)), r.output.join('\n'));
  });
});
