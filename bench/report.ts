// The markdown table and the SVG charts (written by hand: no chart library).
import { calmComparison, projectedTime, share429, CALM_429_SHARE, type Figures } from './metrics';
import type { Scenario } from './scenarios';
import type { MicroResult } from './micro';
import type { MemoryResult } from './memory';
import { CONTENDERS, DIAGNOSTICS } from './contenders';

export interface ScenarioResult {
  scenario: Pick<Scenario, 'name' | 'title' | 'description' | 'timeScale' | 'capBinding' | 'whenBehind' | 'limits' | 'classLimits' | 'fallback' | 'initial'>;
  figures: Figures[];
  /** How each contender was configured in this scenario. */
  setups: Record<string, string>;
}

export interface Report {
  date: string;
  node: string;
  mode: 'full' | 'quick';
  machine: string;
  benchSeconds: number;
  scenarios: ScenarioResult[];
  micro: MicroResult | undefined;
  memory: MemoryResult[];
}

const LABEL: Record<string, string> = Object.fromEntries([...CONTENDERS, ...DIAGNOSTICS].map((c) => [c.name, c.label]));
const COLOR: Record<string, string> = {
  naive: '#d62728',
  semaphore: '#ff7f0e',
  'p-queue': '#9467bd',
  bottleneck: '#8c564b',
  floorline: '#1f77b4',
  'floorline-cli': '#17becf',
};
const FLOORLINE = new Set(['floorline', 'floorline-cli']);
const DIAGNOSTIC = new Set(DIAGNOSTICS.map((c) => c.name));

const pct = (x: number | null, digits = 0) => (x === null || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(digits)}%`);
const usd = (x: number) => (x < 10 ? `$${x.toFixed(3)}` : `$${x.toFixed(2)}`);
const int = (x: number) => Math.round(x).toLocaleString('en');
const sec = (x: number | null) => (x === null ? '—' : x >= 100 ? `${x.toFixed(0)} s` : `${x.toFixed(1)} s`);

function statusCell(f: Figures): string {
  const done = `${int(f.linesDone)}/${int(f.lines)}`;
  switch (f.status) {
    case 'finished':
      return done;
    case 'deadline':
      return `${done} ⏱`;
    case 'cap':
      return `${done} (cap)`;
    default:
      return `${done} ✗`;
  }
}

/** Is Floorline (each front) ahead of every other contender on utilization, with ≤ 1% 429s and no overshoot? */
export function verdict(result: ScenarioResult): { ok: boolean; lines: string[] } {
  const others = result.figures.filter((f) => !FLOORLINE.has(f.contender) && !DIAGNOSTIC.has(f.contender));
  const calm = others.filter((o) => o.received > 0 && o.rateLimited / o.received <= 0.01);
  const lines: string[] = [];
  let ok = true;
  for (const f of result.figures.filter((x) => FLOORLINE.has(x.contender))) {
    const problems: string[] = [];
    if (result.scenario.capBinding) {
      const overs = others.filter((o) => o.overshootUsd > 0).map((o) => LABEL[o.contender]);
      if (f.overshootUsd > 0) problems.push(`overshot the cap by ${usd(f.overshootUsd)}`);
      lines.push(`${LABEL[f.contender]}: ${problems.length ? problems.join('; ') : `stopped at ${pct(f.billedUsd / (f.capUsd ?? 1))} of the cap, no overshoot`}` +
        (overs.length ? ` (overshot: ${overs.join(', ')})` : ''));
      if (problems.length) ok = false;
      continue;
    }
    const best = others.filter((o) => o.utilization !== null).sort((a, b) => b.utilization! - a.utilization!)[0];
    if (f.utilization === null) problems.push('no utilization (did not run)');
    else if (best && best.utilization! >= f.utilization) problems.push(`behind ${LABEL[best.contender]} on utilization (${pct(f.utilization)} vs ${pct(best.utilization)})`);
    const share = f.received ? f.rateLimited / f.received : 0;
    if (share > 0.01) problems.push(`${pct(share, 1)} of requests answered 429`);
    if (f.overshootUsd > 0) problems.push(`overshot the cap by ${usd(f.overshootUsd)}`);
    if (f.status !== 'finished') problems.push(`did not finish (${f.status})`);
    if (f.unnamedModel) problems.push(`${int(f.unnamedModel)} result lines name no answering model`);
    if (f.modelMismatch) problems.push(`${int(f.modelMismatch)} result lines name another model than the reply's`);
    if (problems.length) ok = false;
    // The same question against only the contenders that themselves stay under 1% 429s.
    const bestCalm = calm.filter((o) => o.utilization !== null).sort((a, b) => b.utilization! - a.utilization!)[0];
    const calmNote =
      problems.length && f.utilization !== null
        ? bestCalm
          ? ` — among contenders with ≤ 1% 429s it is ${bestCalm.utilization! < f.utilization ? 'ahead' : 'behind'} (best: ${LABEL[bestCalm.contender]}, ${pct(bestCalm.utilization)})`
          : ' — every other contender had more than 1% of its requests answered 429'
        : '';
    lines.push(`${LABEL[f.contender]}: ${problems.length ? problems.join('; ') + calmNote : `ahead (${pct(f.utilization)}${best ? ` vs best other ${pct(best.utilization)}, ${LABEL[best.contender]}` : ''}), ${int(f.rateLimited)} × 429, no overshoot`}${chainNote(f)}`);
  }
  return { ok, lines };
}

