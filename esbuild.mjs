// Bundles the fronts of Floorline. Type-checking is `tsc --noEmit`, kept separate so builds stay fast.
//   node esbuild.mjs [--production] [--watch] [--tests] [--lib]
// --lib: the library bundles alone (its declarations are `tsc -p tsconfig.lib.json`, see `build:lib`).
import * as esbuild from 'esbuild';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const tests = process.argv.includes('--tests');

const shared = {
  bundle: true,
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'warning',
  legalComments: 'none',
};

// The library (`import { Floorline } from 'floorline'`): the project's own code bundled, npm
// dependencies left to the consumer's node_modules (they are the package's `dependencies`), so a
// program shares one copy of the SDK with us (its error classes are the ones `messages.create`
// throws). The simulator is bundled too: `simulate:` reaches it through a lazy `require` that esbuild
// resolves at build time, in the ESM build as well.
// Not minified and without maps, in every build: a library's stack traces should read as code.
const library = { ...shared, minify: false, sourcemap: false, entryPoints: ['src/lib/index.ts'], platform: 'node', target: 'node20', packages: 'external' };
const libraryBuilds = [
  { ...library, outfile: 'dist/lib/index.mjs', format: 'esm' },
  { ...library, outfile: 'dist/lib/index.cjs', format: 'cjs' },
];
const libOnly = process.argv.includes('--lib');

const builds = libOnly ? libraryBuilds : [
  ...libraryBuilds,
  // The extension host loads CommonJS; `vscode` is provided by the host at run time.
  { ...shared, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'] },
  // The CLI is one self-contained file so `npx floorline` needs no node_modules at run time.
  { ...shared, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', target: 'node20', banner: { js: '#!/usr/bin/env node' } },
  // The dashboard's own script runs in the webview (a browser), loaded from media/ under a strict CSP.
  { ...shared, entryPoints: ['media/dashboard/main.ts'], outfile: 'media/dist/dashboard.js', platform: 'browser', format: 'iife', target: 'es2022' },
  // The results editor's page (a custom editor for *.results.jsonl), the same way.
  { ...shared, entryPoints: ['media/results/main.ts'], outfile: 'media/dist/results.js', platform: 'browser', format: 'iife', target: 'es2022' },
];

if (tests) {
  // The extension-host test suite: mocha runs inside VS Code, which loads it as CommonJS.
  builds.push({
    ...shared,
    minify: false,
    entryPoints: ['test/extension/suite/index.ts'],
    outfile: 'out/test/extension/index.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'mocha'],
  });
}

// Codicons come from the package, copied next to the webview's other assets.
mkdirSync('media', { recursive: true });
for (const file of ['codicon.css', 'codicon.ttf']) copyFileSync(`node_modules/@vscode/codicons/dist/${file}`, `media/${file}`);

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('esbuild: watching');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  if (!libOnly) {
    latin1Only('dist/cli.js');
    chmodSync('dist/cli.js', 0o755);
  }
}

/**
 * V8 keeps a script's source in the heap for as long as it runs (functions compile lazily from
 * it), one byte a character only if every character is Latin-1: the few '—' and '…' in the
 * comments esbuild keeps made the CLI's source 4 MB instead of 2, a fifth of its live heap. Code is
 * printed ASCII-only already (esbuild's default charset), so only comments change; they are whole
 * lines, so no source-map column moves.
 */
function latin1Only(file) {
  const text = readFileSync(file, 'utf8');
  const escaped = text.replace(/[^\u0000-\u00ff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (escaped !== text) writeFileSync(file, escaped);
}
