// What every Floorline webview (the dashboard, the results editor) is given: the same options (scripts
// on, command links off, files from media/ only) and its page's assets, each with a fresh nonce.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import type { WebviewHtmlInput } from './view-model/webview-html';

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

/** A page's bundle (media/dist/<page>.js), stylesheet (media/<page>/<page>.css) and codicons, as the webview may load them. */
export function pageAssets(webview: vscode.Webview, extensionUri: vscode.Uri, page: 'dashboard' | 'results'): WebviewHtmlInput {
  const media = (...path: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', ...path)).toString();
  return {
    cspSource: webview.cspSource,
    nonce: randomBytes(16).toString('base64'),
    scriptUri: media('dist', `${page}.js`),
    styleUri: media(page, `${page}.css`),
    codiconUri: media('codicon.css'),
  };
}
