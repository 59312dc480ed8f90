// <fl-run-card>: one run — a header that is always shown (collapse toggle, priority, state, a brief
// of progress and spend, Pause/Resume/Stop) and a body that collapses (progress bar, figures, spend
// against the cap, recent errors). Whether it is collapsed is UI state that main.ts keeps; the card
// only asks for the change. Not <vscode-collapsible>: its header is a focusable <div> without
// aria-expanded that opens on Enter only, and it cannot hold the header's own buttons.
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-icon/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import { css, html, LitElement, nothing } from 'lit';
import type { RunAction, RunModel } from '../../../src/extension/protocol';
import { postToHost, toggleRun } from './events';
import './fl-error-list';
import './fl-meter';
import './fl-stats';
import { shared } from './shared-styles';

const CONTROLS: ReadonlyArray<{ action: RunAction; text: string; icon: string }> = [
  { action: 'pause', text: 'Pause', icon: 'debug-pause' },
  { action: 'resume', text: 'Resume', icon: 'debug-continue' },
  { action: 'stop', text: 'Stop', icon: 'debug-stop' },
];

export class FlRunCard extends LitElement {
  static override properties = {
    run: { attribute: false },
    collapsed: { type: Boolean, reflect: true },
  };
  declare run: RunModel | undefined;
  declare collapsed: boolean;

  constructor() {
    super();
    this.collapsed = false;
  }

  override render() {
    const r = this.run;
    if (!r) return nothing;
    const collapsed = this.collapsed;
    return html`
      <article class="run ${r.active ? '' : 'inactive'}" data-severity=${r.severity}>
        <header class="run-head">
          <button
            type="button"
            class="run-toggle"
            aria-expanded=${String(!collapsed)}
            aria-controls="body"
            title="${collapsed ? 'Expand' : 'Collapse'} ${r.label}"
            @click=${() => toggleRun(this, r.id)}
          >
            <vscode-icon name=${collapsed ? 'chevron-right' : 'chevron-down'}></vscode-icon>
            <span class="run-label">${r.label}</span>
          </button>
          <vscode-badge ?hidden=${r.priorityText === ''}>${r.priorityText}</vscode-badge>
          <vscode-badge ?hidden=${!r.simulated} title="Simulated — not real spend">simulated</vscode-badge>
          <!-- Polite: a state change (holding, stopped at the floor) is worth announcing; counters are not. -->
          <span class="state" data-severity=${r.stateSeverity} aria-live="polite">
            <vscode-icon name=${r.stateIcon} ?spin=${r.stateIcon === 'loading'}></vscode-icon>
            <span>${r.stateText}</span>
          </span>
          <span class="run-brief">${r.progress.text} · ${r.spend.text}</span>
          <div class="controls" role="group" aria-label="Run controls">
            ${CONTROLS.map(
              ({ action, text, icon }) => html`
                <vscode-button
                  secondary
                  icon=${icon}
                  ?hidden=${!r.controls[action]}
                  aria-label="${text} ${r.label}"
                  @click=${() => this.control(action)}
                >${text}</vscode-button>
              `,
            )}
            <vscode-button
              secondary
              icon="output"
              ?hidden=${!r.canOpenResults}
              aria-label="Open the results of ${r.label}"
              @click=${() => this.openResults()}
            >Open results</vscode-button>
          </div>
        </header>
        <p class="detail" ?hidden=${r.detail === ''}>${r.detail}</p>
        <div class="run-body" id="body" ?hidden=${collapsed}>
          <div class="progress-row">
            <vscode-progress-bar
              max="100"
              .value=${r.progress.percent}
              aria-label="Progress of ${r.label}: ${r.progress.text} done"
            ></vscode-progress-bar>
            <span class="progress-text">${r.progress.text} · ${Math.floor(r.progress.percent)}%</span>
          </div>
          <div class="caption">${r.progress.caption}</div>
          <div class="run-figures">
            <fl-stats .stats=${r.stats}></fl-stats>
            <fl-meter .meter=${r.spend}></fl-meter>
          </div>
          <fl-error-list
            ?hidden=${r.errors.length === 0}
            .runId=${r.id}
            .errors=${r.errors}
            .caption=${r.errorsCaption}
          ></fl-error-list>
        </div>
      </article>
    `;
  }

