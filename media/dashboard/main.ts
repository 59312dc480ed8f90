// The dashboard page. It draws the model the host posts and updates it in place; every value goes
// through `textContent` or an attribute (never HTML), widths through CSSOM (allowed by the CSP,
// unlike `style=` attributes). The only state kept here is UI state: which run cards are collapsed.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import type { HostToWebview, RunAction, WebviewToHost } from '../../src/extension/protocol';
import type {
  ChartModel,
  DashboardModel,
  DispatcherModel,
  MeterModel,
  RunErrorModel,
  RunModel,
  RunStat,
  Severity,
} from '../../src/extension/view-model/dashboard-model';
import type { BatchRowModel } from '../../src/extension/view-model/batch-status';

interface UiState {
  collapsed: string[];
}

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: UiState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const collapsed = new Set<string>(readUiState().collapsed);

function readUiState(): UiState {
  const state = vscode.getState() as Partial<UiState> | undefined;
  return { collapsed: Array.isArray(state?.collapsed) ? state.collapsed.filter((id) => typeof id === 'string') : [] };
}

function saveUiState(): void {
  vscode.setState({ collapsed: [...collapsed] });
}

function post(message: WebviewToHost): void {
  vscode.postMessage(message);
}

// ── DOM helpers ────────────────────────────────────────────────────────────

const SVG_NS = 'http://www.w3.org/2000/svg';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string> = {}): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

function icon(name: string): HTMLSpanElement {
  const node = el('span', `codicon codicon-${name}`);
  node.setAttribute('aria-hidden', 'true');
  return node;
}

