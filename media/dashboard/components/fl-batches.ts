// <fl-batches>: the Message Batches being polled, one row per input file — a progress bar and the
// counts per state. <fl-dashboard> hides it while there are none.
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import { css, html, LitElement } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { BatchRowModel } from '../../../src/extension/protocol';
import { shared } from './shared-styles';

const count = (n: number) => n.toLocaleString('en-US');

export class FlBatches extends LitElement {
  static override properties = { rows: { attribute: false } };
  declare rows: readonly BatchRowModel[];

  constructor() {
    super();
    this.rows = [];
  }

  override render() {
    return html`
      <section class="batches" aria-labelledby="heading">
        <h2 id="heading">Message Batches (half price)</h2>
        ${repeat(
          this.rows,
          (b) => b.id,
          (b) => html`
            <div class="batch">
              <div class="batch-head"><span class="batch-name">${b.name} — ${count(b.done)} of ${count(b.total)}</span></div>
              <vscode-progress-bar .max=${Math.max(1, b.total)} .value=${b.done} aria-label="Batches of ${b.name}: ${count(b.done)} of ${count(b.total)} done"></vscode-progress-bar>
              <div class="caption">${b.detail}</div>
            </div>
          `,
        )}
      </section>
    `;
  }

  static override styles = [
    shared,
    css`
      h2 {
        font-size: 1.05em;
        font-weight: 600;
        margin: 0 0 8px;
      }

      .batch {
        border: 1px solid var(--border);
        border-radius: 3px;
        padding: 6px 10px 8px;
        background: var(--vscode-sideBar-background, var(--vscode-editorWidget-background));
      }

      .batch + .batch {
        margin-top: 8px;
      }

      .batch-head {
        display: flex;
        align-items: center;
        gap: 6px;
        margin-bottom: 4px;
      }

      vscode-progress-bar {
        height: 6px;
        border-radius: 2px;
        overflow: hidden;
        background: var(--track);
      }
    `,
  ];
}

customElements.define('fl-batches', FlBatches);

declare global {
  interface HTMLElementTagNameMap {
    'fl-batches': FlBatches;
  }
}