  private control(action: RunAction): void {
    // A click can land between the model that hid the button and the next paint.
    if (this.run?.controls[action]) postToHost(this, { type: 'control', action, runId: this.run.id });
  }

  private openResults(): void {
    if (this.run?.canOpenResults) postToHost(this, { type: 'openResults', runId: this.run.id });
  }

  /** The control that had the keyboard focus before this update, if any. */
  private focusedControl: HTMLElement | undefined;

  protected override willUpdate(): void {
    const focused = this.shadowRoot?.activeElement;
    this.focusedControl = focused instanceof HTMLElement && focused.closest('.controls') ? focused : undefined;
  }

  /**
   * Pause becomes Resume under the keyboard focus: hiding the focused button drops the focus to the
   * page (at once, in Chromium), so it moves on to the control that replaced it, or to the toggle.
   */
  protected override updated(): void {
    const was = this.focusedControl;
    this.focusedControl = undefined;
    if (!was?.hidden) return;
    const next = this.renderRoot.querySelector<HTMLElement>('.controls vscode-button:not([hidden])') ?? this.renderRoot.querySelector<HTMLElement>('.run-toggle');
    next?.focus();
  }

  static override styles = [
    shared,
    css`
      .run {
        border: 1px solid var(--border);
        border-left: 3px solid var(--sev-ok);
        border-radius: 3px;
        padding: 6px 10px 10px;
        background: var(--vscode-sideBar-background, var(--vscode-editorWidget-background));
      }

      .run.inactive {
        border-left-color: var(--border);
      }

      .run[data-severity='warning'] {
        border-left-color: var(--sev-warning);
      }

      .run[data-severity='error'] {
        border-left-color: var(--sev-error);
      }

      :host([collapsed]) .run {
        padding-bottom: 6px;
      }

      .run-head {
        display: flex;
        align-items: center;
        flex-wrap: wrap;
        gap: 4px 10px;
        min-height: 28px;
      }

      .run-toggle {
        display: inline-flex;
        align-items: center;
        gap: 4px;
        min-width: 0;
        padding: 2px 4px 2px 0;
        border: none;
        background: none;
        color: var(--vscode-foreground);
        font: inherit;
        font-weight: 600;
        cursor: pointer;
      }

      .run-label {
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }

      .state {
        display: inline-flex;
        align-items: center;
        gap: 4px;
      }

      .state[data-severity='warning'] {
        color: var(--sev-warning);
      }

      .state[data-severity='error'] {
        color: var(--sev-error);
      }

      .run-brief {
        color: var(--muted);
        font-variant-numeric: tabular-nums;
      }

      .controls {
        display: flex;
        gap: 6px;
        margin-left: auto;
      }

      .detail {
        margin: 2px 0 6px 20px;
      }

      .run-body {
        margin-left: 20px;
      }

      .progress-row {
        display: flex;
        align-items: center;
        gap: 10px;
        margin-top: 4px;
      }

      vscode-progress-bar {
        flex: 1;
        height: 6px;
        border-radius: 2px;
        overflow: hidden;
        background: var(--track);
      }

      .progress-text {
        font-variant-numeric: tabular-nums;
        white-space: nowrap;
      }

      .run-figures {
        display: grid;
        grid-template-columns: minmax(0, 2fr) minmax(160px, 1fr);
        gap: 8px 20px;
        align-items: start;
        margin-top: 8px;
      }

      @media (max-width: 520px) {
        .run-figures {
          grid-template-columns: 1fr;
        }
      }
    `,
  ];
}

customElements.define('fl-run-card', FlRunCard);

declare global {
  interface HTMLElementTagNameMap {
    'fl-run-card': FlRunCard;
  }
}
