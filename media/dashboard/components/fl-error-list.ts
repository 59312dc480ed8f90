// <fl-error-list>: a run's recent errors, newest first. Each is a button: it asks the host to open
// the input file at that line (the page names the run and the line, never a path).
import { css, html, LitElement } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { RunErrorModel } from '../../../src/extension/protocol';
import { postToHost } from './events';
import { uniqueKeyed } from './keys';
import { shared } from './shared-styles';

export class FlErrorList extends LitElement {
  static override properties = {
    runId: { attribute: false },
    errors: { attribute: false },
    caption: { attribute: false },
  };
  declare runId: string;
  declare errors: readonly RunErrorModel[];
  /** "latest 10 of 37 errors", or ''. */
  declare caption: string;

  constructor() {
    super();
    this.runId = '';
    this.errors = [];
    this.caption = '';
  }

  override render() {
    const rows = uniqueKeyed(this.errors, (e) => `${e.line}:${e.customId}:${e.message}`);
    return html`
      <section class="errors">
        <div class="errors-head">
          <h4>Recent errors</h4>
          <span class="caption">${this.caption}</span>
        </div>
        <ul class="error-list">
          ${repeat(
            rows,
            ([key]) => key,
            ([, e]) => html`
              <li>
                <button
                  type="button"
                  class="error-link"
                  title=${`Open ${e.where} of the input file\n${e.message}`}
                  aria-label=${`${e.where}, ${e.customId}: ${e.message}. Open in the input file`}
                  @click=${() => this.open(e.line)}
                >
                  <vscode-icon name="go-to-file"></vscode-icon>
                  <span class="error-where">${e.where}</span>
                  <span class="error-message">${e.customId ? `${e.customId}: ${e.message}` : e.message}</span>
                </button>
              </li>
            `,
          )}
        </ul>
      </section>
    `;
  }

  private open(line: number): void {
    if (this.runId) postToHost(this, { type: 'openLocation', runId: this.runId, line });
  }

  static override styles = [
    shared,
    css`
      .errors {
        margin-top: 8px;
      }

      .errors-head {
        display: flex;
        align-items: baseline;
        gap: 8px;
      }

      h4 {
        margin: 0;
        font-size: 0.9em;
        font-weight: 600;
        color: var(--muted);
      }

      .error-list {
        list-style: none;
        margin: 2px 0 0;
        padding: 0;
      }

      .error-link {
        display: flex;
        align-items: center;
        gap: 6px;
        width: 100%;
        padding: 1px 4px;
        border: none;
        border-radius: 2px;
        background: none;
        color: var(--vscode-foreground);
        font: inherit;
        text-align: left;
        cursor: pointer;
      }

      .error-link:hover {
        background: var(--vscode-list-hoverBackground);
      }

      .error-where {
        flex: none;
        color: var(--vscode-textLink-foreground);
        font-variant-numeric: tabular-nums;
      }

      .error-message {
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
        color: var(--vscode-errorForeground);
      }
    `,
  ];
}

customElements.define('fl-error-list', FlErrorList);

declare global {
  interface HTMLElementTagNameMap {
    'fl-error-list': FlErrorList;
  }
}
