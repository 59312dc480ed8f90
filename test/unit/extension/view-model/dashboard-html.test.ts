import assert from 'node:assert/strict';
import { dashboardHtml, type DashboardHtmlInput } from '../../../../src/extension/view-model/dashboard-html';
import { resultsHtml } from '../../../../src/extension/view-model/results-html';
import { contentSecurityPolicy } from '../../../../src/extension/view-model/webview-html';

const CSP_SOURCE = 'https://file+.vscode-resource.vscode-cdn.net';
const ROOT = `${CSP_SOURCE}/ext/media`;
const DASHBOARD_INPUT: DashboardHtmlInput = {
  cspSource: CSP_SOURCE,
  nonce: 'q0vGk3Jm7l1qfW2Zr8o5Sg==',
  scriptUri: `${ROOT}/dist/dashboard.js`,
  styleUri: `${ROOT}/dashboard/dashboard.css`,
  codiconUri: `${ROOT}/codicon.css`,
};

function cspOf(html: string): Map<string, string[]> {
  const content = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1];
  assert.ok(content, 'a CSP meta tag');
  return new Map(content.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name ?? '', values]));
}

const RESULTS_INPUT: DashboardHtmlInput = { ...DASHBOARD_INPUT, scriptUri: `${ROOT}/dist/results.js`, styleUri: `${ROOT}/results/results.css` };

// Both pages are the one shell (webview-html.ts): the same checks hold for each.
for (const [name, page, INPUT] of [
  ['dashboard', dashboardHtml, DASHBOARD_INPUT],
  ['results', resultsHtml, RESULTS_INPUT],
] as const) describe(`${name} HTML`, () => {
  const html = page(INPUT);

  it("denies everything by default and allows only the extension's media and the nonce", () => {
    const csp = cspOf(html);
    assert.deepEqual(csp.get('default-src'), ["'none'"]);
    assert.deepEqual(csp.get('style-src'), [CSP_SOURCE]);
    assert.deepEqual(csp.get('font-src'), [CSP_SOURCE]);
    assert.deepEqual(csp.get('img-src'), [CSP_SOURCE, 'data:']);
    assert.deepEqual(csp.get('script-src'), [`'nonce-${INPUT.nonce}'`]);
    assert.deepEqual([...csp.keys()].sort(), ['default-src', 'font-src', 'img-src', 'script-src', 'style-src']);
    assert.ok(!html.includes('unsafe-'), 'no unsafe-inline / unsafe-eval');
    assert.equal(contentSecurityPolicy(CSP_SOURCE, INPUT.nonce), `default-src 'none'; style-src ${CSP_SOURCE}; font-src ${CSP_SOURCE}; img-src ${CSP_SOURCE} data:; script-src 'nonce-${INPUT.nonce}'`);
  });

  it('puts the same nonce on every script, and every script is external', () => {
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.equal(scripts.length, 1);
    for (const [, attributes, body] of scripts) {
      assert.equal(/nonce="([^"]*)"/.exec(attributes ?? '')?.[1], INPUT.nonce);
      assert.equal(/src="([^"]*)"/.exec(attributes ?? '')?.[1], INPUT.scriptUri);
      assert.equal(body?.trim(), '', 'no inline script');
    }
  });

  it('loads no URL other than the ones it was given', () => {
    const urls = [...html.matchAll(/https?:[^\s"'<>;]+/g)].map((m) => m[0]);
    const allowed = new Set([CSP_SOURCE, INPUT.scriptUri, INPUT.styleUri, INPUT.codiconUri]);
    assert.ok(urls.length >= 4);
    for (const url of urls) assert.ok(allowed.has(url), url);
    assert.ok(html.includes(`<link rel="stylesheet" href="${INPUT.codiconUri}" id="vscode-codicon-stylesheet">`));
    assert.ok(html.includes(`<link rel="stylesheet" href="${INPUT.styleUri}">`));
  });

  it('has no inline event handlers, styles or javascript: URLs', () => {
    assert.ok(!/\son[a-z]+\s*=/i.test(html));
    assert.ok(!/\sstyle\s*=/i.test(html));
    assert.ok(!/<style/i.test(html));
    assert.ok(!/javascript:/i.test(html));
  });

  it('escapes what it puts in attributes and refuses a nonce that could break the CSP', () => {
    const odd = page({ ...INPUT, scriptUri: `${ROOT}/a".js` });
    assert.ok(odd.includes(`${ROOT}/a&quot;.js`));
    assert.throws(() => page({ ...INPUT, nonce: "abc'; script-src *" }));
    assert.throws(() => page({ ...INPUT, nonce: 'short' }));
  });

  it('has one landmark for the script to fill, busy until it does', () => {
    const main = [...html.matchAll(/<main\b[^>]*>/g)].map((m) => m[0]);
    assert.equal(main.length, 1);
    assert.match(main[0] ?? '', /id="root"/);
    assert.match(main[0] ?? '', /aria-label="Floorline [a-z]+"/);
    assert.match(main[0] ?? '', /aria-busy="true"/);
  });
});

describe('the results page HTML', () => {
  it('loads the results bundle and stylesheet, and names its landmark', () => {
    const html = resultsHtml(RESULTS_INPUT);
    assert.ok(html.includes(`src="${ROOT}/dist/results.js"`));
    assert.ok(html.includes(`href="${ROOT}/results/results.css"`));
    assert.ok(html.includes('aria-label="Floorline results"'));
    assert.ok(html.includes('<title>Floorline Results</title>'));
    assert.ok(!html.includes('dashboard'));
  });
});
