// What one request in flight costs the process: the number behind the default in-flight cap.
// Holds N real SDK requests open against the mock API (replies take 20 s) and reports RSS and heap
// growth per request.  npx tsx bench/in-flight-memory.ts [N=1000]
import { createSdkMessagesClient } from '../src/core/client/messages-client';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

const N = Number(process.argv[2] ?? 1_000);
const MANY = 1_000_000_000;

async function main(): Promise<void> {
  // The mock in its own process: what is measured here is the client's side alone.
  const mock = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '../test/fixtures/mock-server-process.ts'), '--api-key', 'k', '--rpm', String(MANY), '--itpm', String(MANY), '--otpm', String(MANY), '--latency-base', '20000', '--per-token-ms', '0', '--jitter', '0', '--output-tokens', '50'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [first] = (await once(mock.stdout!, 'data')) as [Buffer];
  const { url } = JSON.parse(first.toString().split('\n')[0]!) as { url: string };
  const client = createSdkMessagesClient({ apiKey: 'k', baseURL: url });
  const params = { model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user' as const, content: 'a prompt of a few hundred bytes '.repeat(10) }] };
  // Warm up (module loading, first connection), then measure from a settled heap.
  await client.create(params, { signal: new AbortController().signal, timeoutMs: 60_000 }).catch(() => undefined);
  global.gc?.();
  const before = process.memoryUsage();
  // One controller each, as the dispatcher gives every request.
  const controllers = Array.from({ length: N }, () => new AbortController());
  const pending = controllers.map((c) => client.create(params, { signal: c.signal, timeoutMs: 60_000 }).catch(() => undefined));
  // Let every request reach the server and sit there.
  await new Promise((r) => setTimeout(r, 5_000));
  global.gc?.();
  const during = process.memoryUsage();
  const received = N;
  for (const c of controllers) c.abort();
  await Promise.all(pending);
  mock.kill('SIGTERM');
  const perRss = (during.rss - before.rss) / received;
  const perHeap = (during.heapUsed - before.heapUsed) / received;
  console.log(`${received} requests in flight (client side): RSS +${((during.rss - before.rss) / 1e6).toFixed(1)} MB ` +
    `(${(perRss / 1024).toFixed(1)} KB each), heap +${((during.heapUsed - before.heapUsed) / 1e6).toFixed(1)} MB (${(perHeap / 1024).toFixed(1)} KB each)`);
}

void main();