/** With a fallback chain: the time against the bound with the chain, and which models answered. */
function chainNote(f: Figures): string {
  if (f.chainFloorIdealSec === undefined || f.elapsedSec === null) return '';
  const answered = f.answeredBy ? Object.entries(f.answeredBy).sort((a, b) => b[1] - a[1]).map(([m, n]) => `${int(n)} by ${m}`).join(', ') : '';
  const named = f.unnamedModel === undefined ? '' : f.unnamedModel === 0 && !f.modelMismatch ? '; every result line names the model that answered it' : '';
  return (
    ` — ${sec(f.elapsedSec)} against ${sec(f.chainFloorIdealSec)} with the chain (floor-aware; raw ${sec(f.chainIdealSec ?? null)}): ${pct(f.chainFloorIdealSec / f.elapsedSec)} of it` +
    (answered ? `; lines answered ${answered}${f.fallbackLines !== undefined ? ` (${int(f.fallbackLines)} by a fallback)` : ''}` : '') +
    named
  );
}

/**
 * Per contender, where the scenario has several model classes or a fallback chain: the requests the
 * API saw for each model, the lines answered by each (Floorline: its results file's `model`; the
 * others: the reply's own), and — Floorline only — result lines naming no model or another than the reply's.
 */
function modelTable(results: ScenarioResult[]): string {
  const relevant = results.filter((r) => r.scenario.fallback || r.scenario.classLimits || r.figures.some((f) => Object.keys(f.sentByModel ?? {}).length > 1));
  if (!relevant.length) return '';
  const counts = (c: Record<string, number> | undefined) =>
    c && Object.keys(c).length
      ? Object.entries(c)
          .sort((a, b) => b[1] - a[1])
          .map(([m, n]) => `${m} ${int(n)}`)
          .join(', ')
      : '—';
  const head =
    '| scenario | contender | time | requests sent, by model | lines answered, by model | by a fallback | result lines naming no model | model ≠ reply\'s |\n' +
    '| --- | --- | ---: | --- | --- | ---: | ---: | ---: |';
  const rows = relevant.flatMap((r) =>
    r.figures.map((f) =>
      [
        r.scenario.name,
        FLOORLINE.has(f.contender) ? `**${LABEL[f.contender]}**` : LABEL[f.contender] ?? f.contender,
        sec(f.elapsedSec),
        counts(f.sentByModel),
        counts(f.answeredBy),
        f.fallbackLines === undefined ? 'n/a' : int(f.fallbackLines),
        f.unnamedModel === undefined ? 'n/a' : int(f.unnamedModel),
        f.modelMismatch === undefined ? 'n/a' : int(f.modelMismatch),
      ].join(' | '),
    ),
  );
  return `${head}\n${rows.map((x) => `| ${x} |`).join('\n')}`;
}

const MODEL_NOTE =
  'Requests sent: every request that reached the mock\'s buckets, 429s included, by the model it named. Lines answered: by the model that answered — for Floorline the `model` of each results line (its own model, or the fallback\'s with `fallback_from` set), checked against the reply\'s own `message.model`; for the others the reply\'s `model`. ' +
  'Only the Floorline contenders have a fallback chain (in *fallback*); every other contender sends the model each line names.';

