// <fl-results-table>'s styles, apart so the component stays short. Rows are exactly ROW_HEIGHT
// (../page.ts, 24px) tall: the window arithmetic depends on it.
import { css } from 'lit';

export const tableStyles = css`
  :host {
    display: flex;
    flex-direction: column;
    min-height: 0;
    min-width: 0;
  }

  .viewport {
    position: relative;
    flex: 1 1 auto;
    min-height: 0;
    overflow: auto;
    border: 1px solid var(--border);
    font-variant-numeric: tabular-nums;
  }

  /* Nothing to scroll: the header alone, and the sentence under it. */
  .viewport.none {
    flex: none;
  }

  .viewport:focus {
    outline: none;
  }

  .viewport:focus-visible {
    outline: 1px solid var(--vscode-focusBorder);
    outline-offset: -1px;
  }

  /* The header and the rows share their columns; the preview takes what is left. */
  .cols {
    display: grid;
    grid-template-columns:
      64px minmax(110px, 1.2fr) 104px minmax(140px, 1fr) 64px 64px 100px 72px 80px
      minmax(160px, 3fr);
    min-width: 920px;
    height: 24px;
    box-sizing: border-box;
    align-items: center;
  }

  .head {
    position: sticky;
    top: 0;
    z-index: 1;
    background: var(--vscode-editor-background);
    border-bottom: 1px solid var(--border);
    font-weight: 600;
  }

  .body {
    position: relative;
    min-width: 920px;
  }

  .window {
    position: absolute;
    top: 0;
    left: 0;
    right: 0;
    will-change: transform;
  }

  .cell {
    padding: 0 6px;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    line-height: 24px;
  }

  .num {
    text-align: right;
  }

  .wide {
    grid-column: 2 / -1;
  }

  .sort {
    display: inline-flex;
    align-items: center;
    gap: 2px;
    max-width: 100%;
    padding: 0;
    border: none;
    background: none;
    color: inherit;
    font: inherit;
    cursor: pointer;
  }

  .num .sort {
    flex-direction: row-reverse;
  }

  .sort:hover {
    color: var(--vscode-textLink-foreground);
  }

  .row {
    cursor: default;
  }

  .row:hover {
    background: var(--vscode-list-hoverBackground);
  }

  .row.selected {
    background: var(--vscode-list-inactiveSelectionBackground);
    color: var(--vscode-list-inactiveSelectionForeground, inherit);
  }

  .viewport:focus .row.selected {
    background: var(--vscode-list-activeSelectionBackground);
    color: var(--vscode-list-activeSelectionForeground, inherit);
  }

  .viewport:focus .row.active {
    outline: 1px solid var(--vscode-list-focusOutline, var(--vscode-focusBorder));
    outline-offset: -1px;
  }

  .row.loading {
    color: var(--muted);
  }


  .preview {
    color: var(--muted);
  }

  .row.selected .preview {
    color: inherit;
  }

  .empty {
    color: var(--muted);
    margin: 12px 4px;
  }
`;

/** A status with its icon, coloured by its tone: the table's cells and the detail's heading. */
export const statusStyles = css`
  .status {
    display: flex;
    align-items: center;
    gap: 4px;
  }

  .status[data-tone='ok'] vscode-icon {
    color: var(--sev-ok);
  }

  .status[data-tone='error'] {
    color: var(--sev-error);
  }

  .status[data-tone='warning'] {
    color: var(--sev-warning);
  }

  .status[data-tone='muted'] {
    color: var(--muted);
  }
`;
