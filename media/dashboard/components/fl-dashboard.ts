// <fl-dashboard>: the whole page for one DashboardModel — the overall state, today's budgets, the
// chart, a section per dispatcher and the Message Batches. It keeps no state of its own: main.ts
// sets `model` as the host posts it and `collapsed` as the user folds run cards.
import '@vscode-elements/elements/dist/vscode-icon/index.js';
import { css, html, LitElement, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { DashboardModel, Severity } from '../../../src/extension/protocol';
import './fl-batches';
import './fl-chart';
import './fl-dispatcher';
import './fl-meter';
import './fl-run-card';
import { shared } from './shared-styles';

const SEVERITY_ICONS: Record<Severity, string> = { ok: 'pass', warning: 'warning', error: 'error' };

export class FlDashboard extends LitElement {
  static override properties = {
    model: { attribute: false },
    collapsed: { attribute: false },
  };
  declare model: DashboardModel | undefined;
  /** Ids of the run cards shown collapsed; a new set each time it changes. */
  declare collapsed: ReadonlySet<string>;

  constructor() {
    super();
    this.collapsed = new Set();
  }

  override render() {
    const m = this.model;
    if (!m) return nothing;
    const empty = m.dispatchers.length === 0 && m.pastRuns.length === 0 && m.batches.length === 0;
    return html`
      <header class="top">
        <vscode-icon name=${SEVERITY_ICONS[m.severity]} data-severity=${m.severity}></vscode-icon>
        <span class="summary">${m.summary}</span>
      </header>
      <div class="overview">
        <div class="daily">
          <fl-meter .meter=${m.daily.spend}></fl-meter>
          <fl-meter .meter=${m.daily.tokens}></fl-meter>
        </div>
        <fl-chart .chart=${m.chart}></fl-chart>
      </div>
      <p class="placeholder" ?hidden=${!empty}>No runs yet. Run a .jsonl file of requests with Floorline to see it here.</p>
      ${repeat(
        m.dispatchers,
        (d) => d.id,
        (d) => html`<fl-dispatcher .dispatcher=${d} .collapsed=${this.collapsed}></fl-dispatcher>`,
      )}
      <section class="past" ?hidden=${m.pastRuns.length === 0} aria-labelledby="past-title">
        <h2 id="past-title">Earlier runs</h2>
        <div class="runs">
          ${repeat(m.pastRuns, (r) => r.id, (r) => html`<fl-run-card .run=${r} ?collapsed=${this.collapsed.has(r.id)}></fl-run-card>`)}
        </div>
      </section>
      <fl-batches ?hidden=${m.batches.length === 0} .rows=${m.batches}></fl-batches>
    `;
  }

  static override styles = [
    shared,
    css`
      .top {
        display: flex;
        align-items: center;
        gap: 6px;
        font-weight: 600;
        margin-bottom: 10px;
      }

      .overview {
        display: grid;
        grid-template-columns: minmax(200px, 1fr) minmax(260px, 2fr);
        gap: 12px 24px;
        align-items: start;
        padding-bottom: 12px;
        border-bottom: 1px solid var(--border);
        margin-bottom: 12px;
      }

      @media (max-width: 560px) {
        .overview {
          grid-template-columns: 1fr;
        }
      }

      .daily {
        display: grid;
        gap: 10px;
      }

      .placeholder {
        color: var(--muted);
        margin: 16px 0;
      }

      fl-dispatcher + fl-dispatcher {
        margin-top: 20px;
      }

      fl-batches,
      .past {
        margin-top: 20px;
      }

      .past h2 {
        font-size: 1.1em;
        margin: 0;
      }

      .past .runs {
        display: grid;
        gap: 8px;
        margin-top: 12px;
      }
    `,
  ];
}

customElements.define('fl-dashboard', FlDashboard);

declare global {
  interface HTMLElementTagNameMap {
    'fl-dashboard': FlDashboard;
  }
}
