// Peak memory (VmHWM) of the `floorline` CLI process running a large file against the mock API with
// zero latency and limits nobody reaches. The mock runs in this process; only the CLI is measured.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, openSync, writeSync, closeSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { startMockServer } from '../src/core/simulator/mock-server';

export interface MemoryResult {
  lines: number;
  exitCode: number | null;
  results: number;
  seconds: number;
  peakRssMb: number;
  date: string;
  node: string;
}

const MANY = 1_000_000_000;

function peakRssMb(pid: number): number | undefined {
  try {
    const kb = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function countLines(path: string): Promise<number> {
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(path) })) if (line) n++;
  return n;
}

export async function memoryBench(lines: number, cliPath: string): Promise<MemoryResult> {
  const dir = mkdtempSync(join(tmpdir(), 'floorline-bench-mem-'));
  try {
    const input = join(dir, 'big.jsonl');
    const fd = openSync(input, 'w');
    const chunk: string[] = [];
    for (let i = 0; i < lines; i++) {
      chunk.push(JSON.stringify({ custom_id: `id-${i}`, params: { model: 'claude-haiku-4-5', max_tokens: 200, messages: [{ role: 'user', content: `Question ${i}: ${'some context '.repeat(30)}` }] } }));
      if (chunk.length === 10_000) writeSync(fd, chunk.splice(0).join('\n') + '\n');
    }
    if (chunk.length) writeSync(fd, chunk.join('\n') + '\n');
    closeSync(fd);
    const server = await startMockServer({ apiKey: 'k', limits: { requestsPerMinute: MANY, inputTokensPerMinute: MANY, outputTokensPerMinute: MANY }, latency: { baseMs: 0, perOutputTokenMs: 0, jitter: 0 }, outputTokens: 50 });
    const started = Date.now();
    const child = spawn(process.execPath, [resolve(cliPath), 'run', input, '--base-url', server.url, '--max-in-flight', '64'], {
      env: { PATH: process.env.PATH, CI: 'true', ANTHROPIC_API_KEY: 'k' },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    let peak = 0;
    const poll = setInterval(() => (peak = Math.max(peak, peakRssMb(child.pid!) ?? 0)), 50);
    // Bounded: a million lines take minutes; nothing takes an hour.
    const kill = setTimeout(() => child.kill('SIGKILL'), 60 * 60_000);
    const exitCode = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    clearInterval(poll);
    clearTimeout(kill);
    const seconds = (Date.now() - started) / 1000;
    await server.close();
    return { lines, exitCode, results: await countLines(join(dir, 'big.results.jsonl')), seconds, peakRssMb: peak, date: new Date().toISOString().slice(0, 10), node: process.version };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
