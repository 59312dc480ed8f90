// <fl-stats>: a run's figures (in flight, rate, ETA, 429s, retries…) as one description list. The
// <dl> and its rows live in one shadow root so the list keeps its semantics for screen readers.
import { css, html, LitElement } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { RunStat } from '../../../src/extension/protocol';
import { shared } from './shared-styles';

export class FlStats extends LitElement {
  static override properties = { stats: { attribute: false } };
  declare stats: readonly RunStat[];

  constructor() {
    super();
    this.stats = [];
  }

  override render() {
    return html`
      <dl class="stats">
        ${repeat(
          this.stats,
          (s) => s.label,
          (s) => html`<div class="stat" data-severity=${s.severity}><dt>${s.label}</dt><dd>${s.value}</dd></div>`,
        )}
      </dl>
    `;
  }

  static override styles = [
    shared,
    css`
      .stats {
        display: flex;
        flex-wrap: wrap;
        gap: 4px 18px;
        margin: 0;
      }

      dt {
        color: var(--muted);
        font-size: 0.85em;
      }

      dd {
        margin: 0;
        font-variant-numeric: tabular-nums;
        font-weight: 600;
      }

      .stat[data-severity='warning'] dd {
        color: var(--sev-warning);
      }

      .stat[data-severity='error'] dd {
        color: var(--sev-error);
      }
    `,
  ];
}

customElements.define('fl-stats', FlStats);

declare global {
  interface HTMLElementTagNameMap {
    'fl-stats': FlStats;
  }
}
