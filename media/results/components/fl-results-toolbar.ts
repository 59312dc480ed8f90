// <fl-results-toolbar>: the query's filters — a search (sent ~200 ms after the typing stops), the
// statuses and the models to show — and how many rows they select. Every change sends the whole
// query (ResultsQueryModel); the host answers with a new view, whose query this then shows.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-icon/index.js';
import '@vscode-elements/elements/dist/vscode-multi-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { css, html, LitElement, type PropertyValues } from 'lit';
import type { ResultsQueryModel, ResultsTotalsModel } from '../../../src/extension/protocol';
import { shared } from '../../dashboard/components/shared-styles';
import { clearFilters, DEFAULT_QUERY, SEARCH_DEBOUNCE_MS, STATUS_INFO, STATUS_ORDER, withModels, withSearch, withStatuses } from '../query';
import { changeQuery } from './events';

export class FlResultsToolbar extends LitElement {
  static override properties = {
    query: { attribute: false },
    totals: { attribute: false },
    length: { attribute: false },
    draft: { state: true },
  };
  declare query: ResultsQueryModel;
  declare totals: ResultsTotalsModel | undefined;
  /** Rows the query selects. */
  declare length: number;
  /** The search as typed, before it is sent. */
  declare draft: string;

  private searchTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    super();
    this.query = DEFAULT_QUERY;
    this.totals = undefined;
    this.length = 0;
    this.draft = '';
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // The host's query wins, except over a search still being typed.
    if (changed.has('query') && this.searchTimer === undefined) this.draft = this.query.search;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.searchTimer);
  }

  private onSearch(event: Event): void {
    this.draft = (event.target as HTMLInputElement).value;
    clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => {
      this.searchTimer = undefined;
      if (this.draft !== this.query.search) changeQuery(this, withSearch(this.query, this.draft));
    }, SEARCH_DEBOUNCE_MS);
  }

  private onStatuses(event: Event): void {
    changeQuery(this, withStatuses(this.query, (event.target as HTMLElement & { value: string[] }).value));
  }

  private onModels(event: Event): void {
    changeQuery(this, withModels(this.query, (event.target as HTMLElement & { value: string[] }).value));
  }

  private clear(): void {
    clearTimeout(this.searchTimer);
    this.searchTimer = undefined;
    this.draft = '';
    changeQuery(this, clearFilters(this.query));
  }

  override render() {
    const q = this.query;
    const models = this.totals?.models ?? [];
    const filtered = q.statuses.length > 0 || q.models.length > 0 || q.search !== '';
    const total = STATUS_ORDER.reduce((n, s) => n + (this.totals?.counts[s] ?? 0), 0);
    return html`
      <div class="bar" role="search" aria-label="Filter the results">
        <vscode-textfield
          class="search"
          type="search"
          placeholder="Search custom id, model, reply, error…"
          label="Search the results"
          .value=${this.draft}
          @input=${(e: Event) => this.onSearch(e)}
        >
          <vscode-icon slot="content-before" name="search"></vscode-icon>
        </vscode-textfield>
        <span class="caption" aria-hidden="true">Status</span>
        <vscode-multi-select class="statuses" label="Statuses to show" .value=${q.statuses} @change=${(e: Event) => this.onStatuses(e)}>
          ${STATUS_ORDER.map((s) => html`<vscode-option value=${s} ?selected=${q.statuses.includes(s)}>${STATUS_INFO[s].label}</vscode-option>`)}
        </vscode-multi-select>
        <span class="caption" aria-hidden="true">Model</span>
        <vscode-multi-select class="models" label="Models to show" ?disabled=${models.length === 0} .value=${q.models} @change=${(e: Event) => this.onModels(e)}>
          ${models.map(({ model }) => html`<vscode-option value=${model} ?selected=${q.models.includes(model)}>${model}</vscode-option>`)}
        </vscode-multi-select>
        <vscode-button secondary icon="clear-all" ?disabled=${!filtered} aria-label="Clear the filters" @click=${() => this.clear()}>Clear</vscode-button>
        <span class="caption shown" role="status">${filtered ? `${this.length.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} shown` : `${this.length.toLocaleString('en-US')} shown`}</span>
      </div>
    `;
  }

  static override styles = [
    shared,
    css`
      .bar {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 6px 8px;
      }

      .search {
        flex: 1 1 240px;
        min-width: 160px;
        max-width: 480px;
      }

      .statuses,
      .models {
        width: 170px;
      }

      .caption {
        margin: 0;
      }

      .shown {
        margin: 0 0 0 auto;
        font-variant-numeric: tabular-nums;
      }
    `,
  ];
}

customElements.define('fl-results-toolbar', FlResultsToolbar);

declare global {
  interface HTMLElementTagNameMap {
    'fl-results-toolbar': FlResultsToolbar;
  }
}
