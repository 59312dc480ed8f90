// <fl-chart>: throughput and the tightest token bucket over the last minutes, with the bucket's
// soft floor, as an SVG the model has already laid out in 0..1 (only scaling happens here).
import { css, html, LitElement, nothing } from 'lit';
import type { ChartModel } from '../../../src/extension/protocol';
import { shared } from './shared-styles';

/** The plot's viewBox, W × H (written out in the template too). */
const W = 300;
const H = 72;

type Segments = ChartModel['rps'];

/** An SVG path through each segment; a lone point still shows, as a short flat dash. */
function pathOf(segments: Segments): string {
  return segments
    .map((points) => {
      const first = points[0];
      const drawn: Array<[number, number]> = points.length === 1 && first ? [first, [Math.min(1, first[0] + 0.005), first[1]]] : points;
      return drawn.map(([x, y], i) => `${i ? 'L' : 'M'}${(x * W).toFixed(1)} ${((1 - y) * H).toFixed(1)}`).join('');
    })
    .join('');
}

export class FlChart extends LitElement {
  static override properties = { chart: { attribute: false } };
  declare chart: ChartModel | undefined;

  override render() {
    const c = this.chart;
    if (!c) return nothing;
    // No floor known: the line is drawn above the plot, out of sight.
    const floorY = (c.softFloorY === undefined ? -10 : (1 - c.softFloorY) * H).toFixed(1);
    return html`
      <figure class="chart">
        <div class="chart-frame">
          <!-- The viewBox is W × H; the grid sits at quarters of H. -->
          <svg class="chart-plot" viewBox="0 0 300 72" preserveAspectRatio="none" role="img" aria-label=${c.summary}>
            <line class="chart-grid" x1="0" x2="300" y1="18" y2="18"></line>
            <line class="chart-grid" x1="0" x2="300" y1="36" y2="36"></line>
            <line class="chart-grid" x1="0" x2="300" y1="54" y2="54"></line>
            <line class="chart-floor" x1="0" x2="300" y1=${floorY} y2=${floorY}></line>
            <path class="chart-share" d=${pathOf(c.share)}></path>
            <path class="chart-rps" d=${pathOf(c.rps)}></path>
          </svg>
          <!-- Scales sit over the plot's top corners; the time axis runs below it. -->
          <div class="chart-scales" aria-hidden="true"><span>${c.rpsScaleText}</span><span>100%</span></div>
          <div class="chart-axis" aria-hidden="true"><span>${c.windowText}</span><span>now</span></div>
        </div>
        <figcaption class="chart-legend">
          <span class="legend legend-rps"><span class="swatch"></span>Throughput <span class="legend-value">${c.rpsNowText}</span></span>
          <span class="legend legend-share"><span class="swatch"></span>Tightest token bucket <span class="legend-value">${c.shareNowText}</span></span>
          <span class="legend legend-floor"><span class="swatch"></span>soft floor</span>
        </figcaption>
      </figure>
    `;
  }

  static override styles = [
    shared,
    css`
      .chart {
        margin: 0;
      }

      .chart-frame {
        position: relative;
      }

      .chart-plot {
        display: block;
        width: 100%;
        height: 72px;
        background: var(--track);
        outline: 1px solid var(--border);
        outline-offset: -1px;
        border-radius: 2px;
      }

      .chart-plot path,
      .chart-plot line {
        vector-effect: non-scaling-stroke;
        fill: none;
      }

      .chart-grid {
        stroke: var(--border);
        stroke-width: 1;
        stroke-dasharray: 2 4;
      }

      .chart-rps {
        stroke: var(--vscode-charts-blue);
        stroke-width: 2;
        stroke-linejoin: round;
      }

      .chart-share {
        stroke: var(--vscode-charts-purple);
        stroke-width: 1.5;
        stroke-dasharray: 5 3;
      }

      .chart-floor {
        stroke: var(--sev-warning);
        stroke-width: 1;
        stroke-dasharray: 1 3;
      }

      .chart-scales {
        position: absolute;
        top: 1px;
        left: 4px;
        right: 4px;
        display: flex;
        justify-content: space-between;
        color: var(--muted);
        font-size: 0.8em;
        pointer-events: none;
      }

      .chart-scales span {
        padding: 0 3px;
        border-radius: 2px;
        background: var(--track);
      }

      .chart-axis {
        display: flex;
        justify-content: space-between;
        color: var(--muted);
        font-size: 0.85em;
        margin-top: 2px;
      }

      .chart-legend {
        display: flex;
        flex-wrap: wrap;
        gap: 2px 14px;
        margin-top: 4px;
        font-size: 0.9em;
      }

      .legend {
        display: inline-flex;
        align-items: center;
        gap: 4px;
        color: var(--muted);
      }

      .legend-value {
        color: var(--vscode-foreground);
        font-variant-numeric: tabular-nums;
      }

      .swatch {
        display: inline-block;
        width: 14px;
        height: 0;
        border-top: 2px solid var(--vscode-charts-blue);
      }

      .legend-share .swatch {
        border-top: 2px dashed var(--vscode-charts-purple);
      }

      .legend-floor .swatch {
        border-top: 1px dotted var(--sev-warning);
      }
    `,
  ];
}

customElements.define('fl-chart', FlChart);

declare global {
  interface HTMLElementTagNameMap {
    'fl-chart': FlChart;
  }
}
