// The webview pages (media/dashboard, media/results) as code: what they may import, and that
// neither their sources nor their bundles put strings into the DOM as markup or styles as
// attributes. Lit templates escape every value; these rules keep anyone from opting out. (The
// dashboard at run time, under its CSP, is test/e2e/dashboard-page.e2e.test.ts.)
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { build } from 'esbuild';

const ROOT = resolve(__dirname, '../../..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** The bundle as esbuild makes it for media/dist (esbuild.mjs), in memory, with the list of its inputs. */
async function bundle(page: string): Promise<{ code: string; inputs: string[] }> {
  const result = await build({
    entryPoints: [join(page, 'main.ts')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: ROOT,
  });
  return { code: result.outputFiles[0]?.text ?? '', inputs: Object.keys(result.metafile.inputs) };
}

interface Page {
  name: string;
  /** Its folder under media/. */
  folder: string;
  /** Its components, one file each under components/. */
  tags: string[];
  /** Files of another page's it shares (paths from the repository's root, without `.ts`). */
  borrows: string[];
}

const PAGES: Page[] = [
  {
    name: 'dashboard',
    folder: 'media/dashboard',
    tags: ['fl-dashboard', 'fl-dispatcher', 'fl-run-card', 'fl-meter', 'fl-chart', 'fl-stats', 'fl-error-list', 'fl-batches'],
    borrows: [],
  },
  {
    name: 'results',
    folder: 'media/results',
    tags: ['fl-results', 'fl-results-totals', 'fl-results-toolbar', 'fl-results-table', 'fl-results-detail'],
    // The dashboard's `fl-post` event, its shared styles and its CSP-safe style directive.
    borrows: ['media/dashboard/components/events', 'media/dashboard/components/shared-styles', 'media/dashboard/components/style-props'],
  },
];

for (const { name, folder, tags, borrows } of PAGES) {
  const PAGE = join(ROOT, folder);
  const sources = files(PAGE).map((path) => ({ path: relative(ROOT, path), text: readFileSync(path, 'utf8') }));
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  /** What its bundle may hold: the page, what it borrows, Lit and @vscode-elements (protocol.ts is types only). */
  const ownInput = new RegExp(`^(${escape(folder)}/|${borrows.map((b) => `${escape(b)}\\.ts$`).join('|') || '$^'}|node_modules/(lit|lit-html|lit-element|@lit|@lit-labs|@vscode-elements)/)`);

  describe(`the ${name} page`, () => {
    it('has its components, one small file each', () => {
      const names = sources.map((s) => s.path);
      for (const tag of tags) {
        const file = `${folder}/components/${tag}.ts`;
        assert.ok(names.includes(file), file);
        assert.match(sources.find((s) => s.path === file)?.text ?? '', new RegExp(`customElements\\.define\\('${tag}'`));
      }
      for (const s of sources) assert.ok(s.text.split('\n').length <= 300, `${s.path} is over 300 lines`);
    });

    it('imports Lit, @vscode-elements and itself, and from the host only the protocol, as types', () => {
      const offenders: string[] = [];
      for (const { path, text } of sources) {
        for (const m of text.matchAll(/^import\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm)) {
          const [, isType, spec = ''] = m;
          if (spec === 'lit' || spec.startsWith('lit/') || /^@vscode-elements\/elements\/dist\/vscode-[a-z-]+\/index\.js$/.test(spec)) continue;
          if (spec.startsWith('.')) {
            const target = relative(ROOT, resolve(ROOT, path, '..', spec));
            if (target.startsWith(`${folder}/`) || borrows.includes(target)) continue;
            if (target === 'src/extension/protocol' && isType) continue;
          }
          offenders.push(`${path}: ${m[0]}`);
        }
      }
      assert.deepEqual(offenders, []);
    });

    it('writes no markup from strings and no style attributes, in its own code', () => {
      // styleMap writes style="…" on first render, which the CSP refuses: style-props.ts uses CSSOM.
      const sinks = /\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write|unsafeHTML|unsafeSVG|unsafeMathML|unsafeStatic|unsafeCSS|styleMap|eval|Function)\b|\sstyle=|\son[a-z]+=/;
      const offenders = sources.flatMap(({ path, text }) =>
        text.split('\n').flatMap((line, i) => (sinks.test(line.replace(/\/\/.*$|^\s*\*.*$/, '')) ? [`${path}:${i + 1}: ${line.trim()}`] : [])),
      );
      assert.deepEqual(offenders, []);
    });

    it('bundles none of the host, no unsafe directive, and parses HTML only for Lit templates', async function () {
      this.timeout(30_000);
      const { code, inputs } = await bundle(PAGE);
      const outside = inputs.filter((i) => !ownInput.test(i));
      assert.deepEqual(outside, [], 'only the page, Lit and @vscode-elements (protocol.ts is types only)');
      const unsafe = inputs.filter((i) => /\/(unsafe-html|unsafe-svg|unsafe-mathml|style-map)\.js$|lit-html\/static\.js$/.test(i));
      assert.deepEqual(unsafe, []);
      assert.doesNotMatch(code, /directiveName\s*=\s*"unsafe/);
      assert.doesNotMatch(code, /insertAdjacentHTML|outerHTML|document\.write\(|\beval\(|new Function\(/);
      // The one `innerHTML =` is lit-html filling a <template> with a template's own static strings
      // (never values), through a Trusted Types policy where there is one.
      const assignments = code.match(/\.innerHTML\s*=/g) ?? [];
      const litTemplate = code.match(/createElement\("template"\);\s*return\s+\w+\.innerHTML\s*=/g) ?? [];
      assert.equal(assignments.length, 1, `innerHTML assignments: ${assignments.length}`);
      assert.equal(litTemplate.length, 1);
    });
  });
}