/** Writes only what changed: fewer layouts, and screen readers are not told the same thing twice. */
function setText(node: Node, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

function setAttr(node: Element, name: string, value: string): void {
  if (node.getAttribute(name) !== value) node.setAttribute(name, value);
}

function setSeverity(node: HTMLElement, severity: Severity): void {
  if (node.dataset.severity !== severity) node.dataset.severity = severity;
}

function setIcon(node: HTMLElement, name: string): void {
  const className = `codicon codicon-${name}${name === 'loading' ? ' codicon-modifier-spin' : ''}`;
  if (node.className !== className) node.className = className;
}

function show(node: HTMLElement, visible: boolean): void {
  if (node.hidden === visible) node.hidden = !visible;
}

let uid = 0;
function nextId(prefix: string): string {
  return `${prefix}-${++uid}`;
}

interface View<M> {
  readonly root: HTMLElement;
  update(model: M): void;
}

/** Keyed update of a list: reuse views by key, create new ones, drop gone ones, fix the order. */
function reconcile<M, V extends View<M>>(parent: HTMLElement, views: Map<string, V>, models: M[], key: (m: M) => string, create: (m: M) => V): void {
  const keep = new Set<string>();
  models.forEach((model, index) => {
    // Two equal keys (the same error twice) must still be two views.
    let k = key(model);
    for (let n = 2; keep.has(k); n++) k = `${key(model)}#${n}`;
    keep.add(k);
    let view = views.get(k);
    if (!view) {
      view = create(model);
      views.set(k, view);
    }
    view.update(model);
    // Move only when out of place: moving a node would take the keyboard focus away from it.
    const at = parent.children[index];
    if (at !== view.root) parent.insertBefore(view.root, at ?? null);
  });
  for (const [k, view] of views) {
    if (keep.has(k)) continue;
    view.root.remove();
    views.delete(k);
  }
}

// ── Gauge ──────────────────────────────────────────────────────────────────

class MeterView implements View<MeterModel> {
  readonly root = el('div', 'meter');
  private readonly label = el('span', 'meter-label');
  private readonly value = el('span', 'meter-value');
  private readonly track = el('div', 'meter-track');
  private readonly fill = el('div', 'meter-fill');
  private readonly extra = el('div', 'meter-extra');
  private readonly caption = el('div', 'meter-caption');
  private ticks: HTMLElement[] = [];

  constructor() {
    const head = el('div', 'meter-head');
    head.append(this.label, this.value);
    this.track.setAttribute('role', 'meter');
    this.track.append(this.fill, this.extra);
    this.root.append(head, this.track, this.caption);
  }

  update(m: MeterModel): void {
    setSeverity(this.root, m.severity);
    setText(this.label, m.label);
    setText(this.value, m.text);
    setText(this.caption, m.caption);
    show(this.track, m.percent !== undefined);
    setAttr(this.track, 'aria-label', m.label);
    setAttr(this.track, 'aria-valuemin', String(m.aria.min));
    setAttr(this.track, 'aria-valuemax', String(m.aria.max));
    setAttr(this.track, 'aria-valuenow', String(Math.round(m.aria.now * 100) / 100));
    setAttr(this.track, 'aria-valuetext', m.aria.text);
    const percent = m.percent ?? 0;
    this.fill.style.width = `${percent}%`;
    this.extra.style.left = `${percent}%`;
    this.extra.style.width = `${m.extraPercent ?? 0}%`;
    while (this.ticks.length < m.markers.length) {
      const tick = el('div', 'tick');
      tick.setAttribute('aria-hidden', 'true');
      this.track.append(tick);
      this.ticks.push(tick);
    }
    for (const tick of this.ticks.splice(m.markers.length)) tick.remove();
    m.markers.forEach((marker, i) => {
      const tick = this.ticks[i];
      if (!tick) return;
      setAttr(tick, 'class', `tick tick-${marker.kind}`);
      setAttr(tick, 'title', marker.label);
      tick.style.left = `${marker.percent}%`;
    });
  }
}

// ── Chart ──────────────────────────────────────────────────────────────────

const CHART_W = 300;
const CHART_H = 72;

function pathOf(segments: Array<Array<[number, number]>>): string {
  return segments
    .map((points) => {
      // A lone point still shows, as a short flat dash.
      const drawn = points.length === 1 && points[0] ? [points[0], [Math.min(1, points[0][0] + 0.005), points[0][1]] as [number, number]] : points;
      return drawn.map(([x, y], i) => `${i ? 'L' : 'M'}${(x * CHART_W).toFixed(1)} ${((1 - y) * CHART_H).toFixed(1)}`).join('');
    })
    .join('');
}

class ChartView implements View<ChartModel> {
  readonly root = el('figure', 'chart');
  private readonly plot = svg('svg', { viewBox: `0 0 ${CHART_W} ${CHART_H}`, preserveAspectRatio: 'none', role: 'img', class: 'chart-plot' });
  private readonly floor = svg('line', { class: 'chart-floor', x1: '0', x2: String(CHART_W) });
  private readonly share = svg('path', { class: 'chart-share' });
  private readonly rps = svg('path', { class: 'chart-rps' });
  private readonly scale = el('span', 'chart-scale');
  private readonly window = el('span', 'chart-window');
  private readonly rpsNow = el('span', 'legend-value');
  private readonly shareNow = el('span', 'legend-value');

  constructor() {
    for (const y of [0.25, 0.5, 0.75]) this.plot.append(svg('line', { class: 'chart-grid', x1: '0', x2: String(CHART_W), y1: String(y * CHART_H), y2: String(y * CHART_H) }));
    this.plot.append(this.floor, this.share, this.rps);
    const frame = el('div', 'chart-frame');
    // Scales sit over the plot's top corners; the time axis runs below it.
    const scales = el('div', 'chart-scales');
    scales.append(this.scale, el('span', '', '100%'));
    const axis = el('div', 'chart-axis');
    axis.append(this.window, el('span', '', 'now'));
    for (const part of [scales, axis]) part.setAttribute('aria-hidden', 'true');
    frame.append(this.plot, scales, axis);
    const legend = el('figcaption', 'chart-legend');
    const rpsKey = el('span', 'legend legend-rps');
    rpsKey.append(el('span', 'swatch'), el('span', '', 'Throughput '), this.rpsNow);
    const shareKey = el('span', 'legend legend-share');
    shareKey.append(el('span', 'swatch'), el('span', '', 'Tightest token bucket '), this.shareNow);
    const floorKey = el('span', 'legend legend-floor');
    floorKey.append(el('span', 'swatch'), el('span', '', 'soft floor'));
    legend.append(rpsKey, shareKey, floorKey);
    this.root.append(frame, legend);
  }

  update(m: ChartModel): void {
    setAttr(this.plot, 'aria-label', m.summary);
    setAttr(this.rps, 'd', pathOf(m.rps));
    setAttr(this.share, 'd', pathOf(m.share));
    const y = m.softFloorY === undefined ? -10 : (1 - m.softFloorY) * CHART_H;
    setAttr(this.floor, 'y1', y.toFixed(1));
    setAttr(this.floor, 'y2', y.toFixed(1));
    setText(this.scale, m.rpsScaleText);
    setText(this.window, m.windowText);
    setText(this.rpsNow, m.rpsNowText);
    setText(this.shareNow, m.shareNowText);
  }
}

// ── Run card ───────────────────────────────────────────────────────────────

const CONTROL_LABELS: Record<RunAction, { text: string; icon: string }> = {
  pause: { text: 'Pause', icon: 'debug-pause' },
  resume: { text: 'Resume', icon: 'debug-continue' },
  stop: { text: 'Stop', icon: 'debug-stop' },
};

class StatView implements View<RunStat> {
  readonly root = el('div', 'stat');
  private readonly term = el('dt');
  private readonly value = el('dd');

  constructor() {
    this.root.append(this.term, this.value);
  }

  update(s: RunStat): void {
    setSeverity(this.root, s.severity);
    setText(this.term, s.label);
    setText(this.value, s.value);
  }
}

class ErrorView implements View<RunErrorModel> {
  readonly root = el('li');
  private readonly button = el('button', 'error-link');
  private readonly where = el('span', 'error-where');
  private readonly message = el('span', 'error-message');
  private line = 0;

  constructor(private readonly runId: string) {
    this.button.type = 'button';
    this.button.append(icon('go-to-file'), this.where, this.message);
    this.button.addEventListener('click', () => post({ type: 'openLocation', runId: this.runId, line: this.line }));
    this.root.append(this.button);
  }

  update(e: RunErrorModel): void {
    this.line = e.line;
    setText(this.where, e.where);
    setText(this.message, e.customId ? `${e.customId}: ${e.message}` : e.message);
    setAttr(this.button, 'title', `Open ${e.where} of the input file\n${e.message}`);
    setAttr(this.button, 'aria-label', `${e.where}, ${e.customId}: ${e.message}. Open in the input file`);
  }
}

class RunView implements View<RunModel> {
  readonly root = el('article', 'run');
  private readonly toggle = el('button', 'run-toggle');
  private readonly chevron = icon('chevron-down');
  private readonly label = el('span', 'run-label');
  private readonly priority = el('span', 'badge');
  private readonly state = el('span', 'state');
  private readonly stateIcon = el('span');
  private readonly stateText = el('span');
  private readonly brief = el('span', 'run-brief');
  private readonly buttons = new Map<RunAction, HTMLElement>();
  private readonly detail = el('p', 'detail');
  private readonly body = el('div', 'run-body');
  private readonly progress = el('vscode-progress-bar') as HTMLElement & { value: number; max: number };
  private readonly progressText = el('span', 'progress-text');
  private readonly progressCaption = el('div', 'caption');
  private readonly stats = el('dl', 'stats');
  private readonly statViews = new Map<string, StatView>();
  private readonly spend = new MeterView();
  private readonly errorsBox = el('section', 'errors');
  private readonly errorsCaption = el('span', 'caption');
  private readonly errorList = el('ul', 'error-list');
  private readonly errorViews = new Map<string, ErrorView>();
  private runLabel = '';

  constructor(private readonly id: string) {
    this.body.id = nextId('run-body');
    this.toggle.type = 'button';
    this.toggle.setAttribute('aria-controls', this.body.id);
    this.toggle.append(this.chevron, this.label);
    this.toggle.addEventListener('click', () => {
      if (collapsed.has(this.id)) collapsed.delete(this.id);
      else collapsed.add(this.id);
      saveUiState();
      this.applyCollapsed();
    });

    const state = this.state;
    // Polite: a state change (holding, stopped at the floor) is worth announcing; counters are not.
    state.setAttribute('aria-live', 'polite');
    state.append(this.stateIcon, this.stateText);

    const controls = el('div', 'controls');
    controls.setAttribute('role', 'group');
    controls.setAttribute('aria-label', 'Run controls');
    for (const action of ['pause', 'resume', 'stop'] as const) {
      const button = el('vscode-button');
      button.setAttribute('secondary', '');
      button.setAttribute('icon', CONTROL_LABELS[action].icon);
      button.textContent = CONTROL_LABELS[action].text;
      button.addEventListener('click', () => {
        if (!button.hidden) post({ type: 'control', action, runId: this.id });
      });
      this.buttons.set(action, button);
      controls.append(button);
    }

    const head = el('header', 'run-head');
    head.append(this.toggle, this.priority, state, this.brief, controls);

    const progressRow = el('div', 'progress-row');
    progressRow.append(this.progress, this.progressText);
    this.progress.max = 100;

    const errorsHead = el('div', 'errors-head');
    errorsHead.append(el('h4', '', 'Recent errors'), this.errorsCaption);
    this.errorsBox.append(errorsHead, this.errorList);

    const figures = el('div', 'run-figures');
    figures.append(this.stats, this.spend.root);
    this.body.append(progressRow, this.progressCaption, figures, this.errorsBox);
    this.root.append(head, this.detail, this.body);
  }

  update(r: RunModel): void {
    this.runLabel = r.label;
    setSeverity(this.root, r.severity);
    this.root.classList.toggle('inactive', !r.active);
    setText(this.label, r.label);
    setText(this.priority, r.priorityText);
    show(this.priority, r.priorityText !== '');
    setSeverity(this.state, r.stateSeverity);
    setIcon(this.stateIcon, r.stateIcon);
    setText(this.stateText, r.stateText);
    setText(this.brief, `${r.progress.text} · ${r.spend.text}`);
    setText(this.detail, r.detail);
    show(this.detail, r.detail !== '');

    for (const [action, button] of this.buttons) {
      show(button, r.controls[action]);
      setAttr(button, 'aria-label', `${CONTROL_LABELS[action].text} ${this.runLabel}`);
    }

    if (this.progress.value !== r.progress.percent) this.progress.value = r.progress.percent;
    setAttr(this.progress, 'aria-label', `Progress of ${r.label}: ${r.progress.text} done`);
    setText(this.progressText, `${r.progress.text} · ${Math.floor(r.progress.percent)}%`);
    setText(this.progressCaption, r.progress.caption);
    reconcile(this.stats, this.statViews, r.stats, (s) => s.label, () => new StatView());
    this.spend.update(r.spend);

    show(this.errorsBox, r.errors.length > 0);
    setText(this.errorsCaption, r.errorsCaption);
    reconcile(this.errorList, this.errorViews, r.errors, (e) => `${e.line}:${e.customId}:${e.message}`, () => new ErrorView(this.id));
    this.applyCollapsed();
  }

  private applyCollapsed(): void {
    const isCollapsed = collapsed.has(this.id);
    show(this.body, !isCollapsed);
    setAttr(this.toggle, 'aria-expanded', String(!isCollapsed));
    setAttr(this.toggle, 'title', `${isCollapsed ? 'Expand' : 'Collapse'} ${this.runLabel}`);
    setIcon(this.chevron, isCollapsed ? 'chevron-right' : 'chevron-down');
    this.root.classList.toggle('collapsed', isCollapsed);
  }
}

// ── Dispatcher section ─────────────────────────────────────────────────────

class DispatcherView implements View<DispatcherModel> {
  readonly root = el('section', 'dispatcher');
  private readonly title = el('h2', 'dispatcher-label');
  private readonly state = el('span', 'dispatcher-state');
  private readonly detail = el('p', 'detail');
  private readonly gauges = el('div', 'gauges');
  private readonly gaugeViews = new Map<string, MeterView>();
  private readonly caption = el('p', 'caption');
  private readonly runs = el('div', 'runs');
  private readonly runViews = new Map<string, RunView>();

  constructor() {
    const head = el('header', 'dispatcher-head');
    head.append(icon('key'), this.title, this.state);
    this.root.setAttribute('aria-labelledby', (this.title.id = nextId('dispatcher')));
    this.root.append(head, this.detail, this.gauges, this.caption, this.runs);
  }

  update(d: DispatcherModel): void {
    setSeverity(this.root, d.severity);
    setText(this.title, d.label);
    setText(this.state, d.stateText);
    setText(this.detail, d.detail);
    show(this.detail, d.detail !== '');
    reconcile(this.gauges, this.gaugeViews, [d.inFlight, ...d.gauges], (g) => g.id, () => new MeterView());
    setText(this.caption, d.caption);
    reconcile(this.runs, this.runViews, d.runs, (r) => r.id, (r) => new RunView(r.id));
  }
}

// ── Message Batches ────────────────────────────────────────────────────────

class BatchRowView implements View<BatchRowModel> {
  readonly root = el('div', 'batch');
  private readonly name = el('span', 'batch-name');
  private readonly progress = el('vscode-progress-bar') as HTMLElement & { value: number; max: number };
  private readonly detail = el('div', 'caption');

  constructor() {
    const head = el('div', 'batch-head');
    head.append(this.name);
    this.root.append(head, this.progress, this.detail);
  }

  update(b: BatchRowModel): void {
    setText(this.name, `${b.name} — ${b.done.toLocaleString('en-US')} of ${b.total.toLocaleString('en-US')}`);
    this.progress.max = Math.max(1, b.total);
    this.progress.value = b.done;
    setText(this.detail, b.detail);
  }
}

class BatchesView {
  readonly root = el('section', 'batches');
  private readonly rows = el('div');
  private readonly rowViews = new Map<string, BatchRowView>();

  constructor() {
    this.root.append(el('h2', undefined, 'Message Batches (half price)'), this.rows);
  }

  update(rows: BatchRowModel[]): void {
    show(this.root, rows.length > 0);
    reconcile(this.rows, this.rowViews, rows, (r) => r.id, () => new BatchRowView());
  }
}

// ── The page ───────────────────────────────────────────────────────────────

const SEVERITY_ICONS: Record<Severity, string> = { ok: 'pass', warning: 'warning', error: 'error' };

class DashboardView {
  readonly root = el('div', 'dashboard');
  private readonly severityIcon = el('span');
  private readonly summary = el('span', 'summary');
  private readonly dailySpend = new MeterView();
  private readonly dailyTokens = new MeterView();
  private readonly chart = new ChartView();
  private readonly empty = el('p', 'placeholder', 'No runs yet. Run a .jsonl file of requests with Floorline to see it here.');
  private readonly dispatchers = el('div', 'dispatchers');
  private readonly dispatcherViews = new Map<string, DispatcherView>();
  private readonly batches = new BatchesView();

  constructor() {
    const top = el('header', 'top');
    top.append(this.severityIcon, this.summary);
    const daily = el('div', 'daily');
    daily.append(this.dailySpend.root, this.dailyTokens.root);
    const overview = el('div', 'overview');
    overview.append(daily, this.chart.root);
    this.root.append(top, overview, this.empty, this.dispatchers, this.batches.root);
  }

  update(m: DashboardModel): void {
    setSeverity(this.root, m.severity);
    setIcon(this.severityIcon, SEVERITY_ICONS[m.severity]);
    setText(this.summary, m.summary);
    this.dailySpend.update(m.daily.spend);
    this.dailyTokens.update(m.daily.tokens);
    this.chart.update(m.chart);
    show(this.empty, m.dispatchers.length === 0 && m.batches.length === 0);
    this.batches.update(m.batches);
    reconcile(this.dispatchers, this.dispatcherViews, m.dispatchers, (d) => d.id, () => new DispatcherView());
    this.forgetGoneRuns(m);
  }

  /** UI state stays bounded: runs no longer shown lose their collapsed flag. */
  private forgetGoneRuns(m: DashboardModel): void {
    const ids = new Set(m.dispatchers.flatMap((d) => d.runs.map((r) => r.id)));
    let changed = false;
    for (const id of collapsed) {
      if (ids.has(id)) continue;
      collapsed.delete(id);
      changed = true;
    }
    if (changed) saveUiState();
  }
}

// ── Wiring ─────────────────────────────────────────────────────────────────

const root = document.getElementById('root');
const view = new DashboardView();
let pending: DashboardModel | undefined;

function render(): void {
  const model = pending;
  pending = undefined;
  if (!model || !root) return;
  if (view.root.parentElement !== root) root.replaceChildren(view.root);
  root.removeAttribute('aria-busy');
  view.update(model);
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data as Partial<HostToWebview> | null;
  if (message?.type !== 'model' || typeof message.model !== 'object' || message.model === null) return;
  // Several models within a frame: draw only the last.
  if (pending === undefined) requestAnimationFrame(render);
  pending = message.model;
});

post({ type: 'ready' });
