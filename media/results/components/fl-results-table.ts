// <fl-results-table>: the rows of the current view, as a grid that draws only what is in sight.
// A hand-written fixed-height virtual list rather than @lit-labs/virtualizer: every row is
// ROW_HEIGHT px, so the window is arithmetic (../page.ts), and the rows themselves are not here —
// they come a page at a time from the host, on demand, for the view's `generation`; the
// virtualizer wants the items as an array. A spacer `length × ROW_HEIGHT` px tall gives the
// scrollbar its size (Chromium allows ~33M px: well over a million rows). The grid is focusable
// and points at its active row with aria-activedescendant, so the focus survives rows scrolled out.
// Its API is imperative (showView, addRows): <fl-results> calls it as each message arrives.
import '@vscode-elements/elements/dist/vscode-icon/index.js';
import { html, LitElement, nothing } from 'lit';
import type { ResultRowModel, ResultsQueryModel, ResultsSortColumn } from '../../../src/extension/protocol';
import { postToHost } from '../../dashboard/components/events';
import { shared } from '../../dashboard/components/shared-styles';
import { styleProps } from '../../dashboard/components/style-props';
import { isAtEnd, moveSelection, REQUEST_RETRY_MS, revealScrollTop, ROW_HEIGHT, RowCache, rowsPerPage, scrollAfterView, visibleRange, type RowRange } from '../page';
import { ariaSort, DEFAULT_QUERY, STATUS_INFO, toggleSort } from '../query';
import { changeQuery, selectRow } from './events';
import { statusStyles, tableStyles } from './table-styles';

interface Column {
  label: string;
  /** Its name for a screen reader, when the label is short. */
  name: string;
  sort: ResultsSortColumn | undefined;
  numeric: boolean;
}

const COLUMNS: readonly Column[] = [
  { label: '#', name: 'Row', sort: 'row', numeric: true },
  { label: 'Custom ID', name: 'Custom ID', sort: 'customId', numeric: false },
  { label: 'Status', name: 'Status', sort: 'status', numeric: false },
  { label: 'Model', name: 'Model', sort: 'model', numeric: false },
  { label: 'In', name: 'Input tokens', sort: 'inputTokens', numeric: true },
  { label: 'Out', name: 'Output tokens', sort: 'outputTokens', numeric: true },
  { label: 'Cost', name: 'Cost', sort: 'costUsd', numeric: true },
  { label: 'Latency', name: 'Latency', sort: 'latencyMs', numeric: true },
  { label: 'Attempts', name: 'Attempts', sort: 'attempts', numeric: true },
  { label: 'Preview', name: 'Preview', sort: undefined, numeric: false },
];

export class FlResultsTable extends LitElement {
  static override properties = {
    query: { attribute: false },
    selectedRow: { attribute: false },
    range: { state: true },
    active: { state: true },
  };
  declare query: ResultsQueryModel;
  /** The file row shown in the detail pane, if any. */
  declare selectedRow: number | undefined;
  /** The rows drawn. */
  declare range: RowRange;
  /** The row the keyboard is on (its position in the view), -1 before any. */
  declare active: number;

  private readonly cache = new RowCache();
  /** The active row was not loaded when chosen: select it once its page arrives. */
  private selectWhenLoaded = false;
  private frame = 0;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private readonly resizes = new ResizeObserver(() => this.schedule());

  constructor() {
    super();
    this.query = DEFAULT_QUERY;
    this.selectedRow = undefined;
    this.range = { start: 0, end: 0 };
    this.active = -1;
  }

  private get viewport(): HTMLElement | null {
    return this.renderRoot.querySelector<HTMLElement>('.viewport');
  }

  /** The height rows get: the viewport less its sticky header row. */
  private bodyHeight(viewport: HTMLElement): number {
    return Math.max(0, viewport.clientHeight - ROW_HEIGHT);
  }

