// Dispatcher overhead: a zero-latency fake API answers at once, so everything measured is
// Floorline's own work per request (read-ahead, estimating, quota model, spend reservation,
// bookkeeping). No HTTP, no SDK.
import { Dispatcher } from '../src/core/dispatch/dispatcher';
import type { MessagesClient } from '../src/core/client/messages-client';
import { Pricing } from '../src/core/pricing/pricing';
import type { InputRequest } from '../src/core/types';

export interface MicroResult {
  requests: number;
  seconds: number;
  cpuSeconds: number;
  usPerRequestWall: number;
  usPerRequestCpu: number;
  requestsPerSecond: number;
}

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

/** Best of `rounds` after a JIT warm-up; the spend cap and the quota model are active. */
export async function microBench(n: number, rounds = 3): Promise<MicroResult> {
  await measure(5_000);
  let best: { seconds: number; cpuSeconds: number } | undefined;
  for (let i = 0; i < rounds; i++) {
    const m = await measure(n);
    if (!best || m.seconds < best.seconds) best = m;
  }
  const { seconds, cpuSeconds } = best!;
  return {
    requests: n,
    seconds,
    cpuSeconds,
    usPerRequestWall: (seconds * 1e6) / n,
    usPerRequestCpu: (cpuSeconds * 1e6) / n,
    requestsPerSecond: n / seconds,
  };
}
