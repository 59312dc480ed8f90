// <fl-meter>: one horizontal gauge — label and value, a track with its fill, an optional lighter
// segment (spend reserved in flight), floor ticks, and small print. `role="meter"` carries the
// numbers and a sentence for screen readers.
import { css, html, LitElement, nothing } from 'lit';
import type { MeterModel } from '../../../src/extension/protocol';
import { shared } from './shared-styles';
import { styleProps } from './style-props';

export class FlMeter extends LitElement {
  static override properties = { meter: { attribute: false } };
  declare meter: MeterModel | undefined;

  override render() {
    const m = this.meter;
    if (!m) return nothing;
    const percent = m.percent ?? 0;
    return html`
      <div class="meter" data-severity=${m.severity}>
        <div class="meter-head">
          <span class="meter-label">${m.label}</span>
          <span class="meter-value">${m.text}</span>
        </div>
        <div
          class="meter-track"
          role="meter"
          ?hidden=${m.percent === undefined}
          aria-label=${m.label}
          aria-valuemin=${m.aria.min}
          aria-valuemax=${m.aria.max}
          aria-valuenow=${Math.round(m.aria.now * 100) / 100}
          aria-valuetext=${m.aria.text}
        >
          <div class="meter-fill" ${styleProps({ width: `${percent}%` })}></div>
          <div class="meter-extra" ${styleProps({ left: `${percent}%`, width: `${m.extraPercent ?? 0}%` })}></div>
          ${m.markers.map(
            (marker) => html`<div class="tick tick-${marker.kind}" title=${marker.label} aria-hidden="true" ${styleProps({ left: `${marker.percent}%` })}></div>`,
          )}
        </div>
        <div class="caption">${m.caption}</div>
      </div>
    `;
  }

  static override styles = [
    shared,
    css`
      .meter-head {
        display: flex;
        justify-content: space-between;
        gap: 8px;
        margin-bottom: 3px;
      }

      .meter-label {
        color: var(--muted);
      }

      .meter-value {
        font-variant-numeric: tabular-nums;
        font-weight: 600;
      }

      .meter[data-severity='error'] .meter-value {
        color: var(--sev-error);
      }

      .meter-track {
        position: relative;
        height: 8px;
        border-radius: 2px;
        background: var(--track);
        outline: 1px solid var(--border);
        outline-offset: -1px;
      }

      .meter-fill,
      .meter-extra {
        position: absolute;
        top: 0;
        bottom: 0;
        left: 0;
        border-radius: 2px;
        background: var(--vscode-progressBar-background);
        transition: width 200ms linear;
      }

      .meter-extra {
        opacity: 0.4;
        border-radius: 0;
      }

      .meter[data-severity='warning'] :is(.meter-fill, .meter-extra) {
        background: var(--sev-warning);
      }

      .meter[data-severity='error'] :is(.meter-fill, .meter-extra) {
        background: var(--sev-error);
      }

      /* Floor ticks stand out past the track so they read even where the fill covers them. */
      .tick {
        position: absolute;
        top: -3px;
        bottom: -3px;
        width: 2px;
        margin-left: -1px;
      }

      .tick-soft {
        background: var(--sev-warning);
      }

      .tick-hard {
        background: var(--sev-error);
      }

      @media (prefers-reduced-motion: reduce) {
        .meter-fill,
        .meter-extra {
          transition: none;
        }
      }
    `,
  ];
}

customElements.define('fl-meter', FlMeter);

declare global {
  interface HTMLElementTagNameMap {
    'fl-meter': FlMeter;
  }
}
