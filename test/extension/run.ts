// Runs test/extension inside VS Code through @vscode/test-electron.
//   FLOORLINE_VSCODE_EXECUTABLE=/path/to/code npm run test:extension
// Without the variable, test-electron downloads VS Code (which needs the internet).
import { resolve } from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const root = resolve(__dirname, '../..');
  const executable = process.env.FLOORLINE_VSCODE_EXECUTABLE;
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: resolve(root, 'out/test/extension/index.js'),
    ...(executable ? { vscodeExecutablePath: executable } : {}),
    launchArgs: [resolve(root, 'test/extension/fixture-workspace'), '--disable-extensions', '--disable-workspace-trust'],
    extensionTestsEnv: { ANTHROPIC_API_KEY: undefined },
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
