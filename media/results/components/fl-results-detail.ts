// <fl-results-detail>: one result in full — its facts, the request it answered (from the input
// file), the reply block by block (thinking folded away), the error of a failure — with buttons to
// copy each part (the host reads the text from the files: the page sends only the row and the part)
// and to open the input at the request's line. Everything from the file is text: Lit escapes it.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-icon/index.js';
import { css, html, LitElement, nothing } from 'lit';
import type { ReplyBlockModel, ResultDetailModel, ResultsCopyPart } from '../../../src/extension/protocol';
import { postToHost } from '../../dashboard/components/events';
import { shared } from '../../dashboard/components/shared-styles';
import { STATUS_INFO } from '../query';
import { closeDetail } from './events';
import { statusStyles } from './table-styles';

export class FlResultsDetail extends LitElement {
  static override properties = {
    detail: { attribute: false },
    selectedRow: { attribute: false },
  };
  /** The detail of `selectedRow`, once the host sent it. */
  declare detail: ResultDetailModel | undefined;
  declare selectedRow: number | undefined;

  constructor() {
    super();
    this.detail = undefined;
    this.selectedRow = undefined;
  }

  /** Enter on a row: the keyboard goes on to the detail. */
  override focus(): void {
    this.renderRoot.querySelector<HTMLElement>('h2')?.focus();
  }

  override render() {
    if (this.selectedRow === undefined) return nothing;
    const d = this.detail?.row === this.selectedRow ? this.detail : undefined;
    if (!d) return html`<section aria-busy="true" aria-label="Result detail"><p class="caption">Loading row ${this.selectedRow + 1}…</p></section>`;
    const status = STATUS_INFO[d.status];
    return html`
      <section aria-labelledby="title">
        <header class="head">
          <h2 id="title" tabindex="-1" title=${d.customId}>${d.customId || `Row ${d.row + 1}`}</h2>
          ${this.copy('customId', 'Copy the custom id')}
          <vscode-button class="close" secondary icon="close" aria-label="Close the detail" title="Close the detail" @click=${() => closeDetail(this)}></vscode-button>
        </header>
        <p class="status" data-tone=${status.tone}>
          <vscode-icon name=${status.icon}></vscode-icon><span>${status.label}</span>
          <span class="caption-inline">· row ${d.row + 1}, line ${d.line}</span>
        </p>
        <dl class="facts">${d.facts.map(({ label, value }) => html`<dt>${label}</dt><dd>${value}</dd>`)}</dl>
        ${d.error === undefined ? nothing : html`
          <div class="part">
            <div class="part-head"><h3>Error</h3>${this.copy('error', 'Copy the error')}</div>
            <pre class="error">${d.error}</pre>
          </div>`}
        <div class="part">
          <div class="part-head"><h3>Reply</h3>${d.reply.length > 0 ? this.copy('reply', 'Copy the reply') : nothing}</div>
          ${d.reply.length === 0 ? html`<p class="caption">No reply.</p>` : d.reply.map((b) => this.block(b))}
        </div>
        <div class="part">
          <div class="part-head">
            <h3>Request</h3>
            ${'json' in d.request ? this.copy('request', 'Copy the request') : nothing}
            ${'json' in d.request
              ? html`<vscode-button secondary icon="go-to-file" aria-label="Open the input file at line ${d.request.line}" @click=${() => postToHost(this, { type: 'results/openInput', row: d.row })}>Open input at this line</vscode-button>`
              : nothing}
          </div>
          ${'json' in d.request ? html`<pre>${d.request.json}</pre>` : html`<p class="caption">${d.request.missing}</p>`}
        </div>
      </section>
    `;
  }

  private block(b: ReplyBlockModel) {
    if (b.kind === 'thinking') {
      return html`<details class="block"><summary>${b.title}</summary><pre class="thinking">${b.body}</pre></details>`;
    }
    const code = b.kind === 'tool_use' || b.kind === 'tool_result' || b.kind === 'other';
    return html`<div class="block"><h4>${b.title}</h4>${code ? html`<pre>${b.body}</pre>` : html`<div class="text">${b.body}</div>`}</div>`;
  }

  private copy(part: ResultsCopyPart, label: string) {
    const row = this.selectedRow;
    return html`<vscode-button secondary icon="copy" aria-label=${label} title=${label} @click=${() => {
      if (row !== undefined) postToHost(this, { type: 'results/copy', row, part });
    }}></vscode-button>`;
  }

  static override styles = [
    shared,
    statusStyles,
    css`
      :host {
        overflow: auto;
        min-width: 0;
        padding: 0 4px 12px 0;
      }

      .head,
      .part-head {
        display: flex;
        align-items: center;
        gap: 6px;
      }

      h2 {
        margin: 0;
        font-size: 1.1em;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
        min-width: 0;
      }

      h2:focus-visible {
        outline: 1px solid var(--vscode-focusBorder);
      }

      .close {
        margin-left: auto;
      }

      h3 {
        margin: 0;
        font-size: 0.95em;
        color: var(--muted);
      }

      h4 {
        margin: 6px 0 2px;
        font-size: 0.9em;
        font-weight: 600;
      }

      .status {
        margin: 4px 0 8px;
      }

      .caption-inline {
        color: var(--muted);
      }

      .facts {
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: 2px 12px;
        margin: 0 0 8px;
      }

      dt {
        color: var(--muted);
      }

      dd {
        margin: 0;
        overflow-wrap: anywhere;
        font-variant-numeric: tabular-nums;
      }

      .part {
        margin-top: 12px;
        padding-top: 8px;
        border-top: 1px solid var(--border);
      }

      pre,
      .text {
        margin: 4px 0 0;
        padding: 6px 8px;
        background: var(--vscode-textCodeBlock-background, var(--track));
        font-family: var(--vscode-editor-font-family);
        font-size: var(--vscode-editor-font-size);
        white-space: pre-wrap;
        overflow-wrap: anywhere;
        max-height: 60vh;
        overflow: auto;
      }

      .text {
        font-family: inherit;
        font-size: inherit;
        background: none;
        padding: 0;
      }

      pre.error {
        color: var(--vscode-errorForeground);
      }

      .block + .block {
        margin-top: 6px;
      }

      summary {
        cursor: pointer;
        color: var(--muted);
        font-weight: 600;
      }

      summary:focus-visible {
        outline: 1px solid var(--vscode-focusBorder);
      }
    `,
  ];
}

customElements.define('fl-results-detail', FlResultsDetail);

declare global {
  interface HTMLElementTagNameMap {
    'fl-results-detail': FlResultsDetail;
  }
}
