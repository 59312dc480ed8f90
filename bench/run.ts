// `npm run bench`: every contender through every scenario, side by side, then the table, the charts,
// the micro-benchmark and the results viewer's (bench/results-open.ts). Flags:
//   --quick              a smoke run for CI: ten scenarios that cover every mechanism (and the small jobs), small jobs; results go to bench/results/quick/
//   --memory             also (only, with --memory-only) the CLI's peak memory on 1,000,000 lines (20,000 with --quick)
//   --memory-only        just the memory step
//   --scenario A,B       only these scenarios (others keep their last results in results.json)
//   --contender A,B      only these contenders
//   --jobs N             contender runs at once for real-time scenarios (default 2, quick 3; time-compressed and `alone` ones run one at a time)
//   --workers N          naive workers (default 32)   --semaphore N   the semaphore's cap (default 16, or the scenario's own; the flag overrides both)
//   --no-cap             diagnostic: no spend cap except in the spend-cap scenario
//   --report-only        rewrite results.md, the charts and the README section from results.json (current notes)
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { scenarios as allScenarios, type Scenario } from './scenarios';
import { buildJob, type Job } from './jobs';
import { runOne, type HarnessSettings } from './harness';
import { chainIdealTime, figures, idealTime, initialLevels, scenarioClasses, type Figures } from './metrics';
import { CONTENDERS } from './contenders';
import { microBench } from './micro';
import { memoryBench, type MemoryResult } from './memory';
import { resultsOpenBench, resultsOpenTable } from './results-open';
import { BOUNDS_NOTE, CALM_NOTE, calmTable, chartSvg, markdownTable, microTable, memoryTable, performanceSection, resultsMarkdown, verdict, type Report, type ScenarioResult } from './report';

const ROOT = resolve(__dirname, '..');

function log(text: string): void {
  process.stderr.write(`${text}\n`);
}

async function pool<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: Math.max(1, size) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  }));
}

async function runScenario(scenario: Scenario, contenders: string[], common: HarnessSettings, jobs: number, semaphoreFlag: number | undefined): Promise<ScenarioResult> {
  // The semaphore as a user would size it for this scenario, unless --semaphore says otherwise.
  const settings: HarnessSettings = { ...common, semaphore: semaphoreFlag ?? scenario.semaphore ?? common.semaphore };
  const path = join(settings.scratch, `${scenario.name}.jsonl`);
  const job: Job = buildJob(scenario.job, path);
  // Every class the job (or its fallback chains) draws on, each at the scenario's start.
  const levels0 = initialLevels(scenario, scenarioClasses(scenario, job));
  const planned = idealTime(scenario, job, levels0);
  const plannedFloor = idealTime(scenario, job, levels0, undefined, [], true);
  const plannedChain = chainIdealTime(scenario, job, levels0, true);
  const classNote = scenario.classLimits || scenario.job.models ? ` of ${planned.bindingClass}` : '';
  log(
    `\n## ${scenario.name}: ${scenario.title} — ${job.lines.length} lines, ideal ${planned.seconds.toFixed(1)} s (floor-aware ${plannedFloor.seconds.toFixed(1)} s; ${planned.binding}-bound${classNote}, ${planned.boundRps.toFixed(1)} req/s, ` +
      `mean reply ${planned.latencySec.toFixed(1)} s)${plannedChain ? `, with the fallback chain ${plannedChain.seconds.toFixed(1)} s floor-aware` : ''}, cap $${(job.expectedUsd * scenario.capFactor).toFixed(3)}, semaphore ${settings.semaphore}`,
  );
  const byName = new Map<string, Figures>();
  await pool(contenders, scenario.timeScale === 1 && !scenario.alone ? jobs : 1, async (name) => {
    // Stopped at a multiple of the floor-aware bound: a client that keeps the floor for others is
    // given the time that takes (in a drained 3-second job, the 6 s reserve is most of it).
    const record = await runOne(scenario, job, name, plannedFloor.seconds, settings);
    const f = figures(scenario, job, record);
    byName.set(name, f);
    log(
      `  ${name.padEnd(14)} ${f.status.padEnd(8)} ${String(f.linesDone).padStart(6)}/${f.lines}  ` +
        `${f.elapsedSec?.toFixed(1) ?? '—'} s (ideal ${f.idealSec.toFixed(1)} / ${f.floorIdealSec?.toFixed(1) ?? '—'})  util ${f.utilization === null ? '—' : (f.utilization * 100).toFixed(0) + '%'}` +
        ` / ${f.floorUtilization == null ? '—' : (f.floorUtilization * 100).toFixed(0) + '%'}  steady ${f.steady === null ? '—' : (f.steady * 100).toFixed(0) + '%'}  ` +
        `429 ${f.rateLimited}/${f.received}  billed $${f.billedUsd.toFixed(3)}  hold ${f.floorHoldSec?.toFixed(1) ?? '—'}  cpu ${f.cpuUsPerRequest?.toFixed(0) ?? '—'} µs  [${record.realSeconds.toFixed(0)} s real]` +
        (Object.keys(record.sentByModel).length > 1 || scenario.fallback
          ? `\n      sent ${modelCounts(record.sentByModel)}; answered ${modelCounts(f.answeredBy ?? {})}` +
            (f.unnamedModel !== undefined ? `; result lines naming no model ${f.unnamedModel}, by a fallback ${f.fallbackLines ?? 0}, model ≠ reply's ${f.modelMismatch ?? 0}` : '')
          : '') +
        (f.detail ? `\n      ${f.detail.split('\n')[0]}` : ''),
    );
  });
  const limits = scenario.limits;
  const { classLimits, fallback } = scenario;
  return {
    scenario: {
      name: scenario.name,
      title: scenario.title,
      description: scenario.description,
      timeScale: scenario.timeScale,
      capBinding: scenario.capBinding,
      whenBehind: scenario.whenBehind,
      limits,
      ...(classLimits ? { classLimits } : {}),
      ...(fallback ? { fallback } : {}),
      initial: scenario.initial,
    },
    figures: contenders.map((n) => byName.get(n)!).filter(Boolean),
    setups: Object.fromEntries(CONTENDERS.map((c) => [c.name, c.describe({ limits, workers: settings.workers, semaphore: settings.semaphore, ...(fallback ? { fallback } : {}) })])),
  };
}

