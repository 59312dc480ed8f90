// Runs an extension-host test suite (the @vscode/test-electron `runTests` contract: a module
// exporting `run(): Promise<void>`) inside code-server's Node extension host, with no VS Code
// download. How it works, found in code-server 4.139 (VS Code 1.139):
//  - the web workbench reads the `payload` query parameter; a *built* workbench honours its
//    extensionDevelopmentPath / extensionTestsPath pairs only when the server runs with
//    `enable-smoke-test-driver` (passed through code-server's `--vscode-option`);
//  - the paths are vscode-remote://HOST:PORT/abs/path URIs, so they load in the server-side
//    (Node 24) extension host, with the real `vscode` API;
//  - when run() settles, the extension host exits and the workbench calls
//    window.codeAutomationExit(code, logs) (0 = resolved, 1 = rejected), and forwards the
//    extension host's console output through window.codeAutomationLog(type, args).
import { format } from 'node:util';
import { Workbench } from './browser';
import { startCodeServer, type CodeServerOptions } from './code-server';

export interface ExtensionTestRun {
  extensionDevelopmentPath: string; // folder with the extension's package.json
  extensionTestsPath: string; // module exporting run()
  workspace: string; // folder to open
  server?: CodeServerOptions;
  timeoutMs?: number; // default 5 minutes
  /** Print the extension host's output as it arrives (default: when FLOORLINE_E2E_DEBUG is set). */
  echo?: boolean;
}

export interface ExtensionTestResult {
  code: number; // 0: run() resolved
  output: string[]; // console output of the extension host and the workbench, formatted
}

export async function runExtensionTests(run: ExtensionTestRun): Promise<ExtensionTestResult> {
  const server = await startCodeServer({
    ...run.server,
    vscodeOptions: [...(run.server?.vscodeOptions ?? []), 'enable-smoke-test-driver'],
  });
  let wb: Workbench | undefined;
  const output: string[] = [];
  const echo = run.echo ?? !!process.env.FLOORLINE_E2E_DEBUG;
  try {
    let done!: (code: number) => void;
    const exited = new Promise<number>((resolve) => (done = resolve));
    wb = await Workbench.open(server, run.workspace, {
      trust: false, // the suite starts as soon as the window loads; trust it from the suite if needed
      payload: [
        ['extensionDevelopmentPath', server.remoteUri(run.extensionDevelopmentPath)],
        ['extensionTestsPath', server.remoteUri(run.extensionTestsPath)],
        ['skipWelcome', 'true'],
      ],
      onAutomationExit: (code) => done(code),
      onAutomationLog: (type, args) => {
        const line = `${type === 'info' ? '' : `[${type}] `}${format(...(args as unknown[]))}`;
        output.push(line);
        if (echo) console.log(`      | ${line}`);
      },
    });
    const timeoutMs = run.timeoutMs ?? 300_000;
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      exited,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`extension tests did not finish in ${timeoutMs} ms`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    return { code, output };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    e.message += `\n--- extension host output ---\n${output.slice(-40).join('\n')}\n--- code-server log ---\n${server.logTail(20)}`;
    if (wb) await wb.screenshot(`failure-extension-tests-${Date.now()}`).catch(() => undefined);
    throw e;
  } finally {
    await wb?.close();
    await server.stop();
  }
}
