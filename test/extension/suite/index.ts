// Runs inside the VS Code extension host (loaded through `extensionTestsPath`): mocha, BDD style.
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 120_000, color: true, reporter: 'spec' });
  // The test files are bundled into this one; give them mocha's globals before they load.
  mocha.suite.emit('pre-require', globalThis, 'extension.test', mocha);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the globals exist; esbuild bundles it
  require('./extension.test');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
  require('./results-editor.test');
  return new Promise<void>((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} extension test(s) failed`)) : resolve()));
  });
}
