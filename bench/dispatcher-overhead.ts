// Dispatcher overhead: a zero-latency fake API answers at once, so everything measured is
// Floorline's own work per request (reading ahead, estimating, quota model, spend, bookkeeping).
//   npx tsx bench/dispatcher-overhead.ts [N]
import { writeFileSync, mkdirSync } from 'node:fs';
import { Dispatcher } from '../src/core/dispatch/dispatcher';
import type { MessagesClient } from '../src/core/client/messages-client';
import { Pricing } from '../src/core/pricing/pricing';
import type { InputRequest } from '../src/core/types';

const N = Number(process.argv[2] ?? 200_000);

const headers = new Headers({
  'anthropic-ratelimit-requests-limit': '1000000000',
  'anthropic-ratelimit-requests-remaining': '999999000',
  'anthropic-ratelimit-input-tokens-limit': '1000000000',
  'anthropic-ratelimit-input-tokens-remaining': '999000000',
  'anthropic-ratelimit-output-tokens-limit': '1000000000',
  'anthropic-ratelimit-output-tokens-remaining': '999000000',
});
const usage = { input_tokens: 400, output_tokens: 200, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
const client: MessagesClient = {
  create: () => Promise.resolve({ message: { id: 'msg', usage }, headers, requestId: null }),
};

async function* requests(n: number): AsyncIterable<InputRequest> {
  for (let i = 0; i < n; i++) {
    yield { customId: `r${i}`, line: i + 1, params: { model: 'claude-haiku-4-5', max_tokens: 300, messages: [{ role: 'user', content: `Prompt number ${i}: write a short poem about the sea.` }] } };
  }
}

async function measure(n: number): Promise<{ seconds: number; cpuSeconds: number }> {
  const dispatcher = new Dispatcher({ client, maxInFlight: 256, retryBudgetPerMinute: 0 });
  let results = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const run = dispatcher.addRun({ label: 'bench', requests: requests(n), total: n, pricing: new Pricing(), maxSpendUsd: 1e9, onResult: () => results++ });
  const summary = await run.done;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  if (summary.succeeded !== n || results !== n) throw new Error(`expected ${n} results, got ${summary.succeeded}`);
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

async function main(): Promise<void> {
  await measure(5_000); // warm up the JIT
  const { seconds, cpuSeconds } = await measure(N);
  const usPerRequest = (seconds * 1e6) / N;
  const cpuUsPerRequest = (cpuSeconds * 1e6) / N;
  const table = [
    '| requests | wall time | µs per request (wall) | µs per request (CPU) | requests/s on one core |',
    '| ---: | ---: | ---: | ---: | ---: |',
    `| ${N.toLocaleString('en')} | ${seconds.toFixed(2)} s | ${usPerRequest.toFixed(1)} | ${cpuUsPerRequest.toFixed(1)} | ${Math.round(N / seconds).toLocaleString('en')} |`,
  ].join('\n');
  console.log('Dispatcher overhead (zero-latency fake API, spend cap and quota model active):\n');
  console.log(table);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/dispatcher-overhead.md', `# Dispatcher overhead\n\n${table}\n\nNode ${process.version}, ${new Date().toISOString().slice(0, 10)}.\n`);
}

void main();