/** `claude-opus-4-7 212, claude-sonnet-4-6 588` (most first). */
function modelCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  return entries.length ? entries.map(([m, n]) => `${m} ${n}`).join(', ') : 'none';
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      memory: { type: 'boolean' },
      'memory-only': { type: 'boolean' },
      scenario: { type: 'string', multiple: true },
      contender: { type: 'string', multiple: true },
      jobs: { type: 'string' },
      workers: { type: 'string' },
      semaphore: { type: 'string' },
      'no-cap': { type: 'boolean' },
      'report-only': { type: 'boolean' },
    },
  });
  const quick = values.quick ?? false;
  const started = Date.now();
  const outDir = join(ROOT, 'bench', 'results', ...(quick ? ['quick'] : []));
  mkdirSync(outDir, { recursive: true });
  const cliPath = join(ROOT, 'dist', 'cli.js');
  if (!existsSync(cliPath)) throw new Error('dist/cli.js is missing: run `node esbuild.mjs` first (npm run bench does)');
  const newestSrc = Math.max(...['src/core/dispatch/dispatcher.ts', 'src/core/limits/quota-model.ts', 'src/cli/run-command.ts'].map((p) => statSync(join(ROOT, p)).mtimeMs));
  if (statSync(cliPath).mtimeMs < newestSrc) log('warning: dist/cli.js is older than src/: the CLI contender runs the old build (npm run bench rebuilds it)');

  if (values['report-only']) {
    const report = readJson<Report>(join(outDir, 'results.json'));
    if (!report) throw new Error(`no ${join(outDir, 'results.json')} to report from`);
    const current = new Map(allScenarios(quick).map((s) => [s.name, s]));
    for (const r of report.scenarios) {
      const now = current.get(r.scenario.name);
      if (now) r.scenario = { ...r.scenario, title: now.title, description: now.description, whenBehind: now.whenBehind };
    }
    report.memory = [20_000, 1_000_000].map((n) => readJson<MemoryResult>(join(ROOT, 'bench', 'results', `memory-${n}.json`))).filter((m): m is MemoryResult => m !== undefined);
    writeReport(report, outDir, report.scenarios, quick);
    return;
  }

  const memoryOnly = values['memory-only'] ?? false;
  const memoryPath = (lines: number) => join(ROOT, 'bench', 'results', `memory-${lines}.json`);
  if (values.memory || memoryOnly) {
    const lines = quick ? 20_000 : 1_000_000;
    log(`memory: floorline run on ${lines.toLocaleString('en')} lines (zero-latency mock, limits nobody reaches)…`);
    const m = await memoryBench(lines, cliPath);
    writeFileSync(memoryPath(lines), JSON.stringify(m, null, 2) + '\n');
    log(memoryTable([m]));
    if (memoryOnly) return;
  }

  const chosen = (values.scenario ?? []).flatMap((s) => s.split(','));
  const list = allScenarios(quick).filter((s) => (chosen.length === 0 ? !quick || s.quick : chosen.includes(s.name)));
  if (chosen.length && list.length !== chosen.length) throw new Error(`unknown scenario in ${chosen.join(',')} (known: ${allScenarios(quick).map((s) => s.name).join(', ')})`);
  const contenders = (values.contender ?? []).flatMap((s) => s.split(',')).filter(Boolean);
  const names = contenders.length ? contenders : CONTENDERS.map((c) => c.name);
  for (const n of names) if (!CONTENDERS.some((c) => c.name === n)) throw new Error(`unknown contender '${n}'`);

  log('micro-benchmark: dispatcher overhead with a zero-latency fake client…');
  const micro = await microBench(quick ? 50_000 : 200_000);
  log(microTable(micro));
  // Printed, not recorded in results.json: a few seconds, the same in --quick.
  log('results viewer: opening a 100,000-line results file…');
  log(resultsOpenTable(await resultsOpenBench(100_000)));

  const scratch = mkdtempSync(join(tmpdir(), 'floorline-bench-'));
  const settings: HarnessSettings = {
    workers: Number(values.workers ?? 32),
    semaphore: Number(values.semaphore ?? 16),
    cliPath,
    scratch,
    noCap: values['no-cap'] ?? false,
  };
  const jobs = Number(values.jobs ?? (quick ? 3 : 2));
  const fresh: ScenarioResult[] = [];
  try {
    const semaphoreFlag = values.semaphore === undefined ? undefined : Number(values.semaphore);
    for (const scenario of list) fresh.push(await runScenario(scenario, names, settings, jobs, semaphoreFlag));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  // Merge with earlier results of scenarios not run this time.
  const jsonPath = join(outDir, 'results.json');
  const previous = readJson<Report>(jsonPath);
  const order = allScenarios(quick).map((s) => s.name);
  const merged = new Map<string, ScenarioResult>();
  for (const r of previous?.scenarios ?? []) if (order.includes(r.scenario.name)) merged.set(r.scenario.name, r);
  for (const r of fresh) merged.set(r.scenario.name, r);
  const memory = [20_000, 1_000_000].map((n) => readJson<MemoryResult>(memoryPath(n))).filter((m): m is MemoryResult => m !== undefined);
  const report: Report = {
    date: new Date().toISOString().slice(0, 10),
    node: process.version,
    mode: quick ? 'quick' : 'full',
    machine: `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'})`,
    benchSeconds: (Date.now() - started) / 1000,
    scenarios: order.map((n) => merged.get(n)).filter((r): r is ScenarioResult => r !== undefined),
    micro,
    memory,
  };
  writeFileSync(jsonPath, serialize(report));
  writeReport(report, outDir, fresh, quick);

  process.stdout.write(`\n${markdownTable(report.scenarios)}\n\n${BOUNDS_NOTE}\n\n${calmTable(report.scenarios)}\n\n${CALM_NOTE}\n\n`);
  for (const r of report.scenarios) {
    const v = verdict(r);
    process.stdout.write(`${v.ok ? '✓' : '✗'} ${r.scenario.name}: ${v.lines.join('; ')}\n`);
  }
  process.stdout.write(`\nDispatcher overhead:\n${microTable(micro)}\n\nwrote ${join(outDir, 'results.md')} and ${fresh.length} chart(s); bench took ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}

/** Compact and diff-friendly: numbers to 4 significant digits, one scenario per line. */
function serialize(report: Report): string {
  const round = (_key: string, value: unknown) => (typeof value === 'number' && !Number.isInteger(value) ? Number(value.toPrecision(4)) : value);
  const { scenarios, ...rest } = report;
  const head = JSON.stringify(rest, round);
  return `${head.slice(0, -1)},"scenarios":[\n${scenarios.map((s) => JSON.stringify(s, round)).join(',\n')}\n]}\n`;
}

function writeReport(report: Report, outDir: string, charts: ScenarioResult[], quick: boolean): void {
  for (const r of charts) writeFileSync(join(outDir, `chart-${r.scenario.name}.svg`), chartSvg(r));
  writeFileSync(join(outDir, 'results.md'), resultsMarkdown(report));
  // Ready to paste into the project README.
  if (!quick) writeFileSync(join(outDir, 'performance-section.md'), performanceSection(report));
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