  /** A `results/view`: a new selection starts at the top; the same one grown follows its end if it was in view. */
  async showView(generation: number, length: number): Promise<void> {
    const viewport = this.viewport;
    const height = viewport ? this.bodyHeight(viewport) : 0;
    const scrollTop = viewport?.scrollTop ?? 0;
    const wasAtEnd = isAtEnd(scrollTop, height, this.cache.length);
    const change = this.cache.setView(generation, length);
    if (change === 'reset') {
      this.active = -1;
      this.selectWhenLoaded = false;
    } else if (this.active >= length) this.active = length - 1;
    const target = scrollAfterView(change, wasAtEnd, scrollTop, length, height);
    this.requestUpdate();
    await this.updateComplete;
    // After the spacer took its new height, else the browser would clamp the position.
    const vp = this.viewport;
    if (vp && vp.scrollTop !== target) vp.scrollTop = target;
    this.refresh();
  }

  /** A `results/rows`: stored if it is of the current generation. */
  addRows(generation: number, start: number, rows: readonly ResultRowModel[]): void {
    if (!this.cache.addRows(generation, start, rows)) return;
    this.cache.evict(this.range);
    if (this.selectWhenLoaded) this.emitSelect(false);
    this.requestUpdate();
  }

  /** The keyboard goes to the grid (which points at its active row). */
  override focus(): void {
    this.viewport?.focus({ preventScroll: true });
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.updateComplete.then(() => {
      const vp = this.viewport;
      if (vp) this.resizes.observe(vp);
    });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizes.disconnect();
    cancelAnimationFrame(this.frame);
    clearTimeout(this.retry);
  }

