// <fl-results-totals>: the file at a glance — its name, the counts per status (chips that filter
// the table), spend (a rehearsal's flagged as not real), tokens, latency, models, whether it is
// still growing, what in it is not a result — and the actions on the whole file.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-icon/index.js';
import { css, html, LitElement, nothing } from 'lit';
import type { ResultsAction, ResultsQueryModel, ResultsTotalsModel } from '../../../src/extension/protocol';
import { postToHost } from '../../dashboard/components/events';
import { shared } from '../../dashboard/components/shared-styles';
import { DEFAULT_QUERY, erroredActions, STATUS_INFO, STATUS_ORDER, toggleStatus } from '../query';
import { changeQuery } from './events';

export class FlResultsTotals extends LitElement {
  static override properties = {
    totals: { attribute: false },
    query: { attribute: false },
  };
  declare totals: ResultsTotalsModel | undefined;
  declare query: ResultsQueryModel;

  constructor() {
    super();
    this.totals = undefined;
    this.query = DEFAULT_QUERY;
  }

  override render() {
    const t = this.totals;
    if (!t) return nothing;
    const errored = erroredActions(t);
    return html`
      <header class="top">
        <vscode-icon name="output"></vscode-icon>
        <h1 class="file" title=${t.fileName}>${t.fileName}</h1>
        <span class="caption">${t.rowsText}</span>
        <span class="live" ?hidden=${!t.growing} role="status">
          <vscode-icon name="sync" spin></vscode-icon><span>Live — following the file as it grows</span>
        </span>
      </header>
      <div class="chips" role="group" aria-label="Filter by status">
        ${STATUS_ORDER.map((status) => {
          const info = STATUS_INFO[status];
          const count = t.counts[status];
          const on = this.query.statuses.includes(status);
          return html`<button
            type="button"
            class="chip"
            data-status=${status}
            data-alert=${status === 'errored' && count > 0 ? 'error' : nothing}
            aria-pressed=${String(on)}
            title="${on ? 'Stop showing only' : 'Show only'} ${info.label.toLowerCase()} results"
            @click=${() => changeQuery(this, toggleStatus(this.query, status))}
          >
            <vscode-icon name=${info.icon}></vscode-icon>
            <span class="count">${count.toLocaleString('en-US')}</span>
            <span>${info.label.toLowerCase()}</span>
          </button>`;
        })}
      </div>
      <dl class="facts">
        <div>
          <dt>Spend</dt>
          <dd>${t.spendText} <span class="simulated" ?hidden=${!t.simulated}>Simulated — not real spend</span></dd>
        </div>
        ${t.tokens.map(({ label, value }) => html`<div><dt>${label}</dt><dd>${value}</dd></div>`)}
        <div><dt>Latency</dt><dd>${t.latencyText}</dd></div>
        <div ?hidden=${t.models.length === 0}>
          <dt>Models</dt>
          <dd>${t.models.map(({ model, rows }, i) => html`${i > 0 ? ', ' : ''}<span class="model">${model}</span> <span class="caption-inline">(${rows.toLocaleString('en-US')})</span>`)}</dd>
        </div>
      </dl>
      <p class="warning" ?hidden=${t.warning === ''} role="note"><vscode-icon name="warning"></vscode-icon><span>${t.warning}</span></p>
      <div class="actions" role="group" aria-label="Actions on these results">
        ${this.button('rerunErrored', 'Re-run errored', 'debug-rerun', errored)}
        ${this.button('submitErroredBatch', 'Submit errored as batch', 'package', errored)}
        ${this.button('exportCsv', 'Export CSV', 'export', { enabled: true, reason: '' })}
        ${this.button('openAsText', 'Open as text', 'go-to-file', { enabled: true, reason: '' })}
      </div>
    `;
  }

  /** A disabled vscode-button takes no pointer events: its wrapper carries the reason as a tooltip. */
  private button(action: ResultsAction, text: string, icon: string, state: { enabled: boolean; reason: string }) {
    return html`<span class="action" title=${state.reason || nothing}>
      <vscode-button
        secondary
        icon=${icon}
        ?disabled=${!state.enabled}
        aria-label=${state.enabled ? text : `${text} (unavailable: ${state.reason})`}
        @click=${() => {
          if (state.enabled) postToHost(this, { type: 'results/action', action });
        }}
      >${text}</vscode-button>
    </span>`;
  }

  static override styles = [
    shared,
    css`
      .top {
        display: flex;
        align-items: center;
        flex-wrap: wrap;
        gap: 4px 8px;
      }

      .file {
        margin: 0;
        font-size: 1.1em;
        font-weight: 600;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
        min-width: 0;
      }

      .live {
        display: inline-flex;
        align-items: center;
        gap: 4px;
        color: var(--vscode-textLink-foreground);
      }

      .chips {
        display: flex;
        flex-wrap: wrap;
        gap: 6px;
        margin: 8px 0 6px;
      }

      .chip {
        display: inline-flex;
        align-items: center;
        gap: 4px;
        padding: 2px 8px;
        border: 1px solid var(--border);
        border-radius: 10px;
        background: none;
        color: var(--vscode-foreground);
        font: inherit;
        cursor: pointer;
      }

      .chip:hover {
        background: var(--vscode-list-hoverBackground);
      }

      .chip[aria-pressed='true'] {
        background: var(--vscode-badge-background);
        color: var(--vscode-badge-foreground);
        border-color: var(--vscode-focusBorder);
      }

      .chip[data-alert='error'] {
        color: var(--sev-error);
        border-color: var(--sev-error);
      }

      .chip[data-alert='error'][aria-pressed='true'] {
        background: var(--vscode-inputValidation-errorBackground, var(--vscode-badge-background));
        color: var(--vscode-errorForeground);
      }

      .count {
        font-weight: 600;
        font-variant-numeric: tabular-nums;
      }

      .facts {
        display: flex;
        flex-wrap: wrap;
        gap: 2px 20px;
        margin: 0;
      }

      .facts div {
        display: flex;
        gap: 6px;
      }

      dt {
        color: var(--muted);
      }

      dd {
        margin: 0;
        font-variant-numeric: tabular-nums;
      }

      .caption-inline {
        color: var(--muted);
      }

      .simulated {
        margin-left: 4px;
        padding: 0 6px;
        border: 1px solid var(--sev-warning);
        border-radius: 3px;
        color: var(--sev-warning);
        font-weight: 600;
        white-space: nowrap;
      }

      .warning {
        display: flex;
        align-items: center;
        gap: 6px;
        margin: 6px 0 0;
        color: var(--sev-warning);
      }

      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 6px;
        margin-top: 8px;
      }

      .action {
        display: inline-block;
      }
    `,
  ];
}

customElements.define('fl-results-totals', FlResultsTotals);

declare global {
  interface HTMLElementTagNameMap {
    'fl-results-totals': FlResultsTotals;
  }
}
