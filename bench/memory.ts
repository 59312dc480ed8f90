// Peak memory (VmHWM) of the `floorline` CLI process running a large file against the mock API with
// zero latency and limits nobody reaches. The mock runs in this process; only the CLI is measured.
//
// Besides the headline peak, where it was reached: before the first request arrived (the scan, the
// resume, the pre-flight: what grows with the file) or while dispatching (what does not). Then the
// same command once more on the finished results: a resume with every id already answered, which
// holds the whole "already succeeded" set and reads the input again, sending nothing.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, openSync, writeSync, closeSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { startMockServer, type MockServer } from '../src/simulator/mock-server';

export interface MemoryResult {
  lines: number;
  exitCode: number | null;
  results: number;
  seconds: number;
  peakRssMb: number;
  /** VmHWM when the first request reached the API: the scan and the resume's share. */
  prepareRssMb?: number;
  /** The highest VmRSS sampled after that (every 50 ms): dispatching's share. */
  dispatchRssMb?: number;
  /** The same command again on the finished results (a resume with nothing left to send). */
  resume?: { exitCode: number | null; seconds: number; peakRssMb: number };
  date: string;
  node: string;
}

const MANY = 1_000_000_000;

function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const kb = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) : undefined;
  } catch {
    return undefined;
  }
}

async function countLines(path: string): Promise<number> {
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(path) })) if (line) n++;
  return n;
}

interface Measured {
  exitCode: number | null;
  seconds: number;
  peakRssMb: number;
  prepareRssMb: number | undefined;
  dispatchRssMb: number | undefined;
}

/** Runs `floorline run input` against `server`, sampling the child's memory every 50 ms. */
async function measureRun(cliPath: string, input: string, server: MockServer): Promise<Measured> {
  const receivedBefore = server.stats().received;
  const started = Date.now();
  const child = spawn(process.execPath, [resolve(cliPath), 'run', input, '--base-url', server.url, '--max-in-flight', '64'], {
    env: { PATH: process.env.PATH, CI: 'true', ANTHROPIC_API_KEY: 'k' },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  let peakKb = 0;
  let prepareKb: number | undefined;
  let dispatchKb: number | undefined;
  const poll = setInterval(() => {
    const hwm = statusKb(child.pid!, 'VmHWM');
    if (hwm === undefined) return;
    peakKb = Math.max(peakKb, hwm);
    if (prepareKb === undefined) {
      if (server.stats().received > receivedBefore) prepareKb = hwm;
    } else {
      dispatchKb = Math.max(dispatchKb ?? 0, statusKb(child.pid!, 'VmRSS') ?? 0);
    }
  }, 50);
  // Bounded: a million lines take minutes; nothing takes an hour.
  const kill = setTimeout(() => child.kill('SIGKILL'), 60 * 60_000);
  const exitCode = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  clearInterval(poll);
  clearTimeout(kill);
  const mb = (kb: number | undefined): number | undefined => (kb === undefined ? undefined : kb / 1024);
  return { exitCode, seconds: (Date.now() - started) / 1000, peakRssMb: peakKb / 1024, prepareRssMb: mb(prepareKb), dispatchRssMb: mb(dispatchKb) };
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
    try {
      const run = await measureRun(cliPath, input, server);
      const results = await countLines(join(dir, 'big.results.jsonl'));
      const again = await measureRun(cliPath, input, server);
      const round = (mb: number | undefined): number | undefined => (mb === undefined ? undefined : Math.round(mb * 10) / 10);
      const result: MemoryResult = {
        lines,
        exitCode: run.exitCode,
        results,
        seconds: run.seconds,
        peakRssMb: run.peakRssMb,
        prepareRssMb: round(run.prepareRssMb),
        dispatchRssMb: round(run.dispatchRssMb),
        resume: { exitCode: again.exitCode, seconds: again.seconds, peakRssMb: round(again.peakRssMb)! },
        date: new Date().toISOString().slice(0, 10),
        node: process.version,
      };
      process.stderr.write(
        `memory: peak ${result.peakRssMb.toFixed(0)} MB — ${result.prepareRssMb?.toFixed(0) ?? '?'} MB by the first request (scan, resume), ` +
          `${result.dispatchRssMb?.toFixed(0) ?? '?'} MB at most while dispatching; run again on the finished results (all ${results.toLocaleString('en')} already succeeded): ` +
          `${result.resume!.peakRssMb.toFixed(0)} MB, ${again.seconds.toFixed(0)} s, exit ${again.exitCode}\n`,
      );
      return result;
    } finally {
      await server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