  /** Scroll events come faster than frames: work out the window once a frame. */
  private schedule(): void {
    if (this.frame === 0) this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.refresh();
    });
  }

  /** Works out the rows in sight, asks for the pages missing and forgets the far ones. */
  private refresh(): void {
    const vp = this.viewport;
    if (!vp) return;
    const range = visibleRange(vp.scrollTop, this.bodyHeight(vp), this.cache.length);
    if (range.start !== this.range.start || range.end !== this.range.end) this.range = range;
    for (const { start, count } of this.cache.requests(range, Date.now())) {
      postToHost(this, { type: 'results/rows', generation: this.cache.generation, start, count });
    }
    this.cache.evict(range);
    // An answer lost (the host busy with another file): ask again, even if nobody scrolls.
    clearTimeout(this.retry);
    let missing = false;
    for (let i = range.start; i < range.end && !missing; i++) missing = this.cache.row(i) === undefined;
    if (missing) this.retry = setTimeout(() => this.refresh(), REQUEST_RETRY_MS + 100);
  }

  private emitSelect(open: boolean): void {
    const row = this.cache.row(this.active);
    this.selectWhenLoaded = row === undefined;
    if (row) selectRow(this, row.row, open);
  }

  private onKeyDown(event: KeyboardEvent): void {
    const vp = this.viewport;
    if (!vp || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === 'Enter') {
      if (this.active < 0) return;
      event.preventDefault();
      this.emitSelect(true);
      return;
    }
    const height = this.bodyHeight(vp);
    const next = moveSelection(event.key, this.active, this.cache.length, rowsPerPage(height));
    if (next === undefined) return;
    event.preventDefault();
    this.active = next;
    vp.scrollTop = revealScrollTop(next, vp.scrollTop, height);
    this.refresh();
    this.emitSelect(false);
  }

  private onRowEvent(event: MouseEvent, open: boolean): void {
    const target = event.target instanceof Element ? event.target.closest<HTMLElement>('[data-index]') : null;
    const index = Number(target?.dataset.index);
    if (!Number.isSafeInteger(index)) return;
    this.active = index;
    this.viewport?.focus({ preventScroll: true });
    this.emitSelect(open);
  }

  private sortBy(column: ResultsSortColumn): void {
    changeQuery(this, toggleSort(this.query, column));
  }

  override render() {
    const { start, end } = this.range;
    const length = this.cache.length;
    const rows = [];
    for (let i = start; i < end; i++) rows.push(this.renderRow(i, this.cache.row(i)));
    const activeShown = this.active >= start && this.active < end;
    return html`
      <div
        class="viewport ${length === 0 ? 'none' : ''}"
        role="grid"
        tabindex="0"
        aria-label="Results"
        aria-rowcount=${length + 1}
        aria-colcount=${COLUMNS.length}
        aria-activedescendant=${activeShown ? `row-${this.active}` : nothing}
        @scroll=${() => this.schedule()}
        @keydown=${(e: KeyboardEvent) => this.onKeyDown(e)}
      >
        <div class="head cols" role="row" aria-rowindex="1">${COLUMNS.map((c, i) => this.renderHeader(c, i))}</div>
        <div class="body" ${styleProps({ height: `${length * ROW_HEIGHT}px` })} @click=${(e: MouseEvent) => this.onRowEvent(e, false)} @dblclick=${(e: MouseEvent) => this.onRowEvent(e, true)}>
          <div class="window" role="rowgroup" ${styleProps({ transform: `translateY(${start * ROW_HEIGHT}px)` })}>${rows}</div>
        </div>
      </div>
      <p class="empty" ?hidden=${length > 0}>No results match.</p>
    `;
  }

  private renderHeader(column: Column, index: number) {
    const sort = column.sort;
    const cls = `cell ${column.numeric ? 'num' : ''}`;
    if (!sort) return html`<div class=${cls} role="columnheader" aria-colindex=${index + 1}>${column.label}</div>`;
    const state = ariaSort(this.query, sort);
    const next = state === 'ascending' ? 'descending' : 'ascending';
    return html`
      <div class=${cls} role="columnheader" aria-colindex=${index + 1} aria-sort=${state}>
        <button type="button" class="sort" title="Sort by ${column.name}, ${next}" aria-label="${column.name}: sort ${next}" @click=${() => this.sortBy(sort)}>
          <span>${column.label}</span>
          <vscode-icon name=${state === 'descending' ? 'arrow-down' : 'arrow-up'} ?hidden=${state === 'none'}></vscode-icon>
        </button>
      </div>
    `;
  }

  private renderRow(index: number, row: ResultRowModel | undefined) {
    const active = index === this.active;
    if (!row) {
      return html`<div class="row cols loading ${active ? 'active' : ''}" role="row" id="row-${index}" aria-rowindex=${index + 2} aria-busy="true" data-index=${index}>
        <div class="cell num" role="gridcell">${index + 1}</div><div class="cell wide" role="gridcell">Loading…</div>
      </div>`;
    }
    const status = STATUS_INFO[row.status];
    const selected = row.row === this.selectedRow;
    return html`<div
      class="row cols ${active ? 'active' : ''} ${selected ? 'selected' : ''}"
      role="row"
      id="row-${index}"
      aria-rowindex=${index + 2}
      aria-selected=${String(selected)}
      data-index=${index}
    >
      <div class="cell num" role="gridcell">${row.row + 1}</div>
      <div class="cell" role="gridcell" title=${row.customId}>${row.customId}</div>
      <div class="cell status" role="gridcell" data-tone=${status.tone}><vscode-icon name=${status.icon}></vscode-icon><span>${status.label}</span></div>
      <div class="cell" role="gridcell" title=${row.model}>${row.model}</div>
      <div class="cell num" role="gridcell">${row.inputTokens}</div>
      <div class="cell num" role="gridcell">${row.outputTokens}</div>
      <div class="cell num" role="gridcell">${row.cost}</div>
      <div class="cell num" role="gridcell">${row.latency}</div>
      <div class="cell num" role="gridcell">${row.attempts}</div>
      <div class="cell preview" role="gridcell">${row.preview}</div>
    </div>`;
  }

  static override styles = [shared, tableStyles, statusStyles];
}

customElements.define('fl-results-table', FlResultsTable);

declare global {
  interface HTMLElementTagNameMap {
    'fl-results-table': FlResultsTable;
  }
}
