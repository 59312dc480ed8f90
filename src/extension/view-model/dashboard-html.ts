// The dashboard page's HTML: a shell the webview script fills in. Pure (no `vscode`) so its CSP is
// tested in plain Node. Everything loads from the extension's media folder; nothing is inline.

export interface DashboardHtmlInput {
  /** `webview.cspSource`. */
  cspSource: string;
  /** Fresh per page load, from `crypto.randomBytes`. */
  nonce: string;
  /** `webview.asWebviewUri(...)` of media/dist/dashboard.js, media/dashboard/dashboard.css, media/codicon.css. */
  scriptUri: string;
  styleUri: string;
  codiconUri: string;
}

/**
 * No 'unsafe-inline' anywhere. Scripts: only the bundle carrying the nonce. Styles: the page's
 * components (media/dashboard/components) and @vscode-elements are Lit elements, and Lit styles
 * shadow roots with constructable stylesheets (`adoptedStyleSheets`), which CSP does not govern; its
 * fallback, <style> elements (which would need `window.litNonce` and a style nonce), is only for
 * browsers without them, never VS Code's Chromium. Dynamic styles (gauge widths) go through CSSOM
 * (`style-props.ts`), also allowed, never a `style=` attribute (so not Lit's `styleMap`).
 * `vscode-icon` links codicon.css inside its shadow roots: covered by `style-src ${cspSource}`;
 * the font itself by `font-src`. test/e2e/dashboard-page.e2e.test.ts runs the page under this CSP
 * and fails on any violation.
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function dashboardHtml(input: DashboardHtmlInput): string {
  // A nonce outside base64 could break out of the CSP's quotes: refuse it rather than escape it.
  if (!/^[A-Za-z0-9+/=]{16,}$/.test(input.nonce)) throw new Error('dashboardHtml: the nonce must be base64 of at least 16 characters');
  const csp = escapeAttribute(contentSecurityPolicy(input.cspSource, input.nonce));
  const a = escapeAttribute;
  // `id="vscode-codicon-stylesheet"` is how vscode-icon (used by vscode-button) finds codicon.css.
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${a(input.codiconUri)}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="${a(input.styleUri)}">
<title>Floorline</title>
</head>
<body>
<main id="root" aria-label="Floorline dashboard" aria-busy="true"><p class="placeholder">Waiting for the dispatcher…</p></main>
<script nonce="${a(input.nonce)}" src="${a(input.scriptUri)}"></script>
</body>
</html>
`;
}
