// <fl-dispatcher>: one API key's dispatcher — its hold, in flight against the ceiling, a gauge per
// token bucket (a row of them per model class once several are in use), the retry budget, and the
// cards of its runs.
import '@vscode-elements/elements/dist/vscode-icon/index.js';
import { css, html, LitElement, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { DispatcherModel } from '../../../src/extension/protocol';
import './fl-meter';
import './fl-run-card';
import { shared } from './shared-styles';

export class FlDispatcher extends LitElement {
  static override properties = {
    dispatcher: { attribute: false },
    collapsed: { attribute: false },
  };
  declare dispatcher: DispatcherModel | undefined;
  /** Ids of the run cards shown collapsed. */
  declare collapsed: ReadonlySet<string>;

  constructor() {
    super();
    this.collapsed = new Set();
  }

  override render() {
    const d = this.dispatcher;
    if (!d) return nothing;
    return html`
      <section class="dispatcher" data-severity=${d.severity} aria-labelledby="label">
        <header class="dispatcher-head">
          <vscode-icon name="key"></vscode-icon>
          <h2 id="label">${d.label}</h2>
          <span class="dispatcher-state">${d.stateText}</span>
          <span class="simulated" ?hidden=${!d.simulated}><vscode-icon name="beaker"></vscode-icon> simulated — not real spend</span>
        </header>
        <p class="detail" ?hidden=${d.detail === ''}>${d.detail}</p>
        ${d.classes.length === 0
          ? html`<div class="gauges">${repeat([d.inFlight, ...d.gauges], (g) => g.id, (g) => html`<fl-meter .meter=${g}></fl-meter>`)}</div>`
          : repeat(
              d.classes,
              (c) => c.modelClass,
              (c) => html`
                <div class="class-row" role="group" aria-label=${`${c.modelClass} buckets`}>
                  <h3 class="class-name">${c.modelClass}<span class="class-detail" ?hidden=${c.detail === ''}> · ${c.detail}</span></h3>
                  <div class="gauges">${repeat([c.inFlight, ...c.gauges], (g) => g.id, (g) => html`<fl-meter .meter=${g}></fl-meter>`)}</div>
                </div>
              `,
            )}
        ${d.participants.length === 0
          ? nothing
          : html`
              <div class="participants" role="group" aria-label="Sharing this quota">
                <h3 class="class-name">Sharing this quota</h3>
                <ul>
                  ${repeat(d.participants, (p) => p.id, (p) => html`<li><span class="participant-class">${p.modelClass}</span> ${p.name} · <span class="participant-use">${p.text}</span></li>`)}
                </ul>
              </div>
            `}
        <p class="caption">${d.caption}</p>
        <div class="runs">
          ${repeat(d.runs, (r) => r.id, (r) => html`<fl-run-card .run=${r} ?collapsed=${this.collapsed.has(r.id)}></fl-run-card>`)}
        </div>
      </section>
    `;
  }

  static override styles = [
    shared,
    css`
      .dispatcher-head {
        display: flex;
        align-items: center;
        gap: 6px;
      }

      h2 {
        font-size: 1.1em;
        margin: 0;
      }

      .dispatcher-state {
        color: var(--muted);
      }

      .dispatcher-state::before {
        content: '· ';
      }

      .simulated {
        display: inline-flex;
        align-items: center;
        gap: 4px;
        margin-left: auto;
        color: var(--muted);
      }

      .dispatcher[data-severity='warning'] .dispatcher-state {
        color: var(--sev-warning);
      }

      .dispatcher[data-severity='error'] .dispatcher-state {
        color: var(--sev-error);
      }

      .gauges {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(180px, 1fr));
        gap: 10px 20px;
        margin-top: 8px;
      }

      .class-row {
        margin-top: 8px;
      }

      .class-name {
        font-size: 1em;
        font-weight: 600;
        margin: 0;
      }

      .class-detail {
        font-weight: normal;
        color: var(--sev-warning);
      }

      .participants {
        margin-top: 8px;
      }

      .participants ul {
        margin: 4px 0 0;
        padding-left: 1.2em;
      }

      .participant-class,
      .participant-use {
        color: var(--muted);
      }

      .runs {
        display: grid;
        gap: 8px;
        margin-top: 12px;
      }
    `,
  ];
}

customElements.define('fl-dispatcher', FlDispatcher);

declare global {
  interface HTMLElementTagNameMap {
    'fl-dispatcher': FlDispatcher;
  }
}