export function markdownTable(results: ScenarioResult[]): string {
  const head =
    '| scenario | contender | lines done | time | raw bound | floor-aware bound¹ | utilization (raw) | utilization (floor-aware)¹ | steady state | 429s | 529s | retries | wasted | bucket empty | billed / cap | overshoot | held at floor | CPU µs/line |\n' +
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |';
  const rows: string[] = [];
  for (const r of results) {
    for (const f of r.figures) {
      const share = f.received ? f.rateLimited / f.received : 0;
      const wastedShare = f.received ? f.wasted / f.received : 0;
      rows.push(
        [
          r.scenario.name,
          FLOORLINE.has(f.contender) ? `**${LABEL[f.contender]}**` : LABEL[f.contender] ?? f.contender,
          statusCell(f),
          sec(f.elapsedSec),
          r.scenario.capBinding ? 'n/a' : sec(f.idealSec),
          r.scenario.capBinding ? 'n/a' : sec(f.floorIdealSec ?? null),
          r.scenario.capBinding ? 'n/a' : FLOORLINE.has(f.contender) ? `**${pct(f.utilization)}**` : pct(f.utilization),
          r.scenario.capBinding ? 'n/a' : FLOORLINE.has(f.contender) ? `**${pct(f.floorUtilization ?? null)}**` : pct(f.floorUtilization ?? null),
          pct(f.steady),
          `${int(f.rateLimited)} (${pct(share, 1)})`,
          int(f.overloaded),
          int(f.retries),
          `${int(f.wasted)} (${pct(wastedShare, 1)})`,
          pct(f.emptyShare),
          f.capUsd === undefined ? usd(f.billedUsd) : `${usd(f.billedUsd)} / ${usd(f.capUsd)}`,
          f.overshootUsd > 0 ? `**+${usd(f.overshootUsd)}**` : '0',
          f.floorHoldSec === null ? 'n/a' : `${sec(f.floorHoldSec)}${f.cooldownSec ? ` (+${sec(f.cooldownSec)} cooling down)` : ''}`,
          f.cpuUsPerRequest === null ? '—' : int(f.cpuUsPerRequest),
        ].join(' | '),
      );
    }
  }
  return `${head}\n${rows.map((r) => `| ${r} |`).join('\n')}`;
}

/** What the table's ¹ means; printed under it. */
export const BOUNDS_NOTE =
  '¹ Two bounds. The **raw bound** (T*) lets every bucket be spent to zero. The **floor-aware bound** keeps Floorline\'s default soft floor — 10% of each token bucket (ITPM, OTPM), 6 s of refill — for everyone else on the key, as a reserve the job never uses: ' +
  'from a drained start the ideal first waits 6 s for it; from a full start the two are the same unless the job needs more than 90% of a full token bucket (then the reserve costs the same 6 s of refill). Requests have no floor. ' +
  'Both end no sooner than the job\'s longest reply (without the mock\'s ±jitter): a job that fits in full buckets can be sent at once, and then that reply is the whole ideal. Utilization is each bound ÷ the actual time. ⏱ = stopped by the run\'s time limit (2× the floor-aware bound + a few seconds; 1.25× + 5 s in long-replies): partial figures, extrapolated. (cap) = stopped by the spend cap.';

const ratioText = (x: number | null) => (x === null ? '—' : `×${x.toFixed(2)}`);

/**
 * Per scenario, the issue's criterion: "Floorline finishes no later than the best contender that
 * keeps 429s ≤ 1%" — that contender, its time, and each Floorline front's time and ratio to it.
 */
export function calmTable(results: ScenarioResult[]): string {
  const head =
    '| scenario | best contender with ≤ 1% 429s | its time | Floorline core | × | Floorline CLI | × | met? |\n' +
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | :---: |';
  const rows: string[] = [];
  const time = (f: Figures | undefined) => {
    if (!f) return '—';
    const t = projectedTime(f);
    if (t === null) return '—';
    return f.status === 'finished' ? sec(t) : `~${sec(t)} ⏱`;
  };
  for (const r of results) {
    if (r.scenario.capBinding) {
      rows.push(`${r.scenario.name} | n/a: the cap binds, nobody finishes the job | | | | | | `);
      continue;
    }
    const c = calmComparison(r.figures, (n) => FLOORLINE.has(n), (n) => DIAGNOSTIC.has(n));
    const front = (name: string) => c.floorline.find((x) => x.figures.contender === name);
    const core = front('floorline');
    const cli = front('floorline-cli');
    const fronts = [core, cli].filter((x) => x !== undefined);
    const met = !c.best ? 'n/a' : fronts.length === 0 ? '—' : fronts.every((x) => x!.meets) ? '✓' : fronts.some((x) => x!.meets) ? 'partly' : '✗';
    const cell = (x: typeof core) => (x ? `${time(x.figures)}${share429(x.figures) > CALM_429_SHARE ? ` (${pct(share429(x.figures), 1)} 429s)` : ''}` : '—');
    rows.push(
      [
        r.scenario.name,
        c.best ? `${LABEL[c.best.contender] ?? c.best.contender} (${pct(share429(c.best), 1)} 429s)` : 'none: every other contender had > 1% 429s',
        time(c.best),
        cell(core),
        ratioText(core?.ratio ?? null),
        cell(cli),
        ratioText(cli?.ratio ?? null),
        met,
      ].join(' | '),
    );
  }
  return `${head}\n${rows.map((x) => `| ${x} |`).join('\n')}`;
}

