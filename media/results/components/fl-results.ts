// <fl-results>: the whole results page — totals, toolbar, the table and the detail of the selected
// row. main.ts hands it each message from the host (`receive`); it keeps the query as the host last
// stated it, which row is selected and its detail. The rows themselves live in the table's window.
import '@vscode-elements/elements/dist/vscode-icon/index.js';
import { css, html, LitElement, type PropertyValues } from 'lit';
import type { HostToWebview, ResultDetailModel, ResultsQueryModel, ResultsTotalsModel } from '../../../src/extension/protocol';
import { postToHost } from '../../dashboard/components/events';
import { shared } from '../../dashboard/components/shared-styles';
import { DETAIL_DEBOUNCE_MS } from '../page';
import { DEFAULT_QUERY, sameQuery } from '../query';
import './fl-results-detail';
import './fl-results-table';
import './fl-results-toolbar';
import './fl-results-totals';

export class FlResults extends LitElement {
  static override properties = {
    totals: { attribute: false },
    query: { attribute: false },
    length: { attribute: false },
    selectedRow: { attribute: false },
    detail: { attribute: false },
    error: { attribute: false },
  };
  declare totals: ResultsTotalsModel | undefined;
  declare query: ResultsQueryModel;
  /** Rows the current view selects. */
  declare length: number;
  /** The file row whose detail is shown. */
  declare selectedRow: number | undefined;
  declare detail: ResultDetailModel | undefined;
  declare error: string;

  /** One table for the page's life, created here so messages reach it before the first render. */
  private readonly table = document.createElement('fl-results-table');
  private detailTimer: ReturnType<typeof setTimeout> | undefined;
  private focusDetail = false;

  constructor() {
    super();
    this.totals = undefined;
    this.query = DEFAULT_QUERY;
    this.length = 0;
    this.selectedRow = undefined;
    this.detail = undefined;
    this.error = '';
    this.addEventListener('fl-results-query', (event) => {
      event.stopPropagation();
      if (sameQuery(event.detail, this.query)) return;
      // Shown at once; the host's view (with its own copy of the query) follows.
      this.query = event.detail;
      postToHost(this, { type: 'results/query', query: event.detail });
    });
    this.addEventListener('fl-results-select', (event) => {
      event.stopPropagation();
      this.select(event.detail.row, event.detail.open);
    });
    this.addEventListener('fl-results-close-detail', (event) => {
      event.stopPropagation();
      clearTimeout(this.detailTimer);
      this.selectedRow = undefined;
      this.table.focus();
    });
  }

  /** One message from the host (main.ts checked its shape). */
  receive(message: HostToWebview): void {
    switch (message.type) {
      case 'results/totals':
        this.totals = message.totals;
        this.error = '';
        break;
      case 'results/view':
        if (!sameQuery(message.query, this.query)) this.query = message.query;
        this.length = message.length;
        void this.table.showView(message.generation, message.length);
        break;
      case 'results/rows':
        this.table.addRows(message.generation, message.start, message.rows);
        break;
      case 'results/detail':
        if (message.detail.row === this.selectedRow) this.detail = message.detail;
        break;
      case 'results/error':
        this.error = message.message;
        break;
      default:
        break;
    }
  }

  /** A row chosen by click or keyboard: its detail is asked for once the selection rests. */
  private select(row: number, open: boolean): void {
    clearTimeout(this.detailTimer);
    this.focusDetail = open;
    const shown = this.selectedRow === row && this.detail?.row === row;
    this.selectedRow = row;
    if (shown) {
      if (open) this.requestUpdate();
      return;
    }
    const ask = () => postToHost(this, { type: 'results/detail', row });
    if (open) ask();
    else this.detailTimer = setTimeout(ask, DETAIL_DEBOUNCE_MS);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.detailTimer);
  }

  protected override updated(_changed: PropertyValues<this>): void {
    this.table.query = this.query;
    this.table.selectedRow = this.selectedRow;
    if (this.focusDetail && this.detail?.row === this.selectedRow) {
      this.focusDetail = false;
      this.renderRoot.querySelector('fl-results-detail')?.focus();
    }
  }

  override render() {
    const open = this.selectedRow !== undefined;
    return html`
      <p class="error" role="alert" ?hidden=${this.error === ''}><vscode-icon name="error"></vscode-icon><span>${this.error}</span></p>
      <fl-results-totals .totals=${this.totals} .query=${this.query}></fl-results-totals>
      <fl-results-toolbar .totals=${this.totals} .query=${this.query} .length=${this.length}></fl-results-toolbar>
      <div class="split ${open ? 'open' : ''}">
        ${this.table}
        <fl-results-detail ?hidden=${!open} .detail=${this.detail} .selectedRow=${this.selectedRow}></fl-results-detail>
      </div>
    `;
  }

  static override styles = [
    shared,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: 8px;
        height: 100%;
        min-height: 0;
        box-sizing: border-box;
      }

      .error {
        display: flex;
        align-items: center;
        gap: 6px;
        margin: 0;
        padding: 4px 8px;
        border: 1px solid var(--vscode-inputValidation-errorBorder, var(--sev-error));
        background: var(--vscode-inputValidation-errorBackground, transparent);
        color: var(--vscode-errorForeground);
      }

      .split {
        flex: 1 1 auto;
        min-height: 0;
        display: grid;
        grid-template-columns: minmax(0, 1fr);
        gap: 12px;
      }

      .split.open {
        grid-template-columns: minmax(0, 3fr) minmax(280px, 2fr);
      }

      /* Narrow: the detail goes under the table. */
      @media (max-width: 760px) {
        .split.open {
          grid-template-columns: minmax(0, 1fr);
          grid-template-rows: minmax(120px, 1fr) minmax(0, 1fr);
        }
      }

      fl-results-table,
      fl-results-detail {
        min-height: 0;
      }
    `,
  ];
}

customElements.define('fl-results', FlResults);

declare global {
  interface HTMLElementTagNameMap {
    'fl-results': FlResults;
  }
}
