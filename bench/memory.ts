// Peak memory (RSS) of the `floorline` CLI running a large file against the mock API.
//   npm run build && npx tsx bench/memory.ts [LINES]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startMockServer } from '../src/core/simulator/mock-server';

const LINES = Number(process.argv[2] ?? 20_000);
const MANY = 1_000_000_000;

function peakRssMb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+)/.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'floorline-bench-'));
  const input = join(dir, 'big.jsonl');
  const fd = openSync(input, 'w');
  for (let i = 0; i < LINES; i++) {
    writeSync(fd, JSON.stringify({ custom_id: `id-${i}`, params: { model: 'claude-haiku-4-5', max_tokens: 200, messages: [{ role: 'user', content: `Question ${i}: ${'some context '.repeat(30)}` }] } }) + '\n');
  }
  closeSync(fd);
  const server = await startMockServer({ apiKey: 'k', limits: { requestsPerMinute: MANY, inputTokensPerMinute: MANY, outputTokensPerMinute: MANY }, latency: { baseMs: 2, perOutputTokenMs: 0, jitter: 0 }, outputTokens: 50 });
  const started = Date.now();
  const child = spawn(process.execPath, [resolve('dist/cli.js'), 'run', input, '--base-url', server.url, '--max-in-flight', '64'], {
    env: { PATH: process.env.PATH, CI: 'true', ANTHROPIC_API_KEY: 'k' },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  let peak = 0;
  const poll = setInterval(() => (peak = Math.max(peak, peakRssMb(child.pid!) ?? 0)), 50);
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  clearInterval(poll);
  const seconds = (Date.now() - started) / 1000;
  await server.close();
  const results = readFileSync(join(dir, 'big.results.jsonl'), 'utf8').split('\n').filter(Boolean).length;
  rmSync(dir, { recursive: true, force: true });
  const table = [
    '| lines | exit | results | wall time | peak RSS |',
    '| ---: | ---: | ---: | ---: | ---: |',
    `| ${LINES.toLocaleString('en')} | ${code} | ${results.toLocaleString('en')} | ${seconds.toFixed(1)} s | ${peak.toFixed(0)} MB |`,
  ].join('\n');
  console.log('Peak memory of `floorline run` (CLI process only; the mock API runs in the bench process):\n');
  console.log(table);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(`bench/results/memory-${LINES}.md`, `# Peak memory, ${LINES} lines\n\n${table}\n`);
}

void main();