export const CALM_NOTE =
  'Times are for the whole job: from the first request to the last success, or — stopped by the time limit (⏱) — the time it ran ÷ the share of lines done (the pace it kept, extrapolated). ' +
  '× = Floorline\'s time ÷ the best calm contender\'s (below 1 is sooner). *Met* = Floorline finished, had ≤ 1% 429s itself and was no later (✓ both fronts, *partly* one of them).';

export function microTable(m: MicroResult | undefined): string {
  if (!m) return '_not run_';
  return [
    '| requests | wall time | µs per request (wall) | µs per request (CPU) | requests/s on one core |',
    '| ---: | ---: | ---: | ---: | ---: |',
    `| ${int(m.requests)} | ${m.seconds.toFixed(2)} s | ${m.usPerRequestWall.toFixed(1)} | ${m.usPerRequestCpu.toFixed(1)} | ${int(m.requestsPerSecond)} |`,
  ].join('\n');
}

export function memoryTable(list: MemoryResult[]): string {
  if (!list.length) return '_not run yet: `npm run bench -- --memory`_';
  return [
    '| lines | exit | results | wall time | peak RSS (VmHWM) | measured |',
    '| ---: | ---: | ---: | ---: | ---: | --- |',
    ...list.map((m) => `| ${int(m.lines)} | ${m.exitCode} | ${int(m.results)} | ${sec(m.seconds)} | ${m.peakRssMb.toFixed(0)} MB | ${m.date}, Node ${m.node} |`),
  ].join('\n');
}

const DEFINITIONS = `- **Ideal time** (T*): from the first request, the least time the work could take under the scenario's buckets: for each bucket (RPM, ITPM, OTPM), the refill the work needs beyond what the bucket held when the first request arrived (minus what a second tenant takes), the slowest bucket binding; plus one request's latency (the last reply still has to come back). The work is the job's own consumption with the cache prefix written once. Concurrency is unlimited in T*. A storm window that T* would end inside pushes T* to the window's end. This is the **raw bound**. **Model classes**: the API (and the mock) keeps one set of buckets per model class (every Opus shares one, every Sonnet another, every Haiku another), so a job whose lines name several classes runs each class's work on its own buckets at once, and T* is the class that ends last (*two-classes*: Sonnet's); its bound rate is the classes' rates added up (while every class has lines left).
- **Bound with the fallback chain** (*fallback* only): the job's lines may also be answered by the classes of their chain, so every one of those classes' buckets works at once and the work is split so that they end together — the smallest T at which the shares each class can do by T (its level at the first request, plus its refill, less its reserve, in its tightest bucket) add up to the whole job; plus one mean reply. Given beside Floorline's verdict, raw and floor-aware; the table's bounds stay the job as written (its own model only), which is all a contender without a chain can use.
- **Floor-aware bound**: T* with Floorline's default soft floor kept for everyone else on the key — 10% of each token bucket (ITPM, OTPM; requests have none), which takes 6 s to refill at limit/60 per second — as a reserve the job never spends. From a drained start the ideal first waits those 6 s; from a full start it is the raw bound unless the job needs more than 90% of a full token bucket (then the reserve costs the same 6 s of refill at the end). **Utilization (floor-aware)** = this bound ÷ the actual time: what a client that leaves the floor to others could reach at most is 100%.
- **Utilization** = T* ÷ actual time, where actual time runs from the first request the API received to the last success. A run stopped by the time limit (⏱) gets T* × (share of lines done) ÷ the time it ran — the full job's ideal over its time extrapolated linearly. Above 100% is possible: the mock (like the API) charges output after generating it and admits a request while the OTPM bucket is merely positive, so a client with many requests in flight borrows against the bucket and finishes in debt; and a second tenant consumes only while the bucket is positive, so a client that keeps the bucket at zero takes the tenant's share (T* assumes the tenant gets it).
- **Steady state** (drained scenarios, and *long-replies*): completions per second from the end of the warm-up (10 s after the first request; 15 s in *long-replies*) to the last completion — or to the stop, for a run stopped by the time limit — ÷ the bound (binding refill rate ÷ the job's average consumption per line) — what \`test/integration/dispatch-against-mock.test.ts\` asserts. From a full start (*long-replies*) a client that spends the bucket reads above 100%; a client that cannot keep enough requests in flight reads its in-flight ceiling ÷ reply time ÷ the bound.
- **Best contender with ≤ 1% 429s**: per scenario, among the non-Floorline contenders with at most 1% of their requests answered 429, the one with the shortest time for the whole job (projected, elapsed ÷ share done, when stopped by the time limit); Floorline's time ÷ its time is the issue's criterion ("finishes no later than the best contender that keeps 429s ≤ 1%").
- **429s**: responses with status 429 (count, and share of all requests sent). **529s**: overload answers. **Retries**: requests sent minus distinct lines sent (the SDK's own retries included). **Wasted**: requests that produced no result — 429, 529, errors, requests abandoned by the client (timeouts, aborts) — plus duplicate successes.
- **Bucket empty**: share of the run (first request → end, sampled 4× a second) during which the binding bucket held less than 1% of its limit — the time any other user of the same key (a second tenant, someone's interactive session) would have been answered 429.
- **Billed / cap**: what the mock API billed (\`stats().billedUsd\`, list prices) against the run's USD cap (every contender gets the same cap: 1.1× the job's expected cost, or half of it in *spend-cap*). **Overshoot** = billed − cap when positive. Static contenders stop sending when settled spend plus one average request would cross the cap; Floorline reserves each request's worst case.
- **Held at floor**: Floorline only — time its dispatcher's \`hold\` was \`soft\` or \`hard\` (from \`snapshot\` events for the core, from the hold/dispatching log lines for the CLI); *(+N s cooling down)*: time it paused all new requests after a 429/529 (\`hold\` = \`cooldown\`), when any. With several model classes, the time *some* class was held (the dispatcher tells the first class hold it meets), while other classes' lines may go past it.
- **CPU µs/line**: user + system CPU of the contender's process ÷ lines done. It includes the SDK's HTTP work and JSON parsing (the mock runs in another process); for the CLI, the whole process (start, file validation, results file). Floorline's own share is the micro-benchmark below.`;

