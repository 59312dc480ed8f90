// The HTML shell every Floorline webview page is (the dashboard, the results editor): a strict CSP,
// the page's stylesheet and codicons, one landmark the page's script fills in, and that script.
// Pure (no `vscode`) so its CSP is tested in plain Node. Everything loads from the extension's media
// folder; nothing is inline.

export interface WebviewHtmlInput {
  /** `webview.cspSource`. */
  cspSource: string;
  /** Fresh per page load, from `crypto.randomBytes`. */
  nonce: string;
  /** `webview.asWebviewUri(...)` of the page's bundle (media/dist/*.js), its stylesheet and media/codicon.css. */
  scriptUri: string;
  styleUri: string;
  codiconUri: string;
}

/** What tells one page from another: plain text, escaped here. */
export interface WebviewPage {
  /** The document's <title>. */
  title: string;
  /** The accessible name of the <main> landmark the script fills in. */
  label: string;
  /** Shown until the script draws the first model. */
  placeholder: string;
}

/**
 * No 'unsafe-inline' anywhere. Scripts: only the bundle carrying the nonce. Styles: the pages'
 * components (media/dashboard/components, media/results/components) and @vscode-elements are Lit
 * elements, and Lit styles shadow roots with constructable stylesheets (`adoptedStyleSheets`), which
 * CSP does not govern; its fallback, <style> elements (which would need `window.litNonce` and a style
 * nonce), is only for browsers without them, never VS Code's Chromium. Dynamic styles (gauge widths,
 * the results table's scroll height) go through CSSOM (`style-props.ts`), also allowed, never a
 * `style=` attribute (so not Lit's `styleMap`). `vscode-icon` links codicon.css inside its shadow
 * roots: covered by `style-src ${cspSource}`; the font itself by `font-src`.
 * test/e2e/dashboard-page.e2e.test.ts runs the dashboard under this CSP and fails on any violation.
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

export function webviewHtml(input: WebviewHtmlInput, page: WebviewPage): string {
  // A nonce outside base64 could break out of the CSP's quotes: refuse it rather than escape it.
  if (!/^[A-Za-z0-9+/=]{16,}$/.test(input.nonce)) throw new Error('webviewHtml: the nonce must be base64 of at least 16 characters');
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
<title>${a(page.title)}</title>
</head>
<body>
<main id="root" aria-label="${a(page.label)}" aria-busy="true"><p class="placeholder">${a(page.placeholder)}</p></main>
<script nonce="${a(input.nonce)}" src="${a(input.scriptUri)}"></script>
</body>
</html>
`;
}
