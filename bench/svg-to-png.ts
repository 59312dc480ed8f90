// Renders bench/results/*.svg to PNG with the system Chromium, to look at the charts as a reader will.
//   npx tsx bench/svg-to-png.ts [SVG…]   (default: every chart in bench/results/; PNGs go to /tmp)
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { chromium } from 'playwright-core';

async function main(): Promise<void> {
  const dir = resolve(__dirname, 'results');
  const files = process.argv.slice(2).length ? process.argv.slice(2) : readdirSync(dir).filter((f) => f.endsWith('.svg')).map((f) => join(dir, f));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1060, height: 600 } });
    for (const file of files) {
      await page.setContent(`<html><body style="margin:0">${readFileSync(file, 'utf8')}</body></html>`);
      const out = join(tmpdir(), basename(file).replace(/\.svg$/, '.png'));
      await page.screenshot({ path: out });
      process.stdout.write(`${out}\n`);
    }
  } finally {
    await browser.close();
  }
}

void main();