// ---------------------------------------------------------------------------------------------
// SVG

/** A round step that cuts (0, x] into at most `n` intervals, and the axis end it gives. */
function niceAxis(x: number, n: number): { step: number; max: number } {
  const raw = (x > 0 ? x : 1) / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((v) => v >= raw) ?? 10 * p;
  return { step, max: Math.ceil((x > 0 ? x : 1) / step - 1e-9) * step };
}

const SHORT: Record<string, string> = {
  naive: 'Naive workers',
  semaphore: 'Semaphore',
  'p-queue': 'p-queue',
  bottleneck: 'Bottleneck',
  floorline: 'Floorline core',
  'floorline-cli': 'Floorline CLI',
};

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function chartSvg(result: ScenarioResult): string {
  const W = 1060;
  const H = 600;
  const left = 64;
  const right = 310;
  const plotW = W - left - right;
  const top1 = 62;
  const h1 = 220;
  const top2 = top1 + h1 + 56;
  const h2 = 190;
  const figs = result.figures.filter((f) => f.timeline.length > 0);
  const tAxis = niceAxis(Math.max(1, ...figs.map((f) => f.timeline[f.timeline.length - 1]!.t)), 6);
  const bound = figs[0]?.boundRps ?? 0;
  const hasBound = bound > 0 && Number.isFinite(bound) && !result.scenario.capBinding;
  // With a fallback chain, the rate the chain's classes sustain together (drawn too, and the axis allows for it).
  const chainBound = figs.find((f) => f.chainBoundRps !== undefined)?.chainBoundRps;
  const hasChain = hasBound && chainBound !== undefined && Number.isFinite(chainBound) && chainBound > bound;
  // Spikes of a retry wave would flatten every other line: the axis stops at 3× the bound and clips.
  const peak = Math.max(1, ...figs.flatMap((f) => f.timeline.map((p) => p.rps)));
  const rAxis = niceAxis(hasBound ? Math.min(peak, Math.max(bound, hasChain ? chainBound : 0) * 3) : peak, 5);
  const clipped = peak > rAxis.max;
  const lowest = Math.min(0, ...figs.flatMap((f) => f.timeline.map((p) => p.remaining)));
  const remMin = lowest < 0 ? Math.max(-1, Math.floor(lowest / 0.25) * 0.25) : 0;
  const x = (t: number) => left + (Math.min(t, tAxis.max) / tAxis.max) * plotW;
  const y1 = (v: number) => top1 + h1 - (Math.max(0, Math.min(v, rAxis.max)) / rAxis.max) * h1;
  const y2 = (v: number) => top2 + h2 - ((Math.max(remMin, Math.min(1, v)) - remMin) / (1 - remMin)) * h2;
  const binding = figs[0]?.binding ?? 'requests';
  // Several model classes: the bucket shown is the binding class's (the one whose work ends last).
  const bindingClass = result.scenario.classLimits || result.scenario.fallback ? figs[0]?.bindingClass : undefined;
  const dimName = `${bindingClass ? `${bindingClass} ` : ''}${binding === 'requests' ? 'RPM' : binding === 'input' ? 'ITPM' : 'OTPM'}`;
  const unit = result.scenario.timeScale > 1 ? `simulated seconds (time ×${result.scenario.timeScale})` : 'seconds';
  const fmt = (v: number) => String(Number(v.toFixed(2)));

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${left}" y="24" font-size="16" font-weight="600">${esc(`${result.scenario.name}: ${result.scenario.title}`)}</text>`);
  out.push(`<text x="${left}" y="44" fill="#555">completions per second (top) and ${dimName} remaining as a share of its limit (bottom), over ${esc(unit)} since the first request</text>`);

  const grid = (top: number, h: number, ticks: Array<[number, string]>, label: string) => {
    for (const [v, text] of ticks) {
      out.push(`<line x1="${left}" x2="${left + plotW}" y1="${v.toFixed(1)}" y2="${v.toFixed(1)}" stroke="#eee"/>`);
      out.push(`<text x="${left - 6}" y="${(v + 4).toFixed(1)}" text-anchor="end" fill="#555">${text}</text>`);
    }
    out.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${h}" fill="none" stroke="#999"/>`);
    out.push(`<text transform="translate(18 ${top + h / 2}) rotate(-90)" text-anchor="middle" fill="#333">${esc(label)}</text>`);
    for (let t = 0; t <= tAxis.max + 1e-9; t += tAxis.step) out.push(`<text x="${x(t).toFixed(1)}" y="${top + h + 16}" text-anchor="middle" fill="#555">${fmt(t)}</text>`);
  };
  const rTicks: Array<[number, string]> = [];
  for (let v = 0; v <= rAxis.max + 1e-9; v += rAxis.step) rTicks.push([y1(v), fmt(v)]);
  grid(top1, h1, rTicks, 'req/s');
  const remTicks: Array<[number, string]> = [];
  for (let v = remMin; v <= 1 + 1e-9; v += 0.25) remTicks.push([y2(v), `${Math.round(v * 100)}%`]);
  grid(top2, h2, remTicks, `${dimName} remaining`);
  out.push(`<text x="${left + plotW / 2}" y="${top2 + h2 + 36}" text-anchor="middle" fill="#333">${esc(unit)}</text>`);

  if (hasBound) {
    out.push(`<line x1="${left}" x2="${left + plotW}" y1="${y1(bound).toFixed(1)}" y2="${y1(bound).toFixed(1)}" stroke="#333" stroke-dasharray="6 4"/>`);
    out.push(`<text x="${left + plotW - 4}" y="${(y1(bound) - 5).toFixed(1)}" text-anchor="end" fill="#333">quota bound ${bound.toFixed(1)} req/s${figs[0]?.jobClasses ? esc(` (${figs[0].jobClasses.join(' + ')} together)`) : ''}</text>`);
  }
  if (hasChain) {
    out.push(`<line x1="${left}" x2="${left + plotW}" y1="${y1(chainBound).toFixed(1)}" y2="${y1(chainBound).toFixed(1)}" stroke="#333" stroke-dasharray="2 4"/>`);
    out.push(`<text x="${left + plotW - 4}" y="${(y1(chainBound) - 5).toFixed(1)}" text-anchor="end" fill="#333">with the fallback chain ${chainBound.toFixed(1)} req/s</text>`);
  }
  if (clipped) out.push(`<text x="${left + 6}" y="${top1 + 14}" fill="#777">(clipped at ${fmt(rAxis.max)} req/s; peak ${peak.toFixed(0)})</text>`);
  out.push(`<line x1="${left}" x2="${left + plotW}" y1="${y2(0.1).toFixed(1)}" y2="${y2(0.1).toFixed(1)}" stroke="#1f77b4" stroke-dasharray="3 3" opacity="0.8"/>`);
  out.push(`<text x="${left + plotW - 4}" y="${(y2(0.1) - 5).toFixed(1)}" text-anchor="end" fill="#1f77b4">Floorline soft floor 10%</text>`);
  if (remMin < 0) out.push(`<line x1="${left}" x2="${left + plotW}" y1="${y2(0).toFixed(1)}" y2="${y2(0).toFixed(1)}" stroke="#666"/>`);

  // Floorline last, so its lines are on top.
  const ordered = [...figs].sort((a, b) => Number(FLOORLINE.has(a.contender)) - Number(FLOORLINE.has(b.contender)));
  for (const f of ordered) {
    const color = COLOR[f.contender] ?? '#000';
    const width = FLOORLINE.has(f.contender) ? 2.5 : 1.5;
    const dash = f.contender === 'floorline-cli' ? ' stroke-dasharray="6 4"' : '';
    const rps = [`${x(0).toFixed(1)},${y1(0).toFixed(1)}`, ...f.timeline.map((p) => `${x(p.t).toFixed(1)},${y1(p.rps).toFixed(1)}`)].join(' ');
    const rem = f.timeline.map((p) => `${x(p.t).toFixed(1)},${y2(p.remaining).toFixed(1)}`).join(' ');
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="${width}" stroke-linejoin="round"${dash} points="${rps}"/>`);
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="${width}" stroke-linejoin="round"${dash} points="${rem}"/>`);
  }

  const lx = left + plotW + 18;
  out.push(`<text x="${lx}" y="${top1 + 4}" font-weight="600">${result.scenario.capBinding ? 'contender · billed / cap' : 'contender · utilization'}</text>`);
  figs.forEach((f, i) => {
    const ly = top1 + 26 + i * 22;
    const color = COLOR[f.contender] ?? '#000';
    const dash = f.contender === 'floorline-cli' ? ' stroke-dasharray="6 4"' : '';
    out.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="3"${dash}/>`);
    const u = result.scenario.capBinding ? pct(f.billedUsd / (f.capUsd ?? 1)) : `${pct(f.utilization)}${f.status === 'deadline' ? ' (time limit)' : ''}`;
    const share = f.received ? f.rateLimited / f.received : 0;
    out.push(`<text x="${lx + 30}" y="${ly}">${esc(`${SHORT[f.contender] ?? f.contender} · ${u}`)}<tspan fill="#777">${esc(` · ${pct(share)} 429s`)}</tspan></text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}


export function resultsMarkdown(report: Report): string {
  const parts: string[] = [];
  parts.push(`# Floorline benchmark${report.mode === 'quick' ? ' (quick smoke run)' : ''}`);
  parts.push(
    `Measured ${report.date} on ${report.machine}, Node ${report.node}; the whole bench took ${Math.round(report.benchSeconds / 60)} min ${Math.round(report.benchSeconds % 60)} s. ` +
      'Reproduce with `npm run bench` (add `-- --quick` for the smoke version, `-- --memory` for the 1,000,000-line memory step). ' +
      'Every contender runs the same JSONL job against its own fresh instance of the project\'s mock API (src/simulator/mock-server.ts) on 127.0.0.1, over real HTTP, with the real `@anthropic-ai/sdk`, in its own process. Definitions are below the table; bench/README.md has the details.',
  );
  parts.push('## Results');
  parts.push(markdownTable(report.scenarios));
  parts.push(BOUNDS_NOTE);
  parts.push('## Against the best contender with ≤ 1% 429s');
  parts.push('The issue\'s criterion: *Floorline finishes no later than the best contender that keeps 429s ≤ 1%*.');
  parts.push(calmTable(report.scenarios));
  parts.push(CALM_NOTE);
  const models = modelTable(report.scenarios);
  if (models) {
    parts.push('## Which model answered');
    parts.push(models);
    parts.push(MODEL_NOTE);
  }
  parts.push('## Is Floorline ahead?');
  for (const r of report.scenarios) {
    const v = verdict(r);
    const note = r.scenario.whenBehind ? `\n  - *${v.ok ? 'Note' : 'Why, and what would fix it'}:* ${r.scenario.whenBehind}` : '';
    // A fallback scenario's note says what its bound is: shown whatever the verdict.
    parts.push(`- **${r.scenario.name}** ${v.ok ? '✓' : '✗'} — ${v.lines.join('; ')}.` + (!v.ok || r.scenario.capBinding || r.scenario.fallback ? note : ''));
  }
  parts.push('## Scenarios and contenders');
  for (const r of report.scenarios) {
    parts.push(`- **${r.scenario.name}** — ${r.scenario.title}. ${r.scenario.description} Chart: [chart-${r.scenario.name}.svg](chart-${r.scenario.name}.svg).`);
  }
  parts.push(setupLines(report.scenarios));
  parts.push('## Definitions');
  parts.push(DEFINITIONS);
  parts.push('## Dispatcher overhead (zero-latency fake client, no HTTP)');
  parts.push(microTable(report.micro));
  parts.push('## Peak memory of the CLI process');
  parts.push(memoryTable(report.memory));
  return parts.join('\n\n') + '\n';
}

/** Each contender's setup: the most common one, then where a scenario configures it differently (its limits, its semaphore). */
function setupLines(results: ScenarioResult[]): string {
  const names = [...new Set(results.flatMap((r) => Object.keys(r.setups)))];
  return names
    .map((name) => {
      const byText = new Map<string, string[]>();
      for (const r of results) {
        const text = r.setups[name];
        if (text === undefined) continue;
        byText.set(text, [...(byText.get(text) ?? []), r.scenario.name]);
      }
      const [main, ...others] = [...byText.entries()].sort((a, b) => b[1].length - a[1].length);
      if (!main) return '';
      const rest = others.map(([text, where]) => `\n  - in ${where.join(', ')}: ${text}`).join('');
      return `- **${LABEL[name] ?? name}**: ${main[0]}${others.length ? ` (${main[1].join(', ')})` : ''}${rest}`;
    })
    .filter(Boolean)
    .join('\n');
}

/** A compact matrix for the project README's Performance section: utilization (and 429 share) per scenario and contender. */
export function performanceSection(report: Report): string {
  const names = [...new Set(report.scenarios.flatMap((r) => r.figures.map((f) => f.contender)))].filter((n) => !DIAGNOSTIC.has(n));
  const head = `| scenario | ${names.map((n) => (FLOORLINE.has(n) ? `**${SHORT[n] ?? n}**` : SHORT[n] ?? n)).join(' | ')} |\n| --- | ${names.map(() => '---:').join(' | ')} |`;
  const rows = report.scenarios.map((r) => {
    const cells = names.map((n) => {
      const f = r.figures.find((x) => x.contender === n);
      if (!f) return '—';
      const share = f.received ? f.rateLimited / f.received : 0;
      const main = r.scenario.capBinding ? `${usd(f.billedUsd)}${f.overshootUsd > 0 ? ` (+${pct(f.overshootUsd / (f.capUsd ?? 1))})` : ''}` : `${pct(f.utilization)}${f.status === 'deadline' ? ' ⏱' : ''}`;
      const text = `${main} · ${pct(share)}`;
      return FLOORLINE.has(n) ? `**${text}**` : text;
    });
    const label = r.scenario.capBinding ? `${r.scenario.name} (billed, cap ${usd(r.figures[0]?.capUsd ?? 0)})` : r.scenario.name;
    return `| ${label} | ${cells.join(' | ')} |`;
  });
  const m = report.micro;
  const mem = report.memory.find((x) => x.lines >= 1_000_000) ?? report.memory[report.memory.length - 1];
  return [
    '## Performance',
    '',
    `Floorline against the ways people run batches today — naive workers, a semaphore, p-queue and Bottleneck configured from the published limits — each running the same job against its own copy of the mock API over real HTTP with the real SDK. ` +
      `Each cell: **utilization** (the quota-bound ideal time ÷ the actual time; see [bench/README.md](bench/README.md)) · **share of requests answered 429**. ⏱ = stopped at the time limit (2× the floor-aware ideal). Measured ${report.date}, ${report.machine}, Node ${report.node}.`,
    '',
    head,
    ...rows,
    '',
    'Full table (retries, wasted requests, spend vs cap, time held at the floor, CPU per line), the definitions, and where and why Floorline is behind: [bench/results/results.md](bench/results/results.md).',
    '',
    '![Seed job: throughput and remaining RPM over time per contender](bench/results/chart-seed.svg)',
    '',
    m ? `Dispatcher overhead (zero-latency fake client): ${m.usPerRequestWall.toFixed(1)} µs per request, ${int(m.requestsPerSecond)} requests/s on one core.` : '',
    mem ? `Peak RSS of \`floorline run\` on ${int(mem.lines)} lines: ${mem.peakRssMb.toFixed(0)} MB.` : '',
    '',
    'Reproduce: `npm run bench` (≈35 min on 2 cores; `-- --quick` for a 2-minute smoke run, `-- --memory` for the 1,000,000-line memory step). Several processes on one key, with and without Redis: `npm run bench:shared` ([results](bench/results/multi-process.md)).',
    '',
  ].join('\n');
}
